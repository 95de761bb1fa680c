"""Working days in England: Monday to Friday, less England's bank holidays.

Statutory time limits in children's social care are counted in working days (a child
and family assessment within 45 of its start, an initial child protection conference
within 15 of the strategy discussion). The bank holidays are worked out from the rules
in the Banking and Financial Dealings Act 1971 as proclaimed each year: New Year's Day,
Good Friday, Easter Monday, the early May, spring and summer bank holidays, Christmas
Day and Boxing Day, with a weekday in lieu when one falls at a weekend; and the one-off
changes and additions proclaimed since 1995 are listed by date.

Counting convention (the one councils and the DfE use): the day an assessment starts
is day 0, so "within 45 working days" means completed on or before the 45th working day
after the start.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

# Proclaimed moves and extra days (England).
MOVED = {
    # Early May bank holiday moved to VE Day's anniversaries.
    (1995, "early_may"): date(1995, 5, 8),
    (2020, "early_may"): date(2020, 5, 8),
    # Spring bank holiday moved for jubilees.
    (2002, "spring"): date(2002, 6, 4),
    (2012, "spring"): date(2012, 6, 4),
    (2022, "spring"): date(2022, 6, 2),
}
EXTRA = {
    date(1999, 12, 31): "Millennium celebrations",
    date(2002, 6, 3): "Golden Jubilee",
    date(2011, 4, 29): "Royal wedding",
    date(2012, 6, 5): "Diamond Jubilee",
    date(2022, 6, 3): "Platinum Jubilee",
    date(2022, 9, 19): "State funeral of Queen Elizabeth II",
    date(2023, 5, 8): "Coronation of King Charles III",
}


def easter_sunday(year: int) -> date:
    """Easter Sunday in the Gregorian calendar (the anonymous Gregorian algorithm)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    j = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * j) // 451
    month, day = divmod(h + j - 7 * m + 114, 31)
    return date(year, month, day + 1)


def _first_monday(year: int, month: int) -> date:
    d = date(year, month, 1)
    return d + timedelta(days=(7 - d.weekday()) % 7)


def _last_monday(year: int, month: int) -> date:
    nxt = date(year + month // 12, month % 12 + 1, 1)
    d = nxt - timedelta(days=1)
    return d - timedelta(days=d.weekday())


@lru_cache(maxsize=256)
def bank_holidays(year: int) -> dict[date, str]:
    """England's bank holidays in `year`, each with its name."""
    easter = easter_sunday(year)
    days = {
        MOVED.get((year, "early_may"), _first_monday(year, 5)): "Early May bank holiday",
        MOVED.get((year, "spring"), _last_monday(year, 5)): "Spring bank holiday",
        _last_monday(year, 8): "Summer bank holiday",
        easter - timedelta(days=2): "Good Friday",
        easter + timedelta(days=1): "Easter Monday",
    }
    new_year = date(year, 1, 1)
    days[new_year + timedelta(days={5: 2, 6: 1}.get(new_year.weekday(), 0))] = "New Year's Day"
    christmas, boxing = date(year, 12, 25), date(year, 12, 26)
    if christmas.weekday() == 5:  # Saturday: Monday and Tuesday
        christmas, boxing = date(year, 12, 27), date(year, 12, 28)
    elif christmas.weekday() == 6:  # Sunday: Boxing Day Monday, Christmas Tuesday
        christmas = date(year, 12, 27)
    elif christmas.weekday() == 4:  # Friday: Boxing Day (Saturday) on Monday
        boxing = date(year, 12, 28)
    days[christmas] = "Christmas Day"
    days[boxing] = "Boxing Day"
    days.update({d: name for d, name in EXTRA.items() if d.year == year})
    return days


def is_working_day(d: date) -> bool:
    return d.weekday() < 5 and d not in bank_holidays(d.year)


def add_working_days(start: date, n: int) -> date:
    """The `n`th working day after `start` (`start` itself is day 0)."""
    if n < 0:
        raise ValueError("count forwards only")
    d = start
    while n:
        d += timedelta(days=1)
        if is_working_day(d):
            n -= 1
    return d


def working_days_between(start: date, end: date) -> int:
    """Working days after `start` up to and including `end` (0 when `end` is not after
    `start`): an assessment started on a Monday and completed on the Tuesday took 1."""
    if end <= start:
        return 0
    whole_weeks, rest = divmod((end - start).days, 7)
    count = whole_weeks * 5
    d = start + timedelta(days=whole_weeks * 7)
    for _ in range(rest):
        d += timedelta(days=1)
        if d.weekday() < 5:
            count += 1
    for year in range(start.year, end.year + 1):
        count -= sum(1 for h in bank_holidays(year) if start < h <= end and h.weekday() < 5)
    return count
