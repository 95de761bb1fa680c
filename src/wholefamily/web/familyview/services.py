"""Every change of the family's own view, checked before anything is written; a change
that would be wrong is refused with one plain sentence (`Refused`, naming the field).

Practitioners: `invite`, `withdraw_invitation`, `withdraw`, `share`, `unshare`,
`decide`. Family members: `redeem` and `accept` (an invitation), `mark_done`,
`propose`, `before_review`, `self_assess`, `give_feedback`, and the sign-in codes.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import date, datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_noop

from wholefamily.web import clock
from wholefamily.web.casework.models import Action, ActionChange, AssessmentArea, Note
from wholefamily.web.families.labels import age_on
from wholefamily.web.families.models import Family, Person, Status
from wholefamily.web.familyhelp.services import Refused
from wholefamily.web.familyview.models import (
    BeforeReview,
    FamilyAccount,
    Feedback,
    Invitation,
    ProposedAction,
    Relation,
    Seen,
    SelfAssessment,
    SelfScore,
    Shared,
    SignInCode,
)

__all__ = ["Refused", "age_on"]

INVITATION_DAYS = 7
CODE_MINUTES = 10
CODE_TRIES = 5
YOUNG_PERSON_AGE = 13
# The states of a case in which the family's own view is open: the work has started
# (allocated, active, stepped up to social care) or the family has open Family Help.
OPEN = (Status.ALLOCATED, Status.ACTIVE, Status.STEPPED_UP)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def case_open(family: Family) -> bool:
    """Whether the family's case is open: access to the family's own view ends with it."""
    if family.status in OPEN:
        return True
    return family.episodes.filter(closed_on__isnull=True).exists()


# --- Practitioners -----------------------------------------------------------------------


def invite(
    family: Family,
    by: Any,
    name: str,
    relation: str,
    person: Person | None = None,
    now: datetime | None = None,
) -> tuple[Invitation, str]:
    """A new invitation and its token (the only time the token exists in the clear)."""
    now = now or timezone.now()
    name = (name or "").strip()
    if not name:
        raise Refused("Enter the name of the person you are inviting.", "name")
    if relation not in Relation.values:
        raise Refused("Choose whether they are a parent, a carer or a young person.", "relation")
    if not case_open(family):
        raise Refused("The family’s case is not open, so nobody can be invited.", "name")
    if person is not None and not family.member_set.filter(person=person).exists():
        raise Refused("Choose someone in this family.", "person")
    if relation == Relation.YOUNG_PERSON:
        if person is None:
            raise Refused("Choose which young person in the family you are inviting.", "person")
        age = age_on(person.dob, timezone.localdate(now))
        if age is None or age < YOUNG_PERSON_AGE:
            raise Refused(
                f"A young person must be {YOUNG_PERSON_AGE} or over to have an account.", "person"
            )
    token = secrets.token_urlsafe(24)
    made = Invitation.objects.create(
        family=family,
        name=name[:100],
        relation=relation,
        person=person,
        token_hash=digest(token),
        created_by=by,
        created_at=now,
        expires_at=now + timedelta(days=INVITATION_DAYS),
    )
    return made, token


def withdraw_invitation(invitation: Invitation, by: Any) -> None:
    if invitation.used_at is not None:
        raise Refused("This invitation has been used: withdraw the account instead.")
    if invitation.withdrawn_at is None:
        invitation.withdrawn_at, invitation.withdrawn_by = timezone.now(), by
        invitation.save(update_fields=["withdrawn_at", "withdrawn_by"])


def withdraw(account: FamilyAccount, by: Any) -> None:
    """Ends a family member's access; their sessions end at their next request."""
    if account.withdrawn_at is None:
        account.withdrawn_at, account.withdrawn_by = timezone.now(), by
        account.save(update_fields=["withdrawn_at", "withdrawn_by"])


def share(family: Family, note: Note, by: Any) -> Shared:
    if note.family_id != family.pk:
        raise Refused("Choose a note of this family.")
    item, made = Shared.objects.get_or_create(
        kind=Shared.Kind.NOTE,
        object_id=note.pk,
        defaults={"family": family, "shared_by": by, "shared_at": timezone.now()},
    )
    if not made and item.withdrawn_at is not None:
        item.withdrawn_at, item.shared_by, item.shared_at = None, by, timezone.now()
        item.save(update_fields=["withdrawn_at", "shared_by", "shared_at"])
    return item


def unshare(family: Family, note: Note) -> None:
    Shared.objects.filter(
        family=family, kind=Shared.Kind.NOTE, object_id=note.pk, withdrawn_at__isnull=True
    ).update(withdrawn_at=timezone.now())


def shared_notes(family: Family) -> list[Note]:
    ids = Shared.objects.filter(
        family=family, kind=Shared.Kind.NOTE, withdrawn_at__isnull=True
    ).values("object_id")
    return list(Note.objects.filter(family=family, pk__in=ids).order_by("-on", "-at"))


def decide(
    proposal: ProposedAction, by: Any, accept: bool, due: date | None = None, reason: str = ""
) -> Action | None:
    """Accepts the family's own action into the plan (as what the family will do, owned
    by the family member who added it) or declines it, saying why."""
    if proposal.decided_at is not None:
        raise Refused("This action has already been accepted or declined.")
    with transaction.atomic():
        proposal.decided_at, proposal.decided_by = timezone.now(), by
        action = None
        if accept:
            due = due or proposal.due
            if due is None:
                raise Refused("Enter the date it should be done by.", "due")
            action = Action.objects.create(
                family=proposal.family,
                part=Action.Part.FAMILY,
                text=proposal.text,
                owner=proposal.account.name[:100],
                due=due,
                created_by=by,
            )
            proposal.accepted, proposal.action = True, action
        else:
            reason = (reason or "").strip()
            if not reason:
                raise Refused("Say why, so the family knows.", "reason")
            proposal.accepted, proposal.reason = False, reason[:300]
        proposal.save()
    return action


# --- Invitations and sign-in -------------------------------------------------------------

EXPIRED = gettext_noop("This link has run out. Ask your lead practitioner for a new one.")
USED = gettext_noop(
    "This link has already been used. Sign in, or ask your lead practitioner for a new link."
)
WITHDRAWN = gettext_noop("This link has been stopped. Ask your lead practitioner for a new one.")
WRONG = gettext_noop("This link does not work. Check you typed all of it, or ask for a new one.")
CLOSED = gettext_noop("Your family’s page has closed. Ask your lead practitioner if you need help.")
STOPPED = gettext_noop(
    "Your account has been stopped. Ask your lead practitioner if you need help."
)


def redeem(token: str, now: datetime | None = None) -> Invitation:
    """The invitation a link is for, if it can still be used."""
    now = now or timezone.now()
    found = Invitation.objects.select_related("family").filter(token_hash=digest(token or ""))
    invitation = found.first()
    if invitation is None:
        raise Refused(WRONG)
    if invitation.used_at is not None:
        raise Refused(USED)
    if invitation.withdrawn_at is not None:
        raise Refused(WITHDRAWN)
    if now >= invitation.expires_at:
        raise Refused(EXPIRED)
    if not case_open(invitation.family):
        raise Refused(CLOSED)
    return invitation


def accept(
    token: str, username: str, password: str, email: str = "", now: datetime | None = None
) -> FamilyAccount:
    """Makes the family member's account from their invitation; the link is used up."""
    now = now or timezone.now()
    users = get_user_model()
    username = (username or "").strip()
    if not username:
        raise Refused("Choose a user name.", "username")
    if len(username) > 150 or not all(c.isalnum() or c in "@.+-_" for c in username):
        raise Refused("Use only letters, numbers and @ . + - _ in your user name.", "username")
    with transaction.atomic():
        invitation = redeem(token, now)
        locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if locked.used_at is not None:
            raise Refused(USED)
        if users.objects.filter(username__iexact=username).exists():
            raise Refused("That user name is taken. Choose another.", "username")
        user = users(username=username, first_name=invitation.name[:150])
        try:
            password_validation.validate_password(password, user)
        except ValidationError as e:
            raise Refused(" ".join(e.messages), "password") from None
        user.set_password(password)
        user.email = (email or "").strip()
        user.save()
        account = FamilyAccount.objects.create(
            user=user,
            family=invitation.family,
            name=invitation.name,
            relation=invitation.relation,
            person=invitation.person,
            email=user.email,
            invitation=invitation,
            created_at=now,
        )
        locked.used_at = now
        locked.save(update_fields=["used_at"])
    return account


def refusal(account: FamilyAccount) -> str | None:
    """Why this account may not use the family's own view now, or None."""
    if account.withdrawn_at is not None:
        return STOPPED
    if not case_open(account.family):
        return CLOSED
    return None


def make_code(account: FamilyAccount, now: datetime | None = None) -> str:
    """A six-digit one-time code for signing in, valid for `CODE_MINUTES`."""
    now = now or timezone.now()
    account.codes.filter(used_at__isnull=True).update(used_at=now)  # one at a time
    code = f"{secrets.randbelow(10**6):06d}"
    SignInCode.objects.create(
        account=account,
        code_hash=digest(f"{account.pk}:{code}"),
        created_at=now,
        expires_at=now + timedelta(minutes=CODE_MINUTES),
    )
    return code


def check_code(account: FamilyAccount, code: str, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    with transaction.atomic():
        live = (
            account.codes.select_for_update()
            .filter(used_at__isnull=True, expires_at__gt=now)
            .order_by("-created_at")
            .first()
        )
        if live is None:
            return False
        if live.code_hash != digest(f"{account.pk}:{(code or '').strip()}"):
            live.tries += 1
            if live.tries >= CODE_TRIES:
                live.used_at = now
            live.save(update_fields=["tries", "used_at"])
            return False
        live.used_at = now
        live.save(update_fields=["used_at"])
    return True


# --- What the family does ----------------------------------------------------------------

# What the family is told when something they send is refused (marked for translation;
# the pages translate them as they show them).
NOT_YOURS = gettext_noop("You can only mark your own family’s actions done.")
NOT_NEEDED = gettext_noop("This action is no longer needed, so it cannot be marked done.")
WRITE_WHAT = gettext_noop("Write what you will do.")
TOO_LONG = gettext_noop("Write it in 500 letters or fewer.")
NOT_PAST = gettext_noop("The date must be today or later.")
WRITE_WORKING = gettext_noop("Write what is working, or what is not, or both.")
ONE_SCORE = gettext_noop("Give a score for at least one area.")
AN_AREA = gettext_noop("Choose an area from the list.")
SCORE_RANGE = gettext_noop("Give %(area)s a score from 1 to 10.")
CHOOSE_HELPFUL = gettext_noop("Choose how helpful the support has been.")


def mark_done(account: FamilyAccount, action: Action) -> None:
    """The family marks one of their own actions done (kept in the action's history)."""
    if action.family_id != account.family_id or action.part != Action.Part.FAMILY:
        raise Refused(NOT_YOURS)
    with transaction.atomic():
        now = Action.objects.select_for_update().get(pk=action.pk)
        if now.state == Action.State.DONE:
            return
        if not now.open:
            raise Refused(NOT_NEEDED)
        ActionChange.objects.create(
            action=now, field="state", before=now.state, after=Action.State.DONE, by=account.user
        )
        now.state = Action.State.DONE
        now.save(update_fields=["state"])


def propose(account: FamilyAccount, text: str, due: date | None) -> ProposedAction:
    text = (text or "").strip()
    if not text:
        raise Refused(WRITE_WHAT, "text")
    if len(text) > 500:
        raise Refused(TOO_LONG, "text")
    if due is not None and due < clock.today():
        raise Refused(NOT_PAST, "due")
    return ProposedAction.objects.create(
        family=account.family, account=account, text=text, due=due, created_at=timezone.now()
    )


def before_review(account: FamilyAccount, working: str, not_working: str) -> BeforeReview:
    working, not_working = (working or "").strip(), (not_working or "").strip()
    if not working and not not_working:
        raise Refused(WRITE_WORKING, "working")
    return BeforeReview.objects.create(
        family=account.family,
        account=account,
        at=timezone.now(),
        working=working[:5000],
        not_working=not_working[:5000],
    )


def self_assess(account: FamilyAccount, scores: dict[int, int]) -> SelfAssessment:
    areas = {a.pk: a for a in AssessmentArea.objects.filter(active=True)}
    given = {k: v for k, v in scores.items() if v is not None}
    if not given:
        raise Refused(ONE_SCORE)
    for area_id, score in given.items():
        if area_id not in areas:
            raise Refused(AN_AREA)
        if not 1 <= int(score) <= 10:
            raise Refused(SCORE_RANGE % {"area": areas[area_id].name}, f"area_{area_id}")
    with transaction.atomic():
        made = SelfAssessment.objects.create(
            family=account.family, account=account, on=clock.today(), at=timezone.now()
        )
        SelfScore.objects.bulk_create(
            [SelfScore(assessment=made, area=areas[k], score=int(v)) for k, v in given.items()]
        )
    return made


def give_feedback(account: FamilyAccount, helpful: int | None, better: str) -> Feedback:
    """Anonymous: the feedback keeps the family's district and the day, not who gave it."""
    if helpful not in Feedback.Helpful.values:
        raise Refused(CHOOSE_HELPFUL, "helpful")
    return Feedback.objects.create(
        district=account.family.district,
        on=clock.today(),
        helpful=helpful,
        better=(better or "").strip()[:5000],
    )


def seen(account: FamilyAccount, page: str, path: str) -> None:
    """Keeps that the family member looked at a page; the first page of a visit (after
    30 minutes away) moves "since you last looked" on."""
    now = timezone.now()
    if account.last_seen_at is None or now - account.last_seen_at > timedelta(minutes=30):
        account.previous_seen_at = account.last_seen_at
    account.last_seen_at = now
    account.save(update_fields=["previous_seen_at", "last_seen_at"])
    Seen.objects.create(account=account, at=now, page=page[:60], path=path[:200])


def accounts_of(family: Family) -> Any:
    return FamilyAccount.objects.filter(family=family).select_related("user")


def open_invitations(family: Family) -> Any:
    return Invitation.objects.filter(
        family=family, used_at__isnull=True, withdrawn_at__isnull=True
    ).filter(Q(expires_at__gt=timezone.now()))
