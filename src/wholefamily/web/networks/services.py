"""What practitioners record of a family's network, each a checked change saved whole or
not at all (`Refused`, as in `familyhelp.services`, before anything is written).

- The network: members the family names (added, changed, ended), each one's relationship
  to each child of the family and whether they hold parental responsibility; or that the
  family has no network, and why.
- Family group decision making: offers and requests, their outcomes (a declined or not
  held offer says why), meetings (a family network meeting or a family group
  conference) and the family's own plan, each line of which becomes an action of the
  family plan owned by its network member.
- Kinship: who each child lives with, from when (`LivingArrangement`), one arrangement at
  a time.

Every date is checked: not in the future, not before the family was known
(`known_since`), an end not before its start.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import transaction

from wholefamily.web import clock
from wholefamily.web.casework.models import Action
from wholefamily.web.families.models import Family, Person
from wholefamily.web.familyhelp.models import Request
from wholefamily.web.familyhelp.services import Refused, _words
from wholefamily.web.networks.models import (
    LivingArrangement,
    Meeting,
    NetworkMember,
    NoNetwork,
    Offer,
    PlanItem,
    Relationship,
)

__all__ = ["Line", "Refused", "Tie"]


@dataclass(frozen=True)
class Tie:
    """What a network member is to one child, and whether they hold parental
    responsibility for them."""

    child: Person
    relationship: str
    parental_responsibility: bool = False


@dataclass(frozen=True)
class Line:
    """One line of the family's own plan: who will do what, by when, and the support
    it needs."""

    member: NetworkMember
    what: str
    by_when: date
    support_needed: str = ""


# --- Checks ---------------------------------------------------------------------------


def known_since(family: Family) -> date:
    """The day the family was first known: the earliest of its identification, the day
    its case record was made, the start of work and its first request for help."""
    days = [family.identified_on, family.started_on]
    if family.created_at:
        days.append(family.created_at.date())
    first = Request.objects.filter(family=family).order_by("received_on")
    days.append(first.values_list("received_on", flat=True).first())
    return min(d for d in days if d is not None)


def _date(family: Family, d: date | None, what: str, field: str, today: date | None) -> date:
    if d is None:
        raise Refused(f"Enter the {what}.", field)
    if d > (today or clock.today()):
        raise Refused(f"The {what} cannot be in the future.", field)
    since = known_since(family)
    if d < since:
        raise Refused(f"The {what} cannot be before the family was known ({_words(since)}).", field)
    return d


def children_of(family: Family) -> list[Person]:
    """The family's current children, eldest first."""
    return [
        m.person
        for m in family.member_set.filter(current=True, role="CHILD")
        .select_related("person")
        .order_by("person__dob", "person__forename")
    ]


def _child_of(family: Family, child: Person, field: str = "child") -> Person:
    if child.pk not in {c.pk for c in children_of(family)}:
        raise Refused(f"{child} is not a child of this family.", field)
    return child


def in_network(family: Family, member: NetworkMember | None, on: date | None = None) -> bool:
    """Whether `member` is in the family's network (on the day `on`, else now)."""
    if member is None or member.family_id != family.pk:
        return False
    if on is None:
        return member.ended_on is None
    return member.added_on <= on and (member.ended_on is None or member.ended_on >= on)


def _in_network(family: Family, member: NetworkMember, field: str, on: date | None = None) -> None:
    if not in_network(family, member, on):
        if on is not None and member.family_id == family.pk and in_network(family, member):
            raise Refused(f"{member} was not in the family’s network on {_words(on)}.", field)
        raise Refused(f"{member} is not in the family’s network.", field)


def _text(value: str, message: str, field: str) -> str:
    if not value.strip():
        raise Refused(message, field)
    return value.strip()


# --- The network ----------------------------------------------------------------------


def _check_member(
    family: Family, name: str, kind: str, support: str, ties: list[Tie], member: Any = None
) -> None:
    _text(name, "Enter the name the family uses for them.", "name")
    if kind not in NetworkMember.Kind.values:
        raise Refused("Choose who they are to the family.", "kind")
    if support not in NetworkMember.Support.values:
        raise Refused("Choose whether their support is formal or informal.", "support")
    same = family.network.filter(ended_on__isnull=True, name__iexact=name.strip())  # type: ignore[attr-defined]
    if member is not None:
        same = same.exclude(pk=member.pk)
    if (already := same.first()) is not None:
        raise Refused(f"{already.name} is already in the family’s network.", "name")
    if not ties:
        raise Refused("Say what they are to at least one child.", "relationships")
    seen: set[int] = set()
    for t in ties:
        _child_of(family, t.child, "relationships")
        if t.relationship not in Relationship.To.values:
            raise Refused(f"Choose what they are to {t.child}.", "relationships")
        if t.child.pk in seen:
            raise Refused(f"Say once what they are to {t.child}.", "relationships")
        seen.add(t.child.pk)


def _tie(member: NetworkMember, ties: list[Tie]) -> None:
    Relationship.objects.bulk_create(
        Relationship(
            member=member,
            child=t.child,
            relationship=t.relationship,
            parental_responsibility=t.parental_responsibility,
        )
        for t in ties
    )


def add_member(
    family: Family,
    name: str,
    kind: str,
    ties: Iterable[Tie],
    added_on: date,
    by: Any,
    *,
    lives_at: str = "",
    phone: str = "",
    email: str = "",
    offers: str = "",
    support: str = "informal",
    today: date | None = None,
) -> NetworkMember:
    """Someone the family names as part of its network."""
    ties = list(ties)
    _check_member(family, name, kind, support, ties)
    _date(family, added_on, "date they joined the network", "added_on", today)
    with transaction.atomic():
        member = NetworkMember.objects.create(
            family=family,
            name=name.strip(),
            kind=kind,
            lives_at=lives_at.strip(),
            phone=phone.strip(),
            email=email.strip(),
            offers=offers.strip(),
            support=support,
            added_on=added_on,
            by=by,
        )
        _tie(member, ties)
    return member


def edit_member(
    member: NetworkMember,
    name: str,
    kind: str,
    ties: Iterable[Tie],
    by: Any,
    *,
    lives_at: str = "",
    phone: str = "",
    email: str = "",
    offers: str = "",
    support: str = "informal",
) -> list[str]:
    """Change what is recorded of a member still in the network; the fields changed."""
    if member.ended_on is not None:
        raise Refused(f"{member} is no longer in the family’s network.")
    ties = list(ties)
    _check_member(member.family, name, kind, support, ties, member)
    new = {
        "name": name.strip(),
        "kind": kind,
        "lives_at": lives_at.strip(),
        "phone": phone.strip(),
        "email": email.strip(),
        "offers": offers.strip(),
        "support": support,
    }
    changed = [f for f, v in new.items() if getattr(member, f) != v]
    before = {
        (r.child_id, r.relationship, r.parental_responsibility) for r in member.relationships.all()
    }
    after = {(t.child.pk, t.relationship, t.parental_responsibility) for t in ties}
    with transaction.atomic():
        for f, v in new.items():
            setattr(member, f, v)
        if changed:
            member.save(update_fields=changed)
        if before != after:
            member.relationships.all().delete()
            _tie(member, ties)
            changed.append("relationships")
        if "name" in changed:
            # The plan's actions name their owner as the family does.
            Action.objects.filter(network_item__member=member).update(owner=member.name)
    return changed


def end_member(member: NetworkMember, on: date, by: Any, today: date | None = None) -> None:
    """They are no longer part of the family's network."""
    if member.ended_on is not None:
        raise Refused(f"{member} is already out of the family’s network.")
    _date(member.family, on, "date they left the network", "ended_on", today)
    if on < member.added_on:
        raise Refused(
            f"They cannot leave before they joined the network ({_words(member.added_on)}).",
            "ended_on",
        )
    if member.arrangements.filter(ended_on__isnull=True).exists():  # type: ignore[attr-defined]
        raise Refused(
            f"A child lives with {member}: end that living arrangement first.", "ended_on"
        )
    member.ended_on = on
    member.save(update_fields=["ended_on"])


def record_no_network(
    family: Family, on: date, reason: str, by: Any, today: date | None = None
) -> NoNetwork:
    """The family has no network to draw on, and why."""
    _date(family, on, "date of the record", "on", today)
    reason = _text(reason, "Say why the family has no network.", "reason")
    if family.network.filter(ended_on__isnull=True).exists():  # type: ignore[attr-defined]
        raise Refused(
            "The family has people in its network: end them first, or record no network "
            "only when there is none.",
            "reason",
        )
    return NoNetwork.objects.create(family=family, on=on, reason=reason, by=by)


# --- Family group decision making -----------------------------------------------------


def record_offer(
    family: Family,
    source: str,
    made_on: date,
    by: Any,
    *,
    pre_proceedings: bool = False,
    letter_before_proceedings_on: date | None = None,
    today: date | None = None,
) -> Offer:
    """An offer of family group decision making, or a request for it. A pre-proceedings
    offer names the date of the letter before proceedings: it is in time when made on
    or before that day."""
    if source not in Offer.Source.values:
        raise Refused("Choose who offered or asked for it.", "source")
    _date(family, made_on, "date of the offer or request", "made_on", today)
    if pre_proceedings:
        if letter_before_proceedings_on is None:
            raise Refused(
                "Enter the date of the letter before proceedings.", "letter_before_proceedings_on"
            )
        _date(
            family,
            letter_before_proceedings_on,
            "date of the letter before proceedings",
            "letter_before_proceedings_on",
            today,
        )
    elif letter_before_proceedings_on is not None:
        raise Refused(
            "A letter before proceedings is only for a pre-proceedings offer.",
            "letter_before_proceedings_on",
        )
    return Offer.objects.create(
        family=family,
        source=source,
        made_on=made_on,
        pre_proceedings=pre_proceedings,
        letter_before_proceedings_on=letter_before_proceedings_on,
        by=by,
    )


def record_outcome(
    offer: Offer, outcome: str, on: date, by: Any, reason: str = "", today: date | None = None
) -> None:
    """Accepted, declined or not held; declined and not held say why."""
    if offer.outcome:
        raise Refused("This offer’s outcome is already recorded.", "outcome")
    if outcome not in Offer.Outcome.values:
        raise Refused("Choose the outcome.", "outcome")
    _date(offer.family, on, "date of the outcome", "outcome_on", today)
    if on < offer.made_on:
        raise Refused(
            f"The outcome cannot be before the offer ({_words(offer.made_on)}).", "outcome_on"
        )
    if outcome != Offer.Outcome.ACCEPTED:
        label = "declined" if outcome == Offer.Outcome.DECLINED else "not held"
        reason = _text(reason, f"Say why it was {label}.", "reason")
    offer.outcome, offer.outcome_on, offer.reason = outcome, on, reason.strip()
    offer.save(update_fields=["outcome", "outcome_on", "reason"])


def record_meeting(
    family: Family,
    kind: str,
    coordinator: str,
    held_on: date,
    came: Iterable[NetworkMember],
    outcome: str,
    by: Any,
    *,
    others: str = "",
    private_family_time: bool = True,
    offer: Offer | None = None,
    notes: str = "",
    plan: Iterable[Line] = (),
    today: date | None = None,
) -> Meeting:
    """A family network meeting or a family group conference, who came, and the plan
    the family made there (each line becomes an action of the family plan)."""
    if kind not in Meeting.Kind.values:
        raise Refused("Choose the kind of meeting.", "kind")
    coordinator = _text(coordinator, "Enter the coordinator’s name.", "coordinator")
    _date(family, held_on, "date of the meeting", "held_on", today)
    if outcome not in Meeting.Outcome.values:
        raise Refused("Choose the meeting’s outcome.", "outcome")
    people = list(came)
    for m in people:
        _in_network(family, m, "came", held_on)
    if not people and not others.strip():
        raise Refused("Say who came to the meeting.", "came")
    if offer is not None:
        if offer.family_id != family.pk:
            raise Refused("That offer is not this family’s.", "offer")
        if offer.outcome and offer.outcome != Offer.Outcome.ACCEPTED:
            raise Refused("That offer was not accepted.", "offer")
        if held_on < offer.made_on:
            raise Refused(
                f"The meeting cannot be before the offer ({_words(offer.made_on)}).", "held_on"
            )
    lines = list(plan)
    if lines and outcome != Meeting.Outcome.PLAN:
        raise Refused("A meeting with no plan agreed has no plan lines.", "outcome")
    with transaction.atomic():
        meeting = Meeting.objects.create(
            family=family,
            offer=offer,
            kind=kind,
            coordinator=coordinator,
            held_on=held_on,
            others=others.strip(),
            private_family_time=private_family_time,
            outcome=outcome,
            notes=notes.strip(),
            by=by,
        )
        meeting.came.set(people)
        for line in lines:
            add_plan_line(meeting, line, by)
    return meeting


def add_plan_line(meeting: Meeting, line: Line, by: Any) -> PlanItem:
    """A line of the family's own plan, and the family-plan action it becomes, owned by
    its network member (by the name the family uses)."""
    if meeting.outcome != Meeting.Outcome.PLAN:
        raise Refused("No plan was agreed at this meeting.")
    _in_network(meeting.family, line.member, "member")
    what = _text(line.what, "Say what they will do.", "what")
    if line.by_when is None:
        raise Refused("Enter the date it will be done by.", "by_when")
    if line.by_when < meeting.held_on:
        raise Refused(
            f"It cannot be due before the meeting ({_words(meeting.held_on)}).", "by_when"
        )
    with transaction.atomic():
        action = Action.objects.create(
            family=meeting.family,
            part=Action.Part.NETWORK,
            text=what,
            owner=line.member.name,
            due=line.by_when,
            created_by=by,
        )
        return PlanItem.objects.create(
            meeting=meeting,
            member=line.member,
            what=what,
            by_when=line.by_when,
            support_needed=line.support_needed.strip(),
            action=action,
        )


# --- Kinship: who each child lives with -----------------------------------------------


def _overlap(child: Person, start: date, end: date | None, exclude: int | None = None) -> Any:
    """The child's arrangement that overlaps `start`..`end` (open when None), if any."""
    found = LivingArrangement.objects.filter(child=child)
    if exclude is not None:
        found = found.exclude(pk=exclude)
    found = found.exclude(ended_on__lt=start)
    if end is not None:
        found = found.exclude(started_on__gt=end)
    return found.order_by("started_on").first()


def record_arrangement(
    family: Family,
    child: Person,
    kind: str,
    started_on: date,
    by: Any,
    *,
    carer: NetworkMember | None = None,
    carer_name: str = "",
    ended_on: date | None = None,
    today: date | None = None,
) -> LivingArrangement:
    """Who `child` lives with from `started_on` (to `ended_on`, when it is over). It
    may not overlap another of the child's arrangements: end that one first."""
    _child_of(family, child)
    if kind not in LivingArrangement.Kind.values:
        raise Refused("Choose who the child lives with.", "kind")
    _date(family, started_on, "date it began", "started_on", today)
    if ended_on is not None:
        _date(family, ended_on, "date it ended", "ended_on", today)
        if ended_on < started_on:
            raise Refused("It cannot end before it began.", "ended_on")
    if carer is not None:
        _in_network(family, carer, "carer", started_on)
    if kind in LivingArrangement.IN_CARE and carer is not None:
        raise Refused(
            "A child in foster or residential care lives with carers the council "
            "arranges: name them without choosing a network member.",
            "carer",
        )
    if kind in ("informal_kinship", "sgo", "cao") and carer is None and not carer_name.strip():
        raise Refused("Say who the child lives with.", "carer")
    other = _overlap(child, started_on, ended_on)
    if other is not None:
        since = _words(other.started_on)
        span = f"{since} to {_words(other.ended_on)}" if other.ended_on else f"since {since}"
        raise Refused(
            f"{child} already has a living arrangement then "
            f"({LivingArrangement.Kind(other.kind).label.lower()}, {span}).",
            "started_on",
        )
    return LivingArrangement.objects.create(
        family=family,
        child=child,
        kind=kind,
        carer=carer,
        carer_name=carer_name.strip(),
        started_on=started_on,
        ended_on=ended_on,
        by=by,
    )


def end_arrangement(
    arrangement: LivingArrangement, on: date, by: Any, today: date | None = None
) -> None:
    if arrangement.ended_on is not None:
        raise Refused("This living arrangement has already ended.")
    _date(arrangement.family, on, "date it ended", "ended_on", today)
    if on < arrangement.started_on:
        raise Refused(
            f"It cannot end before it began ({_words(arrangement.started_on)}).", "ended_on"
        )
    arrangement.ended_on = on
    arrangement.save(update_fields=["ended_on"])
