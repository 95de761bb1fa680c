"""The work with the family: the assessment, the plan's actions (added, edited, their
status changed, each change kept as the action's history), reviews and notes. Each
step returns to the section of the family's page it belongs to."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse

from wholefamily.web.casework import forms as F
from wholefamily.web.casework import plan_forms as P
from wholefamily.web.casework.access import family_or_404
from wholefamily.web.casework.models import (
    Action,
    ActionChange,
    Assessment,
    Note,
    Review,
    Score,
)
from wholefamily.web.casework.views.common import step_page
from wholefamily.web.families.models import Family


@login_required
def assess(request: HttpRequest, family_id: str) -> HttpResponse:
    def apply(family: Family, form: Any) -> str:
        a = Assessment.objects.create(
            family=family,
            on=form.cleaned_data["on"],
            by=request.user,
            notes=form.cleaned_data["notes"],
        )
        Score.objects.bulk_create(
            [Score(assessment=a, area=area, score=s) for area, s in form.scores()]
        )
        return f"assessment {a.pk}"

    return step_page(
        request,
        family_id,
        "assess",
        F.AssessmentForm,
        apply,
        "Whole-family assessment",
        back="family_assessments",
    )


@login_required
def add_action(request: HttpRequest, family_id: str) -> HttpResponse:
    def apply(family: Family, form: Any) -> str:
        a = Action.objects.create(family=family, created_by=request.user, **form.cleaned_data)
        return f"action {a.pk} added"

    return step_page(
        request,
        family_id,
        "plan",
        F.ActionForm,
        apply,
        "Add an action to the plan",
        back="family_plan",
    )


def _action_of(request: HttpRequest, family_id: str, action_id: int) -> Action:
    family = family_or_404(request, family_id)
    try:
        return family.actions.get(pk=action_id)
    except Action.DoesNotExist:
        raise Http404("No such action") from None


def _kept(action: Action, changes: list[tuple[str, str, str]], by: Any) -> str:
    """Keeps each change in the action's history; says what changed, for the audit log."""
    ActionChange.objects.bulk_create(
        [ActionChange(action=action, field=f, before=b, after=a, by=by) for f, b, a in changes]
    )
    return f"action {action.pk} " + (", ".join(f for f, _, _ in changes) or "unchanged")


@login_required
def update_action(request: HttpRequest, family_id: str, action_id: int) -> HttpResponse:
    action = _action_of(request, family_id, action_id)

    def apply(family: Family, form: Any) -> str:
        now = Action.objects.get(pk=action.pk)  # as it is under the lock
        new = form.cleaned_data["state"]
        changes = [("state", now.state, new)] if new != now.state else []
        now.state = new
        now.save(update_fields=["state"])
        return _kept(now, changes, request.user)

    return step_page(
        request,
        family_id,
        "plan",
        F.ActionStateForm,
        apply,
        f"Update: {action.text}",
        initial={"state": action.state},
        back="family_plan",
    )


@login_required
def edit_action(request: HttpRequest, family_id: str, action_id: int) -> HttpResponse:
    """Changes an action's text, who will do it or its due date; what it was is kept."""
    action = _action_of(request, family_id, action_id)

    def apply(family: Family, form: Any) -> str:
        now = Action.objects.get(pk=action.pk)  # as it is under the lock
        changes = form.changes(now)
        for name in ("text", "owner", "due"):
            setattr(now, name, form.cleaned_data[name])
        now.save(update_fields=["text", "owner", "due"])
        return _kept(now, changes, request.user)

    return step_page(
        request,
        family_id,
        "plan",
        P.ActionEditForm,
        apply,
        "Change an action",
        initial={"text": action.text, "owner": action.owner, "due": action.due},
        back="family_plan",
    )


@login_required
def review(request: HttpRequest, family_id: str) -> HttpResponse:
    def apply(family: Family, form: Any) -> str:
        d = form.cleaned_data
        Review.objects.create(family=family, by=request.user, **d)
        # The next review is the one the latest review set (a review entered late,
        # dated before another, does not move it back).
        latest = family.reviews.order_by("-on", "-id").first()
        family.review_due = latest.next_due if latest else d["next_due"]
        family.save(update_fields=["review_due"])
        return f"review on {d['on']}"

    return step_page(
        request, family_id, "review", F.ReviewForm, apply, "Record a review", back="family_reviews"
    )


@login_required
def note(request: HttpRequest, family_id: str) -> HttpResponse:
    def apply(family: Family, form: Any) -> str:
        d = form.cleaned_data
        n = Note.objects.create(
            family=family, by=request.user, kind=d["kind"], on=d["on"], text=d["text"]
        )
        return f"note {n.pk} ({n.kind})"

    return step_page(
        request, family_id, "note", P.NoteForm, apply, "Add a note", back="family_notes"
    )
