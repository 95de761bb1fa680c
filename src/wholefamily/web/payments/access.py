"""Who sees and does what with support packages and budgets.

- The "Support packages" section of a family's page: key workers, team managers,
  programme analysts and the head of service who see the family, and the lead
  practitioner of its open Family Help episode whatever their role.
- Proposing a package: the lead practitioner of the family's open episode.
- Approving or refusing: a team manager of the family's own team, up to the limit
  (`money.manager_limit`), or the head of service, at any amount; nobody decides a
  package they proposed (the services refuse each, in words).
- The budgets page: team managers, the head of service and programme analysts; the
  head of service sets budgets; the head of service and analysts record payments.
"""

from __future__ import annotations

from typing import Any

from wholefamily.web.accounts.models import Role
from wholefamily.web.casework.access import leads, role_of
from wholefamily.web.families.models import Family

SEE = {Role.KEY_WORKER, Role.MANAGER, Role.ANALYST, Role.HEAD_OF_SERVICE}
DECIDE = {Role.MANAGER, Role.HEAD_OF_SERVICE}
BUDGETS = {Role.MANAGER, Role.ANALYST, Role.HEAD_OF_SERVICE}
SET_BUDGET = {Role.HEAD_OF_SERVICE}
RECORD_PAYMENTS = {Role.HEAD_OF_SERVICE, Role.ANALYST}


def sees(user: Any, family: Family) -> bool:
    return role_of(user) in SEE or leads(user, family)


def may_propose(user: Any, family: Family) -> bool:
    return leads(user, family)


def team_of(user: Any) -> int | None:
    profile = getattr(user, "profile", None)
    return getattr(profile, "team_id", None)


def may_decide(user: Any, family: Family) -> bool:
    """A head of service, or a team manager of the family's team (the limit and
    "not your own" are the services' refusals)."""
    role = role_of(user)
    if role == Role.HEAD_OF_SERVICE:
        return True
    return role == Role.MANAGER and family.team_id is not None and team_of(user) == family.team_id


def sees_budgets(user: Any) -> bool:
    return role_of(user) in BUDGETS


def may_set_budget(user: Any) -> bool:
    return role_of(user) in SET_BUDGET


def may_record_payments(user: Any) -> bool:
    return role_of(user) in RECORD_PAYMENTS
