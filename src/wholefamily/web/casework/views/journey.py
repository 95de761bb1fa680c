"""The steps that move a case: central check, allocation, consent and the baseline,
needs found during the work, intensity, step-up and step-down, closure."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from wholefamily.web.casework import forms as F
from wholefamily.web.casework import state
from wholefamily.web.casework.access import family_or_404
from wholefamily.web.casework.models import Event
from wholefamily.web.casework.views.common import (
    NEED_NAMES,
    counts_found_needs,
    forbid,
    require,
    step_page,
)
from wholefamily.web.families.models import Family, Status


@login_required
def allocate(request: HttpRequest, family_id: str) -> HttpResponse:
    def apply(family: Family, form: Any) -> str:
        d = form.cleaned_data
        family.key_worker, family.team, family.intensity = (
            d["key_worker"],
            d["team"],
            d["intensity"],
        )
        if family.status == Status.AWAITING_ALLOCATION:
            family.status = Status.ALLOCATED
        family.save(update_fields=["key_worker", "team", "intensity", "status"])
        name = d["key_worker"].get_full_name() or d["key_worker"].get_username()
        Event.objects.create(
            family=family,
            kind=Event.Kind.ALLOCATED,
            on=date.today(),
            by=request.user,
            detail=f"to {name}, {d['team']}, {family.get_intensity_display()} intensity",
        )
        return f"to {d['key_worker'].get_username()}"

    return step_page(request, family_id, "allocate", F.AllocateForm, apply, "Allocate the family")


@login_required
def consent(request: HttpRequest, family_id: str) -> HttpResponse:
    def apply(family: Family, form: Any) -> str:
        d = form.cleaned_data
        family.consent = d["decision"]
        if d["decision"] == "given":
            family.status = Status.ACTIVE
            # Work starts when a family allocated to a key worker consents: the baseline.
            first = family.started_on is None
            family.started_on = family.started_on or d["on"]
            family.review_due = family.review_due or F.months_after(d["on"], 3)
            if first:
                _freeze(request, family, d["on"], "work started (consent given)")
        else:
            family.status = Status.CONSENT_REFUSED
        family.save(update_fields=["consent", "status", "started_on", "review_due"])
        Event.objects.create(
            family=family,
            kind=Event.Kind.CONSENT,
            on=d["on"],
            by=request.user,
            detail=d["decision"] + (f": {d['reason']}" if d["reason"] else ""),
        )
        return str(d["decision"])

    return step_page(request, family_id, "consent", F.ConsentForm, apply, "Record consent")


def _freeze(request: HttpRequest, family: Family, start: date, reason: str) -> None:
    from wholefamily.web.progress.services import ProgressError, freeze

    try:
        b = freeze(family, start, request.user, reason)
        messages.success(request, f"Baseline version {b.version} frozen at {start:%d %B %Y}")
    except ProgressError as exc:
        messages.warning(request, f"The baseline could not be frozen yet: {exc}")


@login_required
def baseline(request: HttpRequest, family_id: str) -> HttpResponse:
    def apply(family: Family, form: Any) -> str:
        start = family.started_on or form.cleaned_data["on"]
        _freeze(request, family, start, form.cleaned_data["reason"])
        return f"baseline at {start}: {form.cleaned_data['reason']}"

    return step_page(
        request,
        family_id,
        "baseline",
        F.BaselineForm,
        apply,
        "Freeze or correct the baseline",
        initial={"on": None},
    )


@login_required
def found_need(request: HttpRequest, family_id: str) -> HttpResponse:
    """Record a need found during the work (frameworks that count them: sf-2022)."""
    from wholefamily.web.progress.models import FoundNeed
    from wholefamily.web.progress.services import framework_data

    family = family_or_404(request, family_id)
    require(request, "found_need", None if request.method == "POST" else family)
    if not counts_found_needs(family):
        forbid(request, "found_need")
    known = set(family.need_list) | set(family.found_needs.values_list("need", flat=True))
    latest = family.baselines.order_by("-version").first()
    if latest is not None:
        known |= set(latest.need_list)
    choices = [
        (code, NEED_NAMES.get(code, code))
        for code in framework_data(family.framework)["needs"]
        if code not in known
    ]
    if not choices:
        messages.info(request, "Every need of the framework is already recorded for this family.")
        return redirect(reverse("family", args=[family.family_id]))

    def form_class(data: Any, initial: Any = None) -> F.FoundNeedForm:
        return F.FoundNeedForm(data, initial=initial, choices=choices, started=family.started_on)

    def apply(family: Family, form: Any) -> str:
        d = form.cleaned_data
        FoundNeed.objects.create(
            family=family, need=d["need"], found_on=d["found_on"], note=d["note"], by=request.user
        )
        Event.objects.create(
            family=family,
            kind=Event.Kind.NEED_FOUND,
            on=d["found_on"],
            by=request.user,
            detail=NEED_NAMES.get(d["need"], d["need"]),
        )
        return f"need found: {d['need']}"

    return step_page(
        request, family_id, "found_need", form_class, apply, "Record a need found during the work"
    )


@login_required
def intensity(request: HttpRequest, family_id: str) -> HttpResponse:
    def apply(family: Family, form: Any) -> str:
        family.intensity = form.cleaned_data["intensity"]
        family.save(update_fields=["intensity"])
        Event.objects.create(
            family=family,
            kind=Event.Kind.INTENSITY,
            on=date.today(),
            by=request.user,
            detail=family.get_intensity_display(),
        )
        return str(family.intensity)

    return step_page(request, family_id, "intensity", F.IntensityForm, apply, "Change intensity")


@login_required
def step(request: HttpRequest, family_id: str) -> HttpResponse:
    family = family_or_404(request, family_id)
    up = family.status == Status.ACTIVE

    def apply(family: Family, form: Any) -> str:
        d = form.cleaned_data
        if (family.status == Status.ACTIVE) != up:  # stepped the other way meanwhile
            raise state.CaseChanged(family, stale=True)
        family.status = Status.STEPPED_UP if up else Status.ACTIVE
        family.save(update_fields=["status"])
        Event.objects.create(
            family=family,
            kind=Event.Kind.STEP_UP if up else Event.Kind.STEP_DOWN,
            on=d["on"],
            by=request.user,
            detail=d["reason"],
        )
        return "step up" if up else "step down"

    title = "Step up to children's social care" if up else "Step down from social care"
    return step_page(request, family_id, "step", F.StepForm, apply, title)


@login_required
def close(request: HttpRequest, family_id: str) -> HttpResponse:
    def apply(family: Family, form: Any) -> str:
        d = form.cleaned_data
        reason = dict(F.CLOSURE_REASONS)[d["reason"]]
        family.status, family.closed_on = Status.CLOSED, d["on"]
        family.closure_reason = (reason + (f": {d['detail']}" if d["detail"] else ""))[:200]
        family.review_due = None
        family.save(update_fields=["status", "closed_on", "closure_reason", "review_due"])
        Event.objects.create(
            family=family,
            kind=Event.Kind.CLOSED,
            on=d["on"],
            by=request.user,
            detail=family.closure_reason,
        )
        return family.closure_reason

    return step_page(request, family_id, "close", F.CloseForm, apply, "Close the case")
