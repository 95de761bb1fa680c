"""Claims in the web app: the claim of a period, its families, sign-off, evidence packs."""

from __future__ import annotations

from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from wholefamily.web.audit.log import record
from wholefamily.web.audit.models import Action
from wholefamily.web.casework.access import can, visible_families
from wholefamily.web.casework.views import _require
from wholefamily.web.claims.models import Claim, ClaimError, Line
from wholefamily.web.claims.services import sign


def _claim(request: HttpRequest, pk: int) -> Claim:
    _require(request, "claims")
    try:
        return Claim.objects.get(pk=pk)
    except Claim.DoesNotExist:
        raise Http404("No such claim") from None


def _line(request: HttpRequest, claim: Claim, line_id: int) -> Line:
    """A line of a family the user can see (else 404, audited by family_or_404's rule)."""
    try:
        line = claim.lines.select_related("family").get(pk=line_id)
    except Line.DoesNotExist:
        raise Http404("No such line") from None
    if not visible_families(request.user).filter(pk=line.family_id).exists():
        record(request, Action.DENIED, "claim line", str(line_id), "family not visible")
        raise Http404("No such line")
    return line


@login_required
def claim_list(request: HttpRequest) -> HttpResponse:
    _require(request, "claims")
    record(request, Action.VIEW, "claims", "", "list")
    return render(request, "claims/list.html", {"claims": Claim.objects.all()})


@login_required
def claim_detail(request: HttpRequest, pk: int) -> HttpResponse:
    claim = _claim(request, pk)
    mine = visible_families(request.user)
    lines = claim.lines.filter(family__in=mine).select_related("family", "signed_by")
    record(request, Action.VIEW, "claim", str(claim.pk), f"{claim}")
    return render(
        request,
        "claims/detail.html",
        {"claim": claim, "lines": lines, "can_sign": can(request.user, "sign")},
    )


@login_required
def sign_line(request: HttpRequest, pk: int, line_id: int) -> HttpResponse:
    claim = _claim(request, pk)
    _require(request, "sign")
    if request.method != "POST":
        raise Http404("Sign-off is a form")
    line = _line(request, claim, line_id)
    try:
        sign(line, request.user)
        record(
            request,
            Action.CHANGE,
            "family",
            line.family.family_id,
            f"claim {claim} signed off ({line.result})",
        )
        messages.success(request, f"Family {line.family.family_id} signed off")
    except ClaimError as exc:
        messages.warning(request, str(exc))
    return redirect("claim", pk=claim.pk)


@login_required
def pack(request: HttpRequest, pk: int, line_id: int) -> FileResponse:
    claim = _claim(request, pk)
    line = _line(request, claim, line_id)
    path = Path(line.pack)
    if not line.pack or not path.is_file():
        raise Http404("No evidence pack")
    record(request, Action.DOWNLOAD, "family", line.family.family_id, f"evidence pack {claim}")
    return FileResponse(path.open("rb"), as_attachment=True, filename=path.name)


@login_required
def funding_view(request: HttpRequest) -> HttpResponse:
    from datetime import date

    from wholefamily.web.claims.funding import funding, year_of

    _require(request, "claims")
    framework = request.GET.get("framework") or "tf-2015"
    year = request.GET.get("year") or year_of(date.today())
    from wholefamily.frameworks.files import check, shipped

    error = ""
    view = None
    try:
        fw = check(shipped()[framework]).data if framework in shipped() else None
        view = funding(framework, year, fw)
    except ClaimError as exc:
        error = str(exc)
    record(request, Action.VIEW, "funding", "", f"{framework} {year}")
    return render(
        request,
        "claims/funding.html",
        {
            "view": view,
            "error": error,
            "framework": framework,
            "year": year,
            "frameworks": sorted(shipped()),
        },
    )
