"""Shared by the Family Help and child protection pages: the section page's context
and the page of one checked change (`change_page`).

A change is made as the team pages make theirs: the family's row locked
(`casework.state.lock`, which also checks the family is still the user's), the form
read, the service called; a `Refused` rolls everything back and is shown on its
field. Every page view and every change is written to the audit log."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.db import IntegrityError, transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from wholefamily.web.audit.log import record
from wholefamily.web.audit.models import Action as Audit
from wholefamily.web.casework import state
from wholefamily.web.casework.access import family_or_404
from wholefamily.web.casework.views.common import forbid
from wholefamily.web.casework.views.family import page_context
from wholefamily.web.families.models import Family
from wholefamily.web.familyhelp import access
from wholefamily.web.familyhelp import services as fh
from wholefamily.web.familyhelp.forms import ChangeForm
from wholefamily.web.familyhelp.models import Episode

# A change: (the family, locked; the valid form) -> (what the audit log says, the
# message the user is shown).
Apply = Callable[[Family, Any], tuple[str, str]]
Make = Callable[[Family, Any], ChangeForm]

BACK = {
    "family_help": "Back to Family Help",
    "family_protection": "Back to child protection",
}


def section(
    request: HttpRequest, family_id: str, name: str, sees: Callable[[Any, Family], bool]
) -> tuple[Family, dict[str, Any]]:
    """The family and its page's context for the section `name`, if the user sees the
    family (404 otherwise) and the section (404 otherwise, audited)."""
    family = family_or_404(request, family_id)
    if not sees(request.user, family):
        forbid(request, name.replace("_", " "))
    return page_context(request, family_id, name)


def current_episode(family: Family) -> Episode | None:
    """The open episode; a Supporting Families case in work becomes one the first time it
    is needed (two people opening it at once make one: the second finds the first's)."""
    try:
        with transaction.atomic():
            return fh.episode_of(family)
    except IntegrityError:
        return access.open_episode(family)


def episode_or_404(family: Family) -> Episode:
    episode = current_episode(family)
    if episode is None:
        raise Http404("No open Family Help episode")
    return episode


def change_page(
    request: HttpRequest,
    family_id: str,
    what: str,
    title: str,
    make: Make,
    apply: Apply,
    back: str = "family_help",
    intro: str = "",
) -> HttpResponse:
    """GET shows the form of the change `what` (a key of `access.DO`); a POST is read
    and applied with the family's row locked, audited, and returns to the section
    `back` with a message. An invalid form, or a change the service refuses, shows
    the form again with its errors and writes nothing."""
    family = family_or_404(request, family_id)
    if not access.may(request.user, what, family):
        forbid(request, f"{back.replace('_', ' ')}: {what}")
    return form_page(
        request, family, what, title, make, apply, back, BACK[back], "familyhelp", intro
    )


def form_page(
    request: HttpRequest,
    family: Family,
    what: str,
    title: str,
    make: Make,
    apply: Apply,
    back: str,
    back_text: str,
    lock_as: str,
    intro: str = "",
) -> HttpResponse:
    """The form of one checked change to a family (the caller has checked that the user
    may make it): a POST is applied with the family's row locked (`state.lock`, named
    `lock_as`), audited, and returns to the section `back` with a message; a form error
    or a `Refused` shows the form again and nothing is written."""
    if request.method == "POST":
        form: ChangeForm | None = None
        try:
            with transaction.atomic():
                now = state.lock(request.user, family, lock_as, None)
                form = make(now, request.POST)
                if form.is_valid():
                    detail, done = apply(now, form)
                    record(request, Audit.CHANGE, "family", now.family_id, f"{what}: {detail}")
                    messages.success(request, done)
                    return redirect(reverse(back, args=[now.family_id]))
        except fh.Refused as refusal:
            assert form is not None
            form.refused(refusal)
        except state.NotVisible:
            record(
                request, Audit.DENIED, "family", family.family_id, "no longer visible to this user"
            )
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
            "back": reverse(back, args=[family.family_id]),
            "back_text": back_text,
        },
    )
