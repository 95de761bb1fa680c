"""The changes of child protection: a strategy discussion (and its section 47
enquiries), an enquiry's outcome, the initial and review conferences, a plan ended,
the team's members added and ended, an offer to the parents. Each is a `change_page`
of `familyhelp.views.common` for the step "protect"."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404

from wholefamily.web.families.models import Family
from wholefamily.web.familyhelp.history import day, in_sentence, level_words
from wholefamily.web.familyhelp.views.common import change_page, episode_or_404
from wholefamily.web.protection import forms as F
from wholefamily.web.protection import services as cp
from wholefamily.web.protection.models import (
    Enquiry,
    Outcome,
    Plan,
    StrategyDiscussion,
    TeamMember,
)

BACK = "family_protection"


def _page(
    request: HttpRequest, family_id: str, title: str, make: Any, apply: Any, intro: str = ""
) -> HttpResponse:
    return change_page(request, family_id, "protect", title, make, apply, back=BACK, intro=intro)


@login_required
def strategy(request: HttpRequest, family_id: str) -> HttpResponse:
    def apply(family: Family, form: Any) -> tuple[str, str]:
        d = form.cleaned_data
        s = cp.hold_strategy(
            episode_or_404(family),
            d["children"],
            d["held_on"],
            d["attended"],
            request.user,
            summary=d["summary"],
            section_47=d["section_47"] == "yes",
        )
        target = day(cp.icpc_target(s))
        return (
            f"strategy {s.pk}",
            f"The strategy discussion is recorded: a conference is due by {target}",
        )

    return _page(
        request,
        family_id,
        "Record a strategy discussion",
        lambda family, posted: F.StrategyForm(posted, episode=episode_or_404(family)),
        apply,
    )


def _enquiry(family: Family, pk: int) -> Enquiry:
    return get_object_or_404(
        Enquiry, pk=pk, strategy__episode__family=family, strategy__episode__closed_on__isnull=True
    )


@login_required
def outcome(request: HttpRequest, family_id: str, pk: int) -> HttpResponse:
    def make(family: Family, posted: Any) -> F.OutcomeForm:
        _enquiry(family, pk)
        return F.OutcomeForm(posted)

    def apply(family: Family, form: Any) -> tuple[str, str]:
        q, d = _enquiry(family, pk), form.cleaned_data
        cp.record_outcome(q, d["completed_on"], d["outcome"], request.user)
        said = Outcome(d["outcome"]).label
        return f"enquiry {q.pk}: {said}", f"The outcome of {q.child}’s enquiry is recorded"

    return _page(request, family_id, "Record the section 47 enquiry’s outcome", make, apply)


def _strategy(family: Family, pk: int) -> StrategyDiscussion:
    return get_object_or_404(
        StrategyDiscussion, pk=pk, episode__family=family, episode__closed_on__isnull=True
    )


@login_required
def initial_conference(request: HttpRequest, family_id: str, pk: int) -> HttpResponse:
    def make(family: Family, posted: Any) -> F.InitialConferenceForm:
        return F.InitialConferenceForm(posted, strategy=_strategy(family, pk))

    def apply(family: Family, form: Any) -> tuple[str, str]:
        s, d = _strategy(family, pk), form.cleaned_data
        conf = cp.initial_conference(
            s,
            d["held_on"],
            d["attended"],
            form.plans(),
            request.user,
            summary=d["summary"],
            earlier_plans=form.earlier(),
        )
        n = conf.plans.count()
        done = (
            f"The initial conference is recorded: {n} child protection plan{'s' if n != 1 else ''}"
        )
        return f"initial conference {conf.pk}: {n} plans", done

    return _page(
        request,
        family_id,
        "Record the initial child protection conference",
        make,
        apply,
        intro="Each child with a plan steps up to child protection from the conference.",
    )


def _open_plans(family: Family) -> list[Plan]:
    episode = episode_or_404(family)
    return list(
        episode.cp_plans.filter(ended_on__isnull=True)
        .select_related("child")
        .order_by("child__dob")
    )


@login_required
def review_conference(request: HttpRequest, family_id: str) -> HttpResponse:
    def make(family: Family, posted: Any) -> F.ReviewConferenceForm:
        return F.ReviewConferenceForm(posted, plans=_open_plans(family))

    def apply(family: Family, form: Any) -> tuple[str, str]:
        d = form.cleaned_data
        conf = cp.review_conference(
            episode_or_404(family),
            d["held_on"],
            d["attended"],
            request.user,
            categories=form.categories(),
            end=form.ending(),
            step_to=d["step_to"],
            summary=d["summary"],
        )
        ended = len(form.ending())
        done = "The review conference is recorded" + (
            f": {ended} plan{'s' if ended != 1 else ''} ended" if ended else ""
        )
        return f"review conference {conf.pk}: {ended} plans ended", done

    return _page(request, family_id, "Record a review child protection conference", make, apply)


def _plan(family: Family, pk: int) -> Plan:
    return get_object_or_404(Plan, pk=pk, episode__family=family, episode__closed_on__isnull=True)


@login_required
def end_plan(request: HttpRequest, family_id: str, pk: int) -> HttpResponse:
    def make(family: Family, posted: Any) -> F.EndPlanForm:
        _plan(family, pk)
        return F.EndPlanForm(posted)

    def apply(family: Family, form: Any) -> tuple[str, str]:
        p, d = _plan(family, pk), form.cleaned_data
        cp.end_plan(p, d["ended_on"], d["reason"], request.user, d["step_to"])
        to = in_sentence(level_words(d["step_to"]))
        return f"plan {p.pk} ended", f"{p.child}’s plan ended: {p.child} steps down to {to}"

    return _page(request, family_id, "End a child protection plan", make, apply)


@login_required
def add_member(request: HttpRequest, family_id: str) -> HttpResponse:
    def make(family: Family, posted: Any) -> F.MemberForm:
        episode_or_404(family)
        return F.MemberForm(posted)

    def apply(family: Family, form: Any) -> tuple[str, str]:
        d = form.cleaned_data
        m = cp.add_member(
            episode_or_404(family),
            d["role"],
            d["name"],
            d["agency"],
            d["started_on"],
            request.user,
            user=d["user"],
        )
        return f"team member {m.pk} added", f"{m.name} is on the child protection team"

    return _page(request, family_id, "Add a member of the child protection team", make, apply)


def _member(family: Family, pk: int) -> TeamMember:
    return get_object_or_404(
        TeamMember, pk=pk, episode__family=family, episode__closed_on__isnull=True
    )


@login_required
def end_member(request: HttpRequest, family_id: str, pk: int) -> HttpResponse:
    def make(family: Family, posted: Any) -> F.EndMemberForm:
        _member(family, pk)
        return F.EndMemberForm(posted)

    def apply(family: Family, form: Any) -> tuple[str, str]:
        m = _member(family, pk)
        cp.end_member(m, form.cleaned_data["ended_on"], request.user)
        return f"team member {m.pk} ended", f"{m.name} has left the child protection team"

    return _page(request, family_id, "A member leaves the child protection team", make, apply)


@login_required
def offer(request: HttpRequest, family_id: str) -> HttpResponse:
    def make(family: Family, posted: Any) -> F.OfferForm:
        episode_or_404(family)
        return F.OfferForm(posted)

    def apply(family: Family, form: Any) -> tuple[str, str]:
        d = form.cleaned_data
        o = cp.offer_to_parents(
            episode_or_404(family),
            d["offered_on"],
            d["offered_to"],
            d["what"],
            request.user,
            taken_up=form.taken(),
        )
        return f"offer {o.pk}", "The offer to the parents is recorded"

    return _page(
        request, family_id, "Record information and support offered to the parents", make, apply
    )
