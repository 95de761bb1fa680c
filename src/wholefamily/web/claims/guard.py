"""What must hold before a claim is prepared, and before a line of it is signed.

A claim's period must have ended (its last day, the claim date C, before today)
and end after work started: a family is measured at C only when its baseline
starts before C, and a period that ends before every baseline of the framework
is refused as a whole.

A line cannot be signed when its claim's period has not ended, when its
measurement is dated after today, when the family is claimed for the result in
another claim already, or when the family's case on the claim date
was not the programme's to claim for: stepped up to children's social care (and
not stepped down again by C), or closed by C for a reason other than "Outcomes
achieved" (moved away, disengaged, stepped up, other). A case closed because its
outcomes were achieved stays claimable: that is the usual way to a result, and
sf-2022 asks for it (the outcome sustained after closure).

The case's state at C is read from its timeline (the step and closure events
dated on or before C); a family with no such event is judged by its status.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import OuterRef, Subquery

from wholefamily.web import clock
from wholefamily.web.claims.models import ClaimError, Line
from wholefamily.web.families.models import Family, Status
from wholefamily.web.progress.models import Baseline

OUTCOMES_ACHIEVED = "Outcomes achieved"


def day(d: date) -> str:
    """A date as the pages show it: 13 April 2020."""
    return f"{d.day} {d:%B %Y}"


def must_have_ended(period: str, on: date) -> None:
    """Refuses a quarter whose last day is today or later."""
    if on >= clock.today():
        raise ClaimError(f"The quarter must have ended: {period} ends on {day(on)}")


def must_follow_baselines(period: str, on: date, framework: str) -> None:
    """Refuses a quarter ending before every baseline of the framework (when it has any):
    each family's latest version, so a start date corrected away no longer counts."""
    latest = Baseline.objects.filter(family=OuterRef("family")).order_by("-version")
    starts = Baseline.objects.filter(
        framework=framework, version=Subquery(latest.values("version")[:1])
    ).values_list("start", flat=True)
    first = starts.order_by("start").first()
    if first is not None and first >= on:
        raise ClaimError(
            f"The quarter must end after work started: {period} ends on {day(on)}, "
            f"and the first {framework} family started on {day(first)}"
        )


def claimable(period: str, on: date, framework: str) -> None:
    must_have_ended(period, on)
    must_follow_baselines(period, on, framework)


def case_on(family: Family, on: date) -> str:
    """'' when the family's case on `on` can be claimed for, else why not."""
    from wholefamily.web.casework.models import Event

    K = Event.Kind
    steps, closures = (K.STEP_UP, K.STEP_DOWN), (K.CLOSED, K.REOPENED)
    events = sorted(  # .all(): a page of lines prefetches every family's events
        (e for e in family.events.all() if e.kind in (*steps, *closures)),
        key=lambda e: (e.on, e.at, e.pk),
    )
    stepped: date | None = None  # the step-up in force on `on`
    closed: tuple[date, str] | None = None  # the closure in force on `on`, and why
    for e in (e for e in events if e.on <= on):
        if e.kind == K.STEP_UP:
            stepped = e.on
        elif e.kind == K.STEP_DOWN:
            stepped = None
        elif e.kind == K.CLOSED:
            closed = (e.on, e.detail)
        else:
            closed = None
    # A case whose steps or closure were not recorded as events: its status says.
    if not any(e.kind in steps for e in events) and family.status == Status.STEPPED_UP:
        return "stepped up to children's social care"
    recorded = any(e.kind in closures for e in events)
    if not recorded and family.status == Status.CLOSED and family.closed_on is not None:
        closed = (family.closed_on, family.closure_reason) if family.closed_on <= on else None
    if stepped is not None:
        return f"stepped up to children's social care on {day(stepped)}"
    if closed is not None and not closed[1].startswith(OUTCOMES_ACHIEVED):
        return f"closed on {day(closed[0])} ({closed[1] or 'no reason given'})"
    return ""


def unsignable(line: Line) -> str:
    """'' when the line can be signed today, else why not."""
    if line.signed_at is not None:
        return "already signed off"
    claim = line.claim
    if claim.claim_date >= clock.today():
        return f"the quarter has not ended: {claim.period} ends on {day(claim.claim_date)}"
    if line.progress.at > clock.today():
        return f"measured on {day(line.progress.at)}, a date still to come"
    other = (
        Line.objects.filter(
            family_id=line.family_id,
            framework=line.framework,
            result=line.result,
            signed_at__isnull=False,
        )
        .select_related("claim")
        .first()
    )
    if other is not None:
        return f"already claimed for the {line.result} result in the {other.claim} claim"
    if why := case_on(line.family, claim.claim_date):
        return f"{why}, by the claim date ({day(claim.claim_date)})"
    return ""


def sign_all(lines: list[Line], by: Any) -> None:
    """Signs every line or none: the manager's declaration covers them together."""
    from wholefamily.web.claims.services import sign

    with transaction.atomic():
        for line in lines:
            sign(line, by)
