"""The changes of a family's network: a member added, changed and ended; no network
recorded; an offer of family group decision making, its outcome; a meeting and the lines
of the family's plan (each becoming a family-plan action); a child's living arrangement
begun and ended. Each is a `change_page`: the service checks it, the page shows why not."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404

from wholefamily.web.families.models import Family
from wholefamily.web.familyhelp.history import day
from wholefamily.web.networks import forms as F
from wholefamily.web.networks import services as nw
from wholefamily.web.networks.models import LivingArrangement, Meeting, NetworkMember, Offer
from wholefamily.web.networks.views.common import change_page


def _details(form: Any) -> dict[str, Any]:
    d = form.cleaned_data
    return {k: d[k] for k in ("lives_at", "phone", "email", "offers", "support")}


@login_required
def add_member(request: HttpRequest, family_id: str) -> HttpResponse:
    def apply(family: Family, form: Any) -> tuple[str, str]:
        d = form.cleaned_data
        m = nw.add_member(
            family, d["name"], d["kind"], form.ties(), d["added_on"], request.user, **_details(form)
        )
        return f"member {m.pk} added", f"{m.name} is in the family’s network"

    return change_page(
        request,
        family_id,
        "member",
        "Add someone to the family’s network",
        lambda family, posted: F.AddMemberForm(posted, family=family),
        apply,
        intro="The people the family names: relatives, friends, neighbours, faith or "
        "community members.",
    )


def _member(family: Family, pk: int) -> NetworkMember:
    return get_object_or_404(NetworkMember, pk=pk, family=family, ended_on__isnull=True)


@login_required
def edit_member(request: HttpRequest, family_id: str, pk: int) -> HttpResponse:
    def make(family: Family, posted: Any) -> F.MemberForm:
        return F.MemberForm(posted, family=family, member=_member(family, pk))

    def apply(family: Family, form: Any) -> tuple[str, str]:
        d, m = form.cleaned_data, _member(family, pk)
        changed = nw.edit_member(
            m, d["name"], d["kind"], form.ties(), request.user, **_details(form)
        )
        return (
            f"member {m.pk} changed: {', '.join(changed) or 'nothing'}",
            f"{m.name}’s details are saved",
        )

    return change_page(
        request, family_id, "member", "Change a network member’s details", make, apply
    )


@login_required
def end_member(request: HttpRequest, family_id: str, pk: int) -> HttpResponse:
    def make(family: Family, posted: Any) -> F.EndForm:
        _member(family, pk)
        return F.EndForm(posted)

    def apply(family: Family, form: Any) -> tuple[str, str]:
        m = _member(family, pk)
        nw.end_member(m, form.cleaned_data["ended_on"], request.user)
        return f"member {m.pk} ended", f"{m.name} is no longer in the family’s network"

    return change_page(
        request, family_id, "member", "Someone is no longer in the family’s network", make, apply
    )


@login_required
def no_network(request: HttpRequest, family_id: str) -> HttpResponse:
    def apply(family: Family, form: Any) -> tuple[str, str]:
        d = form.cleaned_data
        n = nw.record_no_network(family, d["on"], d["reason"], request.user)
        return f"no network {n.pk}", "The family has no network: recorded with the reason"

    return change_page(
        request,
        family_id,
        "no_network",
        "Record that the family has no network",
        lambda family, posted: F.NoNetworkForm(posted),
        apply,
    )


@login_required
def offer(request: HttpRequest, family_id: str) -> HttpResponse:
    def apply(family: Family, form: Any) -> tuple[str, str]:
        d = form.cleaned_data
        o = nw.record_offer(
            family,
            d["source"],
            d["made_on"],
            request.user,
            pre_proceedings=d["pre_proceedings"] == "yes",
            letter_before_proceedings_on=d["letter_before_proceedings_on"],
        )
        in_time = o.in_time
        said = "" if in_time is None else (": in time" if in_time else ": after the letter")
        return f"offer {o.pk}", f"The offer or request is recorded{said}"

    return change_page(
        request,
        family_id,
        "offer",
        "Record an offer or request of family group decision making",
        lambda family, posted: F.OfferForm(posted),
        apply,
        intro="At the pre-proceedings stage the offer is statutory: it must be made by the day "
        "of the letter before proceedings.",
    )


@login_required
def outcome(request: HttpRequest, family_id: str, pk: int) -> HttpResponse:
    def _offer(family: Family) -> Offer:
        return get_object_or_404(Offer, pk=pk, family=family)

    def make(family: Family, posted: Any) -> F.OutcomeForm:
        _offer(family)
        return F.OutcomeForm(posted)

    def apply(family: Family, form: Any) -> tuple[str, str]:
        d, o = form.cleaned_data, _offer(family)
        nw.record_outcome(o, d["outcome"], d["outcome_on"], request.user, d["reason"])
        return (
            f"offer {o.pk}: {o.outcome}",
            f"The outcome is recorded: {Offer.Outcome(o.outcome).label}",
        )

    return change_page(request, family_id, "offer", "Record the outcome of the offer", make, apply)


@login_required
def meeting(request: HttpRequest, family_id: str) -> HttpResponse:
    def apply(family: Family, form: Any) -> tuple[str, str]:
        d = form.cleaned_data
        mt = nw.record_meeting(
            family,
            d["kind"],
            d["coordinator"],
            d["held_on"],
            d["came"],
            d["outcome"],
            request.user,
            others=d["others"],
            private_family_time=d["private_family_time"] == "yes",
            offer=d["offer"],
            notes=d["notes"],
        )
        then = " Add each line of the family’s plan." if mt.outcome == Meeting.Outcome.PLAN else ""
        return f"meeting {mt.pk}", f"The {Meeting.Kind(mt.kind).label.lower()} is recorded.{then}"

    return change_page(
        request,
        family_id,
        "meeting",
        "Record a family network meeting or family group conference",
        lambda family, posted: F.MeetingForm(posted, family=family),
        apply,
    )


@login_required
def plan_line(request: HttpRequest, family_id: str, pk: int) -> HttpResponse:
    def _meeting(family: Family) -> Meeting:
        return get_object_or_404(Meeting, pk=pk, family=family)

    def make(family: Family, posted: Any) -> F.PlanLineForm:
        _meeting(family)
        return F.PlanLineForm(posted, family=family)

    def apply(family: Family, form: Any) -> tuple[str, str]:
        d, mt = form.cleaned_data, _meeting(family)
        line = nw.Line(d["member"], d["what"], d["by_when"], d["support_needed"])
        item = nw.add_plan_line(mt, line, request.user)
        return (
            f"plan item {item.pk}, action {item.action_id}",
            f"Added to the family plan: {item.member.name} will {item.what[:1].lower()}"
            f"{item.what[1:]} by {day(item.by_when)}",
        )

    return change_page(
        request,
        family_id,
        "plan",
        "Add a line to the family’s own plan",
        make,
        apply,
        intro="What a network member will do. It becomes an action of the family plan, with "
        "them as its owner.",
    )


@login_required
def arrangement(request: HttpRequest, family_id: str) -> HttpResponse:
    def apply(family: Family, form: Any) -> tuple[str, str]:
        d = form.cleaned_data
        a = nw.record_arrangement(
            family,
            form.child(),
            d["kind"],
            d["started_on"],
            request.user,
            carer=d["carer"],
            carer_name=d["carer_name"],
        )
        return (
            f"living arrangement {a.pk}",
            f"Recorded: {a.child}, {LivingArrangement.Kind(a.kind).label.lower()}",
        )

    return change_page(
        request,
        family_id,
        "living",
        "Record who a child lives with",
        lambda family, posted: F.ArrangementForm(posted, family=family),
        apply,
        intro="A child has one living arrangement at a time: end the one before first.",
    )


@login_required
def end_arrangement(request: HttpRequest, family_id: str, pk: int) -> HttpResponse:
    def _arrangement(family: Family) -> LivingArrangement:
        return get_object_or_404(LivingArrangement, pk=pk, family=family, ended_on__isnull=True)

    def make(family: Family, posted: Any) -> F.EndForm:
        _arrangement(family)
        return F.EndForm(posted)

    def apply(family: Family, form: Any) -> tuple[str, str]:
        a = _arrangement(family)
        nw.end_arrangement(a, form.cleaned_data["ended_on"], request.user)
        return f"living arrangement {a.pk} ended", f"The living arrangement of {a.child} has ended"

    return change_page(request, family_id, "living", "End a living arrangement", make, apply)
