"""The programme's figures for a period and, optionally, one district.

Every figure is a table (`Figure`: columns and rows) so the dashboard, its CSV
downloads and the committee report show the same numbers; a figure with a
`chart` also draws as a bar chart. Definitions (where the issue is silent):

- identified: families identified from data whose first need was first seen
  in the period (a sync's as-of date), and families nominated in the period;
- started (worked with): the work started (consent given) in the period;
- active: started on or before the period's last day and not closed before
  its first;
- turned around: signed claim lines whose claim date falls in the period;
- engagement: consent decisions recorded in the period; the share refusing is
  refused / (given + refused);
- intensity mix, cohort profile: over the active families;
- step-up and step-down rates: per 100 active families;
- movement: each outcome test at the start and at the latest measurement on
  or before the period's end, over the active families measured;
- payments: earned (started x attachment fee + turned around x results
  payment, at each financial year's rates), claimed (signed amounts), received
  (money recorded in the period; the county only, receipts have no district);
- data quality: each source of the warehouse's latest drop;
- Families First (`families_first`, docs/measures.md): children in need, on a plan
  and looked after per 10,000 children, re-referrals, repeat plans, timeliness,
  step-ups and step-downs;
- support packages and places (`support`, docs/measures.md): FNSPs by purpose,
  district and amount, budgets committed, paid and remaining, places used per service;
- the families' own view (`family_view`, docs/measures.md): feedback by quarter and
  district, what could be better, family accounts and their use.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from django.core.cache import cache
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Sum

from wholefamily.web.casework.models import Event, Nomination
from wholefamily.web.claims.funding import rates, year_bounds
from wholefamily.web.claims.models import Line, Receipt, Target
from wholefamily.web.families.labels import need_label, source_label
from wholefamily.web.families.models import Family, Intensity, Need, Origin
from wholefamily.web.progress.models import Progress, ProgressTest
from wholefamily.web.reporting.periods import Period


@dataclass
class Figure:
    key: str  # the CSV's name
    title: str
    columns: list[str]
    rows: list[list[Any]]
    chart: tuple[int, int] | None = None  # (label column, value column) to draw as bars
    unit: str = ""  # "%" or "£" for the chart's values
    note: str = ""
    # The code behind each row's label (a need, a source table), for the CSV download
    # only, where it is written beside the label in a column of this name.
    code_column: str = ""
    codes: list[str] = field(default_factory=list)
    section: str = ""  # a heading the figure sits under ("Families First")
    # The committee report prints at most this many rows (0: all) and says how many
    # more there are; the page and the CSV have them all.
    print_rows: int = 0

    def csv_columns(self) -> list[str]:
        if not self.code_column:
            return list(self.columns)
        return [self.columns[0], self.code_column, *self.columns[1:]]

    def csv_rows(self) -> list[list[Any]]:
        if not self.code_column:
            return [list(r) for r in self.rows]
        return [[r[0], c, *r[1:]] for r, c in zip(self.rows, self.codes, strict=True)]


@dataclass
class Metrics:
    period: Period
    district: str
    framework: str
    headline: dict[str, Any]
    figures: list[Figure] = field(default_factory=list)

    def figure(self, key: str) -> Figure:
        return next(f for f in self.figures if f.key == key)


def share(part: int, whole: int) -> float | None:
    return None if whole == 0 else round(100.0 * part / whole, 1)


def _families(district: str) -> QuerySet[Family]:
    qs = Family.objects.all()
    return qs.filter(district=district) if district else qs


def _of(manager: Any, district: str) -> Any:
    """Rows of families in the district (every row for the county: no join)."""
    return manager.filter(family__district=district) if district else manager.all()


def _active(fams: QuerySet[Family], p: Period) -> QuerySet[Family]:
    return fams.filter(started_on__lte=p.last).filter(
        Q(closed_on__isnull=True) | Q(closed_on__gte=p.first)
    )


def main_framework() -> str:
    """The framework most families were identified under (the dashboard's default;
    cached a minute)."""
    return str(cache.get_or_set("reporting-main-framework", _main_framework, 60))


def _main_framework() -> str:
    top = (
        Family.objects.exclude(framework="")
        .values("framework")
        .annotate(n=Count("id"))
        .order_by("-n", "framework")
        .first()
    )
    return str(top["framework"]) if top else ""


def metrics(
    period: Period, district: str = "", framework: str = "", workspace: Path | None = None
) -> Metrics:
    framework = framework or main_framework()
    fams = _families(district)
    active = _active(fams, period)
    headline, decisions = _counts(period, district)
    n_active = headline["active"]
    steps = Counter(
        _of(Event.objects, district)
        .filter(
            kind__in=[Event.Kind.STEP_UP, Event.Kind.STEP_DOWN],
            on__gte=period.first,
            on__lte=period.last,
        )
        .values_list("kind", flat=True)
    )
    m = Metrics(period, district, framework, headline=headline)
    m.figures.append(_headline(headline))
    m.figures.append(_targets(framework, district, period))
    if not district:
        m.figures.append(_by_district(period))
    m.figures.append(
        Figure(
            "engagement",
            "Consent decisions",
            ["decision", "families"],
            [[k.capitalize(), decisions[k]] for k in ("given", "refused", "withdrawn")],
            chart=(0, 1),
            note=f"Share refusing: {_pct(headline['refusing'])} (refused / (given + refused)).",
        )
    )
    mix = Counter(dict(active.values_list("intensity").annotate(n=Count("id"))))
    m.figures.append(
        Figure(
            "intensity",
            "Intensity of the active families",
            ["intensity", "families", "share %"],
            [
                [label, mix.get(code, 0), share(mix.get(code, 0), n_active)]
                for code, label in [*Intensity.choices, ("", "Not set")]
            ],
            chart=(0, 1),
        )
    )
    m.figures.append(
        Figure(
            "steps",
            "Step-up to social care and step-down",
            ["step", "families", "per 100 active families"],
            [
                [
                    "Stepped up",
                    steps[Event.Kind.STEP_UP],
                    _rate(steps[Event.Kind.STEP_UP], n_active),
                ],
                [
                    "Stepped down",
                    steps[Event.Kind.STEP_DOWN],
                    _rate(steps[Event.Kind.STEP_DOWN], n_active),
                ],
            ],
            chart=(0, 1),
        )
    )
    m.figures.append(_cohort(active, n_active, framework))
    m.figures.append(_movement(active, period, framework))
    m.figures.append(_payments(district, fams, period, framework))
    if workspace is not None:
        m.figures.append(_quality(workspace))
    from wholefamily.web.reporting import families_first  # its figures use Figure

    m.figures += families_first.figures(period, district)  # a section of their own, last
    from wholefamily.web.reporting import support

    m.figures += support.figures(period, district)  # support packages and places
    from wholefamily.web.reporting import family_view

    m.figures += family_view.figures(period, district)  # feedback and family accounts
    return m


def _started(fams: QuerySet[Family], first: date, last: date) -> QuerySet[Family]:
    """Families whose work started between two days."""
    return fams.filter(started_on__gte=first, started_on__lte=last)


def _signed(district: str, first: date, last: date) -> QuerySet[Line]:
    """Signed claim lines (families turned around) of claims dated between two days."""
    return _of(Line.objects, district).filter(
        signed_at__isnull=False, claim__claim_date__gte=first, claim__claim_date__lte=last
    )


def _counts(p: Period, district: str) -> tuple[dict[str, Any], Counter[str]]:
    """The headline counts, and the period's consent decisions by kind."""
    fams = _families(district)
    decisions = Counter(
        d.split(":")[0]
        for d in _of(Event.objects, district)
        .filter(kind=Event.Kind.CONSENT, on__gte=p.first, on__lte=p.last)
        .values_list("detail", flat=True)
    )
    headline = {
        "identified": fams.filter(
            origin=Origin.DATA, identified_on__gte=p.first, identified_on__lte=p.last
        ).count(),
        "nominated": _of(Nomination.objects, district)
        .filter(created_at__date__gte=p.first, created_at__date__lte=p.last)
        .values("family")
        .distinct()
        .count(),
        "started": _started(fams, p.first, p.last).count(),
        "active": _active(fams, p).count(),
        "closed": fams.filter(closed_on__gte=p.first, closed_on__lte=p.last).count(),
        "turned_around": _signed(district, p.first, p.last).count(),
        "refusing": share(decisions["refused"], decisions["given"] + decisions["refused"]),
    }
    return headline, decisions


def district_headline(
    p: Period, district: str, framework: str
) -> tuple[dict[str, Any], list[Any] | None]:
    """A district's headline counts and its targets row for the period's last year
    (the committee report's table of districts), without the other figures."""
    rows = _targets(framework, district, p).rows
    return _counts(p, district)[0], (rows[-1] if rows else None)


def _pct(v: float | None) -> str:
    return "no decisions" if v is None else f"{v:.1f}%"


def _rate(n: int, active: int) -> float | None:
    return None if active == 0 else round(100.0 * n / active, 1)


def _headline(h: dict[str, Any]) -> Figure:
    rows = [
        ["Families identified from data", h["identified"]],
        ["Families nominated", h["nominated"]],
        ["Families whose work started", h["started"]],
        ["Families worked with (active)", h["active"]],
        ["Families turned around", h["turned_around"]],
        ["Cases closed", h["closed"]],
        ["Share refusing consent %", h["refusing"]],
    ]
    return Figure("headline", "Headline figures", ["measure", "value"], rows)


def _targets(framework: str, district: str, p: Period) -> Figure:
    """Worked with and turned around against the targets, per financial year touched."""
    fams = _families(district)
    rows = []
    for year in p.financial_years:
        first, last = year_bounds(year)
        t = Target.objects.filter(framework=framework, year=year, district=district).first()
        started = _started(fams, first, last).count()
        turned = _signed(district, first, last).count()
        rows.append(
            [
                year,
                started,
                t.work_with if t else None,
                share(started, t.work_with) if t and t.work_with else None,
                turned,
                t.turn_around if t else None,
                share(turned, t.turn_around) if t and t.turn_around else None,
            ]
        )
    return Figure(
        "targets",
        f"Against the targets ({framework or 'no framework'}), by financial year",
        [
            "year",
            "worked with",
            "target",
            "% of target",
            "turned around",
            "target",
            "% of target",
        ],
        rows,
        chart=(0, 6),
        unit="%",
        note="Whole financial years, whatever the period: targets are set by year.",
    )


def _by_district(p: Period) -> Figure:
    all_fams = Family.objects.all()
    started = dict(
        _started(all_fams, p.first, p.last).values_list("district").annotate(n=Count("id"))
    )
    active = dict(_active(all_fams, p).values_list("district").annotate(n=Count("id")))
    turned = dict(
        _signed("", p.first, p.last).values_list("family__district").annotate(n=Count("id"))
    )
    districts = sorted({*started, *active, *turned})
    rows = [
        [d or "No district", started.get(d, 0), active.get(d, 0), turned.get(d, 0)]
        for d in districts
    ]
    return Figure(
        "districts",
        "By district",
        ["district", "work started", "active", "turned around"],
        rows,
        chart=(0, 2),
    )


PROFILE_FLAGS = ("council_tenant", "known_to_social_care", "domestic_abuse")


def _cohort(active: QuerySet[Family], n_active: int, framework: str) -> Figure:
    needs = dict(
        Need.objects.filter(family__in=active, current=True)
        .values_list("need")
        .annotate(n=Count("id"))  # one row per family and need (a unique constraint)
    )
    ranked = sorted(needs.items(), key=lambda x: (-x[1], x[0]))
    rows: list[list[Any]] = [
        [need_label(need, framework), n, share(n, n_active)] for need, n in ranked
    ]
    codes = [need for need, _ in ranked] + list(PROFILE_FLAGS)
    profile = active.aggregate(
        tenants=Count("id", filter=Q(council_tenant=True)),
        social_care=Count("id", filter=Q(known_to_social_care=True)),
        abuse=Count("id", filter=Q(domestic_abuse=True)),
    )
    rows += [
        ["Council tenants", profile["tenants"], share(profile["tenants"], n_active)],
        [
            "Known to children's social care",
            profile["social_care"],
            share(profile["social_care"], n_active),
        ],
        ["Domestic abuse", profile["abuse"], share(profile["abuse"], n_active)],
    ]
    return Figure(
        "cohort",
        "The cohort: active families with each need or circumstance",
        ["need or circumstance", "families", "share %"],
        rows,
        chart=(0, 2),
        unit="%",
        code_column="code",
        codes=codes,
        note="Council tenants, social care and domestic abuse are read from the data at "
        "identification (family_profile.csv).",
    )


def _movement(active: QuerySet[Family], p: Period, framework: str) -> Figure:
    """Each outcome test, summed over the active families at their latest measurement
    on or before the period's end (sums in the database, over ProgressTest rows)."""
    measured = Progress.objects.filter(family__in=active, at__lte=p.last).order_by()
    # A test row counts when no later measurement of its family (by date, then by
    # when it was made) exists on or before the period's end: an anti-join.
    later = Progress.objects.filter(family=OuterRef("family"), at__lte=p.last).filter(
        Q(at__gt=OuterRef("at")) | Q(at=OuterRef("at"), pk__gt=OuterRef("progress_id"))
    )
    tests = list(
        ProgressTest.objects.filter(family__in=active, at__lte=p.last)
        .exclude(Exists(later))
        .values("need", "test")
        .annotate(
            families=Count("id"),
            sum_start=Sum("at_start"),
            sum_now=Sum("now"),
            fewer=Count("id", filter=Q(now__lt=F("at_start"))),
        )
        .order_by("need", "test")
    )
    rows = [
        [
            f"{need_label(r['need'], framework)}: {r['test']}",
            r["families"],
            r["sum_start"],
            r["sum_now"],
            r["sum_now"] - r["sum_start"],
            r["fewer"],
        ]
        for r in tests
    ]
    n = measured.values("family").distinct().count()
    return Figure(
        "movement",
        f"Movement since the start ({n:,} families measured)",
        ["need: outcome test", "families", "at the start", "now", "change", "families with fewer"],
        rows,
        chart=(0, 5),
        code_column="need code",
        codes=[r["need"] for r in tests],
        note="Records each test counts, summed over the families it applies to, at the start "
        "and at each family's latest measurement; the chart shows the families with fewer "
        "records now than at the start.",
    )


def _payments(district: str, fams: QuerySet[Family], p: Period, framework: str) -> Figure:
    from wholefamily.web.progress.services import framework_or_none

    fw = framework_or_none(framework)
    earned = 0
    for year in p.financial_years:
        first, last = year_bounds(year)
        attachment, results, _ = rates(framework, year, fw)
        lo, hi = max(first, p.first), min(last, p.last)
        earned += attachment * _started(fams, lo, hi).count()
        earned += results * _signed(district, lo, hi).count()
    claimed = _signed(district, p.first, p.last).aggregate(s=Sum("amount"))["s"] or 0
    received = (
        Receipt.objects.filter(
            framework=framework, received_on__gte=p.first, received_on__lte=p.last
        ).aggregate(s=Sum("amount"))["s"]
        or 0
    )
    rows = [["Earned", earned], ["Claimed", int(claimed)]]
    if not district:
        rows.append(["Received", int(received)])
    return Figure(
        "payments",
        "Payments in the period",
        ["payment", "pounds"],
        rows,
        chart=(0, 1),
        unit="£",
        note="Received is recorded for the county only."
        if district
        else "Earned: work started x attachment fee + turned around x results payment.",
    )


def _quality(workspace: Path) -> Figure:
    """Rows read, loaded and quarantined per source of the latest drop (cached briefly)."""
    from wholefamily import warehouse as W
    from wholefamily.ingest.load import latest_drop

    key = f"reporting-quality:{workspace}"
    got: list[list[Any]] | None = cache.get(key)
    note = ""
    if got is None:
        got = []
        try:
            con = W.connect(workspace, read_only=True)
        except Exception as exc:  # no warehouse, or one being written
            note = f"The warehouse cannot be read: {str(exc).splitlines()[0]}"
        else:
            try:
                drop = latest_drop(con)
                if drop is not None:
                    m = con.table("drop_manifest")
                    f = con.table("load_files")
                    t = m.filter(m.drop_id == drop).join(f, "file_id")
                    for r in (
                        t.select("source", "rows_read", "rows_loaded", "rows_quarantined")
                        .order_by("source")
                        .to_pyarrow()
                        .to_pylist()
                    ):
                        got.append(
                            [
                                str(r["source"]),
                                int(r["rows_read"]),
                                int(r["rows_loaded"]),
                                int(r["rows_quarantined"]),
                                share(int(r["rows_quarantined"]), int(r["rows_read"])),
                            ]
                        )
            finally:
                con.disconnect()
            cache.set(key, got, 300)
    return Figure(
        "quality",
        "Data quality of the latest drop, per source",
        ["source", "rows read", "loaded", "quarantined", "quarantined %"],
        [[source_label(r[0]), *r[1:]] for r in got],
        chart=(0, 4),
        unit="%",
        code_column="source table",
        codes=[r[0] for r in got],
        note=note or "Quarantined rows are kept with their reason (wholefamily quality).",
    )
