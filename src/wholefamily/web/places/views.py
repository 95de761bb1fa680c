"""The pages of services with places: the directory (a year at a time: places bought,
held, given and families waiting), a service's page (its places per year, the families
holding a place and the waiting list, naming only the families the user sees), the
forms that keep the directory, and, from a family's plan, a referral from an action and
what became of it.

A referral is made as support packages are: inside one transaction, the family's row
locked (`casework.state.lock`, which checks the family is still the user's), the form
read, the service called; a `Refused` rolls everything back and is shown on its field.
Every page view and every change is written to the audit log."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from wholefamily.web import clock
from wholefamily.web.audit.log import record
from wholefamily.web.audit.models import Action as Audit
from wholefamily.web.casework import state
from wholefamily.web.casework.access import family_or_404, visible_families
from wholefamily.web.casework.models import Action
from wholefamily.web.casework.views.common import forbid
from wholefamily.web.families.labels import needs_label
from wholefamily.web.familyhelp.services import Refused
from wholefamily.web.payments.money import year_asked, year_of
from wholefamily.web.places import access, rows
from wholefamily.web.places import forms as F
from wholefamily.web.places import services as S
from wholefamily.web.places.models import HOLDING, Places, Referral, Service, State


@login_required
def directory(request: HttpRequest) -> HttpResponse:
    if not access.sees_directory(request.user):
        forbid(request, "services")
    year = year_asked(request.GET.get("year"))
    years = sorted(set(Places.objects.values_list("year", flat=True)) | {year}, reverse=True)
    record(request, Audit.VIEW, "services", year, "directory of services")
    return render(
        request,
        "places/directory.html",
        {
            "year": year,
            "years": years,
            "services": [rows.service_row(s, year) for s in Service.objects.all()],
            "may_maintain": access.may_maintain(request.user),
        },
    )


def _named(request: HttpRequest, found: list[Referral]) -> tuple[list[dict[str, Any]], int]:
    """The referrals of families the user sees, in words, and how many others there are."""
    mine = set(
        visible_families(request.user)
        .filter(pk__in=[r.family_id for r in found])
        .values_list("pk", flat=True)
    )
    shown = [rows.referral_row(r) for r in found if r.family_id in mine]
    return shown, len(found) - len(shown)


@login_required
def service_detail(request: HttpRequest, pk: int) -> HttpResponse:
    if not access.sees_directory(request.user):
        forbid(request, "services")
    service = get_object_or_404(Service, pk=pk)
    year = year_asked(request.GET.get("year"))
    held = list(
        Referral.objects.filter(service=service, state__in=HOLDING)
        .select_related("family", "action", "service")
        .order_by("offered_on", "id")
    )
    holding, holding_others = _named(request, held)
    waiting, waiting_others = _named(request, S.waiting_list(service))
    years = sorted(
        {*Places.objects.filter(service=service).values_list("year", flat=True), year},
        reverse=True,
    )
    record(request, Audit.VIEW, "service", str(service.pk), service.name[:200])
    return render(
        request,
        "places/service.html",
        {
            "row": rows.service_row(service, year),
            "year": year,
            "per_year": [S.position(service, y) for y in years],
            "holding": holding,
            "holding_others": holding_others,
            "waiting": waiting,
            "waiting_others": waiting_others,
            "may_maintain": access.may_maintain(request.user),
        },
    )


def _service_form_page(
    request: HttpRequest, form: Any, title: str, button: str, back: str, intro: str = ""
) -> HttpResponse:
    return render(
        request,
        "places/form.html",
        {"form": form, "title": title, "button": button, "back": back, "intro": intro},
    )


def _save(request: HttpRequest, form: F.ServiceForm, service: Service | None) -> Service | None:
    d = form.cleaned_data
    try:
        with transaction.atomic():
            saved = S.save_service(
                request.user, d["name"], d["category"], d["kind"], d["provider"], d["needs"],
                d["intensity"], d["description"], d["active"] == "yes", service=service,
            )  # fmt: skip
            record(
                request, Audit.CHANGE, "service", str(saved.pk),
                f"service {'changed' if service else 'added'}: {saved.name}"[:300],
            )  # fmt: skip
        return saved
    except Refused as refusal:
        form.refused(refusal)
        return None


@login_required
def add_service(request: HttpRequest) -> HttpResponse:
    if not access.may_maintain(request.user):
        forbid(request, "services: add")
    form = F.ServiceForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        saved = _save(request, form, None)
        if saved is not None:
            messages.success(request, f"{saved.name} is added to the directory")
            return redirect("service", saved.pk)
    record(request, Audit.VIEW, "services", "", "add a service")
    return _service_form_page(
        request, form, "Add a service", "Add the service", reverse("services"),
        "Set its places for each financial year from the service’s page.",
    )  # fmt: skip


@login_required
def edit_service(request: HttpRequest, pk: int) -> HttpResponse:
    if not access.may_maintain(request.user):
        forbid(request, "services: change")
    service = get_object_or_404(Service, pk=pk)
    initial = {
        "name": service.name, "category": service.category, "kind": service.kind,
        "provider": service.provider, "needs": service.need_list,
        "intensity": service.intensity, "description": service.description,
        "active": "yes" if service.active else "no",
    }  # fmt: skip
    form = F.ServiceForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        saved = _save(request, form, service)
        if saved is not None:
            messages.success(request, f"{saved.name} is changed")
            return redirect("service", saved.pk)
    record(request, Audit.VIEW, "service", str(service.pk), "change a service")
    back = reverse("service", args=[service.pk])
    return _service_form_page(request, form, f"Change {service.name}", "Save the changes", back)


@login_required
def set_places(request: HttpRequest, pk: int) -> HttpResponse:
    if not access.may_maintain(request.user):
        forbid(request, "services: places")
    service = get_object_or_404(Service, pk=pk)
    form = F.PlacesForm(
        request.POST if request.method == "POST" else None,
        initial={"year": year_of(clock.today())},
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            offered = S.set_places(service, d["year"], d["places"], request.user, clock.today())
            record(
                request, Audit.CHANGE, "service", str(service.pk),
                f"places {d['year']}: {d['places']}; {len(offered)} offered",
            )  # fmt: skip
            said = f"{service.name} has {d['places']} places in {d['year'].strip()}"
            if offered:
                said += f"; {len(offered)} waiting offered a place"
            messages.success(request, said)
            return redirect(reverse("service", args=[service.pk]) + f"?year={d['year'].strip()}")
        except Refused as refusal:
            form.refused(refusal)
    record(request, Audit.VIEW, "service", str(service.pk), "set places")
    return _service_form_page(
        request, form, f"Places of {service.name}", "Set the places",
        reverse("service", args=[service.pk]),
        "Places set again for a year replace those set before. More places for this "
        "year are offered at once to the families waiting.",
    )  # fmt: skip


def _plan(family_id: str) -> str:
    return reverse("family_plan", args=[family_id])


@login_required
def refer(request: HttpRequest, family_id: str, action_id: int) -> HttpResponse:
    family = family_or_404(request, family_id)
    if not access.may_refer(request.user, family):
        forbid(request, "services: refer")
    try:
        action = family.actions.get(pk=action_id)
    except Action.DoesNotExist:
        raise Http404("No such action") from None
    form = F.ReferForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            with transaction.atomic():
                now = state.lock(request.user, family, "places", None)
                r = S.refer(now, action, d["service"], d["on"], request.user, clock.today())
                record(
                    request, Audit.CHANGE, "family", now.family_id,
                    f"referral {r.pk} to service {r.service_id}: {r.state}",
                )  # fmt: skip
            messages.success(
                request,
                f"Referred to {r.service}: "
                + ("a place is offered" if r.holds_place else "on the waiting list"),
            )
            return redirect(_plan(family.family_id))
        except Refused as refusal:
            form.refused(refusal)
        except state.NotVisible:
            raise Http404("No such family") from None
    record(request, Audit.VIEW, "family", family.family_id, f"refer action {action.pk}")
    return render(
        request,
        "places/refer.html",
        {
            "family": family,
            "action": action,
            "needs": needs_label(sorted(S.family_needs(family)), family.framework),
            "form": form,
            "title": "Refer to a service",
            "back": _plan(family.family_id),
        },
    )


@login_required
def update_referral(request: HttpRequest, family_id: str, pk: int) -> HttpResponse:
    family = family_or_404(request, family_id)
    if not access.may_update(request.user, family):
        forbid(request, "services: referral")
    referral = get_object_or_404(
        Referral.objects.select_related("service", "action"), pk=pk, family=family
    )
    form = F.UpdateForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and referral.open and form.is_valid():
        d = form.cleaned_data
        try:
            with transaction.atomic():
                state.lock(request.user, family, "places", None)
                if d["what"] == "start":
                    S.start(referral, d["on"], request.user, clock.today())
                    offered: list[Referral] = []
                else:
                    _, offered = S.end(referral, d["on"], d["reason"], request.user, clock.today())
                record(
                    request, Audit.CHANGE, "family", family.family_id,
                    f"referral {referral.pk}: {d['what']}; {len(offered)} offered the place",
                )  # fmt: skip
            messages.success(request, f"The referral to {referral.service} is updated")
            return redirect(_plan(family.family_id))
        except Refused as refusal:
            form.refused(refusal)
        except state.NotVisible:
            raise Http404("No such family") from None
    record(request, Audit.VIEW, "family", family.family_id, f"referral {referral.pk}")
    return render(
        request,
        "places/update.html",
        {
            "family": family,
            "row": rows.referral_row(referral),
            "form": form,
            "title": f"The referral to {referral.service}",
            "back": _plan(family.family_id),
            "is_open": referral.open,
            "waiting": referral.state == State.WAITING,
        },
    )
