"""The committee report: the period's figures as an HTML page and a PDF (WeasyPrint),
the same charts and tables as the dashboard, plus each district's headline and the
year's funding. Reproducible: it reads only the case database and the warehouse, and
states the data it was made from (the last sync), never the time it was printed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string

from wholefamily.web.claims.funding import FundingView, funding
from wholefamily.web.claims.models import ClaimError
from wholefamily.web.families.models import Family, SyncRun
from wholefamily.web.progress.services import framework_or_none
from wholefamily.web.reporting.charts import chart_of
from wholefamily.web.reporting.metrics import Figure, Metrics, district_headline, metrics
from wholefamily.web.reporting.periods import Period

Tick = Callable[[str, int, int], None]


class ReportError(Exception):
    """The report cannot be written (no PDF engine, an unwritable file)."""


@dataclass
class Report:
    html: str
    pdf: Path | None
    metrics: Metrics


def _funding(framework: str, year: str) -> FundingView | None:
    try:
        return funding(framework, year, framework_or_none(framework))
    except ClaimError:
        return None


def printed(f: Figure) -> Figure:
    """The figure as the report prints it: a long list cut to its first `print_rows`,
    saying how many more the programme figures page and the CSV have."""
    if not f.print_rows or len(f.rows) <= f.print_rows:
        return f
    more = len(f.rows) - f.print_rows
    rest = f"{more:,} more {'is' if more == 1 else 'are'}"
    return replace(
        f,
        rows=f.rows[: f.print_rows],
        note=f"{f.note} The first {f.print_rows:,} of {len(f.rows):,} are printed here; "
        f"the {rest} on the programme figures page and in its CSV download.".strip(),
    )


def build(
    period: Period, district: str = "", framework: str = "", tick: Tick | None = None
) -> tuple[str, Metrics]:
    step = tick or (lambda msg, done, total: None)
    step("the figures", 0, 3)
    workspace = getattr(settings, "WORKSPACE", None)
    m = metrics(period, district, framework, workspace)
    step("each district", 1, 3)
    districts: list[dict[str, Any]] = []
    if not district:
        names = sorted(set(Family.objects.exclude(district="").values_list("district", flat=True)))
        for d in names:
            headline, targets = district_headline(period, d, m.framework)
            districts.append({"name": d, "headline": headline, "targets": targets})
    year = period.financial_years[-1]
    last_sync = SyncRun.objects.order_by("-as_of", "-pk").first()
    html = render_to_string(
        "reporting/report.html",
        {
            "m": m,
            "figures": [(printed(f), chart_of(f)) for f in m.figures],
            "districts": districts,
            "funding": _funding(m.framework, year) if m.framework else None,
            "year": year,
            "last_sync": last_sync,
        },
    )
    return html, m


def write(
    period: Period, out: Path, district: str = "", framework: str = "", tick: Tick | None = None
) -> Report:
    """The report as HTML beside `out` and as the PDF `out`."""
    html, m = build(period, district, framework, tick)
    if tick:
        tick("the PDF", 2, 3)
    try:
        from weasyprint import HTML
    except (ImportError, OSError) as exc:  # WeasyPrint or Pango missing
        raise ReportError(f"cannot write PDF here: {exc}") from None
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.with_suffix(".html").write_text(html, encoding="utf-8")
        HTML(string=html, base_url=str(out.parent)).write_pdf(out)
    except OSError as exc:
        raise ReportError(f"cannot write {out}: {exc.strerror or exc}") from None
    if tick:
        tick("done", 3, 3)
    return Report(html, out, m)
