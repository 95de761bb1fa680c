"""Who may see and change the team around a family (on top of `casework.access`).

- key worker and team manager who can see the family: see and change it;
- programme analyst: sees it, changes nothing (the central team checks, it does not
  keep the family's contacts);
- partner professional: only the key worker's contact block, on their family page,
  unless they lead the family's Family Help: then they see the team and contacts (and
  change nothing), as does a child protection practitioner on the family's case;
- anyone else (the data protection officer): nothing.

A family the user may not see is 404 (`family_or_404`, which writes the refusal to
the audit log); a page the role may not use is 404 as well, also audited."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from wholefamily.web.accounts.models import Role
from wholefamily.web.casework.access import family_or_404, leads, role_of
from wholefamily.web.casework.views.common import forbid
from wholefamily.web.families.models import Family

SEE = {Role.KEY_WORKER, Role.MANAGER, Role.ANALYST}
CHANGE = {Role.KEY_WORKER, Role.MANAGER}


def may_change(user: Any) -> bool:
    return role_of(user) in CHANGE


def family_for(request: HttpRequest, family_id: str, change: bool = False) -> Family:
    """The family, if the user may see it (404 otherwise) and their role may see (or,
    with `change`, change) its team and contacts (404 otherwise)."""
    family = family_or_404(request, family_id)
    role = role_of(request.user)
    allowed = CHANGE if change else SEE
    # A child protection practitioner sees only the families of their cases
    # (`visible_families`); a partner, those whose Family Help they lead.
    involved = role == Role.CP_PRACTITIONER or (
        role == Role.PARTNER and leads(request.user, family)
    )
    if role not in allowed and (change or not involved):
        forbid(request, "team change" if change else "team")
    return family
