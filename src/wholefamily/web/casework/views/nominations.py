"""Nominating a family (with the already-known check) and a partner's own nominations."""

from __future__ import annotations

import contextlib
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from wholefamily.web.audit.log import record
from wholefamily.web.audit.models import Action as Audit
from wholefamily.web.casework import forms as F
from wholefamily.web.casework import state
from wholefamily.web.casework.known import already_known
from wholefamily.web.casework.models import NominatedPerson, Nomination
from wholefamily.web.casework.views.common import NEED_NAMES, require
from wholefamily.web.families.models import Family, Origin, Status


def _framework_needs() -> list[tuple[str, str]]:
    from wholefamily.frameworks.files import check as check_file
    from wholefamily.frameworks.files import shipped

    latest = Family.objects.exclude(framework="").order_by("-as_of").first()
    name = latest.framework if latest else "sf-2022"
    files = shipped()
    fw = check_file(files.get(name, files["sf-2022"])).data
    return [(n, NEED_NAMES.get(n, n)) for n in fw["needs"]]


@login_required
def nominate(request: HttpRequest) -> HttpResponse:
    require(request, "nominate")
    needs = _framework_needs()
    posted = request.POST if request.method == "POST" else None
    form = F.NominationForm(posted, needs=needs)
    people = F.PeopleFormSet(posted, prefix="person")
    if request.method == "POST" and form.is_valid() and people.is_valid():
        named = [p.cleaned_data for p in people if p.cleaned_data.get("forename")]
        if not named:
            form.add_error(None, "Name at least one member of the family")
        else:
            candidates = already_known(named)
            choice = request.POST.get("known", "")
            if candidates and not choice:
                record(request, Audit.VIEW, "nomination", "", "already-known check")
                return render(
                    request,
                    "casework/nominate_known.html",
                    {
                        "candidates": candidates,
                        "posted": [
                            (k, v)
                            for k, values in request.POST.lists()
                            if k not in ("csrfmiddlewaretoken", "known")
                            for v in values
                        ],
                    },
                )
            family = _nominated_family(request, form.cleaned_data, named, candidates, choice)
            return redirect(reverse("family", args=[family.family_id]))
    return render(request, "casework/nominate.html", {"form": form, "people": people})


def _nominated_family(
    request: HttpRequest,
    data: dict[str, Any],
    named: list[dict[str, Any]],
    candidates: list[dict[str, Any]],
    choice: str,
) -> Family:
    with transaction.atomic():
        chosen = {c["family_id"] for c in candidates}
        family = None
        if choice and choice != "new" and choice in chosen:
            family = Family.objects.get(family_id=choice)
        if family is None:
            n = Family.objects.filter(origin=Origin.NOMINATION).count() + 1
            family = Family.objects.create(
                family_id=f"N{n:06d}",
                origin=Origin.NOMINATION,
                status=Status.NOMINATED,
                members=len(named),
                children=sum(p["role"] == "CHILD" for p in named),
                adults=sum(p["role"] != "CHILD" for p in named),
                needs=";".join(data["needs"]),
            )
        else:
            # Nominating a family not being worked with puts it back to the central check.
            # Being worked with (or just nominated): the nomination joins the case as it is.
            with contextlib.suppress(state.CaseChanged):
                family = state.guard(
                    family,
                    (Status.IDENTIFIED, Status.NOT_ELIGIBLE, Status.CLOSED),
                    status=Status.NOMINATED,
                )
        nomination = Nomination.objects.create(
            family=family,
            nominated_by=request.user,
            agency=data["agency"],
            needs=";".join(data["needs"]),
            evidence=data["evidence"],
            consent=data["consent"],
            matched_existing=family.origin == Origin.DATA,
        )
        matched = {c["name_key"]: c["person_pk"] for c in candidates if c["family_id"] == choice}
        NominatedPerson.objects.bulk_create(
            [
                NominatedPerson(
                    nomination=nomination,
                    forename=p["forename"],
                    surname=p["surname"],
                    dob=p["dob"],
                    role=p["role"],
                    person_id=matched.get(f"{p['forename']}|{p['surname']}|{p['dob']}"),
                )
                for p in named
            ]
        )
        record(request, Audit.CREATE, "family", family.family_id, f"nomination {nomination.pk}")
    return family


@login_required
def my_nominations(request: HttpRequest) -> HttpResponse:
    require(request, "nominate")
    rows = Nomination.objects.filter(nominated_by=request.user).select_related("family")
    record(request, Audit.VIEW, "nominations", "", "my nominations")
    return render(request, "casework/nominations.html", {"nominations": rows})
