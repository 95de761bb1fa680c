"""The dashboard: the programme's figures for a period and district, each chart with
its table, each table downloadable as CSV."""

from __future__ import annotations

import csv
from datetime import date
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from wholefamily.safecsv import neutralise
from wholefamily.web.audit.log import record
from wholefamily.web.audit.models import Action
from wholefamily.web.casework.views import filter_codes, require
from wholefamily.web.reporting.charts import chart_of
from wholefamily.web.reporting.metrics import Metrics, main_framework, metrics
from wholefamily.web.reporting.periods import Period, PeriodError, parse_period


def default_period(today: date | None = None) -> str:
    """The financial year so far."""
    d = today or date.today()
    start = d.year if d.month >= 4 else d.year - 1
    return f"{start}/{str(start + 1)[2:]}"


def _chosen(request: HttpRequest) -> tuple[str, str, str, Period | None, str]:
    text = request.GET.get("period", "").strip() or default_period()
    district = request.GET.get("district", "").strip()
    framework = request.GET.get("framework", "").strip()
    try:
        return text, district, framework, parse_period(text), ""
    except PeriodError as exc:
        return text, district, framework, None, str(exc)


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    require(request, "reports")
    text, district, framework, period, error = _chosen(request)
    m: Metrics | None = None
    if period is not None:
        m = metrics(period, district, framework, getattr(settings, "WORKSPACE", None))
    record(request, Action.VIEW, "dashboard", "", f"{text} {district}".strip()[:300])
    query = urlencode(
        [
            (k, v)
            for k, v in (("period", text), ("district", district), ("framework", framework))
            if v
        ]
    )
    return render(
        request,
        "reporting/dashboard.html",
        {
            "m": m,
            "figures": [(f, chart_of(f)) for f in (m.figures if m else [])],
            "period_text": text,
            "district": district,
            "framework": (m.framework if m else framework) or main_framework(),
            "districts": filter_codes()[0],
            "error": error,
            "query": query,
        },
    )


@login_required
def figure_csv(request: HttpRequest, key: str) -> HttpResponse:
    require(request, "reports")
    text, district, framework, period, error = _chosen(request)
    if period is None:
        raise Http404(error)
    m = metrics(period, district, framework, getattr(settings, "WORKSPACE", None))
    try:
        f = m.figure(key)
    except StopIteration:
        raise Http404("No such figure") from None
    record(request, Action.DOWNLOAD, "dashboard", key, f"{text} {district}".strip()[:300])
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    name = f"{key}-{period.label.replace('/', '-').replace('..', '-to-')}"
    if district:
        name += "-" + "".join(c if c.isalnum() else "-" for c in district)
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    w = csv.writer(response)
    w.writerow(f.csv_columns())  # the labels, with the codes beside them
    for row in f.csv_rows():
        w.writerow([neutralise("" if v is None else str(v)) for v in row])
    return response
