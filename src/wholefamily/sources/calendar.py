"""School calendar: academic years, terms bounded by Easter.

Autumn runs 1 Aug to 31 Dec, spring 1 Jan to Easter Sunday, summer Easter
Monday to 31 Jul (shared/spec/extracts.md). An academic year `2024/25` starts
on 1 Aug 2024.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

TERM_CODES = ("AUT", "SPR", "SUM")


def easter_sunday(year: int) -> date:
    """Western (Gregorian) Easter Sunday, by the anonymous Gregorian algorithm."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    el = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * el) // 451
    month, day = divmod(h + el - 7 * m + 114, 31)
    return date(year, month, day + 1)


def academic_year_start(d: date) -> int:
    """The calendar year in which the academic year holding `d` began."""
    return d.year if d.month >= 8 else d.year - 1


def academic_year_label(start_year: int) -> str:
    """`2024` -> `2024/25`."""
    return f"{start_year}/{(start_year + 1) % 100:02d}"


@dataclass(frozen=True, order=True)
class Term:
    """One school term: the academic year's start year and the term's position."""

    start_year: int
    index: int  # 0 = AUT, 1 = SPR, 2 = SUM

    @property
    def code(self) -> str:
        return TERM_CODES[self.index]

    @property
    def academic_year(self) -> str:
        return academic_year_label(self.start_year)

    @property
    def bounds(self) -> tuple[date, date]:
        return term_bounds(self.start_year, self.code)

    @property
    def first_day(self) -> date:
        return self.bounds[0]

    @property
    def last_day(self) -> date:
        return self.bounds[1]

    def next(self) -> Term:
        if self.index == 2:
            return Term(self.start_year + 1, 0)
        return Term(self.start_year, self.index + 1)

    def previous(self) -> Term:
        if self.index == 0:
            return Term(self.start_year - 1, 2)
        return Term(self.start_year, self.index - 1)


def term_bounds(start_year: int, code: str) -> tuple[date, date]:
    """First and last day (inclusive) of a term."""
    code = code.upper()
    easter = easter_sunday(start_year + 1)
    if code == "AUT":
        return date(start_year, 8, 1), date(start_year, 12, 31)
    if code == "SPR":
        return date(start_year + 1, 1, 1), easter
    if code == "SUM":
        return easter + timedelta(days=1), date(start_year + 1, 7, 31)
    raise ValueError(f"unknown term code {code!r}: expected AUT, SPR or SUM")


def term_of(d: date) -> Term:
    """The term a date falls in."""
    start_year = academic_year_start(d)
    for index, code in enumerate(TERM_CODES):
        first, last = term_bounds(start_year, code)
        if first <= d <= last:
            return Term(start_year, index)
    raise AssertionError(f"{d} falls in no term")  # pragma: no cover - terms tile the year


def terms_between(first: date, last: date) -> list[Term]:
    """Every term that overlaps [first, last], in order."""
    out: list[Term] = []
    term = term_of(first)
    while term.first_day <= last:
        out.append(term)
        term = term.next()
    return out


def last_terms(as_of: date, n: int) -> list[Term]:
    """The n latest terms that ended on or before `as_of`, oldest first."""
    term = term_of(as_of)
    if term.last_day > as_of:
        term = term.previous()
    out = [term]
    while len(out) < n:
        out.insert(0, out[0].previous())
    return out


def months_before(d: date, months: int) -> date:
    """`d` minus whole months, the day clamped to the month's end (2025-03-31 - 1 -> 02-28)."""
    import calendar

    y, m = divmod(d.year * 12 + d.month - 1 - months, 12)
    return date(y, m + 1, min(d.day, calendar.monthrange(y, m + 1)[1]))
