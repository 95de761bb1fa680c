"""Shared by the casework pages: refusing a role, and the page of one step of the journey
(`step_page`: the form, the check and the write under the row lock, the stale-form answer)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from wholefamily.web.audit.log import record
from wholefamily.web.audit.models import Action as Audit
from wholefamily.web.casework import state
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


def step_page(
    request: HttpRequest,
    family_id: str,
    what: str,
    form_class: Callable[..., Any],
    apply: Callable[[Family, Any], str],
    title: str,
    initial: dict[str, Any] | None = None,
    template: str = "casework/step.html",
    context: dict[str, Any] | None = None,
) -> HttpResponse:
    """GET shows the form, with the version of the case it is opened at. A valid POST
    is checked and applied in one transaction with the family's row locked
    (`state.lock`), audited, and returns to the family page. If the case changed
    since the form was opened, or is no longer in a state the step is allowed in,
    nothing is written and the form is shown again with what the user entered and
    a message saying so (409); an invalid form shows its errors. A step with a page of
    its own gives its `template` (which extends what step.html shows) and `context`."""
    family = family_or_404(request, family_id)
    posted = request.POST if request.method == "POST" else None
    # A form posted to a case that has moved on is answered below, with the user's input.
    require(request, what, None if posted is not None else family)
    form = form_class(posted, initial=initial)
    version, status, changed = family.version, 200, None
    if posted is not None:
        seen = state.seen_version(posted)
        version = family.version if seen is None else seen
        if form.is_valid():
            try:
                with transaction.atomic():
                    now = state.lock(request.user, family, what, seen)
                    detail = apply(now, form)
                    record(request, Audit.CHANGE, "family", now.family_id, f"{what}: {detail}")
                return redirect(reverse("family", args=[now.family_id]))
            except state.NotVisible:
                record(request, Audit.DENIED, "family", family_id, "no longer visible to this user")
                raise Http404("No such family") from None
            except state.CaseChanged as exc:
                family = Family.objects.get(pk=family.pk)  # as it is, after the rollback
                changed, version, status = state.CaseChanged(family, exc.stale), family.version, 409
                form.add_error(None, changed.message())
    return render(
        request,
        template,
        {
            **(context or {}),
            "family": family,
            "form": form,
            "title": title,
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
