"""Words for the codes the data plane uses: what every page a person reads shows in
place of a need code, a member's role, a source table or a family id.

The words come from the contracts themselves where they can: a need's `title` in its
framework file (a council's own copy may give its own), a source's `title` and
`event` in `sources/schema.py`. CSV downloads keep the codes, with these beside them.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from datetime import date
from typing import Any

from wholefamily.frameworks.files import FrameworkError, check
from wholefamily.frameworks.identify import framework_file
from wholefamily.sources.schema import SOURCES

# A need's name when its framework file gives no title (a council's older copy).
NEED_NAMES = {
    "EDUCATION": "Getting a good education",
    "EARLY_YEARS": "Good early years development",
    "HEALTH": "Improved mental and physical health",
    "SUBSTANCE_USE": "Reducing harm from substance use",
    "RELATIONSHIPS": "Improved family relationships",
    "CHILD_SAFETY": "Children safe from abuse and exploitation",
    "CRIME": "Crime prevention and tackling crime",
    "CRIME_ASB": "Crime and anti-social behaviour",
    "DOMESTIC_ABUSE": "Safe from domestic abuse",
    "HOUSING": "Secure housing",
    "FINANCE": "Improved financial stability",
    "WORK": "Worklessness",
    "WORK_FINANCE": "Worklessness and financial exclusion",
    "CHILDREN_NEED_HELP": "Children who need help",
    "LOCAL": "A local cause for concern",
}
ROLE_NAMES = {"ADULT": "Adult", "CHILD": "Child"}


def words(code: str) -> str:
    """A code no table names, in words: `SOME_CODE` is "Some code"."""
    return code.replace("_", " ").strip().capitalize()


@functools.lru_cache(maxsize=32)
def _need_titles(framework: str) -> dict[str, str]:
    try:
        data = check(framework_file(framework)).data
    except (FrameworkError, OSError, ValueError):
        return {}
    return {code: str(n["title"]) for code, n in data.get("needs", {}).items() if "title" in n}


@functools.lru_cache(maxsize=32)
def framework_label(framework: str) -> str:
    """A framework by its title ("Troubled Families, phase 2 (2015 to 2020)"), else its
    name as given."""
    try:
        title = check(framework_file(framework)).data.get("title")
    except (FrameworkError, OSError, ValueError):
        title = None
    return str(title) if title else framework


def need_label(code: str, framework: str = "") -> str:
    """A need in words: its framework's title, else the usual name, else the code in words."""
    if framework and (title := _need_titles(framework).get(code)):
        return title
    return NEED_NAMES.get(code, words(code))


def needs_label(codes: str | Iterable[str], framework: str = "") -> str:
    """Needs in words, one after another: `EDUCATION;HEALTH` as "Getting a good
    education; Improved mental and physical health"."""
    items = codes.split(";") if isinstance(codes, str) else list(codes)
    return "; ".join(need_label(c, framework) for c in items if c)


def role_label(code: str) -> str:
    return ROLE_NAMES.get(code, words(code)) if code else ""


def source_label(name: str) -> str:
    s = SOURCES.get(name)
    return s.title if s and s.title else words(name)


def evidence_label(source: str, on: date | None) -> str:
    """A row of agency evidence as a practitioner reads it: "DWP benefits, claim started
    13 April 2020" (never the table and row number)."""
    s = SOURCES.get(source)
    what = source_label(source)
    if on is None:
        return what
    event = s.event if s and s.event else "dated"
    return f"{what}, {event} {on.day} {on:%B %Y}"


def age_on(dob: date | None, day: date) -> int | None:
    if dob is None:
        return None
    return day.year - dob.year - ((day.month, day.day) < (dob.month, dob.day))


# A member as naming reads it: (forename, surname, date of birth, role).
Named = tuple[str, str, date | None, str]


def name_of(people: Iterable[Named], fallback: str = "") -> str:
    """A family as practitioners name it: the lead adult's surname ("Taylor family"),
    the lead adult being the eldest adult with a surname; else the eldest named
    member's; `fallback` when nobody is named."""
    named = [p for p in people if (p[1] or "").strip()]
    pool = [p for p in named if p[3] != "CHILD"] or named
    if not pool:
        return fallback
    lead = min(pool, key=lambda p: (p[2] or date.max, p[1]))
    return f"{lead[1].strip().title()} family"


def kids_of(people: Iterable[Named]) -> list[list[str | None]]:
    """The children's first names and dates of birth, eldest first (as Family.kids
    keeps them): [["Jade", "2011-05-04"], ["Tom", None]]."""
    kids = sorted((p for p in people if p[3] == "CHILD"), key=lambda p: p[2] or date.max)
    return [[(p[0] or "").strip().title(), p[2].isoformat() if p[2] else None] for p in kids]


def kids_label(kids: Iterable[Any], day: date) -> str:
    """Children kept as `kids_of` gives them, with their ages on `day`: "Jade (14), Tom (9)"."""
    parts = []
    for name, dob in kids:
        age = age_on(date.fromisoformat(dob), day) if dob else None
        name = name or "A child"
        parts.append(f"{name} ({age})" if age is not None else name)
    return ", ".join(parts)


def _named(members: Iterable[Any]) -> list[Named]:
    return [
        (m.person.forename, m.person.surname, m.person.dob, m.role)
        for m in members
        if getattr(m, "current", True)
    ]


def family_name(members: Iterable[Any], fallback: str) -> str:
    """`name_of` over Member objects (their current ones)."""
    return name_of(_named(members), fallback)


def children_label(members: Iterable[Any], day: date) -> str:
    """The children's first names and ages, eldest first: "Jade (14), Tom (9)"."""
    return kids_label(kids_of(_named(members)), day)
