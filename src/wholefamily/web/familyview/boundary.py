"""The wall between a family account and everything else.

`FamilyBoundaryMiddleware` runs after authentication: a signed-in family member may reach
the family's own view (URL names starting `my_`) and the static files, and is refused
every other page with a plain message (and an audit entry). An account withdrawn, or a
family whose case has closed, is signed out at its next request. Family sessions are
short: `FAMILY_SESSION_IDLE_SECONDS` idle, `FAMILY_SESSION_MAX_SECONDS` in all.

The other direction (staff users on family pages) is `views.common.family_member`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import Resolver404, resolve
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from wholefamily.web.audit.log import record
from wholefamily.web.audit.models import Action

FAMILY_PREFIX = "my_"
OUTSIDE = gettext_noop("This page is not part of your family’s page.")


def account_of(user: Any) -> Any:
    """The user's family account, or None for staff (and anonymous) users."""
    if not getattr(user, "is_authenticated", False):
        return None
    # A staff user has a profile, which the staff pages read anyway (and then find
    # cached): asking for it first costs a staff request no query of its own.
    if getattr(user, "profile", None) is not None:
        return None
    return getattr(user, "family_account", None)


def is_family_page(path: str) -> bool:
    try:
        match = resolve(path)
    except Resolver404:
        return False
    return bool(match.url_name and match.url_name.startswith(FAMILY_PREFIX))


class FamilyBoundaryMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        account = account_of(request.user)
        if account is None:
            return self.get_response(request)
        from wholefamily.web.familyview.services import refusal

        started = int(request.session.get("family_since", 0) or 0)
        if started and time.time() - started > settings.FAMILY_SESSION_MAX_SECONDS:
            logout(request)
            request.session["timed_out"] = True
            return self.get_response(request)
        why = refusal(account)
        if why is not None:
            record(request, Action.DENIED, "family_account", str(account.pk), why)
            logout(request)
            return _refused(request, why, signed_in=False)
        static = settings.STATIC_URL or "/static/"
        if request.path.startswith(static) or is_family_page(request.path):
            return self.get_response(request)
        record(request, Action.DENIED, "page", "", "family account outside the family view")
        return _refused(request, OUTSIDE, signed_in=True)


def _refused(request: HttpRequest, message: str, signed_in: bool) -> HttpResponse:
    """The refusal, in the family member's language."""
    from wholefamily.web.familyview.views.common import language_of

    with translation.override(language_of(request)):
        return render(
            request,
            "familyview/refused.html",
            {"message": _(message), "signed_in": signed_in},
            status=403,
        )
