"""The census's collection year: "2025-26" is 1 April 2025 to 31 March 2026.

The return's header carries the year the collection ends (<Year>2026</Year>) and the
reference date, the last day of the year (<ReferenceDate>2026-03-31</ReferenceDate>): the
DfE's rule 100 checks that the reference date is 31 March of <Year>, and the validator
picks its rule set from <Year> (2026 → cin2025_26).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

_FORM = re.compile(r"(\d{4})-(\d{2})")


@dataclass(frozen=True, order=True)
class CollectionYear:
    """A census year, named by the calendar year it starts in (2025 for 2025-26)."""

    first: int

    @property
    def start(self) -> date:
        return date(self.first, 4, 1)

    @property
    def end(self) -> date:
        return date(self.first + 1, 3, 31)

    @property
    def reference_date(self) -> date:
        """The census's reference date: the last day of the year."""
        return self.end

    @property
    def xml_year(self) -> str:
        """<Year> in the header: the year the collection ends, "2026" for 2025-26."""
        return str(self.first + 1)

    @property
    def ruleset(self) -> str:
        """The validator's rule set for the year: "cin2025_26"."""
        return f"cin{self.first}_{(self.first + 1) % 100:02d}"

    def __str__(self) -> str:
        return f"{self.first}-{(self.first + 1) % 100:02d}"

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end


def parse_year(text: str) -> CollectionYear:
    """ "2025-26" → the year 1 April 2025 to 31 March 2026; anything else → ValueError.

    Only the census's own form is taken: four digits, a hyphen, the next year's last two
    digits. "2025", "25-26", "2025-2026", "2025/26" and "2025-27" are refused with a
    message saying how to write it.
    """
    value = text.strip()
    m = _FORM.fullmatch(value)
    if m is None:
        raise ValueError(
            f"the collection year must be written like 2025-26 "
            f"(1 April 2025 to 31 March 2026), not {text!r}"
        )
    first, second = int(m.group(1)), int(m.group(2))
    if first < 2000:
        raise ValueError(
            f"the collection year {value} is not a census year (it starts before 2000)"
        )
    if second != (first + 1) % 100:
        raise ValueError(
            f"the collection year {value} is not one year: a census year runs from 1 April "
            f"to 31 March, so {first} is written {first}-{(first + 1) % 100:02d}"
        )
    return CollectionYear(first)
