"""Who may see and do what in Family Help and child protection (on top of
`casework.access`, which decides which families a user sees at all).

Seeing:
- the Family Help section: key workers, managers, analysts and child protection
  practitioners who can see the family, and a partner professional who leads its
  open episode (a partner who only nominated the family keeps their own page);
- the child protection section: key workers, managers (of the family's team) and
  analysts; a child protection practitioner or partner professional only while they
  are on the family's multi-agency child protection team (MACPT), or lead its episode
  as a child protection practitioner.

Doing (`DO`, and the episode's lead practitioner for `LEAD_MAY`):
- a Family Help team manager alone authorises assessments and closes episodes (the
  services refuse anyone authorising their own assessment);
- child protection records are kept by the council's workers and the child protection
  practitioners who see the section.

A family the user may not see is 404 (`family_or_404`); so is a page their role may not
use (`casework.views.common.forbid`), both written to the audit log.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from wholefamily.web.accounts.models import Role
from wholefamily.web.casework.access import leads, role_of
from wholefamily.web.families.models import Family
from wholefamily.web.familyhelp.models import Episode

COUNCIL = {Role.KEY_WORKER, Role.MANAGER}
SEE_FAMILY_HELP = {Role.KEY_WORKER, Role.MANAGER, Role.ANALYST, Role.CP_PRACTITIONER}

DO = {
    "request": COUNCIL,
    "decide": COUNCIL,
    "level": COUNCIL,
    "lead": COUNCIL,
    "oversight": COUNCIL,
    "assess": COUNCIL | {Role.CP_PRACTITIONER},
    "authorise": {Role.MANAGER},
    "close": {Role.MANAGER},
    "protect": COUNCIL | {Role.CP_PRACTITIONER},
}
# What the episode's lead practitioner may do whatever their role.
LEAD_MAY = {"level", "assess"}
# Steps of the child protection section: only for who sees it.
PROTECTION = {"protect"}

# Who may lead an episode, and who may be the social worker with oversight.
LEAD_ROLES = (Role.KEY_WORKER, Role.MANAGER, Role.PARTNER, Role.CP_PRACTITIONER)
OVERSIGHT_ROLES = (Role.KEY_WORKER, Role.MANAGER, Role.CP_PRACTITIONER)


def open_episode(family: Family) -> Episode | None:
    return Episode.objects.filter(family=family, closed_on__isnull=True).first()


def on_macpt(user: Any, family: Family) -> bool:
    """Whether `user` is a member (not ended) of the MACPT of the family's open episode."""
    if not user.is_authenticated:
        return False
    return Episode.objects.filter(
        family=family,
        closed_on__isnull=True,
        macpt__user=user,
        macpt__ended_on__isnull=True,
    ).exists()


def sees_family_help(user: Any, family: Family) -> bool:
    role = role_of(user)
    return role in SEE_FAMILY_HELP or (role == Role.PARTNER and leads(user, family))


def sees_protection(user: Any, family: Family) -> bool:
    role = role_of(user)
    if role in (Role.KEY_WORKER, Role.MANAGER, Role.ANALYST):
        return True
    if role == Role.CP_PRACTITIONER:
        return on_macpt(user, family) or leads(user, family)
    if role == Role.PARTNER:
        return on_macpt(user, family)
    return False


def may(user: Any, what: str, family: Family) -> bool:
    """Whether `user`, who sees `family`, may take the step `what` (a key of `DO`)."""
    if what in PROTECTION and not sees_protection(user, family):
        return False
    if role_of(user) in DO[what]:
        return True
    return what in LEAD_MAY and leads(user, family)


def people(roles: tuple[str, ...]) -> QuerySet[Any]:
    """Active users of these roles, by name."""
    return (
        get_user_model()
        .objects.filter(is_active=True, profile__role__in=roles)
        .select_related("profile", "profile__team")
        .order_by("first_name", "last_name", "username")
    )


def name_of(user: Any) -> str:
    if user is None:
        return ""
    return str(user.get_full_name() or user.get_username())


def agency_of(user: Any) -> str:
    """Where a practitioner works: their agency as recorded, else their council team,
    else the council for the council's own roles ("" when not known)."""
    profile = getattr(user, "profile", None)
    if profile is None:
        return ""
    if profile.agency:
        return str(profile.agency)
    if profile.team_id:
        return str(profile.team)
    return "The council" if profile.role in (Role.KEY_WORKER, Role.MANAGER, Role.ANALYST) else ""


def practitioner(user: Any) -> str:
    """A practitioner as a choice or a page names them: "Pat Singh, Southfield Primary
    School (partner professional)"."""
    if user is None:
        return ""
    profile = getattr(user, "profile", None)
    role = Role(profile.role).label.lower() if profile and profile.role in Role.values else ""
    where = agency_of(user)
    return name_of(user) + (f", {where}" if where else "") + (f" ({role})" if role else "")
