"""The family's own pages: home, the plan (marking done, adding an action), the network,
before a review, their own scores, the notes shared with them, feedback; and the
practitioner's preview of what the family sees.

Everything they show comes from `familyview.seen`; every change goes through
`familyview.services`, whose refusals are shown as a GOV.UK error summary.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wholefamily.web.accounts.models import Role
from wholefamily.web.audit.log import record
from wholefamily.web.audit.models import Action as Audit
from wholefamily.web.casework import access
from wholefamily.web.casework.forms import DateField, DateWidget
from wholefamily.web.casework.models import Action, Assessment, AssessmentArea
from wholefamily.web.families.models import Family
from wholefamily.web.familyview import seen, services
from wholefamily.web.familyview.models import BeforeReview, FamilyAccount, Feedback, SelfAssessment
from wholefamily.web.familyview.views.common import family_member


def _said(e: services.Refused) -> str:
    return _(e.message)


def _lead_name(lead: seen.Lead | None) -> str:
    return lead.name if lead is not None else _("the person who helps your family")


def _first_name(lead: seen.Lead | None) -> str:
    return lead.first_name if lead is not None else _("the person who helps your family")


def home_context(family: Family, account: FamilyAccount | None) -> dict[str, Any]:
    lead = seen.lead(family)
    since = seen.since_of(family, account)
    return {
        "lead": lead,
        "next": seen.next_meetings(family),
        "first_visit": since is None,
        "changes": seen.changes_since(family, since, _lead_name(lead)),
    }


def plan_context(family: Family) -> dict[str, Any]:
    lead = seen.lead(family)
    return {
        "lead": lead,
        "lead_name": _lead_name(lead),
        "parts": seen.plan(family, _first_name(lead)),
        "waiting": seen.waiting(family),
        "declined": seen.declined(family),
    }


@family_member("Home")
def home(request: HttpRequest, account: FamilyAccount) -> HttpResponse:
    ctx = {"account": account, **home_context(account.family, account)}
    return render(request, "familyview/home.html", ctx)


def _plan_page(request: HttpRequest, account: FamilyAccount, error: str = "") -> HttpResponse:
    ctx = {"account": account, "error": error, **plan_context(account.family)}
    return render(request, "familyview/plan.html", ctx, status=400 if error else 200)


@family_member("Your plan")
def plan(request: HttpRequest, account: FamilyAccount) -> HttpResponse:
    return _plan_page(request, account)


@family_member("Mark as done")
def done(request: HttpRequest, action_id: int, account: FamilyAccount) -> HttpResponse:
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    action = Action.objects.filter(pk=action_id).first()
    if action is None:
        raise Http404("No such action")
    try:
        services.mark_done(account, action)
    except services.Refused as e:
        record(request, Audit.DENIED, "action", str(action_id), e.message)
        return _plan_page(request, account, _said(e))
    record(request, Audit.CHANGE, "action", str(action.pk), "marked done by the family")
    messages.success(
        request, _("Well done. You marked this as done: %(text)s") % {"text": action.text}
    )
    return redirect("my_plan")


class FamilyDateWidget(DateWidget):
    template_name = "familyview/_date.html"


class FamilyDateField(DateField):
    """The GOV.UK date input, its errors in the family's words and language."""

    widget = FamilyDateWidget

    def compress(self, data_list: list[Any]) -> Any:
        if not data_list or not any(data_list):
            return None
        if not all(data_list):
            raise ValidationError(_("The date must have a day, a month and a year."))
        try:
            return super().compress(data_list)
        except ValidationError:
            raise ValidationError(_("The date must be a real date.")) from None


class AddForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("What will you do?"), required=False, widget=forms.Textarea
    )
    due = FamilyDateField(
        label=gettext_lazy("When will you do it by? (you do not have to say)"),
        help_text=gettext_lazy("For example, 3 4 2026"),
        required=False,
    )


@family_member("Add something you will do")
def add(request: HttpRequest, account: FamilyAccount) -> HttpResponse:
    form = AddForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.propose(account, form.cleaned_data["text"], form.cleaned_data["due"])
        except services.Refused as e:
            form.add_error(e.field if e.field in form.fields else None, _said(e))
        else:
            record(request, Audit.CREATE, "proposed_action", account.family.family_id)
            lead = _lead_name(seen.lead(account.family))
            messages.success(
                request, _("Thank you. %(lead)s will look at what you added.") % {"lead": lead}
            )
            return redirect("my_plan")
    return render(request, "familyview/add.html", {"account": account, "form": form})


@family_member("Your network")
def network(request: HttpRequest, account: FamilyAccount) -> HttpResponse:
    ctx = {"account": account, "friends": seen.network(account.family)}
    return render(request, "familyview/network.html", ctx)


class BeforeReviewForm(forms.Form):
    working = forms.CharField(
        label=gettext_lazy("What is going well?"), required=False, widget=forms.Textarea
    )
    not_working = forms.CharField(
        label=gettext_lazy("What is not going well?"), required=False, widget=forms.Textarea
    )


@family_member("Before your review")
def before_review(request: HttpRequest, account: FamilyAccount) -> HttpResponse:
    form = BeforeReviewForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.before_review(
                account, form.cleaned_data["working"], form.cleaned_data["not_working"]
            )
        except services.Refused as e:
            form.add_error(e.field if e.field in form.fields else None, _said(e))
        else:
            record(request, Audit.CREATE, "before_review", account.family.family_id)
            lead = _lead_name(seen.lead(account.family))
            messages.success(
                request,
                _("Thank you. %(lead)s will read this before your review.") % {"lead": lead},
            )
            return redirect("my_before_review")
    ctx = {
        "account": account,
        "form": form,
        "next": seen.next_meetings(account.family),
        "before": BeforeReview.objects.filter(family=account.family)[:5],
    }
    return render(request, "familyview/before_review.html", ctx)


@family_member("Your scores")
def assessment(request: HttpRequest, account: FamilyAccount) -> HttpResponse:
    family = account.family
    areas = list(AssessmentArea.objects.filter(active=True).order_by("order", "name"))
    theirs: dict[int, int] = {}
    latest = Assessment.objects.filter(family=family).order_by("-on", "-id").first()
    if latest is not None:
        theirs = {s.area_id: s.score for s in latest.scores.all()}
    own: dict[int, int] = {}
    mine = SelfAssessment.objects.filter(family=family).order_by("-on", "-id").first()
    if mine is not None:
        own = {s.area_id: s.score for s in mine.scores.all()}
    errors: dict[str, str] = {}
    given: dict[int, Any] = {}
    if request.method == "POST":
        for a in areas:
            raw = request.POST.get(f"area_{a.pk}", "").strip()
            given[a.pk] = None if not raw else int(raw) if raw.isdigit() else 0
        try:
            services.self_assess(account, given)
        except services.Refused as e:
            field = e.field or (f"area_{areas[0].pk}" if areas else "")
            area = next((a for a in areas if f"area_{a.pk}" == e.field), None)
            if area is not None:
                errors[field] = _(services.SCORE_RANGE) % {"area": area.name}
            else:
                errors[field] = _said(e)
        else:
            record(request, Audit.CREATE, "self_assessment", family.family_id)
            messages.success(request, _("Thank you. Your scores are saved."))
            return redirect("my_assessment")
    lead = seen.lead(family)
    rows = []
    for a in areas:
        name = f"area_{a.pk}"
        chosen = request.POST.get(name, "") if request.method == "POST" else own.get(a.pk, "")
        rows.append(
            {
                "area": a,
                "name": name,
                "chosen": str(chosen),
                "theirs": theirs.get(a.pk),
                "error": errors.get(name, ""),
            }
        )
    ctx = {
        "account": account,
        "rows": rows,
        "errors": errors,
        "lead_name": _first_name(lead),
        "scores": [str(n) for n in range(1, 11)],
    }
    return render(request, "familyview/assessment.html", ctx, status=400 if errors else 200)


HELPFUL = [
    (Feedback.Helpful.VERY, gettext_lazy("Very helpful")),
    (Feedback.Helpful.QUITE, gettext_lazy("Quite helpful")),
    (Feedback.Helpful.A_LITTLE, gettext_lazy("A little helpful")),
    (Feedback.Helpful.NOT, gettext_lazy("Not helpful")),
]


class FeedbackForm(forms.Form):
    helpful = forms.TypedChoiceField(
        label=gettext_lazy("How helpful has our help been?"),
        choices=HELPFUL,
        coerce=int,
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": gettext_lazy(services.CHOOSE_HELPFUL)},
    )
    better = forms.CharField(
        label=gettext_lazy("What could be better? (you do not have to say)"),
        required=False,
        widget=forms.Textarea,
    )


@family_member("Tell us what you think")
def feedback(request: HttpRequest, account: FamilyAccount) -> HttpResponse:
    form = FeedbackForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.give_feedback(
                account, form.cleaned_data["helpful"], form.cleaned_data["better"]
            )
        except services.Refused as e:
            form.add_error(e.field if e.field in form.fields else None, _said(e))
        else:
            record(request, Audit.CREATE, "feedback", "")
            messages.success(request, _("Thank you for telling us what you think."))
            return redirect("my_home")
    return render(request, "familyview/feedback.html", {"account": account, "form": form})


@family_member("Notes shared with you")
def shared(request: HttpRequest, account: FamilyAccount) -> HttpResponse:
    ctx = {"account": account, "notes": seen.shared_notes(account.family)}
    return render(request, "familyview/shared.html", ctx)


def preview(request: HttpRequest, family_id: str) -> HttpResponse:
    """A practitioner sees the family's home and plan as the family sees them."""
    if not request.user.is_authenticated:
        from django.contrib.auth.views import redirect_to_login

        return redirect_to_login(request.get_full_path())
    family = access.family_or_404(request, family_id)
    role = access.role_of(request.user)
    if role not in (Role.KEY_WORKER, Role.MANAGER) and not access.leads(request.user, family):
        record(request, Audit.DENIED, "family_view", family.family_id, "preview")
        raise Http404("Not found")
    record(request, Audit.VIEW, "family_view", family.family_id, "preview of the family's page")
    ctx = {
        "preview": True,
        "family": family,
        **home_context(family, None),
        **plan_context(family),
    }
    return render(request, "familyview/preview.html", ctx)
