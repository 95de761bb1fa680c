"""The family's pages are ready for translation: every string marked in the family
view's templates and Python files is in web/locale/cy/LC_MESSAGES/django.po (extracted
again into a temporary folder and compared), with no Welsh made up; with two languages
the switch shows each named in itself, and choosing Cymraeg sets <html lang="cy"> for
the rest of the session."""

from __future__ import annotations

import ast
import re
from datetime import date
from pathlib import Path

import pytest
from django.test import Client

from familykit import family_client, filled_family
from wholefamily.web import clock
from wholefamily.web.familyview import translations

pytestmark = pytest.mark.django_db

TODAY = date(2025, 9, 30)
PO = translations.po_path(translations.WEB / "locale", "cy")


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clock, "today", lambda: TODAY)


def entries(po: Path) -> dict[str, str]:
    """msgid -> msgstr of a .po file (the header left out)."""
    found: dict[str, str] = {}
    text = po.read_text(encoding="utf-8")
    pattern = r'^msgid ((?:".*"\n)+)msgstr ((?:".*"\n?)+)'
    for m in re.finditer(pattern, text, flags=re.M):
        msgid, msgstr = (
            "".join(ast.literal_eval(s) for s in g.split("\n") if s) for g in m.groups()
        )
        if msgid:
            found[msgid] = msgstr
    return found


def test_every_marked_string_is_in_the_po(tmp_path: Path) -> None:
    fresh = translations.extract("cy", into=tmp_path)
    made, kept = entries(fresh), entries(PO)
    assert set(made) == set(kept), {
        "missing from the .po": sorted(set(made) - set(kept)),
        "no longer marked": sorted(set(kept) - set(made)),
    }
    # The templates', the views' and the services' strings are all there.
    for msgid in (
        "Your family’s page",  # base.html
        "Hello %(name)s. Set up your account to see your family’s plan.",  # invitation.html
        "Thank you. Your scores are saved.",  # views/pages.py
        "This link has run out. Ask your lead practitioner for a new one.",  # services.EXPIRED
        "Give %(area)s a score from 1 to 10.",  # services.SCORE_RANGE
        "Choose a user name",  # views/signin.py
        "What you will do",  # seen.py
    ):
        assert msgid in kept, msgid
    assert len(kept) > 100
    # No Welsh is made up: a translator writes it.
    assert not [msgid for msgid, msgstr in kept.items() if msgstr]


def test_the_po_is_part_of_the_package() -> None:
    pyproject = (translations.WEB.parents[2] / "pyproject.toml").read_text()
    assert '"web/locale/*/LC_MESSAGES/*.po"' in pyproject


def test_the_language_switch(settings: object) -> None:
    d = filled_family(TODAY)
    c = family_client(d["account"])
    html = c.get("/my-family").content.decode()
    assert 'id="language"' not in html and '<html lang="en-gb"' in html
    settings.FAMILY_LANGUAGES = ["en-gb", "cy"]  # type: ignore[attr-defined]
    html = c.get("/my-family").content.decode()
    assert 'id="language"' in html
    assert ">English</button>" in html and ">Cymraeg</button>" in html
    r = c.post("/my-family/language", {"language": "cy", "next": "/my-family/plan"})
    assert r.status_code == 302 and r["Location"] == "/my-family/plan"
    for path in ("/my-family/plan", "/my-family", "/my-family/network"):
        assert '<html lang="cy"' in c.get(path).content.decode(), path
    # A language not offered, or a page elsewhere, changes nothing.
    r = c.post("/my-family/language", {"language": "fr", "next": "https://example.com/"})
    assert r["Location"] == "/my-family"
    assert '<html lang="cy"' in c.get("/my-family").content.decode()
    # Kept for the sign-in page after signing out too.
    c.post("/my-family/sign-out")
    assert '<html lang="cy"' in c.get("/my-family/sign-in").content.decode()
    # And English again.
    anon = Client()
    anon.post("/my-family/language", {"language": "cy", "next": "/my-family/sign-in"})
    anon.post("/my-family/language", {"language": "en-gb", "next": "/my-family/sign-in"})
    assert '<html lang="en-gb"' in anon.get("/my-family/sign-in").content.decode()
