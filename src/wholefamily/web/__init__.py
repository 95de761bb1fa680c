"""The case-management web app (Django, GOV.UK Frontend).

It sits on top of the flow: it reads the identification outputs (through
`families.sync`) and the warehouse's review queue, and keeps the case work
(allocation, consent, assessments, plans, reviews, closure) in its own
database: SQLite in the workspace by default, PostgreSQL through
DATABASE_URL.

`configure(workspace)` points Django at a workspace; every entry point
(`wholefamily serve`, `wholefamily web ...`, the tests) calls it first.
"""

from __future__ import annotations

import os
from pathlib import Path

SETTINGS = "wholefamily.web.settings"


def configure(workspace: Path, settings: str = SETTINGS) -> None:
    """Point Django at `workspace` and set it up (idempotent)."""
    import django

    os.environ["WHOLEFAMILY_WORKSPACE"] = str(workspace.resolve())
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", settings)
    django.setup()


def collect_static() -> bool:
    """The static files into the workspace, hashed and compressed (what `serve` sends);
    False when they are there already, collected from the same files.

    Hashing and compressing every file (GOV.UK Frontend, the MOJ design system, the
    admin's) takes seconds, so it is done once per change of the files, which a
    fingerprint of their names, sizes and times says."""
    import hashlib

    from django.conf import settings
    from django.contrib.staticfiles.finders import get_finders
    from django.core.management import call_command

    h = hashlib.sha256(settings.STORAGES["staticfiles"]["BACKEND"].encode())
    for finder in get_finders():
        for path, storage in sorted(finder.list([]), key=lambda x: x[0]):
            st = os.stat(storage.path(path))
            h.update(f"{path}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    stamp = Path(settings.STATIC_ROOT) / ".collected-from"
    if stamp.is_file() and stamp.read_text() == h.hexdigest():
        return False
    call_command("collectstatic", interactive=False, verbosity=0)
    stamp.write_text(h.hexdigest())
    return True
