"""The family's own view in figures, for a period (first and last day, both counted) and,
optionally, one district (the family's; feedback keeps its own copy of it). Set-based
queries; definitions in docs/measures.md ("Families’ own view").

- feedback: the feedback given on a day in the period, by how helpful the support was
  (`helpful`), and the "what could be better" texts, never with who gave them;
- accounts at a day: family members' accounts made on or before it and not withdrawn
  by then (an account withdrawn on the day itself no longer counts), and the families
  they belong to, each family once;
- used in a period: the accounts (and their families) with a page looked at (`Seen`)
  on a day in it, whether or not the account has been withdrawn since.

Days are read in the council's time zone (`TIME_ZONE`), as every other day is.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Count, Q, QuerySet

from wholefamily.web.familyview.models import FamilyAccount, Feedback, Seen

HELPFUL = [
    (Feedback.Helpful.VERY, "very helpful"),
    (Feedback.Helpful.QUITE, "quite helpful"),
    (Feedback.Helpful.A_LITTLE, "a little helpful"),
    (Feedback.Helpful.NOT, "not helpful"),
]


@dataclass
class Helpful:
    """How many gave feedback, and how many chose each level (4 very ... 1 not)."""

    levels: dict[int, int] = field(default_factory=dict)

    @property
    def gave(self) -> int:
        return sum(self.levels.values())

    def at(self, level: int) -> int:
        return self.levels.get(level, 0)

    @property
    def very_or_quite(self) -> int:
        return self.at(Feedback.Helpful.VERY) + self.at(Feedback.Helpful.QUITE)

    @property
    def percent(self) -> float | None:
        """The share "very or quite helpful", of those who gave feedback."""
        return None if self.gave == 0 else round(100.0 * self.very_or_quite / self.gave, 1)


def _feedback(first: date, last: date, district: str = "") -> QuerySet[Feedback]:
    rows = Feedback.objects.filter(on__gte=first, on__lte=last)
    return rows.filter(district=district) if district else rows


def helpful(first: date, last: date, district: str = "") -> Helpful:
    counts = _feedback(first, last, district).order_by().values_list("helpful")
    return Helpful(dict(counts.annotate(n=Count("id"))))


def helpful_by_district(first: date, last: date) -> dict[str, Helpful]:
    """Each district's feedback in the period ("" for feedback with no district)."""
    out: dict[str, Helpful] = {}
    rows = _feedback(first, last).order_by().values_list("district", "helpful")
    for district, level, n in rows.annotate(n=Count("id")):
        out.setdefault(district, Helpful()).levels[level] = n
    return dict(sorted(out.items()))


def better(first: date, last: date, district: str = "") -> list[tuple[date, str, str]]:
    """(day, district, text) of each "what could be better" written in the period, in
    the order given: nothing names who wrote it or their family."""
    rows = _feedback(first, last, district).exclude(better="").order_by("on", "id")
    return [(on, d, text) for on, d, text in rows.values_list("on", "district", "better")]


def _accounts(district: str) -> QuerySet[FamilyAccount]:
    rows = FamilyAccount.objects.all()
    return rows.filter(family__district=district) if district else rows


def accounts_on(day: date, district: str = "") -> QuerySet[FamilyAccount]:
    """The accounts open at the end of `day`."""
    return (
        _accounts(district)
        .filter(created_at__date__lte=day)
        .filter(Q(withdrawn_at__isnull=True) | Q(withdrawn_at__date__gt=day))
    )


def with_account(day: date, district: str = "") -> tuple[int, int]:
    """(families, family members) with an account open at the end of `day`."""
    got: dict[str, Any] = accounts_on(day, district).aggregate(
        families=Count("family", distinct=True), members=Count("id", distinct=True)
    )
    return int(got["families"]), int(got["members"])


def used(first: date, last: date, district: str = "") -> tuple[int, int]:
    """(families, family members) whose account looked at a page in the period."""
    seen = Seen.objects.filter(at__date__gte=first, at__date__lte=last)
    if district:
        seen = seen.filter(account__family__district=district)
    got: dict[str, Any] = seen.aggregate(
        families=Count("account__family", distinct=True),
        members=Count("account", distinct=True),
    )
    return int(got["families"]), int(got["members"])
