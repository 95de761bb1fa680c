"""The pages of support packages: the family's "Support packages" section (the
eligibility panel, each package with its state and payments made, the decide link for
who may decide), the request and decision pages, and the budgets page (committed, paid
and remaining per budget, a year at a time) with its two actions: a budget set, and the
payments due up to a day recorded.

A change is made as Family Help's are: inside one transaction, the family's row
locked (`casework.state.lock`, which checks the family is still the user's), the form
read, the service called; a `Refused` rolls everything back and is shown on its field.
Every page view and every change is written to the audit log."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import IntegrityError, transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from wholefamily.web import clock
from wholefamily.web.audit.log import record
from wholefamily.web.audit.models import Action as Audit
from wholefamily.web.casework import state
from wholefamily.web.casework.access import family_or_404
from wholefamily.web.casework.views.common import forbid
from wholefamily.web.casework.views.family import page_context
from wholefamily.web.familyhelp.services import Refused
from wholefamily.web.payments import access, rows
from wholefamily.web.payments import forms as F
from wholefamily.web.payments import services as S
from wholefamily.web.payments.models import Budget, Package
from wholefamily.web.payments.money import manager_limit, pounds, year_asked


@login_required
def family_payments(request: HttpRequest, family_id: str) -> HttpResponse:
    family = family_or_404(request, family_id)
    if not access.sees(request.user, family):
        forbid(request, "support packages")
    family, ctx = page_context(request, family_id, "family_payments")
    may_decide = access.may_decide(request.user, family)
    ctx |= {
        "conditions": S.eligibility(family),
        "may_propose": access.may_propose(request.user, family),
        "packages": [
            rows.package_row(p, request.user, may_decide)
            for p in Package.objects.filter(family=family).select_related(
                "payee", "child", "budget", "proposed_by", "decided_by", "meeting", "no_network"
            )
        ],
        "limit": pounds(manager_limit()),
    }
    return render(request, "payments/section.html", ctx)


def _back(family_id: str) -> str:
    return reverse("family_payments", args=[family_id])


@login_required
def request_package(request: HttpRequest, family_id: str) -> HttpResponse:
    family = family_or_404(request, family_id)
    if not access.may_propose(request.user, family):
        forbid(request, "support packages: propose")
    form: F.PackageForm
    if request.method == "POST":
        form = F.PackageForm(request.POST, family=family)
        try:
            with transaction.atomic():
                now = state.lock(request.user, family, "payments", None)
                form = F.PackageForm(request.POST, family=now)
                if form.is_valid():
                    d = form.cleaned_data
                    p = S.propose(
                        now, d["child"], d["payee"], d["purpose"], d["what"], d["amount"],
                        d["frequency"], d["starts_on"], d["ends_on"], d["budget"], request.user,
                        **form.basis_records(),
                    )  # fmt: skip
                    record(
                        request, Audit.CHANGE, "family", now.family_id, f"package {p.pk} proposed"
                    )
                    messages.success(
                        request, f"The support package is proposed: {pounds(S.total(p))}"
                    )
                    return redirect(_back(now.family_id))
        except Refused as refusal:
            form.refused(refusal)
        except state.NotVisible:
            raise Http404("No such family") from None
    else:
        form = F.PackageForm(family=family)
    record(request, Audit.VIEW, "family", family.family_id, "request a support package")
    return render(
        request,
        "payments/request.html",
        {
            "family": family,
            "form": form,
            "conditions": S.eligibility(family),
            "title": "Request a support package",
            "back": _back(family.family_id),
        },
    )


@login_required
def decide_package(request: HttpRequest, family_id: str, pk: int) -> HttpResponse:
    family = family_or_404(request, family_id)
    if not access.may_decide(request.user, family):
        forbid(request, "support packages: decide")
    package = get_object_or_404(
        Package.objects.select_related("payee", "child", "budget", "proposed_by", "meeting"),
        pk=pk,
        family=family,
    )
    form = F.DecideForm(request.POST if request.method == "POST" else None)
    seen = state.seen_version(request.POST) if request.method == "POST" else package.version
    if request.method == "POST" and form.is_valid():
        approve = form.cleaned_data["decision"] == "approve"
        try:
            with transaction.atomic():
                state.lock(request.user, family, "payments", None)
                done = S.decide(
                    package, approve, request.user, seen, form.cleaned_data["reason"],
                    today=clock.today(),
                )  # fmt: skip
                record(
                    request, Audit.CHANGE, "family", family.family_id,
                    f"package {pk} {done.state}",
                )  # fmt: skip
            messages.success(request, f"The support package is {done.get_state_display().lower()}")
            return redirect(_back(family.family_id))
        except Refused as refusal:
            form.refused(refusal)
        except state.NotVisible:
            raise Http404("No such family") from None
    pos = S.position(package.budget)
    record(request, Audit.VIEW, "family", family.family_id, f"decide package {pk}")
    return render(
        request,
        "payments/decide.html",
        {
            "family": family,
            "form": form,
            "row": rows.package_row(package, request.user, True),
            "conditions": S.eligibility(family, package.child, package.meeting, package.no_network),
            "budget": rows.budget_row(pos),
            "after": pounds(pos.remaining - S.total(package)),
            "needs_head": S.needs_head(package, pos),
            "limit": pounds(manager_limit()),
            "version": seen if seen is not None else package.version,
            "title": "Decide the support package",
            "back": _back(family.family_id),
        },
    )


@login_required
def budgets(request: HttpRequest) -> HttpResponse:
    if not access.sees_budgets(request.user):
        forbid(request, "budgets")
    year = year_asked(request.GET.get("year"))
    years = sorted(set(Budget.objects.values_list("year", flat=True)) | {year}, reverse=True)
    record(request, Audit.VIEW, "budgets", year, "budgets")
    return render(
        request,
        "payments/budgets.html",
        {
            "year": year,
            "years": years,
            "budgets": [rows.budget_row(S.position(b)) for b in Budget.objects.filter(year=year)],
            "may_set": access.may_set_budget(request.user),
            "may_record": access.may_record_payments(request.user),
            "limit": pounds(manager_limit()),
        },
    )


def _form_page(
    request: HttpRequest, form: Any, title: str, intro: str, button: str
) -> HttpResponse:
    return render(
        request,
        "payments/form.html",
        {"form": form, "title": title, "intro": intro, "button": button,
         "back": reverse("budgets")},
    )  # fmt: skip


@login_required
def add_budget(request: HttpRequest) -> HttpResponse:
    if not access.may_set_budget(request.user):
        forbid(request, "budgets: set")
    form = F.BudgetForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            with transaction.atomic():
                b = S.set_budget(
                    d["year"], d["district"].strip(), d["group"], d["amount"], request.user
                )
                record(request, Audit.CHANGE, "budget", str(b.pk), f"budget set: {b}")
            messages.success(request, f"The budget is set: {b}, {pounds(b.pence)}")
            return redirect(reverse("budgets") + f"?year={b.year}")
        except (Refused, IntegrityError) as refusal:
            form.refused(
                refusal if isinstance(refusal, Refused) else Refused("That budget is already set")
            )
    record(request, Audit.VIEW, "budgets", "", "set a budget")
    districts = ", ".join(S.known_districts()) or "none yet"
    return _form_page(
        request, form, "Set a budget", f"The districts: {districts}.", "Set the budget"
    )


@login_required
def record_payments(request: HttpRequest) -> HttpResponse:
    if not access.may_record_payments(request.user):
        forbid(request, "budgets: record payments")
    form = F.RecordPaymentsForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            made = S.record_payments(form.cleaned_data["up_to"], request.user, clock.today())
            record(request, Audit.CHANGE, "ledger", "", f"{len(made)} payments recorded")
            total = pounds(sum(e.pence for e in made))
            messages.success(
                request,
                f"{len(made)} payment{'s' if len(made) != 1 else ''} recorded, {total}"
                if made
                else "No payment was due that was not recorded already",
            )
            return redirect("budgets")
        except Refused as refusal:
            form.refused(refusal)
        except IntegrityError:
            form.refused(Refused("Someone else is recording payments now: try again in a moment"))
    record(request, Audit.VIEW, "budgets", "", "record payments")
    return _form_page(
        request,
        form,
        "Record payments made",
        "Every approved package’s payments due up to the day are recorded, each once: a due "
        "date already paid is never paid again.",
        "Record the payments",
    )
