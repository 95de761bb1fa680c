"""The Families First pathfinder's measures, for a period and optionally a district:
queries over the case database (each measure a few set-based queries; nothing loops
over families). Definitions, with their counting rules, are in docs/measures.md.

Conventions every measure shares:
- a level of help or a plan is held from its first day up to, not including, the day
  it ends (a child stepped up on 3 March is at the new level on 3 March);
- a child's district is their family's (the family of the episode, request or plan);
- the child population is the county's (or the district's) people under 18 on the
  day, from the people of the latest sync's identification run (`ChildPopulation`);
  on a day after that run, its own day's population is used;
- "within N working days" counts the working days after the start up to and
  including the day (`workdays.working_days_between`): 45 for an assessment (from its
  start to its authorisation), 15 for an initial conference (from the strategy
  discussion).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Protocol

from dateutil.relativedelta import relativedelta
from django.db.models import (
    Count,
    DateField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)

from wholefamily.web.families.models import ChildPopulation, SyncRun
from wholefamily.web.familyhelp.models import (
    LEVEL_ORDER,
    REFERRAL_DECISIONS,
    Assessment,
    ChildLevel,
    Level,
    Request,
)
from wholefamily.web.familyhelp.services import ASSESSMENT_WORKING_DAYS, RE_REFERRAL_DAYS
from wholefamily.web.protection.models import Conference, Plan
from wholefamily.web.protection.services import ICPC_WORKING_DAYS
from wholefamily.workdays import working_days_between

PER = 10_000
IN_NEED = (Level.CIN, Level.CP, Level.CLA)  # a child on a plan or looked after is in need
TREND_QUARTERS = 4  # the trend shows at least the last four quarter ends


class Span(Protocol):
    """A period (`reporting.periods.Period` is one): its first and last days."""

    @property
    def first(self) -> date: ...

    @property
    def last(self) -> date: ...


@dataclass(frozen=True)
class Share:
    part: int
    whole: int

    @property
    def percent(self) -> float | None:
        return None if self.whole == 0 else round(100.0 * self.part / self.whole, 1)


@dataclass(frozen=True)
class OnDay:
    """Children in need, on a plan and looked after on a day, and the child population."""

    on: date
    in_need: int
    on_plan: int
    looked_after: int
    children: int | None  # None: no population for that day

    def per_10k(self, n: int) -> float | None:
        return None if not self.children else round(PER * n / self.children, 1)


@dataclass(frozen=True)
class Change:
    """Changes of level from one level to another, and how many kept the lead."""

    before: str
    after: str
    children: int
    same_lead: int

    @property
    def up(self) -> bool:
        return LEVEL_ORDER[Level(self.after)] > LEVEL_ORDER[Level(self.before)]


@dataclass
class Measures:
    first: date
    last: date
    district: str
    at_end: OnDay
    trend: list[OnDay]
    re_referrals: Share
    repeat_plans: Share
    assessments_in_time: Share
    icpcs_in_time: Share
    changes: list[Change] = field(default_factory=list)

    @property
    def step_ups(self) -> int:
        return sum(c.children for c in self.changes if c.up)

    @property
    def step_downs(self) -> int:
        return sum(c.children for c in self.changes if not c.up)

    @property
    def same_lead(self) -> Share:
        return Share(sum(c.same_lead for c in self.changes), sum(c.children for c in self.changes))


def _in(qs: QuerySet[Any], district: str, path: str) -> QuerySet[Any]:
    return qs.filter(**{path: district}) if district else qs


def _held_on(d: date) -> Q:
    return Q(started_on__lte=d) & (Q(ended_on__isnull=True) | Q(ended_on__gt=d))


def population_run() -> SyncRun | None:
    """The latest sync that kept its run's people."""
    has = ChildPopulation.objects.filter(run=OuterRef("pk"))
    return SyncRun.objects.filter(Exists(has)).order_by("-as_of", "-at", "-pk").first()


def child_population(days: list[date], district: str = "") -> dict[date, int | None]:
    """The people under 18 on each day (a day after the run: on the run's day; more
    than five years before it: None), in one query."""
    run = population_run()
    if run is None:
        return dict.fromkeys(days)
    at = {d: min(d, run.as_of) for d in days}
    oldest = run.as_of - relativedelta(years=5)
    usable = sorted({a for a in at.values() if a >= oldest})
    rows = _in(ChildPopulation.objects.filter(run=run), district, "district")
    sums = rows.aggregate(
        **{
            f"d{i}": Sum(
                "people", filter=Q(born_on__gt=a - relativedelta(years=18), born_on__lte=a)
            )
            for i, a in enumerate(usable)
        }
    )
    got = {a: sums[f"d{i}"] or 0 for i, a in enumerate(usable)}
    return {d: got.get(a) for d, a in at.items()}


def on_days(days: list[date], district: str = "") -> list[OnDay]:
    """Children in need, on a plan and looked after on each day (one query each)."""
    levels = _in(ChildLevel.objects.all(), district, "episode__family__district")
    plans = _in(Plan.objects.all(), district, "episode__family__district")
    n = levels.aggregate(
        **{
            f"need{i}": Count("child", distinct=True, filter=_held_on(d) & Q(level__in=IN_NEED))
            for i, d in enumerate(days)
        },
        **{
            f"cla{i}": Count("child", distinct=True, filter=_held_on(d) & Q(level=Level.CLA))
            for i, d in enumerate(days)
        },
    )
    p = plans.aggregate(
        **{f"cp{i}": Count("child", distinct=True, filter=_held_on(d)) for i, d in enumerate(days)}
    )
    people = child_population(days, district)
    return [
        OnDay(d, n[f"need{i}"], p[f"cp{i}"], n[f"cla{i}"], people[d]) for i, d in enumerate(days)
    ]


def _quarter_end(d: date) -> date:
    return date(d.year, 3 * ((d.month - 1) // 3) + 3, 1) + relativedelta(day=31)


def quarter_ends(first: date, last: date) -> list[date]:
    """The trend's days: the end of each quarter in the period (at least the last four
    up to its last day), and the period's last day."""
    q = _quarter_end(last)
    if q > last:
        q = _quarter_end(q - relativedelta(months=3))
    ends: list[date] = []
    while q >= first or len(ends) < TREND_QUARTERS:
        ends.append(q)
        q = _quarter_end(q - relativedelta(months=3))
    return sorted({*ends, last})


def re_referrals(first: date, last: date, district: str = "") -> Share:
    """Each child named in a referral received in the period (a request decided no
    further action, Family Help or a child protection enquiry); a re-referral when the
    same child was named in another referral received in the 365 days before it."""
    named = Request.children.through.objects
    referral = Q(request__decision__in=REFERRAL_DECISIONS)
    period = named.filter(referral, request__received_on__gte=first, request__received_on__lte=last)
    period = _in(period, district, "request__family__district")
    since = ExpressionWrapper(
        OuterRef("request__received_on") - timedelta(days=RE_REFERRAL_DAYS),
        output_field=DateField(),
    )
    before = named.filter(
        referral,
        person_id=OuterRef("person_id"),
        request__received_on__lt=OuterRef("request__received_on"),
        request__received_on__gte=since,
    )
    got = period.aggregate(whole=Count("id"), part=Count("id", filter=Q(Exists(before))))
    return Share(got["part"], got["whole"])


def repeat_plans(first: date, last: date, district: str = "") -> Share:
    """Child protection plans starting in the period; repeats: the child had one before."""
    plans = _in(
        Plan.objects.filter(started_on__gte=first, started_on__lte=last),
        district,
        "episode__family__district",
    )
    got = plans.aggregate(whole=Count("id"), part=Count("id", filter=Q(previous_plans__gte=1)))
    return Share(got["part"], got["whole"])


def _in_time(pairs: QuerySet[Any], limit: int) -> Share:
    """(start, end, children) rows: how many ended within `limit` working days."""
    part = whole = 0
    for start, end, n in pairs:
        whole += n
        if working_days_between(start, end) <= limit:
            part += n
    return Share(part, whole)


def assessments_in_time(first: date, last: date, district: str = "") -> Share:
    """Each child's assessment authorised in the period; in time when authorised within
    45 working days of its start."""
    named = Assessment.children.through.objects.filter(
        assessment__authorised_on__gte=first, assessment__authorised_on__lte=last
    )
    named = _in(named, district, "assessment__episode__family__district")
    pairs = (
        named.values_list("assessment__started_on", "assessment__authorised_on")
        .annotate(n=Count("id"))
        .order_by()
    )
    return _in_time(pairs, ASSESSMENT_WORKING_DAYS)


def icpcs_in_time(first: date, last: date, district: str = "") -> Share:
    """Each child at an initial child protection conference held in the period; in time
    when held within 15 working days of its strategy discussion."""
    named = Conference.children.through.objects.filter(
        conference__kind=Conference.Kind.INITIAL,
        conference__held_on__gte=first,
        conference__held_on__lte=last,
        conference__strategy__isnull=False,
    )
    named = _in(named, district, "conference__episode__family__district")
    pairs = (
        named.values_list("conference__strategy__held_on", "conference__held_on")
        .annotate(n=Count("id"))
        .order_by()
    )
    return _in_time(pairs, ICPC_WORKING_DAYS)


def level_changes(first: date, last: date, district: str = "") -> list[Change]:
    """Each change of a child's level in the period: a level that began in it where the
    same child's level before it in the same episode (the one ended that day) was
    another. A child's first level in an episode is no change, nor is a new lead at
    the same level."""
    before = (
        ChildLevel.objects.filter(
            episode=OuterRef("episode"), child=OuterRef("child"), ended_on=OuterRef("started_on")
        )
        .exclude(pk=OuterRef("pk"))
        .order_by("-started_on", "-pk")
    )
    rows = _in(
        ChildLevel.objects.filter(started_on__gte=first, started_on__lte=last),
        district,
        "episode__family__district",
    )
    rows = rows.annotate(
        was=Subquery(before.values("level")[:1]), was_lead=Subquery(before.values("lead")[:1])
    )
    rows = rows.filter(was__isnull=False).exclude(was=F("level"))
    grouped = (
        rows.values("was", "level")
        .annotate(n=Count("id"), same=Count("id", filter=Q(was_lead=F("lead"))))
        .order_by()
    )
    changes = [Change(r["was"], r["level"], r["n"], r["same"]) for r in grouped]
    return sorted(
        changes, key=lambda c: (not c.up, LEVEL_ORDER[Level(c.before)], LEVEL_ORDER[Level(c.after)])
    )


def measures(period: Span, district: str = "") -> Measures:
    first, last = period.first, period.last
    days = quarter_ends(first, last)
    trend = on_days(days, district)
    return Measures(
        first=first,
        last=last,
        district=district,
        at_end=trend[-1],
        trend=trend,
        re_referrals=re_referrals(first, last, district),
        repeat_plans=repeat_plans(first, last, district),
        assessments_in_time=assessments_in_time(first, last, district),
        icpcs_in_time=icpcs_in_time(first, last, district),
        changes=level_changes(first, last, district),
    )
