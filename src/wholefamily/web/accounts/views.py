"""Sign in with throttling, sign out. Failures are counted per username and per address."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from wholefamily.web.accounts.models import LoginFailure
from wholefamily.web.audit.log import record
from wholefamily.web.audit.models import Action

THROTTLED = "Too many failed sign-in attempts. Wait 15 minutes, then try again."


def client_address(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR", ""))[:45]


def throttled(username: str, address: str) -> bool:
    """Whether sign-in is refused for now: too many recent failures for this username,
    or (four times as many) from this address. Every way of signing in asks this."""
    since = timezone.now() - timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_SECONDS)
    recent = LoginFailure.objects.filter(at__gte=since)
    limit = settings.LOGIN_FAILURES_ALLOWED
    return recent.filter(username__iexact=username).count() >= limit or bool(
        address and recent.filter(address=address).count() >= 4 * limit
    )


class ThrottledLoginForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "Enter a correct username and password",
        "throttled": THROTTLED,
    }

    family = False  # the family's own sign-in page says True (web.familyview)

    def confirm_login_allowed(self, user: Any) -> None:
        super().confirm_login_allowed(user)
        if not self.family and hasattr(user, "family_account"):
            # A family member's account is not a staff account: refused here as a
            # wrong password is, so the page does not say which accounts exist.
            from django.core.exceptions import ValidationError

            raise ValidationError(self.error_messages["invalid_login"], code="invalid_login")

    def signing_in_as(self) -> str:
        """The name sign-in looks up: the username field's own reading of what was
        typed (spaces round it dropped, Unicode NFKC, so full-width letters are the
        plain ones), also when the field refuses it, so that every way of typing one
        name is counted against that name."""
        name = self.cleaned_data.get("username")
        if name is None:
            name = self.fields["username"].to_python(self.data.get("username") or "")
        return str(name)[:150]

    def clean(self) -> dict[str, Any]:
        username = self.signing_in_as()
        address = client_address(self.request) if self.request else ""
        if throttled(username, address):
            raise self.get_invalid_login_error_throttled()
        try:
            return super().clean()
        except Exception:
            LoginFailure.objects.create(username=username, address=address)
            if self.request is not None:
                record(self.request, Action.LOGIN_FAILED, "user", "", username=username)
            raise

    def get_invalid_login_error_throttled(self) -> Exception:
        from django.core.exceptions import ValidationError

        return ValidationError(self.error_messages["throttled"], code="throttled")


class LoginView(auth_views.LoginView):
    form_class = ThrottledLoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        record(self.request, Action.LOGIN, "user", str(self.request.user.pk))
        return response

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        ctx["timed_out"] = self.request.session.pop("timed_out", False)
        return ctx


def logout_view(request: HttpRequest) -> HttpResponse:
    from django.contrib.auth import logout
    from django.shortcuts import redirect

    if request.method != "POST":
        from django.http import HttpResponseNotAllowed

        return HttpResponseNotAllowed(["POST"])
    if request.user.is_authenticated:
        record(request, Action.LOGOUT, "user", str(request.user.pk))
    logout(request)
    return redirect("login")
