"""The county's timeline: integer day numbers and the drop window.

The county is simulated over a fixed span around its reference date (the
`epoch`), whatever the as-of date of a drop, so two drops of one county cut
at different dates agree on every person and event they share. A drop holds
the events of its window: from the start of the academic year three full
years before the as-of date, to the extract date a few weeks after it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import numpy.typing as npt

from wholefamily.sources.calendar import academic_year_start

EPOCH_DEFAULT = 2025
HISTORY_YEARS = 3
EXTRACT_LAG_DAYS = 28
_UNIX = date(1970, 1, 1)

Days = npt.NDArray[np.int64]


def day(d: date) -> int:
    """A date as days since 1970-01-01."""
    return (d - _UNIX).days


def to_date(n: int) -> date:
    return _UNIX + timedelta(days=int(n))


def add_years(d: date, years: int) -> date:
    """Same day and month `years` later, 29 Feb clamped to 28 Feb."""
    try:
        return d.replace(year=d.year + years)
    except ValueError:
        return d.replace(year=d.year + years, day=28)


def years_days(years: float | npt.ArrayLike) -> npt.NDArray[np.int64]:
    return np.round(np.asarray(years, dtype=np.float64) * 365.2425).astype(np.int64)


def age_at(dob: Days, when: Days | int) -> Days:
    """Whole years of age at `when` (both day numbers), element-wise."""
    b = np.asarray(dob, dtype="datetime64[D]")
    w = np.broadcast_to(np.asarray(when, dtype="int64"), b.shape).astype("datetime64[D]")
    by = b.astype("datetime64[Y]").astype(np.int64)
    wy = w.astype("datetime64[Y]").astype(np.int64)
    # Compare (month, day) rather than day-of-year so leap years do not shift birthdays.
    bm = b.astype("datetime64[M]").astype(np.int64) % 12
    wm = w.astype("datetime64[M]").astype(np.int64) % 12
    bd = (b - b.astype("datetime64[M]")).astype(np.int64)
    wd = (w - w.astype("datetime64[M]")).astype(np.int64)
    before = (wm < bm) | ((wm == bm) & (wd < bd))
    return np.asarray(wy - by - before.astype(np.int64), dtype=np.int64)


@dataclass(frozen=True)
class Timeline:
    """The simulated span and one drop's window within it."""

    epoch: int
    as_of: date

    @property
    def reference(self) -> date:
        """The date the households are composed at."""
        return date(self.epoch, 1, 1)

    @property
    def start(self) -> date:
        return date(self.epoch - 6, 8, 1)

    @property
    def end(self) -> date:
        return date(self.epoch + 6, 7, 31)

    @property
    def extract_date(self) -> date:
        """Extracts are cut a little after the as-of date."""
        return self.as_of + timedelta(days=EXTRACT_LAG_DAYS)

    @property
    def window_start(self) -> date:
        """Start of the academic year `HISTORY_YEARS` full years before the as-of date."""
        return date(academic_year_start(self.as_of) - HISTORY_YEARS, 8, 1)

    def check(self) -> None:
        """Raise ValueError when the as-of date does not fit the simulated span."""
        lo = date(self.start.year + HISTORY_YEARS + 1, 8, 1)
        hi = self.end - timedelta(days=EXTRACT_LAG_DAYS)
        if not lo <= self.as_of <= hi:
            raise ValueError(
                f"--as-of {self.as_of.isoformat()} is outside the span this county is "
                f"simulated for ({lo.isoformat()} to {hi.isoformat()} with --epoch "
                f"{self.epoch}); choose --epoch {self.as_of.year}"
            )

    # Day numbers, for vectorised arithmetic.
    @property
    def t0(self) -> int:
        return day(self.start)

    @property
    def t1(self) -> int:
        return day(self.end)

    @property
    def ref(self) -> int:
        return day(self.reference)

    @property
    def w0(self) -> int:
        return day(self.window_start)

    @property
    def cut(self) -> int:
        return day(self.extract_date)

    @property
    def asof(self) -> int:
        return day(self.as_of)
