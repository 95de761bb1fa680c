"""The team around the family and the family's contact details: pages of their own,
linked from the family page (`family_team`, `family_contacts`).

Every page view and every change writes the audit log. A change is validated and
written in one transaction with the family's row locked (`casework.state.lock`, as a
step that adds to the case: the version is kept, the row is still locked and the
family still checked as the user's), so that two moves of address at once cannot
both become the current one; each change is also kept in `TeamHistory`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from wholefamily.web import clock
from wholefamily.web.accounts.models import Role
from wholefamily.web.audit.log import record
from wholefamily.web.audit.models import Action as Audit
from wholefamily.web.casework import state
from wholefamily.web.casework.access import role_of
from wholefamily.web.casework.views.common import forbid
from wholefamily.web.families.models import Family
from wholefamily.web.team.access import family_for, may_change
from wholefamily.web.team.forms import (
    AddressForm,
    ContactForm,
    ProfessionalForm,
    WorkContactForm,
    long_date,
)
from wholefamily.web.team.history import key_worker_contact, note
from wholefamily.web.team.models import (
    Address,
    FamilyContact,
    Preferred,
    Professional,
    TeamContact,
    TeamHistory,
    WorkContact,
)

Kind = TeamHistory.Kind
Apply = Callable[[Family, Any], tuple[str, str]]


@login_required
def team_page(request: HttpRequest, family_id: str) -> HttpResponse:
    family = family_for(request, family_id)
    record(request, Audit.VIEW, "family", family.family_id, "team around the family")
    people = list(Professional.objects.filter(family=family))
    return render(
        request,
        "team/team.html",
        {
            "family": family,
            "involved": [p for p in people if p.ended_on is None],
            "past": [p for p in people if p.ended_on is not None],
            "contact": key_worker_contact(family),
            "can_change": may_change(request.user),
            "history": TeamHistory.objects.filter(
                family=family, kind__startswith="professional"
            ).select_related("by")[:20],
        },
    )


@login_required
def contacts_page(request: HttpRequest, family_id: str) -> HttpResponse:
    family = family_for(request, family_id)
    record(request, Audit.VIEW, "family", family.family_id, "family's contact details")
    return render(
        request,
        "team/contacts.html",
        {
            "family": family,
            "details": FamilyContact.objects.filter(family=family).first(),
            "addresses": list(Address.objects.filter(family=family)),
            "can_change": may_change(request.user),
        },
    )


def _form_page(
    request: HttpRequest,
    family_id: str,
    title: str,
    make: Callable[[Family, Any], Any],
    apply: Apply,
    back: str,
) -> HttpResponse:
    """The form of one change: on a valid POST, checked again and applied with the
    family's row locked, audited, then back to the section's page with a message."""
    family = family_for(request, family_id, change=True)
    if request.method == "POST":
        try:
            with transaction.atomic():
                now = state.lock(request.user, family, "team", None)
                form = make(now, request.POST)
                if form.is_valid():
                    detail, done = apply(now, form)
                    record(request, Audit.CHANGE, "family", now.family_id, detail)
                    messages.success(request, done)
                    return redirect(reverse(back, args=[now.family_id]))
        except state.NotVisible:
            record(request, Audit.DENIED, "family", family_id, "no longer visible to this user")
            raise Http404("No such family") from None
    else:
        form = make(family, None)
    record(request, Audit.VIEW, "family", family.family_id, title)
    return render(
        request,
        "team/form.html",
        {
            "family": family,
            "form": form,
            "title": title,
            "back": reverse(back, args=[family.family_id]),
            "back_text": "Back to the team around the family"
            if back == "family_team"
            else "Back to the family’s contact details",
        },
    )


PROFESSIONAL_FIELDS = ("name", "agency", "role", "phone", "email", "started_on", "ended_on")
FIELD_NAMES = {
    "name": "name",
    "agency": "agency",
    "role": "role",
    "phone": "phone",
    "email": "email",
    "started_on": "start date",
    "ended_on": "end date",
    "preferred": "preferred way",
    "times": "best times",
    "language": "language",
    "interpreter": "interpreter",
}


def _who(p: Professional) -> str:
    return f"{p.name}, {p.role}, {p.agency}"


@login_required
def add_professional(request: HttpRequest, family_id: str) -> HttpResponse:
    def apply(family: Family, form: ProfessionalForm) -> tuple[str, str]:
        p = Professional.objects.create(
            family=family,
            added_by=request.user,
            **{f: form.cleaned_data[f] for f in PROFESSIONAL_FIELDS},
        )
        note(family, Kind.PROFESSIONAL_ADDED, p.started_on, _who(p), request.user)
        if p.ended_on is not None:
            note(family, Kind.PROFESSIONAL_ENDED, p.ended_on, _who(p), request.user)
        return f"team: professional {p.pk} added", f"{p.name} added to the team around the family"

    return _form_page(
        request,
        family_id,
        "Add a professional",
        lambda f, posted: ProfessionalForm(posted, family=f),
        apply,
        "family_team",
    )


@login_required
def change_professional(request: HttpRequest, family_id: str, pk: int) -> HttpResponse:
    def make(family: Family, posted: Any) -> ProfessionalForm:
        p = get_object_or_404(Professional, pk=pk, family=family)
        return ProfessionalForm(
            posted, family=family, initial={f: getattr(p, f) for f in PROFESSIONAL_FIELDS}
        )

    def apply(family: Family, form: ProfessionalForm) -> tuple[str, str]:
        p = Professional.objects.get(pk=pk, family=family)
        was_involved = p.ended_on is None
        changed = [f for f in PROFESSIONAL_FIELDS if getattr(p, f) != form.cleaned_data[f]]
        for f in changed:
            setattr(p, f, form.cleaned_data[f])
        p.save()
        names = ", ".join(FIELD_NAMES[f] for f in changed) or "nothing"
        if was_involved and p.ended_on is not None:
            note(family, Kind.PROFESSIONAL_ENDED, p.ended_on, _who(p), request.user)
        elif changed:
            note(
                family,
                Kind.PROFESSIONAL_CHANGED,
                clock.today(),
                f"{_who(p)}: {names}",
                request.user,
            )
        return f"team: professional {p.pk} changed: {names}", f"{p.name}’s details saved"

    return _form_page(
        request, family_id, "Change a professional’s details", make, apply, "family_team"
    )


CONTACT_FIELDS = ("phone", "email", "preferred", "times", "language", "interpreter")


@login_required
def change_contacts(request: HttpRequest, family_id: str) -> HttpResponse:
    def make(family: Family, posted: Any) -> ContactForm:
        now = FamilyContact.objects.filter(family=family).first()
        initial = {f: getattr(now, f) for f in CONTACT_FIELDS} if now else {}
        if now:
            initial["interpreter"] = "yes" if now.interpreter else "no"
        return ContactForm(posted, family=family, initial=initial)

    def apply(family: Family, form: ContactForm) -> tuple[str, str]:
        values = {f: form.cleaned_data[f] for f in CONTACT_FIELDS}
        values["interpreter"] = values["interpreter"] == "yes"
        now = FamilyContact.objects.filter(family=family).first()
        if now is None:
            changed = [f for f in CONTACT_FIELDS if values[f]]
            FamilyContact.objects.create(family=family, changed_by=request.user, **values)
        else:
            changed = [f for f in CONTACT_FIELDS if getattr(now, f) != values[f]]
            for f, v in values.items():
                setattr(now, f, v)
            now.changed_by = request.user
            now.save()
        names = ", ".join(FIELD_NAMES[f] for f in changed) or "nothing"
        if changed:
            note(family, Kind.CONTACT_CHANGED, clock.today(), f"Changed: {names}", request.user)
        return f"team: contact details changed: {names}", "The family’s contact details are saved"

    return _form_page(
        request, family_id, "Change the family’s contact details", make, apply, "family_contacts"
    )


@login_required
def add_address(request: HttpRequest, family_id: str) -> HttpResponse:
    def current(family: Family) -> Address | None:
        return Address.objects.filter(family=family, moved_out__isnull=True).first()

    def make(family: Family, posted: Any) -> AddressForm:
        return AddressForm(posted, family=family, current=current(family))

    def apply(family: Family, form: AddressForm) -> tuple[str, str]:
        data = form.cleaned_data
        old = current(family)
        if data["moved_out"] is None and old is not None:
            old.moved_out = data["moved_in"]
            old.save(update_fields=["moved_out"])
        new = Address.objects.create(
            family=family,
            added_by=request.user,
            **{f: data[f] for f in ("line1", "line2", "town", "postcode", "moved_in", "moved_out")},
        )
        if data["moved_out"] is None and old is not None:
            note(family, Kind.MOVED, new.moved_in, f"From {old} to {new}", request.user)
            return f"team: moved, address {new.pk}", f"The family’s move to {new} is recorded"
        when = f"from {long_date(new.moved_in)}"
        if new.moved_out:
            when += f" to {long_date(new.moved_out)}"
        note(family, Kind.ADDRESS_ADDED, new.moved_in, f"{new}, {when}", request.user)
        return f"team: address {new.pk} added", f"{new} is recorded"

    return _form_page(request, family_id, "Add an address", make, apply, "family_contacts")


@login_required
def work_contact(request: HttpRequest) -> HttpResponse:
    """A key worker's or manager's own work phone and email (a manager also their team's):
    what partners are shown to reach the key worker."""
    role = role_of(request.user)
    if role not in (Role.KEY_WORKER, Role.MANAGER):
        forbid(request, "work contact details")
    team = request.user.profile.team if role == Role.MANAGER else None
    own = WorkContact.objects.filter(user=request.user).first()
    shared = TeamContact.objects.filter(team=team).first() if team else None
    initial = {
        "phone": own.phone if own else "",
        "email": own.email if own else "",
        "team_phone": shared.phone if shared else "",
        "team_email": shared.email if shared else "",
    }
    form = WorkContactForm(
        request.POST if request.method == "POST" else None, team=team is not None, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with transaction.atomic():
            WorkContact.objects.update_or_create(
                user=request.user, defaults={"phone": data["phone"], "email": data["email"]}
            )
            if team is not None:
                TeamContact.objects.update_or_create(
                    team=team, defaults={"phone": data["team_phone"], "email": data["team_email"]}
                )
            record(request, Audit.CHANGE, "user", request.user.get_username(), "work contact")
        messages.success(request, "Your work contact details are saved")
        return redirect(reverse("team_work_contact"))
    record(request, Audit.VIEW, "user", request.user.get_username(), "work contact")
    return render(
        request,
        "team/work_contact.html",
        {"form": form, "team": team, "preferred": Preferred},
    )


__all__ = [
    "add_address",
    "add_professional",
    "change_contacts",
    "change_professional",
    "contacts_page",
    "team_page",
    "work_contact",
]
