"""The practitioner's side of the family's own view (`families/<id>/family-view/...`).

Anyone who sees the family sees the section: the family's accounts and open
invitations, the actions the family added, what they said before a review, their own
scores beside the practitioner's, and what they have looked at. Changing it (inviting,
stopping access, accepting or declining an action, showing a note to the family) is for
the family's key worker, its team's manager, or whoever leads its Family Help
(`may_change`); anyone else is refused (404, audited) and is shown no buttons.

Every change goes through `familyview.services`; a `Refused` is shown on its field
and nothing is saved. An invitation's link is shown once, in the answer to the post
that made it: it is neither kept in the clear nor written to the audit log."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from wholefamily.web import clock
from wholefamily.web.accounts.models import Role
from wholefamily.web.audit.log import record
from wholefamily.web.audit.models import Action as Audit
from wholefamily.web.casework.access import family_or_404, leads, role_of
from wholefamily.web.casework.models import AssessmentArea, Note, Score
from wholefamily.web.casework.views.common import forbid
from wholefamily.web.casework.views.family import page_context
from wholefamily.web.families.models import Family
from wholefamily.web.familyview import services
from wholefamily.web.familyview.forms import DecideForm, InviteForm
from wholefamily.web.familyview.models import (
    BeforeReview,
    FamilyAccount,
    Invitation,
    ProposedAction,
    Seen,
    SelfAssessment,
    SelfScore,
    Shared,
)

SEEN_ROWS = 50
SECTION = "family_view"


def may_change(user: Any, family: Family) -> bool:
    """The family's key worker, its team's manager, or the lead of its Family Help."""
    role = role_of(user)
    if role == Role.KEY_WORKER and family.key_worker_id == user.pk:
        return True
    team = getattr(getattr(user, "profile", None), "team_id", None)
    if role == Role.MANAGER and team is not None and family.team_id == team:
        return True
    return leads(user, family)


def note_sharing(user: Any, family: Family) -> tuple[bool, set[int]]:
    """For the casework notes page: whether the user may show notes to the family, and
    which notes are shown to it now."""
    shared = Shared.objects.filter(
        family=family, kind=Shared.Kind.NOTE, withdrawn_at__isnull=True
    ).values_list("object_id", flat=True)
    return may_change(user, family), set(shared)


def _changer(request: HttpRequest, family_id: str, what: str) -> Family:
    """The family, if the user may change its family view (404 otherwise, audited)."""
    family = family_or_404(request, family_id)
    if not may_change(request.user, family):
        forbid(request, f"family view: {what}")
    return family


def _back(family: Family) -> HttpResponse:
    return redirect(reverse(SECTION, args=[family.family_id]))


# --- The section -------------------------------------------------------------------------


def _scores(family: Family) -> list[dict[str, Any]]:
    """Each area with the family's latest own score and the practitioner's latest."""
    theirs: dict[int, SelfScore] = {}
    for s in (
        SelfScore.objects.filter(assessment__family=family)
        .select_related("assessment")
        .order_by("assessment__on", "assessment__id")
    ):
        theirs[s.area_id] = s  # the latest wins
    ours: dict[int, Score] = {}
    for p in (
        Score.objects.filter(assessment__family=family)
        .select_related("assessment")
        .order_by("assessment__on", "assessment__id")
    ):
        ours[p.area_id] = p
    areas = AssessmentArea.objects.filter(pk__in={*theirs, *ours}).order_by("order", "name")
    return [{"area": a, "family": theirs.get(a.pk), "ours": ours.get(a.pk)} for a in areas]


@login_required
def section(request: HttpRequest, family_id: str) -> HttpResponse:
    family, ctx = page_context(request, family_id, SECTION)
    is_open = services.case_open(family)
    may = may_change(request.user, family)
    accounts = list(services.accounts_of(family).select_related("withdrawn_by"))
    ctx.update(
        {
            "open": is_open,
            "may": may,
            "may_add": may and is_open,
            "accounts": [a for a in accounts if a.active],
            "stopped": [a for a in accounts if not a.active],
            "invitations": list(services.open_invitations(family).select_related("created_by")),
            "proposals": list(
                ProposedAction.objects.filter(family=family, decided_at__isnull=True)
                .select_related("account")
                .order_by("created_at", "id")
            ),
            "decided": list(
                ProposedAction.objects.filter(family=family, decided_at__isnull=False)
                .select_related("account", "decided_by")
                .order_by("-decided_at", "-id")[:10]
            ),
            "before_reviews": list(
                BeforeReview.objects.filter(family=family).select_related("account")
            ),
            "scores": _scores(family),
            "self_assessments": SelfAssessment.objects.filter(family=family).count(),
            "seen": list(
                Seen.objects.filter(account__family=family)
                .select_related("account")
                .order_by("-at", "-id")[:SEEN_ROWS]
            ),
            "shared_count": len(services.shared_notes(family)),
            "seen_rows": SEEN_ROWS,
        }
    )
    return render(request, "familyview/practice_section.html", ctx)


# --- Invitations -------------------------------------------------------------------------


@login_required
def invite(request: HttpRequest, family_id: str) -> HttpResponse:
    """The form; a post that makes an invitation answers with its link, shown this once."""
    family = _changer(request, family_id, "invite")
    today = clock.today()
    if request.method == "POST":
        form = InviteForm(request.POST, family=family, today=today)
        if form.is_valid():
            m = form.member()
            try:
                made, token = services.invite(
                    family,
                    request.user,
                    form.invitee_name(),
                    form.cleaned_data["relation"],
                    person=m.person if m is not None else None,
                )
            except services.Refused as refusal:
                form.refused(refusal)
            else:
                record(
                    request,
                    Audit.CREATE,
                    "invitation",
                    str(made.pk),
                    f"invitation made for {made.name}",
                )
                until = timezone.localtime(made.expires_at)
                response = render(
                    request,
                    "familyview/practice_invited.html",
                    {
                        "family": family,
                        "invitation": made,
                        "link": request.build_absolute_uri(reverse("my_invite", args=[token])),
                        "until": until,
                        "back": reverse(SECTION, args=[family.family_id]),
                    },
                )
                response["Cache-Control"] = "no-store"
                return response
    else:
        form = InviteForm(family=family, today=today)
    record(request, Audit.VIEW, "family", family.family_id, "invite a family member")
    return render(
        request,
        "familyview/practice_invite.html",
        {
            "family": family,
            "form": form,
            "open": services.case_open(family),
            "back": reverse(SECTION, args=[family.family_id]),
        },
    )


def _confirm(
    request: HttpRequest, family: Family, heading: str, warning: str, button: str
) -> HttpResponse:
    record(request, Audit.VIEW, "family", family.family_id, heading)
    return render(
        request,
        "familyview/practice_confirm.html",
        {
            "family": family,
            "heading": heading,
            "warning": warning,
            "button": button,
            "back": reverse(SECTION, args=[family.family_id]),
        },
    )


@login_required
def withdraw_invitation(request: HttpRequest, family_id: str, pk: int) -> HttpResponse:
    family = _changer(request, family_id, "withdraw an invitation")
    invitation = get_object_or_404(Invitation, pk=pk, family=family)
    if request.method != "POST":
        return _confirm(
            request,
            family,
            f"Withdraw the invitation for {invitation.name}?",
            "The link will stop working. You can invite them again later.",
            "Withdraw the invitation",
        )
    try:
        services.withdraw_invitation(invitation, request.user)
    except services.Refused as refusal:
        messages.error(request, refusal.message)
        record(request, Audit.DENIED, "invitation", str(invitation.pk), refusal.message)
        return _back(family)
    record(request, Audit.CHANGE, "invitation", str(invitation.pk), "invitation withdrawn")
    messages.success(request, f"The invitation for {invitation.name} has been withdrawn.")
    return _back(family)


@login_required
def withdraw(request: HttpRequest, family_id: str, pk: int) -> HttpResponse:
    family = _changer(request, family_id, "stop an account")
    account = get_object_or_404(FamilyAccount, pk=pk, family=family)
    if request.method != "POST":
        return _confirm(
            request,
            family,
            f"Stop {account.name}’s access?",
            f"{account.name} will be signed out and will not be able to see the family’s "
            "page again. To let them back in, invite them again.",
            "Stop access",
        )
    services.withdraw(account, request.user)
    record(request, Audit.CHANGE, "family_account", str(account.pk), "access stopped")
    messages.success(request, f"{account.name} can no longer see the family’s page.")
    return _back(family)


# --- The family's own actions ------------------------------------------------------------


@login_required
def decide(request: HttpRequest, family_id: str, pk: int) -> HttpResponse:
    """GET shows the action with its two choices; a POST accepts or declines it."""
    family = _changer(request, family_id, "accept or decline an action")
    proposal = get_object_or_404(
        ProposedAction.objects.select_related("account"), pk=pk, family=family
    )
    if request.method == "POST":
        form = DecideForm(request.POST)
        if form.is_valid():
            accept = form.cleaned_data["choice"] == "accept"
            try:
                if not services.case_open(family):
                    raise services.Refused(
                        "The family’s case is not open, so its actions cannot be accepted "
                        "into the plan."
                    )
                with transaction.atomic():
                    locked = ProposedAction.objects.select_for_update().get(pk=proposal.pk)
                    action = services.decide(
                        locked,
                        request.user,
                        accept,
                        due=form.cleaned_data.get("due"),
                        reason=form.cleaned_data.get("reason") or "",
                    )
            except services.Refused as refusal:
                form.refused(refusal)
            else:
                what = "accepted" if accept else "declined"
                record(
                    request,
                    Audit.CHANGE,
                    "proposed_action",
                    str(proposal.pk),
                    f"family's action {what}" + (f" as action {action.pk}" if action else ""),
                )
                messages.success(
                    request,
                    "The action is now in the plan, in what the family will do."
                    if accept
                    else "The action has been declined. The family will see why.",
                )
                return _back(family)
    else:
        form = DecideForm(initial={"due": proposal.due})
    record(request, Audit.VIEW, "proposed_action", str(proposal.pk), "accept or decline")
    return render(
        request,
        "familyview/practice_decide.html",
        {
            "family": family,
            "form": form,
            "proposal": proposal,
            "back": reverse(SECTION, args=[family.family_id]),
        },
    )


# --- Showing a note to the family --------------------------------------------------------


@login_required
@require_POST
def share(request: HttpRequest, family_id: str, pk: int) -> HttpResponse:
    """Shows one case note to the family (`show=yes`) or stops showing it (`show=no`)."""
    family = _changer(request, family_id, "show a note")
    note = get_object_or_404(Note, pk=pk, family=family)
    show = request.POST.get("show", "")
    if show not in ("yes", "no"):
        record(request, Audit.DENIED, "note", str(note.pk), "share: neither yes nor no")
        return HttpResponseBadRequest("Choose whether to show the note to the family.")
    if show == "yes":
        services.share(family, note, request.user)
        done, detail = "The note is now shown to the family.", "note shown to the family"
    else:
        services.unshare(family, note)
        done, detail = "The note is no longer shown to the family.", "note no longer shown"
    record(request, Audit.CHANGE, "note", str(note.pk), detail)
    messages.success(request, done)
    return redirect(reverse("family_notes", args=[family.family_id]) + f"#note-{note.pk}")
