"""The steps that move a case: central check, allocation, consent and the baseline,
needs found during the work, intensity, step-up and step-down, closure and reopening,
and a manager's correction of the date the work started."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from wholefamily.web import clock
from wholefamily.web.casework import caseload, state
from wholefamily.web.casework import forms as F
from wholefamily.web.casework.access import family_or_404
from wholefamily.web.casework.dates import CaseDates, day, months_after
from wholefamily.web.casework.models import Event
from wholefamily.web.casework.views.common import (
    NEED_NAMES,
    Confirm,
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
            on=clock.today(),
            by=request.user,
            detail=f"to {name}, {d['team']}, {family.get_intensity_display()} intensity",
        )
        return f"to {d['key_worker'].get_username()}"

    form = caseload.AllocateForm  # the choice of key worker with each one's caseload
    return step_page(request, family_id, "allocate", form, apply, "Allocate the family")


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
            family.review_due = family.review_due or months_after(d["on"], 3)
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
        messages.success(request, f"Baseline version {b.version} frozen at {day(start)}")
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
        return F.FoundNeedForm(data, initial=initial, choices=choices)

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
            on=clock.today(),
            by=request.user,
            detail=family.get_intensity_display(),
        )
        return str(family.intensity)

    return step_page(request, family_id, "intensity", F.IntensityForm, apply, "Change intensity")


@login_required
def step(request: HttpRequest, family_id: str) -> HttpResponse:
    """Step up to children's social care, or down again: the date and why, then a
    page to confirm it before it is recorded."""
    family = family_or_404(request, family_id)
    up = family.status == Status.ACTIVE

    def form_class(data: Any, initial: Any = None) -> F.StepForm:
        return F.StepForm(data, initial=initial, up=up)

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
        return ("step up" if up else "step down") + " (confirmed)"

    def confirm(family: Family, form: Any) -> Confirm:
        d = form.cleaned_data
        if up:
            return Confirm(
                "Check before you step the family up",
                [("Date of the step up", day(d["on"])), ("Why", d["reason"])],
                "Children's social care will lead the work with the family. While the family is "
                "stepped up, its results cannot be claimed. You can step the family down again "
                "later.",
                "Confirm and step up",
            )
        return Confirm(
            "Check before you step the family down",
            [("Date of the step down", day(d["on"])), ("Why", d["reason"])],
            "The key worker will lead the work with the family again.",
            "Confirm and step down",
        )

    title = "Step up to children's social care" if up else "Step down from social care"
    return step_page(request, family_id, "step", form_class, apply, title, confirm=confirm)


@login_required
def close(request: HttpRequest, family_id: str) -> HttpResponse:
    """Close the case: why (with a description for "Other") and when, then a page
    to confirm it. Only a manager can reopen a closed case."""

    def apply(family: Family, form: Any) -> str:
        d = form.cleaned_data
        family.status, family.closed_on = Status.CLOSED, d["on"]
        family.closure_reason = _closure(d)
        family.review_due = None
        family.save(update_fields=["status", "closed_on", "closure_reason", "review_due"])
        Event.objects.create(
            family=family,
            kind=Event.Kind.CLOSED,
            on=d["on"],
            by=request.user,
            detail=family.closure_reason,
        )
        return family.closure_reason + " (confirmed)"

    def confirm(family: Family, form: Any) -> Confirm:
        d = form.cleaned_data
        return Confirm(
            "Check before you close the case",
            [("Why the case is closing", _closure(d)), ("Date closed", day(d["on"]))],
            "No more reviews will be due, and the plan's actions can no longer be changed. "
            "Only a team manager can reopen the case.",
            "Confirm and close the case",
        )

    return step_page(
        request, family_id, "close", F.CloseForm, apply, "Close the case", confirm=confirm
    )


def _closure(d: dict[str, Any]) -> str:
    reason = dict(F.CLOSURE_REASONS)[d["reason"]]
    detail = str(d.get("detail") or "").strip()
    return (reason + (f": {detail}" if detail else ""))[:200]


@login_required
def reopen(request: HttpRequest, family_id: str) -> HttpResponse:
    """A manager reopens a closed case, with the reason. The case goes back to where
    its work stands: active when the family had consented and the work had started
    (the baseline stays; the next review is due within 3 months), allocated and
    awaiting consent when it had a key worker but no consent, awaiting allocation
    when it had none. The closure stays on the timeline."""

    def apply(family: Family, form: Any) -> str:
        was = f"closed on {day(family.closed_on)}" if family.closed_on else "closed"
        was += f" ({family.closure_reason})" if family.closure_reason else ""
        today = clock.today()
        if family.key_worker_id is None:
            family.status = Status.AWAITING_ALLOCATION
        elif family.consent == "given" and family.started_on is not None:
            family.status = Status.ACTIVE
        else:
            family.status = Status.ALLOCATED
        family.closed_on, family.closure_reason = None, ""
        family.review_due = months_after(today, 3) if family.status == Status.ACTIVE else None
        family.save(update_fields=["status", "closed_on", "closure_reason", "review_due"])
        reason = form.cleaned_data["reason"]
        Event.objects.create(
            family=family,
            kind=Event.Kind.REOPENED,
            on=today,
            by=request.user,
            detail=f"{family.get_status_display()}; {was}. Why: {reason}"[:300],
        )
        return f"reopened to {family.status}, {was}: {reason}"

    return step_page(request, family_id, "reopen", F.ReopenForm, apply, "Reopen the case")


@login_required
def correct(request: HttpRequest, family_id: str) -> HttpResponse:
    """A manager corrects the date of consent that started the work, with the reason:
    the start of the work moves with it, the baseline is frozen again at the new date
    as a new version, the first review (when none was held) is due 3 months after it;
    the old date stays in the audit log and on the timeline."""
    family = family_or_404(request, family_id)
    if request.method != "POST" and family.started_on is None:
        forbid(request, "correct: no start date")

    def form_class(data: Any, initial: Any = None) -> F.CorrectStartForm:
        return F.CorrectStartForm(data, initial=initial, recorded=family.started_on)

    def apply(family: Family, form: Any) -> str:
        old, new = family.started_on, form.cleaned_data["on"]
        reason = form.cleaned_data["reason"]
        if old is None:  # no start to correct (anymore)
            raise state.CaseChanged(family, stale=True)
        started = CaseDates.of(family).start_event
        if started is not None:
            started.on = new
            started.detail = f"{started.detail} (dated {day(old)} until corrected)"[:300]
            started.save(update_fields=["on", "detail"])
        family.started_on = new
        fields = ["started_on"]
        if family.review_due is not None and not family.reviews.exists():
            family.review_due = months_after(new, 3)
            fields.append("review_due")
        family.save(update_fields=fields)
        Event.objects.create(
            family=family,
            kind=Event.Kind.CORRECTED,
            on=clock.today(),
            by=request.user,
            detail=(
                f"Date of consent and start of the work corrected from {day(old)} to "
                f"{day(new)}. Why: {reason}"
            )[:300],
        )
        if family.baselines.exists() or family.framework:
            _freeze(request, family, new, f"start corrected from {old} to {new}: {reason}")
        return f"date of consent corrected from {old} to {new}: {reason}"

    return step_page(
        request, family_id, "correct", form_class, apply, "Correct the date of consent"
    )
