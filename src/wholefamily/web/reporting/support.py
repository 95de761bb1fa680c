"""The "Support packages and places" section of the programme figures and the committee
report: Family Network Support Packages by purpose, district and amount, the budgets'
committed, paid and remaining, and the places used of each service. Definitions:
docs/measures.md ("Support packages and places").

Everything is read from the ledger and the referrals by their days, so a period's
figures are the same whenever they are made: an entry counts on its day (`on`), a
budget's position is at the period's last day, a place is held from the day it was
offered to the day its referral ended."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum

from wholefamily.web.payments.models import Budget, Kind, LedgerEntry, Purpose
from wholefamily.web.payments.money import pounds, year_of
from wholefamily.web.places.models import Places, Referral, Service
from wholefamily.web.reporting.metrics import Figure, share
from wholefamily.web.reporting.periods import Period

SECTION = "Support packages and places"
# Bands of a package's whole value, in pence: (upper limit or None, words).
BANDS: list[tuple[int | None, str]] = [
    (10000, "Up to £100"),
    (25000, "£100.01 to £250"),
    (50000, "£250.01 to £500"),
    (100000, "£500.01 to £1,000"),
    (None, "Over £1,000"),
]


def figures(period: Period, district: str = "") -> list[Figure]:
    out = [_by_purpose(period, district)]
    if not district:
        out.append(_by_district(period))
    out += [_by_amount(period, district), _budgets(period, district), _places(period, district)]
    return out


def _entries(p: Period, district: str) -> QuerySet[LedgerEntry]:
    rows = LedgerEntry.objects.filter(on__gte=p.first, on__lte=p.last)
    return rows.filter(budget__district=district) if district else rows


def _approved(p: Period, district: str) -> QuerySet[LedgerEntry]:
    """The commitments (not reversals) made in the period: one per package approved."""
    return _entries(p, district).filter(kind=Kind.COMMITMENT, reverses__isnull=True)


def _sums(p: Period, district: str, by: str) -> dict[str, dict[str, int]]:
    """Per value of `by`: packages approved, children, committed and paid (net of
    reversals), in pence."""
    out: dict[str, dict[str, int]] = defaultdict(
        lambda: {"packages": 0, "children": 0, "committed": 0, "paid": 0}
    )
    for r in (
        _approved(p, district)
        .order_by()
        .values(by)
        .annotate(n=Count("id"), kids=Count("package__child", distinct=True))
    ):
        out[r[by]] |= {"packages": r["n"], "children": r["kids"]}
    for r in _entries(p, district).order_by().values(by, "kind").annotate(s=Sum("pence")):
        out[r[by]]["committed" if r["kind"] == Kind.COMMITMENT else "paid"] += r["s"] or 0
    return out


def _money_rows(label: str, s: dict[str, int]) -> list[Any]:
    return [label, s["packages"], s["children"], pounds(s["committed"]), pounds(s["paid"])]


COLUMNS = ["", "packages approved", "children", "committed", "paid"]


def _by_purpose(p: Period, district: str) -> Figure:
    sums = _sums(p, district, "package__purpose")
    rows = [_money_rows(label, sums[code]) for code, label in Purpose.choices if code in sums]
    total = {k: sum(s[k] for s in sums.values()) for k in ("packages", "committed", "paid")}
    kids = _approved(p, district).values("package__child").distinct().count()
    rows.append(_money_rows("All purposes", {**total, "children": kids}))
    return Figure(
        "fnsp_purpose",
        "Family Network Support Packages by purpose",
        ["purpose", *COLUMNS[1:]],
        rows,
        chart=(0, 1) if len(rows) > 1 else None,
        note="Packages approved in the period (their commitment’s day); committed and paid "
        "are the ledger’s entries dated in the period, reversals taken off.",
        section=SECTION,
    )


def _by_district(p: Period) -> Figure:
    sums = _sums(p, "", "budget__district")
    rows = [_money_rows(d, sums[d]) for d in sorted(sums)]
    return Figure(
        "fnsp_districts",
        "Family Network Support Packages by district",
        ["district", *COLUMNS[1:]],
        rows,
        chart=(0, 1),
        note="The district of the budget each package draws on.",
        section=SECTION,
    )


def _by_amount(p: Period, district: str) -> Figure:
    counts = [0] * len(BANDS)
    totals = [0] * len(BANDS)
    for value in _approved(p, district).values_list("pence", flat=True):
        i = next(i for i, (top, _) in enumerate(BANDS) if top is None or value <= top)
        counts[i] += 1
        totals[i] += value
    n = sum(counts)
    return Figure(
        "fnsp_amounts",
        "Family Network Support Packages by whole value",
        ["whole value", "packages approved", "share %", "committed"],
        [
            [words, counts[i], share(counts[i], n), pounds(totals[i])]
            for i, (_, words) in enumerate(BANDS)
        ],
        chart=(0, 1),
        note="A package’s whole value is every payment of it (a recurring one: each "
        "payment times the number due).",
        section=SECTION,
    )


def _budgets(p: Period, district: str) -> Figure:
    budgets = Budget.objects.filter(year__in=p.financial_years)
    if district:
        budgets = budgets.filter(district=district)
    sums: dict[tuple[int, str], int] = {
        (r["budget"], r["kind"]): r["s"] or 0
        for r in LedgerEntry.objects.filter(budget__in=budgets, on__lte=p.last)
        .order_by()
        .values("budget", "kind")
        .annotate(s=Sum("pence"))
    }
    rows = []
    for b in budgets.order_by("year", "district", "group"):
        committed = sums.get((b.pk, Kind.COMMITMENT), 0)
        paid = sums.get((b.pk, Kind.PAYMENT), 0)
        rows.append(
            [
                f"{b.year} {b.district}: {b.get_group_display()}",
                pounds(b.pence),
                pounds(committed),
                pounds(paid),
                pounds(b.pence - committed),
                share(committed, b.pence),
            ]
        )
    return Figure(
        "budgets",
        f"Budgets committed, paid and remaining on {p.last.day} {p.last:%B %Y}",
        ["budget", "amount", "committed", "paid", "remaining", "committed %"],
        rows,
        chart=(0, 5),
        unit="%",
        note="Each budget of the period’s financial years, as its ledger stood on the "
        "period’s last day: remaining is the budget less what is committed.",
        section=SECTION,
    )


def _places(p: Period, district: str) -> Figure:
    year, last = year_of(p.last), p.last
    refs = Referral.objects.all()
    if district:
        refs = refs.filter(family__district=district)
    held_q = Q(offered_on__lte=last) & (Q(ended_on__isnull=True) | Q(ended_on__gt=last))
    waiting_q = (
        Q(referred_on__lte=last)
        & (Q(offered_on__isnull=True) | Q(offered_on__gt=last))
        & (Q(ended_on__isnull=True) | Q(ended_on__gt=last))
    )
    counts = {
        r["service"]: r
        for r in refs.order_by()
        .values("service")
        .annotate(
            held=Count("id", filter=held_q),
            waiting=Count("id", filter=waiting_q),
            given=Count("id", filter=Q(offered_on__gte=p.first, offered_on__lte=last)),
        )
    }
    bought = dict(Places.objects.filter(year=year).values_list("service", "places"))
    rows = []
    for s in Service.objects.all():
        c = counts.get(s.pk, {"held": 0, "waiting": 0, "given": 0})
        n = bought.get(s.pk, 0)
        rows.append([s.name, n, c["held"], share(c["held"], n), c["given"], c["waiting"]])
    day = f"{last.day} {last:%B %Y}"
    return Figure(
        "places",
        f"Places used per service on {day} ({year})",
        ["service", "places bought", "held", "used %", "offered in the period", "waiting"],
        rows,
        chart=(0, 3),
        unit="%",
        note=f"Places bought for {year}: how many families a service works with at once. "
        f"Held and waiting on {day}; offered: places offered in the period."
        + (f" Families of {district} only; places are the county’s." if district else ""),
        section=SECTION,
    )
