"""Reporting periods: a quarter (2025Q1), a financial year (2025/26) or two dates."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta


class PeriodError(ValueError):
    """A period written in none of the accepted forms."""


QUARTER = re.compile(r"(\d{4})Q([1-4])")
# A financial year as the programme writes it (2025/26) or as the DfE does (2025-26).
YEAR = re.compile(r"(\d{4})[/-](\d{2})")
RANGE = re.compile(r"(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})")


@dataclass(frozen=True)
class Period:
    label: str
    first: date
    last: date

    def __contains__(self, d: object) -> bool:
        return isinstance(d, date) and self.first <= d <= self.last

    @property
    def financial_years(self) -> list[str]:
        """The financial years (April to March) the period touches, like 2025/26."""
        first = self.first.year - (self.first.month < 4)
        last = self.last.year - (self.last.month < 4)
        return [f"{y}/{str(y + 1)[2:]}" for y in range(first, last + 1)]


def parse_period(text: str) -> Period:
    text = text.strip()
    if m := QUARTER.fullmatch(text.upper()):
        year, q = int(m.group(1)), int(m.group(2))
        first = date(year, 3 * q - 2, 1)
        nxt = date(year + (q == 4), 1 if q == 4 else 3 * q + 1, 1)
        return Period(text.upper(), first, nxt - timedelta(days=1))
    if (m := YEAR.fullmatch(text)) and int(m.group(2)) == (int(m.group(1)) + 1) % 100:
        year = int(m.group(1))
        return Period(f"{year}/{m.group(2)}", date(year, 4, 1), date(year + 1, 3, 31))
    if m := RANGE.fullmatch(text):
        try:
            first, last = date.fromisoformat(m.group(1)), date.fromisoformat(m.group(2))
        except ValueError as exc:
            raise PeriodError(f"{text!r} holds a date that does not exist") from exc
        if last < first:
            raise PeriodError(f"{text!r} ends before it starts")
        return Period(text, first, last)
    raise PeriodError(
        f"a period is a quarter (2025Q1), a financial year (2025/26) or two dates "
        f"(2025-01-01..2025-03-31), not {text!r}"
    )
