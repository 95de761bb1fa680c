"""What every family page shares: only a family member of an open case reaches it (any
other user gets a 404), each view is kept (`Seen`, and the audit log), and the page is in
the language the family member chose."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import translation

from wholefamily.web.audit.log import record
from wholefamily.web.audit.models import Action
from wholefamily.web.familyview.boundary import account_of

LANGUAGE_KEY = "family_language"

View = Callable[..., HttpResponse]


def language_of(request: HttpRequest) -> str:
    chosen = str(request.session.get(LANGUAGE_KEY, "")) if hasattr(request, "session") else ""
    return chosen if chosen in settings.FAMILY_LANGUAGES else settings.FAMILY_LANGUAGES[0]


def in_language(view: View) -> View:
    """Renders the view in the family member's language (family pages only)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        with translation.override(language_of(request)):
            response = view(request, *args, **kwargs)
            if hasattr(response, "render") and not getattr(response, "is_rendered", True):
                response.render()
            return response

    return wrapped


def family_member(page: str) -> Callable[[View], View]:
    """A page of the family's own view, called `page` in what the practitioner sees of
    what the family looked at. The view is called with the account as `account`."""

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path(), reverse("my_login"))
            account = account_of(request.user)
            if account is None:  # a staff user: the family's pages are not theirs
                record(request, Action.DENIED, "page", "", "staff user on a family page")
                raise Http404("Not found")
            from wholefamily.web.familyview.services import seen

            if request.method == "GET":
                seen(account, page, request.path)
                record(request, Action.VIEW, "family_view", account.family.family_id, page)
            return view(request, *args, account=account, **kwargs)

        return in_language(wrapped)

    return decorate
