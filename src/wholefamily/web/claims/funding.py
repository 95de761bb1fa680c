"""The funding view: earned, claimed, received and forecast, against targets.

Per framework and financial year (April to March), per district and for the
county:
- worked with: families whose work started (baseline version 1) in the year;
- turned around: families signed off in a claim dated in the year;
- earned: worked with x attachment fee + turned around x results payment;
- claimed: the results payments of the signed claim lines;
- received: the money recorded as received (all districts together);
- forecast: results payments still to come, from families not yet signed off:
  those whose outcomes were met at their latest measurement (due: awaiting a
  claim, a sign-off, or the sustainment after closure) and those close to them
  (every test but one met), each x results payment;
- up front: the share of the year's targets paid before results.
Amounts come from the council's settings (`Funding`), else the framework file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Sum

from wholefamily.web import clock
from wholefamily.web.claims.models import ClaimError, Funding, Line, Receipt, Target
from wholefamily.web.progress.models import Baseline, Progress

YEAR = re.compile(r"(\d{4})/(\d{2})")


def year_of(d: date) -> str:
    start = d.year if d.month >= 4 else d.year - 1
    return f"{start}/{str(start + 1)[2:]}"


def year_bounds(year: str) -> tuple[date, date]:
    m = YEAR.fullmatch(year)
    if not m or (int(m.group(1)) + 1) % 100 != int(m.group(2)):
        raise ClaimError(f"a financial year is written like 2025/26, not {year!r}")
    start = int(m.group(1))
    return date(start, 4, 1), date(start + 1, 3, 31)


FIRST_YEAR = "2012/13"  # the first programme (tf-2012) began in April 2012


def real_year(year: str) -> tuple[date, date]:
    """A financial year a council can hold figures for: written like 2025/26 (two
    consecutive years), from 2012/13 (the first programme) to the year after this one
    (targets and payments are set a year ahead, no further)."""
    first, last = year_bounds(year)
    latest = year_of(date(clock.today().year + 1, clock.today().month, 1))
    if first > year_bounds(latest)[0]:
        raise ClaimError(f"The financial year must be {latest} or earlier, not {year}")
    if first < year_bounds(FIRST_YEAR)[0]:
        raise ClaimError(f"The financial year must be {FIRST_YEAR} or later, not {year}")
    return first, last


def rates(framework: str, year: str, fw: dict[str, Any] | None = None) -> tuple[int, int, float]:
    """(attachment, results, share up front) for the framework's year."""
    setting = Funding.objects.filter(framework=framework, year=year).first()
    if setting is not None:
        return setting.attachment, setting.results, float(setting.upfront_share)
    pay = (fw or {}).get("payments") or {}
    pay = (pay.get("by_year") or {}).get(year, pay)
    return int(pay.get("attachment", 0)), int(pay.get("results", 0)), 0.0


@dataclass
class FundingRow:
    district: str
    worked_with: int
    target_work_with: int
    turned_around: int
    target_turn_around: int
    earned: int
    claimed: int
    due_families: int
    close_families: int
    forecast: int

    @property
    def forecast_families(self) -> int:
        return self.due_families + self.close_families


@dataclass
class FundingView:
    framework: str
    year: str
    attachment: int
    results: int
    upfront: int
    received: int
    rows: list[FundingRow]  # one per district, then the county ("")


def _close(p: Progress) -> bool:
    tests = [t for n in p.needs for t in n["tests"]]
    return bool(tests) and not p.route and sum(1 for t in tests if not t[3]) == 1


def funding(framework: str, year: str, fw: dict[str, Any] | None = None) -> FundingView:
    first, last = real_year(year)
    attachment, results, share = rates(framework, year, fw)
    started = Baseline.objects.filter(
        framework=framework, version=1, start__gte=first, start__lte=last
    ).values_list("family__district", flat=True)
    signed = Line.objects.filter(
        framework=framework,
        signed_at__isnull=False,
        claim__claim_date__gte=first,
        claim__claim_date__lte=last,
    ).values_list("family__district", "amount")
    claimed_families = set(
        Line.objects.filter(framework=framework, signed_at__isnull=False).values_list(
            "family_id", flat=True
        )
    )
    latest: dict[int, Progress] = {}
    for p in (
        Progress.objects.filter(baseline__framework=framework)
        .select_related("family")
        .order_by("family_id", "-at", "-created_at")
    ):
        latest.setdefault(p.family_id, p)
    pending = [p for p in latest.values() if p.family_id not in claimed_families]
    due = [p.family.district for p in pending if p.route]
    close = [p.family.district for p in pending if _close(p)]
    targets = {t.district: t for t in Target.objects.filter(framework=framework, year=year)}
    districts = sorted({*started, *(d for d, _ in signed), *due, *close, *targets} - {""})
    rows = []
    for d in [*districts, ""]:

        def mine(x: str, d: str = d) -> bool:
            return d == "" or x == d

        n_started = sum(1 for x in started if mine(x))
        lines = [a for x, a in signed if mine(x)]
        n_due = sum(1 for x in due if mine(x))
        n_close = sum(1 for x in close if mine(x))
        t = targets.get(d)
        rows.append(
            FundingRow(
                district=d,
                worked_with=n_started,
                target_work_with=t.work_with if t else 0,
                turned_around=len(lines),
                target_turn_around=t.turn_around if t else 0,
                earned=n_started * attachment + len(lines) * results,
                claimed=sum(lines),
                due_families=n_due,
                close_families=n_close,
                forecast=(n_due + n_close) * results,
            )
        )
    county = targets.get("")
    upfront = round(share * county.work_with * (attachment + results)) if county is not None else 0
    received = (
        Receipt.objects.filter(framework=framework, year=year).aggregate(s=Sum("amount"))["s"] or 0
    )
    return FundingView(framework, year, attachment, results, upfront, int(received), rows)
