"""A family member's way in: the invitation link (choose a user name and a password),
signing in with the password or, where the council has a mail service, a one-time code
by email; signing out; choosing a language.

Sign-in is throttled as staff sign-in is (`accounts.views.ThrottledLoginForm`); a staff
user cannot sign in here, nor a family member on the staff sign-in page.
"""

from __future__ import annotations

import time
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import login, logout
from django.contrib.auth.views import LoginView
from django.core.mail import send_mail
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from wholefamily.web.accounts.views import ThrottledLoginForm, client_address, throttled
from wholefamily.web.audit.log import record
from wholefamily.web.audit.models import Action
from wholefamily.web.familyview import services
from wholefamily.web.familyview.boundary import account_of
from wholefamily.web.familyview.models import FamilyAccount
from wholefamily.web.familyview.views.common import LANGUAGE_KEY, in_language

BACKEND = "django.contrib.auth.backends.ModelBackend"
TOO_MANY = gettext_noop("You have tried too many times. Wait 15 minutes, then try again.")


def start_session(request: HttpRequest, account: FamilyAccount) -> None:
    """Signs the family member in, with a family member's short session."""
    login(request, account.user, backend=BACKEND)
    request.session["idle_seconds"] = settings.FAMILY_SESSION_IDLE_SECONDS
    request.session["family_since"] = int(time.time())
    record(request, Action.LOGIN, "family_account", str(account.pk))


class FamilyLoginForm(ThrottledLoginForm):
    error_messages = {
        **ThrottledLoginForm.error_messages,
        "invalid_login": gettext_lazy("Your user name or password is not right. Try again."),
        "throttled": gettext_lazy(
            "You have tried too many times. Wait 15 minutes, then try again."
        ),
    }

    family = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].label = gettext_lazy("User name")
        self.fields["password"].label = gettext_lazy("Password")

    def confirm_login_allowed(self, user: Any) -> None:
        super().confirm_login_allowed(user)
        account = account_of(user)
        if account is None:  # staff sign in on the staff page
            raise forms.ValidationError(self.error_messages["invalid_login"], code="invalid_login")
        why = services.refusal(account)
        if why is not None:
            raise forms.ValidationError(_(why), code="inactive")


class FamilyLoginView(LoginView):
    form_class = FamilyLoginForm
    template_name = "familyview/sign_in.html"
    redirect_authenticated_user = False

    def form_valid(self, form: Any) -> HttpResponse:
        start_session(self.request, form.get_user().family_account)
        return redirect("my_home")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        ctx["timed_out"] = self.request.session.pop("timed_out", False)
        ctx["codes"] = settings.FAMILY_EMAIL_CODES
        return ctx


sign_in = in_language(FamilyLoginView.as_view())


class AcceptForm(forms.Form):
    username = forms.CharField(label=gettext_lazy("Choose a user name"), max_length=150)
    password = forms.CharField(
        label=gettext_lazy("Choose a password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=gettext_lazy("Use 12 or more letters, numbers or symbols."),
    )
    password_again = forms.CharField(
        label=gettext_lazy("Type the password again"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    email = forms.EmailField(
        label=gettext_lazy("Your email (you do not have to give it)"), required=False
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("password") and data.get("password") != data.get("password_again"):
            self.add_error("password_again", _("The two passwords are not the same."))
        return data


@in_language
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """The link in the invitation: who it is for, and the form to set up the account."""
    if account_of(request.user) is not None or request.user.is_authenticated:
        logout(request)  # a link opened on a shared phone starts afresh
    try:
        invite = services.redeem(token)
    except services.Refused as e:
        record(request, Action.DENIED, "invitation", "", e.message, username="")
        return render(request, "familyview/refused.html", {"message": _(e.message)}, status=410)
    form = AcceptForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            account = services.accept(
                token,
                form.cleaned_data["username"],
                form.cleaned_data["password"],
                form.cleaned_data.get("email", ""),
            )
        except services.Refused as e:
            form.add_error(e.field if e.field in form.fields else None, _(e.message))
        else:
            start_session(request, account)
            return redirect("my_home")
    return render(
        request,
        "familyview/invitation.html",
        {"form": form, "invite": invite, "codes": settings.FAMILY_EMAIL_CODES},
    )


class CodeForm(forms.Form):
    username = forms.CharField(label=gettext_lazy("User name"), max_length=150)
    code = forms.CharField(label=gettext_lazy("Code"), max_length=6, required=False)


def _code_account(username: str) -> FamilyAccount | None:
    account = (
        FamilyAccount.objects.filter(user__username__iexact=username.strip())
        .exclude(email="")
        .select_related("user", "family")
        .first()
    )
    return account if account is not None and services.refusal(account) is None else None


@in_language
def sign_in_code(request: HttpRequest) -> HttpResponse:
    """Sign in with a code sent by email: first the user name (a code is sent when the
    account has an email), then the code. Says the same whether or not the account exists."""
    if not settings.FAMILY_EMAIL_CODES:
        return redirect("my_login")
    form = CodeForm(request.POST if request.method == "POST" else None)
    sent = False
    if request.method == "POST" and form.is_valid():
        name, code = form.cleaned_data["username"], form.cleaned_data.get("code", "")
        too_many = throttled(name.strip(), client_address(request))
        account = _code_account(name)
        if too_many:
            form.add_error(
                None, _("You have tried too many times. Wait 15 minutes, then try again.")
            )
        elif not code:
            if account is not None:
                made = services.make_code(account)
                send_mail(
                    _("Your sign-in code"),
                    _("Your code is %(code)s. It works for 10 minutes.") % {"code": made},
                    None,
                    [account.email],
                )
            sent = True
        elif account is not None and services.check_code(account, code):
            start_session(request, account)
            return redirect("my_home")
        else:
            from wholefamily.web.accounts.models import LoginFailure

            LoginFailure.objects.create(username=name[:150], address=client_address(request))
            record(request, Action.LOGIN_FAILED, "user", "", username=name[:150])
            form.add_error("code", _("That code is not right, or it has run out."))
            sent = True
    return render(request, "familyview/sign_in_code.html", {"form": form, "sent": sent})


def _not_for_staff(request: HttpRequest) -> None:
    """Signing out here and choosing a language are a family member's: a staff user
    gets a 404, as on every family page."""
    if request.user.is_authenticated and account_of(request.user) is None:
        record(request, Action.DENIED, "page", "", "staff user on a family page")
        raise Http404("Not found")


def sign_out(request: HttpRequest) -> HttpResponse:
    _not_for_staff(request)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if request.user.is_authenticated:
        record(request, Action.LOGOUT, "user", str(request.user.pk))
    language = request.session.get(LANGUAGE_KEY)
    logout(request)
    if language:
        request.session[LANGUAGE_KEY] = language
    return redirect("my_login")


def language(request: HttpRequest) -> HttpResponse:
    """Keeps the language chosen (one of FAMILY_LANGUAGES) and goes back to the page."""
    _not_for_staff(request)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    chosen = request.POST.get("language", "")
    if chosen in settings.FAMILY_LANGUAGES:
        request.session[LANGUAGE_KEY] = chosen
    back = request.POST.get("next", "")
    from django.utils.http import url_has_allowed_host_and_scheme

    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = "/my-family"
    return redirect(back)
