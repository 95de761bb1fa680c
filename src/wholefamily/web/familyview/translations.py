"""The family's own view's strings, extracted for translators: the family view's Python
files and its templates only (staff pages are in English), into
`web/locale/<language>/LC_MESSAGES/django.po`, keeping any translations already there.

    DJANGO_SETTINGS_MODULE=wholefamily.web.settings PYTHONPATH=src \\
        python -m wholefamily.web.familyview.translations cy
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

WEB = Path(__file__).resolve().parent.parent


def po_path(locale_dir: Path, language: str) -> Path:
    return locale_dir / language / "LC_MESSAGES" / "django.po"


def extract(language: str, into: Path | None = None, web: Path = WEB) -> Path:
    """Runs makemessages over a copy of the family view's files (so nothing else of the
    project is read) and writes the .po into `into` (a locale folder; web/locale when
    None). Returns the .po's path."""
    from django.core.management import call_command
    from django.test.utils import override_settings

    into = into or web / "locale"
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        shutil.copytree(
            web / "familyview", root / "familyview", ignore=shutil.ignore_patterns("__pycache__")
        )
        shutil.copytree(web / "templates" / "familyview", root / "templates" / "familyview")
        kept = po_path(into, language)
        work = po_path(root / "locale", language)
        work.parent.mkdir(parents=True)
        if kept.exists():
            shutil.copy(kept, work)
        here = os.getcwd()
        os.chdir(root)
        try:
            with override_settings(LOCALE_PATHS=[root / "locale"]):
                call_command("makemessages", locale=[language], verbosity=0, no_obsolete=True)
        finally:
            os.chdir(here)
        kept.parent.mkdir(parents=True, exist_ok=True)
        # Paths in the comments are the project's (web/...), not the copy's.
        lines = [
            "#: " + " ".join(f"web/{ref}" for ref in line[3:].split())
            if line.startswith("#: ")
            else line
            for line in work.read_text(encoding="utf-8").splitlines()
        ]
        kept.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return kept


if __name__ == "__main__":
    import django

    django.setup()
    for lang in sys.argv[1:] or ["cy"]:
        print(extract(lang))
