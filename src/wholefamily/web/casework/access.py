"""Who may see and do what (the rules of accounts.models, as querysets and checks).

A family a user may not see is answered with 404, never 403, so that its
existence is not disclosed; the refusal is still written to the audit log.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest

from wholefamily.web.accounts.models import Role
from wholefamily.web.audit.log import record
from wholefamily.web.audit.models import Action
from wholefamily.web.families.models import Family, Status

UNALLOCATED = (Status.AWAITING_ALLOCATION,)


def role_of(user: Any) -> str:
    profile = getattr(user, "profile", None) if user.is_authenticated else None
    return str(profile.role) if profile else ""


def visible_families(user: Any) -> QuerySet[Family]:
    role = role_of(user)
    team = getattr(getattr(user, "profile", None), "team_id", None)
    qs = Family.objects.all()
    if role in (Role.ANALYST, Role.HEAD_OF_SERVICE):
        return qs
    if role == Role.MANAGER:
        return qs.filter(Q(team_id=team) | Q(status__in=UNALLOCATED)) if team else qs.none()
    if role == Role.KEY_WORKER:
        mine = Q(key_worker=user)
        return qs.filter(mine | Q(team_id=team)) if team else qs.filter(mine)
    # A partner's and a CP practitioner's families are found through other tables: as
    # subqueries of ids, not joins, so that each family is one row and the counts and
    # sums over these querysets (the dashboard's, the lists') are exact.
    led = Family.objects.filter(episodes__lead=user, episodes__closed_on__isnull=True)
    if role == Role.PARTNER:
        nominated = Family.objects.filter(nominations__nominated_by=user)
        return qs.filter(Q(pk__in=nominated.values("pk")) | Q(pk__in=led.values("pk")))
    if role == Role.CP_PRACTITIONER:
        on_team = Family.objects.filter(
            episodes__macpt__user=user,
            episodes__macpt__ended_on__isnull=True,
            episodes__closed_on__isnull=True,
        )
        return qs.filter(Q(pk__in=on_team.values("pk")) | Q(pk__in=led.values("pk")))
    return qs.none()


def leads(user: Any, family: Family) -> bool:
    """Whether `user` is the lead practitioner of the family's open Family Help episode."""
    if not user.is_authenticated:
        return False
    open_led = Q(episodes__lead=user, episodes__closed_on__isnull=True)
    return Family.objects.filter(open_led, pk=family.pk).exists()


def family_or_404(request: HttpRequest, family_id: str) -> Family:
    try:
        return visible_families(request.user).get(family_id=family_id)
    except Family.DoesNotExist:
        record(request, Action.DENIED, "family", family_id, "not visible to this user")
        raise Http404("No such family") from None


# What each role may do to a family it can see.
CAN = {
    "check": {Role.ANALYST},
    "allocate": {Role.MANAGER},
    "consent": {Role.KEY_WORKER, Role.MANAGER},
    "assess": {Role.KEY_WORKER, Role.MANAGER},
    "plan": {Role.KEY_WORKER, Role.MANAGER},
    "review": {Role.KEY_WORKER, Role.MANAGER},
    "note": {Role.KEY_WORKER, Role.MANAGER, Role.ANALYST},
    "intensity": {Role.KEY_WORKER, Role.MANAGER},
    "step": {Role.KEY_WORKER, Role.MANAGER},
    "close": {Role.KEY_WORKER, Role.MANAGER},
    "nominate": {Role.PARTNER, Role.ANALYST, Role.KEY_WORKER, Role.MANAGER},
    "evidence": {Role.KEY_WORKER, Role.MANAGER, Role.ANALYST},
    "review_queue": {Role.ANALYST},
    "baseline": {Role.MANAGER, Role.ANALYST},
    "found_need": {Role.KEY_WORKER, Role.MANAGER},
    "correct": {Role.MANAGER},
    "reopen": {Role.MANAGER},
    "claims": {Role.MANAGER, Role.ANALYST},
    "sign": {Role.MANAGER},
    "prepare_claim": {Role.ANALYST},
    "reports": {Role.ANALYST, Role.MANAGER},
    "audit": {Role.DPO},
    "returns": {Role.ANALYST},
}

# In which states each step can be taken.
WHEN = {
    "check": {Status.IDENTIFIED, Status.NOMINATED, Status.NOT_ELIGIBLE},
    "allocate": {Status.AWAITING_ALLOCATION, Status.ALLOCATED, Status.ACTIVE},
    "consent": {Status.ALLOCATED, Status.ACTIVE, Status.CONSENT_REFUSED},
    "assess": {Status.ACTIVE},
    "plan": {Status.ACTIVE},
    "review": {Status.ACTIVE},
    "note": set(Status),
    "intensity": {Status.ALLOCATED, Status.ACTIVE},
    "step": {Status.ACTIVE, Status.STEPPED_UP},
    "close": {Status.ALLOCATED, Status.ACTIVE, Status.STEPPED_UP, Status.CONSENT_REFUSED},
    "baseline": {Status.ACTIVE, Status.STEPPED_UP, Status.CLOSED},
    "found_need": {Status.ACTIVE, Status.STEPPED_UP},
    # The date of consent that started the work: wherever a case can have one.
    "correct": {Status.ACTIVE, Status.STEPPED_UP, Status.CONSENT_REFUSED, Status.CLOSED},
    "reopen": {Status.CLOSED},
}


def can(user: Any, what: str, family: Family | None = None) -> bool:
    if role_of(user) not in CAN[what]:
        return False
    return family is None or what not in WHEN or family.status in WHEN[what]


def sees_agency_detail(user: Any, family: Family) -> bool:
    """Evidence from partner agencies: analysts always; key workers and managers once
    the family has given consent (an analyst's central check needs it before); a
    partner professional who leads the family's Family Help, once it has given consent."""
    role = role_of(user)
    if role == Role.ANALYST:
        return True
    if role == Role.PARTNER:
        return family.consent == "given" and leads(user, family)
    return role in (Role.KEY_WORKER, Role.MANAGER) and family.consent == "given"
