"""Shared by the casework pages: refusing a role, and the page of one step of the journey
(`step_page`: the form, the check and the write under the row lock, the stale-form answer)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from wholefamily.web.audit.log import record
from wholefamily.web.audit.models import Action as Audit
from wholefamily.web.casework import dates, state
from wholefamily.web.casework.access import can, family_or_404
from wholefamily.web.families.labels import NEED_NAMES
from wholefamily.web.families.models import Family

__all__ = ["NEED_NAMES", "counts_found_needs", "forbid", "require", "step_page"]


def forbid(request: HttpRequest, what: str) -> None:
    record(request, Audit.DENIED, what, "", "role may not do this")
    raise Http404("Not found")


def require(request: HttpRequest, what: str, family: Family | None = None) -> None:
    if not can(request.user, what, family):
        forbid(request, what)


class DatesRefused(Exception):
    """A date of the form that the case, locked, refuses (see casework.dates)."""


@dataclass(frozen=True)
class Confirm:
    """What the page that asks to confirm an irreversible step shows: its heading,
    the answers to check (label, value), what will follow, and the button's words."""

    heading: str
    answers: list[tuple[str, str]]
    warning: str
    button: str


def _check_dates(form: Any, family: Family) -> bool:
    check = getattr(form, "check_dates", None)
    return True if check is None else bool(check(dates.CaseDates.of(family)))


def step_page(
    request: HttpRequest,
    family_id: str,
    what: str,
    form_class: Callable[..., Any],
    apply: Callable[[Family, Any], str],
    title: str,
    initial: dict[str, Any] | None = None,
    confirm: Callable[[Family, Any], Confirm] | None = None,
    back: str = "family",
    template: str = "casework/step.html",
    context: dict[str, Any] | None = None,
) -> HttpResponse:
    """GET shows the form, with the version of the case it is opened at. A valid POST
    is checked and applied in one transaction with the family's row locked
    (`state.lock`), audited, and returns to the family's page, or to the section of it
    named by `back` (a URL name taking the family's id). If the case changed
    since the form was opened, or is no longer in a state the step is allowed in,
    nothing is written and the form is shown again with what the user entered and
    a message saying so (409); an invalid form shows its errors.

    The form's dates are checked against the case (`check_dates`, casework.dates)
    as it is when posted, and again under the lock, so nothing added meanwhile
    (an assessment, a need found) can be overtaken. With `confirm`, a valid form
    first shows a page to check the answers; only the post from it (`confirmed`)
    applies the step, and "Change" (`change`) shows the form again as filled in. A step
    with a page of its own gives its `template` (which extends what step.html shows)
    and `context`."""
    family = family_or_404(request, family_id)
    posted = request.POST if request.method == "POST" else None
    # A form posted to a case that has moved on is answered below, with the user's input.
    require(request, what, None if posted is not None else family)
    form = form_class(posted, initial=initial)
    version, status, changed = family.version, 200, None
    if posted is not None:
        seen = state.seen_version(posted)
        version = family.version if seen is None else seen
        valid = form.is_valid()
        if _check_dates(form, family) and valid:
            asked = confirm is not None and posted.get("confirmed") != "yes"
            if asked and posted.get("change") != "yes":
                assert confirm is not None
                return render(
                    request,
                    "casework/confirm.html",
                    {
                        "family": family,
                        "title": title,
                        "confirm": confirm(family, form),
                        "hidden": [
                            (k, v)
                            for k in posted
                            if k not in ("csrfmiddlewaretoken", "confirmed", "change", "version")
                            for v in posted.getlist(k)
                        ],
                        "version": version,
                    },
                )
            if not asked:
                try:
                    with transaction.atomic():
                        now = state.lock(request.user, family, what, seen)
                        if not _check_dates(form, now):
                            raise DatesRefused()
                        detail = apply(now, form)
                        record(request, Audit.CHANGE, "family", now.family_id, f"{what}: {detail}")
                    return redirect(reverse(back, args=[now.family_id]))
                except DatesRefused:
                    family = Family.objects.get(pk=family.pk)
                except state.NotVisible:
                    record(
                        request, Audit.DENIED, "family", family_id, "no longer visible to this user"
                    )
                    raise Http404("No such family") from None
                except state.CaseChanged as exc:
                    family = Family.objects.get(pk=family.pk)  # as it is, after the rollback
                    changed, version, status = (
                        state.CaseChanged(family, exc.stale),
                        family.version,
                        409,
                    )
                    form.add_error(None, changed.message())
    return render(
        request,
        template,
        {
            **(context or {}),
            "family": family,
            "form": form,
            "title": title,
            "back_url": reverse(back, args=[family.family_id]),
            "version": version,
            "changed": changed,
            "can_save": changed is None or can(request.user, what, family),
        },
        status=status,
    )


def counts_found_needs(family: Family) -> bool:
    from wholefamily.web.progress.services import framework_or_none

    fw = framework_or_none(family.framework)
    return bool(fw and fw.get("needs_found_during_work"))
