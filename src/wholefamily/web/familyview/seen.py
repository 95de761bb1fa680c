"""What a family may see of its own case: the only queries the family's pages make.

One place, so the rule is easy to check: the family sees its plan's actions (text, who,
by when, state), its lead practitioner's name, email and phone, the next review or
network meeting, its current network (names, what each offers and will do), the case
notes a practitioner shared, its own added actions, and what changed since it last
looked. Nothing else, ever: no evidence rows, needs, unshared notes, risk, child
protection records, Family Help levels, other families, network members' addresses or
phones.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wholefamily.web import clock
from wholefamily.web.casework.models import Action, ActionChange, Note, Review
from wholefamily.web.families.models import Family
from wholefamily.web.familyview import services
from wholefamily.web.familyview.models import FamilyAccount, ProposedAction, Shared

# Each state of an action, as a family reads it.
STATE_WORDS = {
    Action.State.NOT_STARTED: gettext_lazy("Not started yet"),
    Action.State.IN_PROGRESS: gettext_lazy("Started"),
    Action.State.DONE: gettext_lazy("Done"),
    Action.State.DROPPED: gettext_lazy("Not needed now"),
}


def words(d: date) -> str:
    """A date as "3 March 2026"."""
    return f"{d.day} {d:%B %Y}"


@dataclass
class Lead:
    name: str
    first_name: str
    email: str
    phone: str


def lead(family: Family) -> Lead | None:
    """The lead practitioner: the open Family Help episode's lead, or the key worker."""
    episode = family.episodes.filter(closed_on__isnull=True).select_related("lead").first()
    user = episode.lead if episode is not None else family.key_worker
    if user is None:
        return None
    profile = getattr(user, "profile", None)
    name = user.get_full_name() or user.get_username()
    return Lead(
        name=name,
        first_name=user.first_name or name,
        email=user.email,
        phone=(profile.phone if profile is not None else "") or "",
    )


@dataclass
class Next:
    what: str
    on: date


def next_meetings(family: Family) -> list[Next]:
    """The next review (the latest review's next date) and any network meeting to come."""
    from wholefamily.web.networks.models import Meeting

    found = []
    review = Review.objects.filter(family=family).order_by("-on", "-id").first()
    if review is not None:
        found.append(Next(_("Your next review"), review.next_due))
    meeting = (
        Meeting.objects.filter(family=family, held_on__gte=clock.today())
        .order_by("held_on")
        .first()
    )
    if meeting is not None:
        found.append(Next(_("Your next family meeting"), meeting.held_on))
    return sorted(found, key=lambda n: n.on)


@dataclass
class Step:
    """One action of the plan as the family sees it."""

    id: int
    text: str
    who: str
    due: date
    state: str
    open: bool
    family_part: bool


@dataclass
class Part:
    title: str
    steps: list[Step] = field(default_factory=list)


def plan(family: Family, lead_first_name: str) -> list[Part]:
    """The plan's actions by part, in the family's words (the parts always in one order)."""
    titles = {
        Action.Part.FAMILY: _("What you will do"),
        Action.Part.WORKER: _("What %(name)s will do") % {"name": lead_first_name},
        Action.Part.AGENCY: _("What others will do"),
        Action.Part.NETWORK: _("What your family and friends will do"),
    }
    parts = {k: Part(str(v)) for k, v in titles.items()}
    for a in Action.objects.filter(family=family).order_by("due", "id"):
        parts[Action.Part(a.part)].steps.append(
            Step(
                id=a.pk,
                text=a.text,
                who=a.owner,
                due=a.due,
                state=str(STATE_WORDS.get(Action.State(a.state), a.state)),
                open=a.open,
                family_part=a.part == Action.Part.FAMILY,
            )
        )
    return list(parts.values())


def waiting(family: Family) -> list[ProposedAction]:
    """The family's own added actions the practitioner has not decided on yet."""
    return list(ProposedAction.objects.filter(family=family, decided_at__isnull=True))


def declined(family: Family) -> list[ProposedAction]:
    return list(ProposedAction.objects.filter(family=family, accepted=False))


@dataclass
class Friend:
    name: str
    offers: str
    will_do: list[str]


def network(family: Family) -> list[Friend]:
    """The current network: each member's name, what they offer and what they will do in
    the plan (never where they live or their phone)."""
    from wholefamily.web.networks.models import NetworkMember, PlanItem

    members = NetworkMember.objects.filter(family=family, ended_on__isnull=True).order_by(
        "name", "id"
    )
    found = []
    for m in members.only("id", "name", "offers"):
        will = [
            f"{item.what} ({_('by %(date)s') % {'date': words(item.by_when)}})"
            for item in PlanItem.objects.filter(member=m).order_by("by_when", "id")
        ]
        owned = Action.objects.filter(
            family=family, part=Action.Part.NETWORK, owner=m.name, network_item__isnull=True
        )
        will += [f"{a.text} ({_('by %(date)s') % {'date': words(a.due)}})" for a in owned]
        found.append(Friend(name=m.name, offers=m.offers, will_do=will))
    return found


def shared_notes(family: Family) -> list[Note]:
    return services.shared_notes(family)


def since_of(family: Family, account: FamilyAccount | None) -> datetime | None:
    """From when "what has changed" counts: the account's visit before this one (for a
    practitioner's preview, the family's most recent account's)."""
    if account is None:
        account = (
            FamilyAccount.objects.filter(family=family, withdrawn_at__isnull=True)
            .order_by("-last_seen_at")
            .first()
        )
    return account.previous_seen_at if account is not None else None


def changes_since(family: Family, since: datetime | None, lead_name: str) -> list[str]:
    """What changed since `since`, in words, newest first; nothing when `since` is None
    (a first visit)."""
    if since is None:
        return []
    found: list[tuple[Any, str]] = []
    for a in Action.objects.filter(family=family, created_at__gt=since):
        found.append((a.created_at, _("New in your plan: %(text)s") % {"text": a.text}))
    changes = ActionChange.objects.filter(action__family=family, at__gt=since).select_related(
        "action"
    )
    for c in changes:
        if c.field == "state" and c.after == Action.State.DONE:
            said = _("Done: %(text)s") % {"text": c.action.text}
        else:
            said = _("Changed in your plan: %(text)s") % {"text": c.action.text}
        found.append((c.at, said))
    for p in ProposedAction.objects.filter(family=family, decided_at__gt=since):
        if p.accepted:
            said = _("%(lead)s added your action to your plan: %(text)s") % {
                "lead": lead_name,
                "text": p.text,
            }
        else:
            said = _("%(lead)s did not add your action: %(text)s") % {
                "lead": lead_name,
                "text": p.text,
            }
        found.append((p.decided_at, said))
    for r in Review.objects.filter(family=family, on__gte=since.date()):
        found.append(
            (
                datetime.combine(r.on, datetime.min.time(), since.tzinfo),
                _("You had a review on %(date)s.") % {"date": words(r.on)},
            )
        )
    live = Shared.objects.filter(family=family, withdrawn_at__isnull=True, shared_at__gt=since)
    for s in live:
        found.append((s.shared_at, _("%(lead)s shared a note with you.") % {"lead": lead_name}))
    found.sort(key=lambda x: x[0], reverse=True)
    return [said for _at, said in found]
