import itertools
from datetime import date

import pytest

from wholefamily.sources.calendar import Term, easter_sunday, term_bounds, term_of, terms_between


@pytest.mark.parametrize(
    ("year", "easter"),
    [
        (2019, date(2019, 4, 21)),
        (2024, date(2024, 3, 31)),
        (2025, date(2025, 4, 20)),
        (2026, date(2026, 4, 5)),
        (2038, date(2038, 4, 25)),
        (2008, date(2008, 3, 23)),
    ],
)
def test_easter(year: int, easter: date) -> None:
    assert easter_sunday(year) == easter


def test_terms_are_bounded_by_easter() -> None:
    assert term_bounds(2024, "AUT") == (date(2024, 8, 1), date(2024, 12, 31))
    assert term_bounds(2024, "SPR") == (date(2025, 1, 1), date(2025, 4, 20))
    assert term_bounds(2024, "SUM") == (date(2025, 4, 21), date(2025, 7, 31))
    assert term_of(date(2025, 4, 20)) == Term(2024, 1)
    assert term_of(date(2025, 4, 21)) == Term(2024, 2)
    assert Term(2024, 2).academic_year == "2024/25"


def test_terms_tile_the_calendar() -> None:
    terms = terms_between(date(2020, 8, 1), date(2026, 7, 31))
    assert len(terms) == 18
    for a, b in itertools.pairwise(terms):
        assert (b.first_day - a.last_day).days == 1


def test_unknown_term_code() -> None:
    with pytest.raises(ValueError, match="AUT, SPR or SUM"):
        term_bounds(2024, "WIN")
