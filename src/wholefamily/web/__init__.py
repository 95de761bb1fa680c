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


def collect_static() -> None:
    """The static files into the workspace, hashed and compressed (what `serve` sends).

    Django copies only what changed; the manifest and compressed copies are remade."""
    from django.core.management import call_command

    call_command("collectstatic", interactive=False, verbosity=0)
