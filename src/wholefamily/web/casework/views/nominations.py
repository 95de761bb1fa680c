"""Nominating a family, a partner's own nominations, and the central check, where a
nomination is judged: the nominated people, needs and evidence beside the known
families the already-known check found, and on acceptance the people become members
(of a new family, or of the known family the analyst chose)."""

from __future__ import annotations

import math
import uuid
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from wholefamily.web import clock
from wholefamily.web.audit.log import record
from wholefamily.web.audit.models import Action as Audit
from wholefamily.web.casework import forms as F
from wholefamily.web.casework import state
from wholefamily.web.casework.access import family_or_404
from wholefamily.web.casework.known import already_known, name_key
from wholefamily.web.casework.models import (
    Check,
    Event,
    NominatedPerson,
    Nomination,
    Note,
)
from wholefamily.web.casework.nomination_forms import NEW, CentralCheckForm
from wholefamily.web.casework.views.common import NEED_NAMES, require, step_page
from wholefamily.web.families.labels import evidence_label, family_name, need_label, role_label
from wholefamily.web.families.models import (
    NOMINATED_PERSON,
    Family,
    Member,
    Origin,
    Person,
    Status,
)

# A known family in one of these states goes to allocation when a nomination of it is
# accepted; one being worked with (or closed) keeps its case as it is.
REOPENED_BY_CHECK = (Status.IDENTIFIED, Status.NOT_ELIGIBLE)


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
    """The nomination form. A valid nomination is always a new nominated family: whether
    anyone named is already known is the central team's to find (at the central check),
    so the nominator is answered the same either way."""
    require(request, "nominate")
    needs = _framework_needs()
    posted = request.POST if request.method == "POST" else None
    form = F.NominationForm(posted, needs=needs)
    people = F.PeopleFormSet(posted, prefix="person")
    if posted is not None and not people.management_form.is_valid():
        # The people's boxes came back incomplete (a form cut short, not a person's
        # mistake): offer them again, empty, and say so in words rather than Django's.
        people = F.PeopleFormSet(prefix="person")
        form.is_valid()
        form.add_error(
            None, "The people in the family did not arrive with the form: enter them again"
        )
    elif posted is not None and form.is_valid() and people.is_valid():
        named = [p.cleaned_data for p in people if p.cleaned_data.get("forename")]
        if not named:
            form.add_error(None, "Name at least one member of the family")
        else:
            family = _nominated_family(request, form.cleaned_data, named)
            return redirect(reverse("family", args=[family.family_id]))
    return render(request, "casework/nominate.html", {"form": form, "people": people})


def _nominated_family(
    request: HttpRequest, data: dict[str, Any], named: list[dict[str, Any]]
) -> Family:
    """The new family, numbered N and its row's id: the database hands out the id, so
    two nominations at once cannot be given the same number (the row is written first
    under a name no one else can hold, then renamed)."""
    with transaction.atomic():
        family = Family.objects.create(
            family_id=f"new-{uuid.uuid4().hex}",
            origin=Origin.NOMINATION,
            status=Status.NOMINATED,
            members=len(named),
            children=sum(p["role"] == "CHILD" for p in named),
            adults=sum(p["role"] != "CHILD" for p in named),
            needs=";".join(data["needs"]),
        )
        family.family_id = f"N{family.pk:06d}"
        family.save(update_fields=["family_id"])
        nomination = Nomination.objects.create(
            family=family,
            reference=family.family_id,
            nominated_by=request.user,
            agency=data["agency"],
            needs=";".join(data["needs"]),
            evidence=data["evidence"],
            consent=data["consent"],
        )
        NominatedPerson.objects.bulk_create(
            [
                NominatedPerson(
                    nomination=nomination,
                    forename=p["forename"],
                    surname=p["surname"],
                    dob=p["dob"],
                    role=p["role"],
                )
                for p in named
            ]
        )
        record(request, Audit.CREATE, "family", family.family_id, f"nomination {nomination.pk}")
    return family


@login_required
def my_nominations(request: HttpRequest) -> HttpResponse:
    require(request, "nominate")
    rows = (
        Nomination.objects.filter(nominated_by=request.user)
        .select_related("family")
        .prefetch_related("people")
        .order_by("-created_at", "-id")
    )
    record(request, Audit.VIEW, "nominations", "", "my nominations")
    return render(request, "casework/nominations.html", {"nominations": rows})


# The central check ------------------------------------------------------------------


def _pending(family: Family) -> list[NominatedPerson]:
    """The people nominated with the family who are not members of any family yet."""
    return list(
        NominatedPerson.objects.filter(nomination__family=family, person__isnull=True).order_by(
            "nomination_id", "id"
        )
    )


def _as_named(p: NominatedPerson) -> dict[str, Any]:
    return {"forename": p.forename, "surname": p.surname, "dob": p.dob}


def _percent(p: float) -> str:
    """Rounded down to a tenth, as the review queue does: 89.97% is 89.9%, not 90%."""
    return f"{math.floor(p * 1000) / 10:.1f}%"


def _members(family: Family, matched: set[int] | None = None) -> list[dict[str, Any]]:
    rows = family.member_set.filter(current=True).select_related("person")
    return [
        {
            "name": str(m.person),
            "dob": m.person.dob,
            "role": role_label(m.role),
            "matched": matched is not None and m.person_id in matched,
        }
        for m in rows.order_by("person__dob", "person__surname", "person__forename")
    ]


def _needs(family: Family, agency: bool = True) -> list[dict[str, Any]]:
    evidence: dict[str, list[Any]] = {}
    if agency:
        for ev in family.evidence.select_related("person"):
            evidence.setdefault(ev.need, []).append(ev)
    return [
        {
            "name": need_label(n.need, family.framework),
            "current": n.current,
            "last_seen": n.last_seen,
            "evidence": [
                {
                    "person": str(ev.person) if ev.person else "",
                    "source": evidence_label(ev.source, ev.date),
                    "indicator": ev.indicator,
                }
                for ev in evidence.get(n.need, [])
            ],
        }
        for n in family.need_set.all()
    ]


def _candidates(found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The known families as the check page shows them: each once, its members (those
    matched marked), needs in words, its case, and each match with its reasons."""
    out = []
    for c in found:
        f: Family = c["family"]
        out.append(
            {
                "family": f,
                "family_id": c["family_id"],
                "name": family_name(f.member_set.filter(current=True).select_related("person"), ""),
                "probability": _percent(c["probability"]),
                "members": _members(f, {m["person_pk"] for m in c["matches"]}),
                "needs": [n["name"] for n in _needs(f, agency=False) if n["current"]],
                "keeps_case": f.status not in REOPENED_BY_CHECK,
                "matches": [
                    {
                        "named": m["named"],
                        "named_dob": m["named_dob"],
                        "person": str(m["person"]),
                        "person_dob": m["person"].dob,
                        "reasons": m["reasons"],
                        "probability": _percent(m["probability"]),
                    }
                    for m in c["matches"]
                ],
            }
        )
    return out


@login_required
def check(request: HttpRequest, family_id: str) -> HttpResponse:
    """The analyst's central check. For a nominated family the page shows the
    nomination (people, needs in words, evidence) beside each known family the
    already-known check found, and the checks made before with their notes.
    Accepting it makes the nominated people members: of this family, or, when the
    analyst says it is a known family, of that one (this nomination then joins it,
    and the family the nomination made is removed)."""
    family = family_or_404(request, family_id)
    require(request, "check", None if request.method == "POST" else family)
    nominations = list(family.nominations.select_related("nominated_by").prefetch_related("people"))
    pending = _pending(family)
    found = already_known([_as_named(p) for p in pending], exclude=family) if pending else []
    known = {c["family_id"]: c for c in found}
    shown = _candidates(found)
    choices = [
        (
            c["family_id"],
            (f"{c['name']}, family " if c["name"] else "Family ")
            + f"{c['family_id']} ({c['family'].get_status_display().lower()})",
        )
        for c in shown
    ]
    merged_into: list[str] = []

    def form_class(data: Any, initial: Any = None) -> Any:
        if nominations:
            return CentralCheckForm(data, initial=initial, known=choices)
        return F.CheckForm(data, initial=initial)

    def apply(family: Family, form: Any) -> str:
        d = form.cleaned_data
        ok = d["eligible"] == "yes"
        framework = family.framework or "nomination"
        if not ok:
            Check.objects.create(
                family=family,
                by=request.user,
                eligible=False,
                framework=framework,
                notes=d["notes"],
            )
            family.status = Status.NOT_ELIGIBLE
            family.save(update_fields=["status"])
            return "not eligible"
        join = d.get("join") or NEW
        if join == NEW:
            added = _make_members(family, _pending(family), {})
            Check.objects.create(
                family=family, by=request.user, eligible=True, framework=framework, notes=d["notes"]
            )
            family.status = Status.AWAITING_ALLOCATION
            family.save(update_fields=["status"])
            if added:
                _members_event(request, family, added, [], None)
            return f"eligible, {len(added)} members added"
        target = _merge(request, family, known[join], d["notes"])
        merged_into.append(target.family_id)
        return f"eligible, merged into family {target.family_id}"

    response = step_page(
        request,
        family_id,
        "check",
        form_class,
        apply,
        "Central check",
        template="casework/central_check.html",
        context={
            "nominations": nominations,
            "pending": pending,
            "candidates": shown,
            "checks": family.checks.select_related("by"),
            "members": _members(family),
            "needs": _needs(family),
        },
    )
    if merged_into and response.status_code == 302:
        return redirect(reverse("family", args=[merged_into[0]]))
    return response


def _make_members(
    family: Family, people: list[NominatedPerson], matched: dict[str, int]
) -> list[str]:
    """Each nominated person becomes a member of `family`: the known person `matched`
    names (already a member), or a new person. The names of those added."""
    added = []
    for p in people:
        pk = matched.get(name_key(_as_named(p)))
        if pk is None:
            person = Person.objects.create(
                person_id=f"{NOMINATED_PERSON}{p.pk:07d}",
                forename=p.forename,
                surname=p.surname,
                dob=p.dob,
            )
            Member.objects.create(family=family, person=person, role=p.role)
            added.append(str(p))
            p.person = person
        else:
            p.person_id = pk
        p.save(update_fields=["person"])
    return added


def _members_event(
    request: HttpRequest,
    family: Family,
    added: list[str],
    already: list[str],
    merged: Family | None,
) -> None:
    parts = []
    if added:
        parts.append(f"{', '.join(added)} added")
    if already:
        parts.append(f"{', '.join(already)} already a member")
    detail = "; ".join(parts)
    if merged is not None:
        detail = f"The nomination {merged.family_id} joined this family: {detail}"
    Event.objects.create(
        family=family,
        kind=Event.Kind.MEMBERS,
        on=clock.today(),
        by=request.user,
        detail=detail[:300],
    )
    record(request, Audit.CHANGE, "family", family.family_id, f"members: {detail}"[:500])


def _merge(request: HttpRequest, family: Family, candidate: dict[str, Any], notes: str) -> Family:
    """The nominated family is the known family `candidate`: under its lock too, its
    members are the matched people and the others are added, the nomination (and the
    checks and notes made on it) joins it, and the nominated family is removed."""
    target = state.guard(candidate["family"], None)
    best: dict[str, int] = {}
    for m in candidate["matches"]:  # best first
        best.setdefault(m["name_key"], m["person_pk"])
    people = _pending(family)
    already = [str(p) for p in people if name_key(_as_named(p)) in best]
    added = _make_members(target, people, best)
    Nomination.objects.filter(family=family).update(family=target, matched_existing=True)
    for model in (Check, Note, Event):
        model.objects.filter(family=family).update(family=target)  # type: ignore[attr-defined]
    Check.objects.create(
        family=target,
        by=request.user,
        eligible=True,
        framework=target.framework or "nomination",
        notes=notes,
    )
    if target.status in REOPENED_BY_CHECK:
        target.status = Status.AWAITING_ALLOCATION
        target.save(update_fields=["status"])
    _members_event(request, target, added, already, family)
    family.delete()
    return target
