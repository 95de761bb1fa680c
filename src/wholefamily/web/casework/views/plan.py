"""The work with the family: the assessment, the plan's actions, reviews and notes."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse

from wholefamily.web.casework import forms as F
from wholefamily.web.casework.access import family_or_404
from wholefamily.web.casework.models import Action, Assessment, Note, Review, Score
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
        request, family_id, "assess", F.AssessmentForm, apply, "Whole-family assessment"
    )


@login_required
def add_action(request: HttpRequest, family_id: str) -> HttpResponse:
    def apply(family: Family, form: Any) -> str:
        a = Action.objects.create(family=family, **form.cleaned_data)
        return f"action {a.pk} added"

    return step_page(request, family_id, "plan", F.ActionForm, apply, "Add an action to the plan")


@login_required
def update_action(request: HttpRequest, family_id: str, action_id: int) -> HttpResponse:
    family = family_or_404(request, family_id)
    try:
        action = family.actions.get(pk=action_id)
    except Action.DoesNotExist:
        raise Http404("No such action") from None

    def apply(family: Family, form: Any) -> str:
        action.state = form.cleaned_data["state"]
        action.save(update_fields=["state"])
        return f"action {action.pk} {action.state}"

    return step_page(
        request,
        family_id,
        "plan",
        F.ActionStateForm,
        apply,
        f"Update: {action.text}",
        initial={"state": action.state},
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

    return step_page(request, family_id, "review", F.ReviewForm, apply, "Record a review")


@login_required
def note(request: HttpRequest, family_id: str) -> HttpResponse:
    def apply(family: Family, form: Any) -> str:
        n = Note.objects.create(family=family, by=request.user, text=form.cleaned_data["text"])
        return f"note {n.pk}"

    return step_page(request, family_id, "note", F.NoteForm, apply, "Add a note")
