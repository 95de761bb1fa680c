"""Statutory returns, for analysts: the Children in Need census made from the case
database, the DfE rules' report on it, and the file to download. Every view is audited;
any other role is answered 404, as for the other analysts' pages."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from wholefamily.returns.cin import CollectionYear, ValidatorError, parse_year
from wholefamily.web import clock
from wholefamily.web.audit.log import record
from wholefamily.web.audit.models import Action
from wholefamily.web.casework.access import visible_families
from wholefamily.web.casework.views.common import require
from wholefamily.web.families.models import Member, Person
from wholefamily.web.returns import services
from wholefamily.web.returns.words import field_words, value_words


def last_ended_year(today: date) -> CollectionYear:
    """The latest collection year that has ended: the census made after 31 March."""
    return CollectionYear(today.year - 1 if today.month >= 4 else today.year - 2)


@login_required
def index(request: HttpRequest) -> HttpResponse:
    require(request, "returns")
    record(request, Action.VIEW, "returns", "", "statutory returns")
    return render(request, "returns/index.html", {})


def _children(stored: dict[str, Any], user: Any) -> dict[str, dict[str, str]]:
    """Each failing child's name and, when the user may see the family, its page."""
    pks = {v: k for k, v in stored.get("people", {}).items()}
    out: dict[str, dict[str, str]] = {}
    for p in Person.objects.filter(pk__in=list(pks)):
        out[pks[p.pk]] = {"name": str(p) if (p.forename or p.surname) else "Name not recorded"}
    visible = visible_families(user)
    for m in (
        Member.objects.filter(person_id__in=list(pks), family__in=visible)
        .select_related("family")
        .order_by("-current", "family__family_id")
    ):
        out[pks[m.person_id]].setdefault("url", reverse("family", args=[m.family.family_id]))
    return out


def _rows(failures: list[dict[str, Any]], children: dict[str, dict[str, str]]) -> list[Any]:
    return [
        {
            "rule": f["rule"],
            "message": f["message"],
            "child_id": f["child"],
            "child": children.get(f["child"] or "", {}),
            "fields": [
                (field_words(x["name"]), value_words(x["name"], x["value"]))
                for x in f["fields"]
                if x["name"] != "LAchildID"
            ],
        }
        for f in failures
    ]


@login_required
def cin_census(request: HttpRequest) -> HttpResponse:
    require(request, "returns")
    default = last_ended_year(clock.today())
    if request.method == "POST":
        year_text = request.POST.get("year", "").strip()
    else:
        year_text = request.GET.get("year", "").strip() or str(default)
    error, chosen = "", None
    try:
        chosen = parse_year(year_text)
    except ValueError as exc:
        error = str(exc) if year_text else "Enter the collection year, such as 2025-26"
    field_error = bool(error)
    if request.method == "POST" and chosen is not None:
        try:
            made = services.make_in_workspace(chosen, request.user.get_username())
        except (ValueError, ValidatorError) as exc:
            error = str(exc)
        else:
            record(
                request,
                Action.CREATE,
                "cin_census",
                str(chosen),
                f"{made['children']} children, {len(made['errors'])} errors, "
                f"{len(made['queries'])} queries",
            )
            return redirect(f"{reverse('cin_census')}?year={chosen}")
    if error and request.method == "POST":
        record(request, Action.DENIED, "cin_census", year_text[:64], error[:300])
    stored = services.stored_report(chosen) if chosen is not None else None
    record(request, Action.VIEW, "cin_census", str(chosen or ""), "the DfE rules' report")
    children = _children(stored, request.user) if stored else {}
    return render(
        request,
        "returns/cin_census.html",
        {
            "year_text": year_text,
            "year": chosen,
            "error": error,
            "field_error": field_error,
            "stored": stored,
            "errors": _rows(stored["errors"], children) if stored else [],
            "queries": _rows(stored["queries"], children) if stored else [],
            "size_kb": _size_kb(chosen) if stored and chosen else 0,
        },
    )


def _size_kb(year: CollectionYear) -> int:
    try:
        return max(1, round(services.return_path(year).stat().st_size / 1024))
    except OSError:
        return 0


@login_required
def cin_download(request: HttpRequest, year: str) -> FileResponse:
    require(request, "returns")
    try:
        chosen = parse_year(year)
    except ValueError:
        raise Http404("No such year") from None
    path = services.return_path(chosen)
    if not path.is_file():
        raise Http404("No return made for this year")
    record(request, Action.DOWNLOAD, "cin_census", str(chosen), path.name)
    return FileResponse(
        path.open("rb"), as_attachment=True, filename=path.name, content_type="application/xml"
    )
