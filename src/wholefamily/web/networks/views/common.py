"""The page of one checked change to a family's network: who may make it is the
network's rule; the page itself is Family Help's (`familyhelp.views.common.form_page`:
the family's row locked and still the user's, the form read, the service called, a
`Refused` rolled back and shown on its field, every view and change audited)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse

from wholefamily.web.casework.access import family_or_404
from wholefamily.web.casework.views.common import forbid
from wholefamily.web.families.models import Family
from wholefamily.web.familyhelp.forms import ChangeForm
from wholefamily.web.familyhelp.views.common import form_page
from wholefamily.web.networks import access

Apply = Callable[[Family, Any], tuple[str, str]]
Make = Callable[[Family, Any], ChangeForm]
BACK = "family_network"


def change_page(
    request: HttpRequest,
    family_id: str,
    what: str,
    title: str,
    make: Make,
    apply: Apply,
    intro: str = "",
) -> HttpResponse:
    """GET shows the form of the change `what`; a POST is applied with the family's row
    locked, audited, and returns to the network section with a message. An invalid form,
    or a change the service refuses, shows the form again with its errors."""
    family = family_or_404(request, family_id)
    if not access.sees_network(request.user, family) or not access.may_change(request.user, family):
        forbid(request, f"family network: {what}")
    return form_page(
        request,
        family,
        what,
        title,
        make,
        apply,
        BACK,
        "Back to the family’s network",
        "network",
        intro,
    )
