"""The page of one checked change to a family's network (as `familyhelp.views.common`'s
`change_page`): the family's row locked and still the user's, the form read, the
service called; a `Refused` rolls everything back and is shown on its field. Every view
and every change is written to the audit log."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from wholefamily.web.audit.log import record
from wholefamily.web.audit.models import Action as Audit
from wholefamily.web.casework import state
from wholefamily.web.casework.access import family_or_404
from wholefamily.web.casework.views.common import forbid
from wholefamily.web.families.models import Family
from wholefamily.web.familyhelp.forms import ChangeForm
from wholefamily.web.networks import access
from wholefamily.web.networks.services import Refused

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
    if request.method == "POST":
        form: ChangeForm | None = None
        try:
            with transaction.atomic():
                now = state.lock(request.user, family, "network", None)
                form = make(now, request.POST)
                if form.is_valid():
                    detail, done = apply(now, form)
                    record(request, Audit.CHANGE, "family", now.family_id, f"{what}: {detail}")
                    messages.success(request, done)
                    return redirect(reverse(BACK, args=[now.family_id]))
        except Refused as refusal:
            assert form is not None
            form.refused(refusal)
        except state.NotVisible:
            record(request, Audit.DENIED, "family", family_id, "no longer visible to this user")
            raise Http404("No such family") from None
    else:
        form = make(family, None)
    record(request, Audit.VIEW, "family", family.family_id, title)
    return render(
        request,
        "familyhelp/form.html",
        {
            "family": family,
            "form": form,
            "title": title,
            "intro": intro,
            "back": reverse(BACK, args=[family.family_id]),
            "back_text": "Back to the family’s network",
        },
    )
