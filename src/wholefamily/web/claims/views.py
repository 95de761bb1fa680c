"""Claims in the web app: the claim of a period, its families, sign-off, evidence packs."""

from __future__ import annotations

import csv
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

# claims.services (the frameworks engine, Ibis) is imported in the views that use
# it, so a server's first page does not wait for it.


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
    return render(
        request,
        "claims/list.html",
        {"claims": Claim.objects.all(), "can_prepare": can(request.user, "prepare_claim")},
    )


@login_required
def prepare_claim(request: HttpRequest) -> HttpResponse:
    """The web app's `wholefamily claims prepare`: an analyst prepares a quarter's claim."""
    from wholefamily.frameworks.files import shipped
    from wholefamily.web.casework import forms as F
    from wholefamily.web.claims.services import prepare
    from wholefamily.web.progress.models import Baseline
    from wholefamily.web.progress.services import ProgressError

    _require(request, "prepare_claim")
    names = sorted({*shipped(), *Baseline.objects.values_list("framework", flat=True)})
    form = F.PrepareClaimForm(request.POST or None, frameworks=names)
    if request.method == "POST" and form.is_valid():
        period, framework = form.cleaned_data["period"], form.cleaned_data["framework"]
        try:
            claim, added, held = prepare(period, framework)
        except (ClaimError, ProgressError) as exc:
            form.add_error(None, str(exc))
        else:
            record(request, Action.CHANGE, "claim", str(claim.pk), f"prepared {claim}")
            messages.success(
                request,
                f"{len(added)} famil{'y' if len(added) == 1 else 'ies'} added to the claim; "
                f"{len(held)} held back.",
            )
            request.session["held_back"] = sorted(held.items())[:200]
            return redirect("claim", pk=claim.pk)
    return render(request, "claims/prepare.html", {"form": form})


@login_required
def claim_file(request: HttpRequest, pk: int) -> HttpResponse:
    """The claim file (every signed family of the claim), as `claims export` writes it."""
    from wholefamily.safecsv import neutralise
    from wholefamily.web.claims.services import CLAIM_FILE_COLUMNS, claim_rows
    from wholefamily.web.claims.services import signed_lines as signed_lines_of

    claim = _claim(request, pk)
    _require(request, "prepare_claim")
    lines = signed_lines_of(claim.period, claim.framework)
    record(request, Action.DOWNLOAD, "claim", str(claim.pk), f"claim file {claim}")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="claim-{claim.framework}-{claim.period}.csv"'
    )
    w = csv.writer(response)
    w.writerow(CLAIM_FILE_COLUMNS)
    for row in claim_rows(lines):
        w.writerow([neutralise(str(row[k])) for k in CLAIM_FILE_COLUMNS])
    return response


@login_required
def claim_detail(request: HttpRequest, pk: int) -> HttpResponse:
    claim = _claim(request, pk)
    mine = visible_families(request.user)
    lines = claim.lines.filter(family__in=mine).select_related("family", "signed_by")
    record(request, Action.VIEW, "claim", str(claim.pk), f"{claim}")
    return render(
        request,
        "claims/detail.html",
        {
            "claim": claim,
            "lines": lines,
            "can_sign": can(request.user, "sign"),
            "can_prepare": can(request.user, "prepare_claim"),
            "held_back": request.session.pop("held_back", None),
        },
    )


@login_required
def sign_line(request: HttpRequest, pk: int, line_id: int) -> HttpResponse:
    from wholefamily.web.claims.services import sign

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
