"""Who sees and does what with services and referrals.

- The directory and a service's page: key workers, team managers, programme analysts
  and the head of service (a lead practitioner of another role sees a family's
  referrals on its plan, not the directory).
- Keeping the directory (a service added or changed, its places for a year): team
  managers and programme analysts.
- Referring a family from its plan, and recording what became of a referral: those who
  change the plan (key workers and team managers, `casework.access.CAN["plan"]`) and the
  lead practitioner of the family's open Family Help; a referral's progress also by who
  keeps the directory (a provider tells them). Every family is one the user sees
  (404 otherwise).
- A service's page names only the families the user sees; the others are counted.
"""

from __future__ import annotations

from typing import Any

from wholefamily.web.accounts.models import Role
from wholefamily.web.casework.access import CAN, leads, role_of
from wholefamily.web.families.models import Family

SEE = {Role.KEY_WORKER, Role.MANAGER, Role.ANALYST, Role.HEAD_OF_SERVICE}
MAINTAIN = {Role.MANAGER, Role.ANALYST}


def sees_directory(user: Any) -> bool:
    return role_of(user) in SEE


def may_maintain(user: Any) -> bool:
    return role_of(user) in MAINTAIN


def may_refer(user: Any, family: Family) -> bool:
    return role_of(user) in CAN["plan"] or leads(user, family)


def may_update(user: Any, family: Family) -> bool:
    return may_refer(user, family) or may_maintain(user)
