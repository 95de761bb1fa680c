"""What practitioners do in Family Help, each a checked change saved whole or not at all.

Every function raises `Refused` (a field, when one is to blame, and one plain sentence)
before it writes anything; forms show the sentence beside the field, the command line
prints it and exits 2. The pages, the demo and the tests all come through here.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from django.db import transaction

from wholefamily.web.families.models import Family, Person, Status
from wholefamily.web.familyhelp import codes
from wholefamily.web.familyhelp.models import (
    LEVEL_ORDER,
    REFERRAL_DECISIONS,
    Assessment,
    ChildLevel,
    Decision,
    Episode,
    Level,
    Request,
)
from wholefamily.workdays import add_working_days, working_days_between

ASSESSMENT_WORKING_DAYS = 45
RE_REFERRAL_DAYS = 365  # "within 12 months" of the previous referral


class Refused(ValueError):
    """A change that would make the record wrong, and why, in words."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message, self.field = message, field


def _words(d: date) -> str:
    return f"{d.day} {d:%B %Y}"


def _children_of(family: Family, children: Iterable[Person]) -> list[Person]:
    kids = list(children)
    if not kids:
        raise Refused("Choose at least one child.", "children")
    members = set(family.member_set.values_list("person_id", flat=True))
    strangers = [k for k in kids if k.pk not in members]
    if strangers:
        raise Refused(f"{strangers[0]} is not a member of this family.", "children")
    return kids


def _check_code(kind: str, code: str, field: str) -> None:
    if code not in codes.CODES[kind]:
        raise Refused(f"Choose a {codes.KIND_WORDS[kind]}.", field)


# --- Requests for help ----------------------------------------------------------------


def record_request(
    family: Family,
    children: Iterable[Person],
    received_on: date,
    source: str,
    summary: str,
    by: Any,
    source_name: str = "",
    today: date | None = None,
) -> Request:
    kids = _children_of(family, children)
    _check_code("referral_source", source, "source")
    if today and received_on > today:
        raise Refused("The date the request came in cannot be in the future.", "received_on")
    if not summary.strip():
        raise Refused("Say what the request is about.", "summary")
    with transaction.atomic():
        req = Request.objects.create(
            family=family,
            received_on=received_on,
            source=source,
            source_name=source_name,
            summary=summary,
            recorded_by=by,
        )
        req.children.set(kids)
    return req


def previous_referral(req: Request) -> Request | None:
    """The latest earlier referral of any child this request names, within 12 months
    before it: a request with one is a re-referral (as the census counts them)."""
    kids = list(req.children.values_list("pk", flat=True))
    return (
        Request.objects.filter(
            children__in=kids,
            decision__in=REFERRAL_DECISIONS,
            received_on__lt=req.received_on,
            received_on__gte=req.received_on - timedelta(days=RE_REFERRAL_DAYS),
        )
        .exclude(pk=req.pk)
        .order_by("-received_on")
        .first()
    )


def decide(
    req: Request,
    decision: str,
    on: date,
    by: Any,
    lead: Any = None,
    level: str = "targeted",
) -> Episode | None:
    """Decide a request. Family Help or a child protection enquiry joins the family's
    open episode, or opens one led by `lead`."""
    if req.decision:
        raise Refused("This request has already been decided.", "decision")
    if decision not in Decision.values:
        raise Refused("Choose what was decided.", "decision")
    if on < req.received_on:
        raise Refused(
            f"The decision cannot be before the request came in ({_words(req.received_on)}).",
            "decided_on",
        )
    with transaction.atomic():
        episode = None
        if decision in (Decision.FAMILY_HELP, Decision.CP_ENQUIRY):
            episode = Episode.objects.filter(family=req.family, closed_on__isnull=True).first()
            if episode is None:
                if lead is None:
                    raise Refused("Choose the lead practitioner.", "lead")
                episode = open_episode(req.family, lead, on, by, req.children.all(), level, req)
            else:
                for child in req.children.all():
                    if not episode.levels.filter(child=child, ended_on__isnull=True).exists():
                        _open_level(episode, child, level, on, by, "Request for help")
        req.decision, req.decided_on, req.decided_by = decision, on, by
        req.save(update_fields=["decision", "decided_on", "decided_by"])
    return episode


# --- Episodes and levels --------------------------------------------------------------


def _open_level(
    episode: Episode, child: Person, level: str, on: date, by: Any, reason: str, lead: Any = None
) -> ChildLevel:
    return ChildLevel.objects.create(
        episode=episode,
        child=child,
        level=level,
        started_on=on,
        lead=lead or episode.lead,
        reason=reason,
        by=by,
    )


def open_episode(
    family: Family,
    lead: Any,
    on: date,
    by: Any,
    children: Iterable[Person],
    level: str = "targeted",
    request: Request | None = None,
) -> Episode:
    if Episode.objects.filter(family=family, closed_on__isnull=True).exists():
        raise Refused("This family already has an open Family Help episode.")
    if level not in Level.values:
        raise Refused("Choose a level of help.", "level")
    kids = _children_of(family, children)
    with transaction.atomic():
        episode = Episode.objects.create(family=family, request=request, opened_on=on, lead=lead)
        for child in kids:
            _open_level(episode, child, level, on, by, "Family Help began")
    return episode


def episode_of(family: Family, by: Any = None) -> Episode | None:
    """The family's open Family Help episode. A Supporting Families case in work (a key
    worker, consent given) that has none becomes one at the targeted level, led by its
    key worker from the day the work began."""
    episode = Episode.objects.filter(family=family, closed_on__isnull=True).first()
    if episode or family.status not in (Status.ACTIVE, Status.STEPPED_UP):
        return episode
    if family.key_worker_id is None or family.started_on is None:
        return None
    kids = [
        m.person
        for m in family.member_set.select_related("person").filter(current=True)
        if m.role == "CHILD"
    ]
    with transaction.atomic():
        episode = Episode.objects.create(
            family=family,
            opened_on=family.started_on,
            lead=family.key_worker,
            from_supporting_families=True,
        )
        for child in kids:
            _open_level(
                episode,
                child,
                Level.TARGETED,
                family.started_on,
                by or family.key_worker,
                "Supporting Families case",
            )
    return episode


def current_level(episode: Episode, child: Person) -> ChildLevel | None:
    return episode.levels.filter(child=child, ended_on__isnull=True).first()


def change_level(
    episode: Episode, child: Person, level: str, on: date, by: Any, reason: str, lead: Any = None
) -> ChildLevel:
    """Step a child up or down. The lead practitioner stays the same unless `lead` names
    another on purpose: then the episode's lead changes too, and so does the lead of the
    family's other children from that day (their rows split there, as `change_lead`
    does), so that every child's history names who led them."""
    if not episode.is_open:
        raise Refused("This Family Help episode is closed.")
    if level not in Level.values:
        raise Refused("Choose a level of help.", "level")
    now = current_level(episode, child)
    if now is None:
        raise Refused(f"{child} has no level of help in this episode.", "child")
    if now.level == level:
        raise Refused(
            f"{child} is already at {Level(level).label[:1].lower()}{Level(level).label[1:]}.",
            "level",
        )
    if on < now.started_on:
        raise Refused(
            f"The change cannot be before {child}'s current level began "
            f"({_words(now.started_on)}).",
            "on",
        )
    if not reason.strip():
        raise Refused("Say why the level changes.", "reason")
    plans = child.cp_plans.filter(episode=episode, ended_on__isnull=True)  # type: ignore[attr-defined]
    if now.level == Level.CP and plans.exists():
        raise Refused(
            f"{child} has a child protection plan: end the plan to step down "
            "(at a review conference, or from the plan).",
            "level",
        )
    if level == Level.CP and not plans.exists():
        raise Refused(
            f"A child protection plan starts at an initial conference: record the "
            f"conference to step {child} up to child protection.",
            "level",
        )
    new_lead = lead is not None and lead != episode.lead
    others = list(episode.levels.filter(ended_on__isnull=True).exclude(pk=now.pk))
    if new_lead:
        for other in others:
            if on < other.started_on:
                raise Refused(
                    f"The change of lead cannot be before {other.child}'s current level "
                    f"began ({_words(other.started_on)}).",
                    "on",
                )
    with transaction.atomic():
        now.ended_on = on
        now.save(update_fields=["ended_on"])
        if new_lead:
            for other in others:
                other.ended_on = on
                other.save(update_fields=["ended_on"])
                _open_level(episode, other.child, other.level, on, by, reason, lead)
            episode.lead = lead
            episode.save(update_fields=["lead"])
        return _open_level(episode, child, level, on, by, reason)


def set_oversight(episode: Episode, social_worker: Any, by: Any) -> None:
    """The social worker with oversight of the episode while a child is in need."""
    if not episode.is_open:
        raise Refused("This Family Help episode is closed.")
    if social_worker is None:
        raise Refused("Choose the social worker with oversight.", "oversight")
    if social_worker == episode.oversight:
        raise Refused("They already have oversight of this episode.", "oversight")
    episode.oversight = social_worker
    episode.save(update_fields=["oversight"])


def is_step_up(before: str, after: str) -> bool:
    return LEVEL_ORDER[Level(after)] > LEVEL_ORDER[Level(before)]


def change_lead(episode: Episode, lead: Any, on: date, by: Any, reason: str) -> None:
    """A new lead practitioner, on purpose: each child's level row is split at `on` so
    the history shows who led at each level and when."""
    if lead == episode.lead:
        raise Refused("They are already the lead practitioner.", "lead")
    if not reason.strip():
        raise Refused("Say why the lead practitioner changes.", "reason")
    with transaction.atomic():
        for now in episode.levels.filter(ended_on__isnull=True):
            if on < now.started_on:
                raise Refused(
                    f"The change cannot be before {now.child}'s current level began.", "on"
                )
            now.ended_on = on
            now.save(update_fields=["ended_on"])
            ChildLevel.objects.create(
                episode=episode,
                child=now.child,
                level=now.level,
                started_on=on,
                lead=lead,
                reason=reason,
                by=by,
            )
        episode.lead = lead
        episode.save(update_fields=["lead"])


# --- Assessments ----------------------------------------------------------------------


def assessment_due(started_on: date) -> date:
    return add_working_days(started_on, ASSESSMENT_WORKING_DAYS)


def assessment_working_days(a: Assessment) -> int | None:
    return working_days_between(a.started_on, a.authorised_on) if a.authorised_on else None


def start_assessment(
    episode: Episode, children: Iterable[Person], started_on: date, by: Any
) -> Assessment:
    kids = _children_of(episode.family, children)
    if started_on < episode.opened_on:
        raise Refused(
            f"An assessment cannot start before the episode opened ({_words(episode.opened_on)}).",
            "started_on",
        )
    with transaction.atomic():
        a = Assessment.objects.create(episode=episode, started_on=started_on, by=by)
        a.children.set(kids)
    return a


def complete_assessment(
    a: Assessment,
    completed_on: date,
    factors: list[str],
    summary: str,
    by: Any,
    primary_need: str = "",
) -> None:
    """Complete an assessment with the factors it found and, where it finds the child in
    need, the main need (the census's primary need, kept on the episode)."""
    if completed_on < a.started_on:
        raise Refused("An assessment cannot be completed before it started.", "completed_on")
    if not factors:
        raise Refused("Choose the factors the assessment found, or no factors.", "factors")
    for f in factors:
        _check_code("factor", f, "factors")
    if "21" in factors and len(set(factors)) > 1:
        raise Refused("“No factors identified” cannot be chosen with other factors.", "factors")
    if primary_need:
        _check_code("primary_need", primary_need, "primary_need")
    with transaction.atomic():
        a.completed_on, a.factors, a.summary = completed_on, sorted(set(factors)), summary
        a.save(update_fields=["completed_on", "factors", "summary"])
        if primary_need:
            a.episode.primary_need = primary_need
            a.episode.save(update_fields=["primary_need"])


def authorise_assessment(a: Assessment, on: date, by: Any) -> None:
    """A Family Help team manager authorises the completed assessment."""
    if a.completed_on is None:
        raise Refused("Record the assessment as completed before authorising it.")
    if a.authorised_on is not None:
        raise Refused("This assessment is already authorised.")
    if on < a.completed_on:
        raise Refused("An assessment cannot be authorised before it was completed.", "on")
    if by == a.by:
        raise Refused("Someone other than the assessment's author must authorise it.")
    a.authorised_on, a.authorised_by = on, by
    a.save(update_fields=["authorised_on", "authorised_by"])


# --- Closure --------------------------------------------------------------------------


def close_episode(episode: Episode, on: date, reason: str, by: Any) -> None:
    """Close the episode (a Family Help team manager authorises closure): every child's
    level ends that day. Open child protection plans must be ended first."""
    if not episode.is_open:
        raise Refused("This Family Help episode is already closed.")
    _check_code("closure_reason", reason, "closure_reason")
    if on < episode.opened_on:
        raise Refused("An episode cannot close before it opened.", "closed_on")
    last = episode.levels.order_by("-started_on").values_list("started_on", flat=True).first()
    if last and on < last:
        raise Refused(
            f"An episode cannot close before its latest change of level ({_words(last)}).",
            "closed_on",
        )
    if episode.cp_plans.filter(ended_on__isnull=True).exists():  # type: ignore[attr-defined]
        raise Refused("End each child protection plan before closing the episode.")
    with transaction.atomic():
        episode.levels.filter(ended_on__isnull=True).update(ended_on=on)
        episode.closed_on, episode.closure_reason = on, reason
        episode.closure_authorised_by = by
        episode.save(update_fields=["closed_on", "closure_reason", "closure_authorised_by"])
