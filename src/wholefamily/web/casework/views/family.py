"""A family's page (the partner's view apart), its timeline, and the evidence download."""

from __future__ import annotations

import csv
from datetime import date
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from wholefamily.web.accounts.models import Role
from wholefamily.web.audit.log import record
from wholefamily.web.audit.models import Action as Audit
from wholefamily.web.casework.access import can, family_or_404, role_of, sees_agency_detail
from wholefamily.web.casework.chart import distance_travelled
from wholefamily.web.casework.downloads import evidence_rows
from wholefamily.web.casework.models import Action
from wholefamily.web.casework.views.common import NEED_NAMES, counts_found_needs, forbid
from wholefamily.web.families.models import Family


def _timeline(family: Family, agency: bool) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for e in family.events.select_related("by"):
        items.append({"on": e.on, "what": e.get_kind_display(), "detail": e.detail, "by": e.by})
    for c in family.checks.select_related("by"):
        items.append(
            {
                "on": c.at.date(),
                "what": "Central check",
                "detail": ("meets " if c.eligible else "does not meet ") + c.framework,
                "by": c.by,
            }
        )
    for r in family.reviews.select_related("by"):
        items.append({"on": r.on, "what": "Review", "detail": r.summary[:120], "by": r.by})
    for a in family.assessments.select_related("by"):
        items.append({"on": a.on, "what": "Whole-family assessment", "detail": "", "by": a.by})
    for n in family.nominations.select_related("nominated_by"):
        items.append(
            {
                "on": n.created_at.date(),
                "what": "Nominated",
                "detail": n.agency,
                "by": n.nominated_by,
            }
        )
    if agency:
        for ev in family.evidence.select_related("person"):
            items.append(
                {
                    "on": ev.date,
                    "what": f"{ev.source.replace('_', ' ')} row {ev.row}",
                    "detail": f"{ev.indicator} ({ev.person})",
                    "by": None,
                    "agency": True,
                }
            )
    items.sort(key=lambda i: i["on"] or date.min, reverse=True)
    return items


@login_required
def family_detail(request: HttpRequest, family_id: str) -> HttpResponse:
    family = family_or_404(request, family_id)
    role = role_of(request.user)
    record(request, Audit.VIEW, "family", family.family_id)
    if role == Role.PARTNER:
        return render(
            request,
            "casework/family_partner.html",
            {
                "family": family,
                "nominations": family.nominations.filter(
                    nominated_by=request.user
                ).prefetch_related("people"),
            },
        )
    agency = sees_agency_detail(request.user, family)
    evidence: dict[str, list[Any]] = {}
    if agency:
        for ev in family.evidence.select_related("person"):
            evidence.setdefault(ev.need, []).append(ev)
    needs = [
        {"need": n, "name": NEED_NAMES.get(n.need, n.need), "evidence": evidence.get(n.need, [])}
        for n in family.need_set.all()
    ]
    assessments = list(family.assessments.prefetch_related("scores__area"))
    plan = {p: [] for p in Action.Part}  # type: dict[Any, list[Action]]
    for a in family.actions.all():
        plan[Action.Part(a.part)].append(a)
    steps = [
        w
        for w in (
            "check",
            "allocate",
            "consent",
            "assess",
            "plan",
            "review",
            "intensity",
            "step",
            "close",
            "note",
            "found_need",
        )
        if can(request.user, w, family) and (w != "found_need" or counts_found_needs(family))
    ]
    return render(
        request,
        "casework/family_detail.html",
        {
            "family": family,
            "members": family.member_set.filter(current=True)
            .select_related("person")
            .order_by("role", "person__dob"),
            "needs": needs,
            "agency": agency,
            "timeline": _timeline(family, agency),
            "plan": [(Action.Part(p).label, p, items) for p, items in plan.items()],
            "assessments": assessments,
            "chart": distance_travelled(assessments),
            "reviews": family.reviews.select_related("by")[:10],
            "notes": family.notes.select_related("by")[:20],
            "changes": family.changes.select_related("run")[:10],
            "baseline": family.baselines.order_by("-version").select_related("by").first(),
            "sustain": _sustain(family),
            "progress": family.progress.order_by("-at", "-created_at").first(),
            "found_needs": family.found_needs.select_related("by"),
            "steps": steps,
            "today": date.today(),
        },
    )


def _sustain(family: Family) -> str:
    """For a framework that asks outcomes to be sustained after closure: how long to go."""
    from wholefamily.web.progress.services import framework_or_none

    fw = framework_or_none(family.framework)
    days = fw.get("sustain_after_closure_days") if fw else None
    if family.closed_on is None or days is None:
        return ""
    left = int(days) - (date.today() - family.closed_on).days
    if left <= 0:
        return f"Sustained for {days} days since closure"
    return f"{-(-left // 7)} more week{'s' if left > 7 else ''} to sustain ({left} days)"


@login_required
def evidence_csv(request: HttpRequest, family_id: str) -> HttpResponse:
    family = family_or_404(request, family_id)
    if not (can(request.user, "evidence") and sees_agency_detail(request.user, family)):
        forbid(request, "evidence download")
    record(request, Audit.DOWNLOAD, "family", family.family_id, "evidence CSV")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="evidence-{family.family_id}.csv"'
    w = csv.writer(response)
    w.writerows(evidence_rows(family))  # the codes, with their labels beside them
    return response
