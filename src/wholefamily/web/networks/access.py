"""Who sees and changes a family's network (on top of `casework.access`, which decides
which families a user sees at all), as in Family Help: whoever sees the family's Family
Help sees its network (key workers, managers, analysts, child protection practitioners,
and a partner professional who leads its open episode); the council's key workers and
managers and a partner who leads the episode change it. A family the user may not see
is 404; so is a change their role may not make (both audited)."""

from __future__ import annotations

from typing import Any

from wholefamily.web.accounts.models import Role
from wholefamily.web.casework.access import leads, role_of
from wholefamily.web.families.models import Family
from wholefamily.web.familyhelp.access import sees_family_help

CHANGE = {Role.KEY_WORKER, Role.MANAGER}


def sees_network(user: Any, family: Family) -> bool:
    return sees_family_help(user, family)


def may_change(user: Any, family: Family) -> bool:
    role = role_of(user)
    return role in CHANGE or (role == Role.PARTNER and leads(user, family))
