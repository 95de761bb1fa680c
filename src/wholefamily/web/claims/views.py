"""Claims in the web app: the claim of a period, its families, sign-off, evidence packs."""

from __future__ import annotations

import csv
from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q, QuerySet, Sum
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from wholefamily.web.audit.log import record
from wholefamily.web.audit.models import Action
from wholefamily.web.casework.access import can, visible_families
from wholefamily.web.casework.views import require
from wholefamily.web.claims.models import Claim, ClaimError, Line
from wholefamily.web.families.models import Family

# claims.services (the frameworks engine, Ibis) is imported in the views that use
# it, so a server's first page does not wait for it.


def _claim(request: HttpRequest, pk: int) -> Claim:
    require(request, "claims")
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


def _programme_framework() -> str:
    """The framework the programme's families are identified under (most of them)."""
    from wholefamily.web.reporting.metrics import main_framework

    return main_framework() or "tf-2015"


@login_required
def claim_list(request: HttpRequest) -> HttpResponse:
    require(request, "claims")
    record(request, Action.VIEW, "claims", "", "list")
    return render(
        request,
        "claims/list.html",
        {
            "claims": Claim.objects.annotate(
                families=Count("lines"),
                signed=Count("lines", filter=Q(lines__signed_at__isnull=False)),
                amount=Sum("lines__amount"),
            ),
            "can_prepare": can(request.user, "prepare_claim"),
        },
    )


@login_required
def prepare_claim(request: HttpRequest) -> HttpResponse:
    """The web app's `wholefamily claims prepare`: an analyst prepares a quarter's claim."""
    from wholefamily.frameworks.files import shipped
    from wholefamily.web.claims.forms import PrepareClaimForm
    from wholefamily.web.claims.services import prepare
    from wholefamily.web.progress.models import Baseline
    from wholefamily.web.progress.services import ProgressError

    require(request, "prepare_claim")
    names = sorted({*shipped(), *Baseline.objects.values_list("framework", flat=True)})
    form = PrepareClaimForm(
        request.POST or None, frameworks=names, initial={"framework": _programme_framework()}
    )
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
    require(request, "prepare_claim")
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


def _lines_of(request: HttpRequest, claim: Claim) -> QuerySet[Line]:
    """The claim's lines of families the user can see, with what sign-off reads."""
    return (
        claim.lines.filter(family__in=visible_families(request.user))
        .select_related("family", "signed_by", "progress", "claim")
        .prefetch_related("family__events")
    )


def _named(held: list[tuple[str, str]] | None) -> list[tuple[str, str, str]] | None:
    """Families held back from a claim, (id, name, why), in one query."""
    if not held:
        return None
    names = dict(
        Family.objects.filter(family_id__in=[f for f, _ in held]).values_list("family_id", "name")
    )
    return [(f, names.get(f) or f"Family {f}", why) for f, why in held]


def _detail(request: HttpRequest, claim: Claim, error: str = "", status: int = 200) -> HttpResponse:
    from wholefamily.web.claims.guard import unsignable

    lines = list(_lines_of(request, claim))
    for x in lines:
        x.why_not = unsignable(x) if x.signed_at is None else ""
    awaiting = [x for x in lines if x.signed_at is None]
    return render(
        request,
        "claims/detail.html",
        {
            "claim": claim,
            "lines": lines,
            "signable": [x for x in awaiting if not x.why_not],
            "awaiting": awaiting,
            "signed": [x for x in lines if x.signed_at is not None],
            "total": sum(x.amount for x in lines),
            "signed_total": sum(x.amount for x in lines if x.signed_at is not None),
            "can_sign": can(request.user, "sign"),
            "can_prepare": can(request.user, "prepare_claim"),
            "held_back": _named(request.session.pop("held_back", None)),
            "error": error,
        },
        status=status,
    )


@login_required
def claim_detail(request: HttpRequest, pk: int) -> HttpResponse:
    claim = _claim(request, pk)
    record(request, Action.VIEW, "claim", str(claim.pk), f"{claim}")
    return _detail(request, claim)


@login_required
def sign_off(request: HttpRequest, pk: int) -> HttpResponse:
    """Sign-off in two steps: the families chosen on the claim's page (or every one
    that can be signed), then a page with each family, its amount, the total and the
    declaration the manager confirms; the lines are signed together or not at all."""
    from wholefamily.web.claims.forms import DECLARATION, SignOffForm
    from wholefamily.web.claims.guard import sign_all, unsignable

    claim = _claim(request, pk)
    require(request, "sign")
    awaiting = [x for x in _lines_of(request, claim) if x.signed_at is None]
    signable = {x.pk: x for x in awaiting if not unsignable(x)}
    data = request.POST if request.method == "POST" else request.GET
    wanted = sorted({int(v) for v in data.getlist("line") if v.isdigit()})
    if request.method == "GET":
        if data.get("all"):
            wanted = list(signable)
        if not wanted:
            why = "No family in this claim can be signed off" if data.get("all") else ""
            return _detail(request, claim, why or "Select the families to sign off", 400)
        if any(x not in signable for x in wanted):
            return _detail(
                request, claim, "A family chosen can no longer be signed off: choose again", 400
            )
    chosen = [signable[x] for x in wanted if x in signable]
    form = SignOffForm(
        request.POST if request.method == "POST" else None,
        lines=list(signable),
        initial={"line": wanted},
    )
    if request.method == "POST" and form.is_valid():
        try:
            sign_all(chosen, request.user)
        except ClaimError as exc:
            form.add_error("line", str(exc))
        else:
            for line in chosen:
                record(
                    request,
                    Action.CHANGE,
                    "family",
                    line.family.family_id,
                    f"claim {claim} signed off ({line.result}, £{line.amount:,}); "
                    "declaration confirmed",
                )
            n = len(chosen)
            messages.success(
                request,
                f"{n} famil{'y' if n == 1 else 'ies'} signed off, "
                f"£{sum(x.amount for x in chosen):,} in all",
            )
            return redirect("claim", pk=claim.pk)
    return render(
        request,
        "claims/sign_off.html",
        {
            "claim": claim,
            "form": form,
            "chosen": chosen,
            "total": sum(x.amount for x in chosen),
            "declaration": DECLARATION,
        },
        status=400 if form.errors else 200,
    )


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
    from wholefamily.web import clock
    from wholefamily.web.claims.funding import funding, year_of

    require(request, "claims")
    framework = request.GET.get("framework") or _programme_framework()
    year = request.GET.get("year") or year_of(clock.today())
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
