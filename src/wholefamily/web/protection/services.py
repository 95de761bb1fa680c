"""What the multi-agency child protection team does, each a checked change saved whole
or not at all (`Refused` before anything is written, as in `familyhelp.services`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from dateutil.relativedelta import relativedelta
from django.db import transaction

from wholefamily.web.families.models import Person
from wholefamily.web.familyhelp import services as fh
from wholefamily.web.familyhelp.models import Episode, Level
from wholefamily.web.familyhelp.services import Refused, _children_of, _words
from wholefamily.web.protection.models import (
    Category,
    Conference,
    Enquiry,
    Outcome,
    ParentOffer,
    Plan,
    PlanReview,
    StrategyDiscussion,
    TeamMember,
)
from wholefamily.workdays import add_working_days, working_days_between

ICPC_WORKING_DAYS = 15
FIRST_REVIEW_MONTHS = 3
LATER_REVIEW_MONTHS = 6


def _open(episode: Episode) -> None:
    if not episode.is_open:
        raise Refused("This Family Help episode is closed.")


def hold_strategy(
    episode: Episode,
    children: Iterable[Person],
    held_on: date,
    attended: str,
    by: Any,
    summary: str = "",
    section_47: bool = True,
) -> StrategyDiscussion:
    """A strategy discussion; with `section_47` a section 47 enquiry starts that day for
    each child."""
    _open(episode)
    kids = _children_of(episode.family, children)
    if held_on < episode.opened_on:
        raise Refused(
            f"A strategy discussion cannot be before the episode opened "
            f"({_words(episode.opened_on)}).",
            "held_on",
        )
    if not attended.strip():
        raise Refused("Say who took part.", "attended")
    with transaction.atomic():
        s = StrategyDiscussion.objects.create(
            episode=episode, held_on=held_on, attended=attended, summary=summary, by=by
        )
        s.children.set(kids)
        if section_47:
            for child in kids:
                Enquiry.objects.create(strategy=s, child=child, started_on=held_on, by=by)
    return s


def icpc_target(strategy: StrategyDiscussion) -> date:
    """The initial conference is due within 15 working days of the strategy discussion."""
    return add_working_days(strategy.held_on, ICPC_WORKING_DAYS)


def icpc_working_days(conference: Conference) -> int | None:
    if conference.strategy is None:
        return None
    return working_days_between(conference.strategy.held_on, conference.held_on)


def record_outcome(enquiry: Enquiry, completed_on: date, outcome: str, by: Any) -> None:
    if outcome not in Outcome.values:
        raise Refused("Choose the enquiry's outcome.", "outcome")
    if completed_on < enquiry.started_on:
        raise Refused(
            f"The enquiry cannot end before it started ({_words(enquiry.started_on)}).",
            "completed_on",
        )
    enquiry.completed_on, enquiry.outcome = completed_on, outcome
    enquiry.save(update_fields=["completed_on", "outcome"])


def previous_plans(child: Person) -> int:
    return Plan.objects.filter(child=child).count()


def initial_conference(
    strategy: StrategyDiscussion,
    held_on: date,
    attended: str,
    plans: Mapping[Person, str],
    by: Any,
    summary: str = "",
    earlier_plans: Mapping[Person, int] | None = None,
) -> Conference:
    """An initial child protection conference after `strategy`; each child in `plans`
    gets a child protection plan in its category from that day (the others do not).
    `earlier_plans` adds plans the child had before this system held their record."""
    episode = strategy.episode
    _open(episode)
    if held_on < strategy.held_on:
        raise Refused(
            f"A conference cannot be before its strategy discussion ({_words(strategy.held_on)}).",
            "held_on",
        )
    if Conference.objects.filter(strategy=strategy, kind=Conference.Kind.INITIAL).exists():
        raise Refused("This strategy discussion already has its initial conference.")
    if not attended.strip():
        raise Refused("Say who took part.", "attended")
    kids = list(strategy.children.all())
    for child, category in plans.items():
        if child not in kids:
            raise Refused(f"{child} was not part of the strategy discussion.", "children")
        if category not in Category.values:
            raise Refused(f"Choose the category of abuse for {child}.", "category")
        if Plan.objects.filter(child=child, ended_on__isnull=True).exists():
            raise Refused(f"{child} already has a child protection plan.", "children")
    with transaction.atomic():
        conf = Conference.objects.create(
            episode=episode,
            kind=Conference.Kind.INITIAL,
            strategy=strategy,
            held_on=held_on,
            attended=attended,
            summary=summary,
            by=by,
        )
        conf.children.set(kids)
        for child, category in plans.items():
            Plan.objects.create(
                episode=episode,
                child=child,
                conference=conf,
                started_on=held_on,
                initial_category=category,
                latest_category=category,
                previous_plans=previous_plans(child) + (earlier_plans or {}).get(child, 0),
                by=by,
            )
            now = fh.current_level(episode, child)
            if now is not None and now.level != Level.CP:
                fh.change_level(episode, child, Level.CP, held_on, by, "Child protection plan")
    return conf


def review_due(plan: Plan) -> date:
    """The next review conference: within 3 months of the plan's start, then within 6
    months of the last review."""
    last = plan.reviews.order_by("-held_on").values_list("held_on", flat=True).first()
    if last is None:
        return plan.started_on + relativedelta(months=FIRST_REVIEW_MONTHS)
    return last + relativedelta(months=LATER_REVIEW_MONTHS)


def review_conference(
    episode: Episode,
    held_on: date,
    attended: str,
    by: Any,
    categories: Mapping[Plan, str] | None = None,
    end: Mapping[Plan, str] | None = None,
    step_to: str = "cin",
    summary: str = "",
) -> Conference:
    """A review conference for every open plan of the episode: `categories` changes a
    plan's latest category; `end` ends a plan that day (with its reason), the child
    stepping down to `step_to`."""
    _open(episode)
    open_plans = list(episode.cp_plans.filter(ended_on__isnull=True))  # type: ignore[attr-defined]
    if not open_plans:
        raise Refused("No child in this family has a child protection plan to review.")
    for plan in open_plans:
        if held_on < plan.started_on:
            raise Refused(
                f"A review cannot be before the plan began ({_words(plan.started_on)}).",
                "held_on",
            )
    for plan, cat in (categories or {}).items():
        if cat not in Category.values:
            raise Refused(f"Choose the category of abuse for {plan.child}.", "category")
    if not attended.strip():
        raise Refused("Say who took part.", "attended")
    with transaction.atomic():
        conf = Conference.objects.create(
            episode=episode,
            kind=Conference.Kind.REVIEW,
            held_on=held_on,
            attended=attended,
            summary=summary,
            by=by,
        )
        conf.children.set([p.child for p in open_plans])
        for plan in open_plans:
            PlanReview.objects.create(plan=plan, conference=conf, held_on=held_on)
            if plan in (categories or {}):
                plan.latest_category = (categories or {})[plan]
                plan.save(update_fields=["latest_category"])
        for plan, reason in (end or {}).items():
            end_plan(plan, held_on, reason, by, step_to)
    return conf


def end_plan(plan: Plan, ended_on: date, reason: str, by: Any, step_to: str = "cin") -> None:
    if plan.ended_on is not None:
        raise Refused("This child protection plan has already ended.")
    if ended_on < plan.started_on:
        raise Refused(
            f"A child protection plan cannot end before it starts ({_words(plan.started_on)}).",
            "ended_on",
        )
    if not reason.strip():
        raise Refused("Say why the plan ends.", "reason")
    with transaction.atomic():
        plan.ended_on, plan.end_reason = ended_on, reason
        plan.save(update_fields=["ended_on", "end_reason"])
        now = fh.current_level(plan.episode, plan.child)
        if now is not None and now.level == Level.CP and step_to != Level.CP:
            fh.change_level(plan.episode, plan.child, step_to, ended_on, by, reason)


def add_member(
    episode: Episode,
    role: str,
    name: str,
    agency: str,
    started_on: date,
    by: Any,
    user: Any = None,
) -> TeamMember:
    if role not in TeamMember.Role.values:
        raise Refused("Choose the member's role.", "role")
    if not name.strip() or not agency.strip():
        raise Refused("Give the member's name and agency.", "name")
    _open(episode)
    if started_on < episode.opened_on:
        raise Refused(
            f"A member cannot join before the episode opened ({_words(episode.opened_on)}).",
            "started_on",
        )
    if user is not None and episode.macpt.filter(user=user, ended_on__isnull=True).exists():  # type: ignore[attr-defined]
        raise Refused(f"{name} is already on the team.", "user")
    return TeamMember.objects.create(
        episode=episode,
        role=role,
        name=name,
        agency=agency,
        started_on=started_on,
        user=user,
        by=by,
    )


def end_member(member: TeamMember, ended_on: date, by: Any) -> None:
    """A member leaves the multi-agency child protection team (and, with an account,
    no longer sees the family through it)."""
    if member.ended_on is not None:
        raise Refused(f"{member.name} has already left the team.")
    if ended_on < member.started_on:
        raise Refused(
            f"A member cannot leave before they joined ({_words(member.started_on)}).",
            "ended_on",
        )
    member.ended_on = ended_on
    member.save(update_fields=["ended_on"])


def offer_to_parents(
    episode: Episode,
    offered_on: date,
    offered_to: str,
    what: str,
    by: Any,
    taken_up: bool | None = None,
) -> ParentOffer:
    if not offered_to.strip() or not what.strip():
        raise Refused("Say who was offered what.", "what")
    _open(episode)
    if offered_on < episode.opened_on:
        raise Refused(
            f"An offer cannot be before the episode opened ({_words(episode.opened_on)}).",
            "offered_on",
        )
    return ParentOffer.objects.create(
        episode=episode,
        offered_on=offered_on,
        offered_to=offered_to,
        what=what,
        taken_up=taken_up,
        by=by,
    )
