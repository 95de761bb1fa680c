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


def family_name(members: Iterable[Any], fallback: str) -> str:
    """A family as practitioners name it: the lead adult's surname ("Taylor family"),
    the lead adult being the eldest current adult with a surname; else the eldest
    member's; `fallback` (the family's id) when nobody is named."""
    named = [m for m in members if getattr(m, "current", True) and m.person.surname.strip()]
    pool = [m for m in named if m.role != "CHILD"] or named
    if not pool:
        return fallback
    lead = min(pool, key=lambda m: (m.person.dob or date.max, m.person.surname)).person
    return f"{lead.surname.strip().title()} family"


def children_label(members: Iterable[Any], day: date) -> str:
    """The children's first names and ages, youngest last: "Jade (14), Tom (9)"."""
    kids = [m.person for m in members if getattr(m, "current", True) and m.role == "CHILD"]
    kids.sort(key=lambda p: p.dob or date.max)
    parts = []
    for p in kids:
        name = (p.forename or "").strip().title() or "A child"
        age = age_on(p.dob, day)
        parts.append(f"{name} ({age})" if age is not None else name)
    return ", ".join(parts)
