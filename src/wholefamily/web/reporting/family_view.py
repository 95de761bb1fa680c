"""The "Families’ own view" section of the programme figures and the committee report:
the feedback family members gave (how helpful, by quarter and by district, and what
could be better, anonymous), how many families and family members have an account at
the period's end and how many used it in the period (`familyview.measures`).
Definitions: docs/measures.md ("Families’ own view").

The "what could be better" texts are listed without who wrote them or their family:
only the quarter and the district. The committee report prints the first
`PRINTED_TEXTS` of them and says how many more there are (the page and its CSV list
them all)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from wholefamily.web.familyview import measures as V
from wholefamily.web.reporting.metrics import Figure
from wholefamily.web.reporting.periods import Period

SECTION = "Families’ own view"
PRINTED_TEXTS = 10
COLUMNS = [
    "gave feedback",
    *(words for _, words in V.HELPFUL),
    "very or quite helpful %",
]


def _day(d: date) -> str:
    return f"{d.day} {d:%B %Y}"


def quarters(first: date, last: date) -> list[tuple[date, date]]:
    """The calendar quarters (January to March, ...) the period touches, each cut to the
    period's own first and last day."""
    out: list[tuple[date, date]] = []
    start = date(first.year, 3 * ((first.month - 1) // 3) + 1, 1)
    while start <= last:
        month = start.month + 3
        nxt = date(start.year + (month > 12), (month - 1) % 12 + 1, 1)
        out.append((max(start, first), min(nxt - timedelta(days=1), last)))
        start = nxt
    return out


def quarter_words(first: date, last: date) -> str:
    """ "January to March 2026" for a whole quarter; the two days for part of one."""
    whole_start = first.day == 1 and first.month % 3 == 1
    whole_end = (last + timedelta(days=1)).day == 1 and last.month % 3 == 0
    if whole_start and whole_end and first.year == last.year:
        return f"{first:%B} to {last:%B %Y}"
    return f"{_day(first)} to {_day(last)}"


def _quarter_of(d: date, spans: list[tuple[date, date]]) -> str:
    for a, b in spans:
        if a <= d <= b:
            return quarter_words(a, b)
    return _day(d)


def _row(label: str, h: V.Helpful) -> list[Any]:
    return [label, h.gave, *(h.at(level) for level, _ in V.HELPFUL), h.percent]


def figures(period: Period, district: str = "") -> list[Figure]:
    out = [_by_quarter(period, district)]
    if not district:
        out.append(_by_district(period))
    out += [_better(period, district), _accounts(period, district)]
    return out


def _by_quarter(p: Period, district: str) -> Figure:
    rows = [
        _row(quarter_words(a, b), V.helpful(a, b, district)) for a, b in quarters(p.first, p.last)
    ]
    rows.append(_row("The whole period", V.helpful(p.first, p.last, district)))
    return Figure(
        "fv_feedback",
        "Feedback from families, by quarter",
        ["quarter", *COLUMNS],
        rows,
        chart=(0, len(COLUMNS)),
        unit="%",
        note="Feedback family members gave on their own page, on a day in the period, "
        "and how helpful they said the support was. Feedback is anonymous: it keeps "
        "only the day and the family's district.",
        section=SECTION,
    )


def _by_district(p: Period) -> Figure:
    rows = [_row(d or "No district", h) for d, h in V.helpful_by_district(p.first, p.last).items()]
    return Figure(
        "fv_feedback_districts",
        "Feedback from families, by district",
        ["district", *COLUMNS],
        rows,
        chart=(0, len(COLUMNS)),
        unit="%",
        note="The district of the family, kept with the feedback when it was given.",
        section=SECTION,
    )


def _better(p: Period, district: str) -> Figure:
    spans = quarters(p.first, p.last)
    rows: list[list[Any]] = [
        [text, _quarter_of(on, spans), d or "No district"]
        for on, d, text in V.better(p.first, p.last, district)
    ]
    return Figure(
        "fv_better",
        "What families said could be better",
        ["what could be better", "given in", "district"],
        rows,
        note="In the words family members wrote, in the order they gave them, with only "
        "the quarter and the district: never who wrote them or which family.",
        section=SECTION,
        print_rows=PRINTED_TEXTS,
    )


def _accounts(p: Period, district: str) -> Figure:
    families, members = V.with_account(p.last, district)
    used_families, used_members = V.used(p.first, p.last, district)
    end = _day(p.last)
    return Figure(
        "fv_accounts",
        "Families with their own page, and how many used it",
        ["measure", "number"],
        [
            [f"Families with an account on {end}", families],
            [f"Family members with an account on {end}", members],
            ["Families who used their page in the period", used_families],
            ["Family members who used their page in the period", used_members],
        ],
        chart=(0, 1),
        note="An account counts from the day it was made until the day it was stopped; a "
        "family with more than one account counts once. A family used its page when one "
        "of its family members looked at it on a day in the period.",
        section=SECTION,
    )
