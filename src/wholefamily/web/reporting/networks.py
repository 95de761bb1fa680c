"""The "Family networks" section of the programme figures and the committee report:
family group decision making (offers and requests, their outcomes, the meetings and the
plans families made there), the statutory pre-proceedings offer in time, and the
kinship measures (`networks.measures`: children supported to stay with their birth
family or with people they know, children entering care, and Family Network Support
Package spend per child kept at home). Definitions: docs/measures.md ("Family
networks").

Everything is counted by the days recorded (an offer's day, a meeting's day, a
payment's due day), never by when the figures are made; a district is the family's."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum

from wholefamily.web.networks import measures as K
from wholefamily.web.networks.models import LivingArrangement, Meeting, Offer, PlanItem
from wholefamily.web.payments.models import Group, Kind, LedgerEntry
from wholefamily.web.payments.money import pounds
from wholefamily.web.reporting.metrics import Figure, share
from wholefamily.web.reporting.periods import Period

SECTION = "Family networks"


def _day(d: date) -> str:
    return f"{d.day} {d:%B %Y}"


def figures(period: Period, district: str = "") -> list[Figure]:
    return [
        _offers(period, district),
        _meetings(period, district),
        _pre_proceedings(period, district),
        _kinship(period, district),
        _living(period, district),
    ]


def _of(qs: QuerySet[Any], district: str) -> QuerySet[Any]:
    return qs.filter(family__district=district) if district else qs


def _offers(p: Period, district: str) -> Figure:
    made = _of(Offer.objects.filter(made_on__gte=p.first, made_on__lte=p.last), district)
    counts: dict[str, dict[str, int]] = {}
    for source, outcome, n in (
        made.values_list("source", "outcome").annotate(n=Count("id")).order_by()
    ):
        counts.setdefault(source, {})[outcome] = n
    outcomes = ["accepted", "declined", "not_held", ""]

    def row(label: str, by: dict[str, int]) -> list[Any]:
        return [label, sum(by.values()), *(by.get(o, 0) for o in outcomes)]

    rows = [row(label, counts.get(code, {})) for code, label in Offer.Source.choices]
    total: dict[str, int] = {}
    for by in counts.values():
        for o, n in by.items():
            total[o] = total.get(o, 0) + n
    rows.append(row("All offers and requests", total))
    return Figure(
        "nw_offers",
        "Offers of family group decision making, and requests for it",
        ["offered or asked for by", "made", "accepted", "declined", "not held", "no outcome yet"],
        rows,
        chart=(0, 1),
        note="Offers and requests made in the period, by who made them, with what has "
        "become of them since (accepted, declined, or accepted but not held).",
        section=SECTION,
    )


def _meetings(p: Period, district: str) -> Figure:
    held = _of(Meeting.objects.filter(held_on__gte=p.first, held_on__lte=p.last), district)
    rows: list[list[Any]] = []
    for code, label in [*Meeting.Kind.choices, ("", "All meetings")]:
        mine = held.filter(kind=code) if code else held
        got = mine.aggregate(
            n=Count("id", distinct=True),
            plans=Count("id", filter=Q(outcome=Meeting.Outcome.PLAN), distinct=True),
            families=Count("family", distinct=True),
        )
        actions = PlanItem.objects.filter(meeting__in=mine).count()
        rows.append([label, got["n"], got["plans"], actions, got["families"]])
    return Figure(
        "nw_meetings",
        "Family network meetings and family group conferences held",
        ["meeting", "held", "the family made a plan", "plan actions", "families"],
        rows,
        chart=(0, 1),
        note="Meetings held in the period. Plan actions: the lines of the family's own "
        "plan, each owned by a member of the family's network and an action of the "
        "family plan.",
        section=SECTION,
    )


def _pre_proceedings(p: Period, district: str) -> Figure:
    offers = _of(
        Offer.objects.filter(
            pre_proceedings=True,
            letter_before_proceedings_on__gte=p.first,
            letter_before_proceedings_on__lte=p.last,
        ),
        district,
    ).values_list("made_on", "letter_before_proceedings_on", "outcome")
    rows = list(offers)
    whole = len(rows)
    in_time = sum(1 for made, letter, _ in rows if made <= letter)
    accepted = sum(1 for *_, outcome in rows if outcome == Offer.Outcome.ACCEPTED)
    return Figure(
        "nw_pre_proceedings",
        "The pre-proceedings offer of family group decision making",
        ["measure", "counted", "out of", "share %"],
        [
            [
                "Made by the letter before proceedings (in time)",
                in_time,
                whole,
                share(in_time, whole),
            ],
            ["Accepted", accepted, whole, share(accepted, whole)],
        ],
        chart=(0, 3),
        unit="%",
        note="Pre-proceedings offers whose letter before proceedings is dated in the "
        "period; an offer is in time when made on or before the letter's day.",
        section=SECTION,
    )


def fnsp_spend(p: Period, district: str = "") -> int:
    """Pence paid by Family Network Support Packages in the period: payment entries
    dated in it, reversals included, for the children of the district's families."""
    paid = LedgerEntry.objects.filter(
        kind=Kind.PAYMENT, on__gte=p.first, on__lte=p.last, budget__group=Group.FNSP
    )
    if district:
        paid = paid.filter(package__family__district=district)
    return int(paid.aggregate(s=Sum("pence"))["s"] or 0)


def _kinship(p: Period, district: str) -> Figure:
    at_home = K.kept_at_home(p.first, p.last, district or None)
    entering = K.entering_care(p.first, p.last, district or None)
    spend = fnsp_spend(p, district)
    per = K.spend_per_child_kept_at_home(Decimal(spend) / 100, p.first, p.last, district or None)
    return Figure(
        "nw_kinship",
        "Children kept at home, children entering care, and support package spend",
        ["measure", "number"],
        [
            ["Children supported to stay with their birth family or people they know", at_home],
            ["Children entering care", entering],
            ["Family Network Support Package payments", pounds(spend)],
            [
                "Payments per child supported to stay with their family",
                None if per is None else pounds(int(per * 100)),
            ],
        ],
        note="A child is supported to stay with their family when they lived with their "
        "parents, in informal kinship care, or under a special guardianship or child "
        "arrangements order at some time in the period, and were not in care at any "
        "time in it; entering care is foster or residential care beginning in the "
        "period (not a move between placements).",
        section=SECTION,
    )


def _living(p: Period, district: str) -> Figure:
    on = p.last
    now = _of(
        LivingArrangement.objects.filter(started_on__lte=on).filter(
            Q(ended_on__isnull=True) | Q(ended_on__gte=on)
        ),
        district,
    )
    counts = dict(now.values_list("kind").annotate(n=Count("child", distinct=True)).order_by())
    whole = sum(counts.values())
    rows = [
        [label, counts.get(code, 0), share(counts.get(code, 0), whole)]
        for code, label in LivingArrangement.Kind.choices
    ]
    return Figure(
        "nw_living",
        f"Who children lived with on {_day(on)}",
        ["living", "children", "share %"],
        rows,
        chart=(0, 1),
        note="The children whose living arrangement is recorded, as it was that day.",
        section=SECTION,
    )
