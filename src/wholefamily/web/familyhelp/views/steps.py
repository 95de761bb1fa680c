"""The changes of Family Help: a request for help recorded and decided, a child's
level changed, the lead practitioner or the social worker with oversight changed, an
assessment started, completed and authorised, the episode closed. Each is a
`change_page`: the service checks it, the page shows its refusal."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404

from wholefamily.web.families.models import Family
from wholefamily.web.familyhelp import access, codes
from wholefamily.web.familyhelp import forms as F
from wholefamily.web.familyhelp import services as fh
from wholefamily.web.familyhelp.history import day, in_sentence, level_words
from wholefamily.web.familyhelp.models import Assessment, Decision, Request
from wholefamily.web.familyhelp.views.common import change_page, episode_or_404


@login_required
def record_request(request: HttpRequest, family_id: str) -> HttpResponse:
    def apply(family: Family, form: Any) -> tuple[str, str]:
        d = form.cleaned_data
        r = fh.record_request(
            family,
            d["children"],
            d["received_on"],
            d["source"],
            d["summary"],
            request.user,
            source_name=d["source_name"],
        )
        return f"request {r.pk} recorded", "The request for help is recorded"

    return change_page(
        request,
        family_id,
        "request",
        "Record a request for help",
        lambda family, posted: F.RequestForm(posted, family=family),
        apply,
    )


def _undecided(family: Family, pk: int) -> Request:
    return get_object_or_404(Request, pk=pk, family=family)


@login_required
def decide(request: HttpRequest, family_id: str, pk: int) -> HttpResponse:
    def make(family: Family, posted: Any) -> F.DecideForm:
        _undecided(family, pk)
        return F.DecideForm(posted, episode=access.open_episode(family))

    def apply(family: Family, form: Any) -> tuple[str, str]:
        d = form.cleaned_data
        r = _undecided(family, pk)
        episode = fh.decide(
            r, d["decision"], d["decided_on"], request.user, lead=d.get("lead"), level=d["level"]
        )
        decision = Decision(d["decision"]).label
        opened = f", Family Help episode {episode.pk}" if episode else ""
        return f"request {r.pk} decided: {decision}{opened}", f"The request is decided: {decision}"

    return change_page(request, family_id, "decide", "Decide the request for help", make, apply)


@login_required
def change_level(request: HttpRequest, family_id: str) -> HttpResponse:
    def apply(family: Family, form: Any) -> tuple[str, str]:
        d, episode = form.cleaned_data, episode_or_404(family)
        child = form.child()
        lv = fh.change_level(
            episode, child, d["level"], d["on"], request.user, d["reason"], lead=d["lead"]
        )
        words = level_words(lv.level)
        done = f"{child} is at {in_sentence(words)} from {day(lv.started_on)}"
        return f"level {lv.pk}: {words}", done

    return change_page(
        request,
        family_id,
        "level",
        "Change a child’s level of help",
        lambda family, posted: F.LevelForm(posted, episode=episode_or_404(family)),
        apply,
        intro="Stepping up or down keeps the same lead practitioner, unless you choose another.",
    )


@login_required
def change_lead(request: HttpRequest, family_id: str) -> HttpResponse:
    def apply(family: Family, form: Any) -> tuple[str, str]:
        d, episode = form.cleaned_data, episode_or_404(family)
        fh.change_lead(episode, d["lead"], d["on"], request.user, d["reason"])
        return (
            f"lead: user {d['lead'].pk}",
            f"{access.name_of(d['lead'])} leads from {day(d['on'])}",
        )

    return change_page(
        request,
        family_id,
        "lead",
        "Change the lead practitioner",
        lambda family, posted: F.LeadForm(posted, episode=episode_or_404(family)),
        apply,
    )


@login_required
def oversight(request: HttpRequest, family_id: str) -> HttpResponse:
    def apply(family: Family, form: Any) -> tuple[str, str]:
        sw = form.cleaned_data["oversight"]
        fh.set_oversight(episode_or_404(family), sw, request.user)
        return f"oversight: user {sw.pk}", f"{access.name_of(sw)} has oversight"

    return change_page(
        request,
        family_id,
        "oversight",
        "Social worker with oversight",
        lambda family, posted: F.OversightForm(posted, episode=episode_or_404(family)),
        apply,
    )


@login_required
def close(request: HttpRequest, family_id: str) -> HttpResponse:
    def apply(family: Family, form: Any) -> tuple[str, str]:
        d, episode = form.cleaned_data, episode_or_404(family)
        fh.close_episode(episode, d["closed_on"], d["closure_reason"], request.user)
        reason = codes.words("closure_reason", d["closure_reason"])
        return (
            f"episode {episode.pk} closed: {reason}",
            f"Family Help closed: {reason}",
        )

    def make(family: Family, posted: Any) -> F.CloseForm:
        episode_or_404(family)
        return F.CloseForm(posted)

    return change_page(request, family_id, "close", "Close Family Help", make, apply)


# --- Assessments ----------------------------------------------------------------------


@login_required
def start_assessment(request: HttpRequest, family_id: str) -> HttpResponse:
    def apply(family: Family, form: Any) -> tuple[str, str]:
        d = form.cleaned_data
        a = fh.start_assessment(
            episode_or_404(family), d["children"], d["started_on"], request.user
        )
        due = day(fh.assessment_due(a.started_on))
        return f"assessment {a.pk} started", f"The assessment is started: due by {due}"

    return change_page(
        request,
        family_id,
        "assess",
        "Start a child and family assessment",
        lambda family, posted: F.StartAssessmentForm(posted, episode=episode_or_404(family)),
        apply,
    )


def _assessment(family: Family, pk: int) -> Assessment:
    a = get_object_or_404(Assessment, pk=pk, episode__family=family)
    if not a.episode.is_open:
        raise Http404("The episode is closed")
    return a


@login_required
def complete_assessment(request: HttpRequest, family_id: str, pk: int) -> HttpResponse:
    def apply(family: Family, form: Any) -> tuple[str, str]:
        d, a = form.cleaned_data, _assessment(family, pk)
        fh.complete_assessment(
            a,
            d["completed_on"],
            d["factors"],
            d["summary"],
            request.user,
            primary_need=d["primary_need"],
        )
        return f"assessment {a.pk} completed", "The assessment is completed"

    def make(family: Family, posted: Any) -> F.CompleteAssessmentForm:
        _assessment(family, pk)
        return F.CompleteAssessmentForm(posted)

    return change_page(
        request, family_id, "assess", "Complete the child and family assessment", make, apply
    )


@login_required
def authorise_assessment(request: HttpRequest, family_id: str, pk: int) -> HttpResponse:
    def apply(family: Family, form: Any) -> tuple[str, str]:
        a = _assessment(family, pk)
        fh.authorise_assessment(a, form.cleaned_data["on"], request.user)
        took = fh.assessment_working_days(a)
        return f"assessment {a.pk} authorised", f"The assessment is authorised: {took} working days"

    def make(family: Family, posted: Any) -> F.AuthoriseForm:
        _assessment(family, pk)
        return F.AuthoriseForm(posted)

    return change_page(
        request,
        family_id,
        "authorise",
        "Authorise the child and family assessment",
        make,
        apply,
        intro="A Family Help team manager authorises the assessment; not its author.",
    )
