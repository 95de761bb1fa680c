"""A family's pages (the partner's view apart): a summary of the case and one page per
section (plan, assessments, reviews, notes, progress, evidence, chronology, changes),
joined by the MOJ sub navigation; the chronology and evidence downloads."""

from __future__ import annotations

import csv
from datetime import date
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from wholefamily.web import clock
from wholefamily.web.accounts.models import Role
from wholefamily.web.audit.log import record
from wholefamily.web.audit.models import Action as Audit
from wholefamily.web.casework.access import (
    can,
    family_or_404,
    leads,
    role_of,
    sees_agency_detail,
)
from wholefamily.web.casework.chart import distance_travelled
from wholefamily.web.casework.downloads import evidence_rows
from wholefamily.web.casework.models import Action, ActionChange
from wholefamily.web.casework.views import chronology as C
from wholefamily.web.casework.views.common import counts_found_needs, forbid
from wholefamily.web.families import labels
from wholefamily.web.families.models import Family
from wholefamily.web.familyhelp import history as family_help_history
from wholefamily.web.familyhelp.access import sees_family_help, sees_protection
from wholefamily.web.payments.access import sees as sees_payments
from wholefamily.web.places import access as places
from wholefamily.web.places.rows import family_referrals
from wholefamily.web.team import history as team_history

# The sections of a family's page: (URL name, title), in the sub navigation's order.
# The team around the family and its contacts come from the `team` app, when it is
# installed (the sub navigation links them only if their URLs exist); Family Help and
# child protection (the `familyhelp` and `protection` apps), the family's network (the
# `networks` app, seen by who sees Family Help) and support packages (`payments`) are
# linked for who sees them.
SECTIONS = [
    ("family", "Summary"),
    ("family_help", "Family Help"),
    ("family_protection", "Child protection"),
    ("family_network", "Network"),
    ("family_payments", "Support packages"),
    ("family_view", "Family’s own view"),
    ("family_plan", "Plan"),
    ("family_assessments", "Assessments"),
    ("family_reviews", "Reviews"),
    ("family_notes", "Notes"),
    ("family_progress", "Progress"),
    ("family_evidence", "Evidence"),
    ("family_chronology", "Chronology"),
    ("family_changes", "Changes"),
]
STEPS = (
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
    "baseline",
    "found_need",
    "correct",
    "reopen",
)


def page_context(
    request: HttpRequest, family_id: str, section: str
) -> tuple[Family, dict[str, Any]]:
    """The family (404 if not the user's; partners have their own page, not these,
    unless they lead its Family Help) and what every section shows: its name, members,
    status, the sections the user sees and the steps the user may take."""
    family = family_or_404(request, family_id)
    if role_of(request.user) == Role.PARTNER and not leads(request.user, family):
        forbid(request, f"family {section}")
    record(request, Audit.VIEW, "family", family.family_id, section)
    today = clock.today()
    members = list(
        family.member_set.filter(current=True)
        .select_related("person")
        .order_by("role", "person__dob")
    )
    steps = [
        w
        for w in STEPS
        if can(request.user, w, family)
        and (w != "found_need" or counts_found_needs(family))
        and (w != "correct" or family.started_on is not None)
    ]
    title = dict(SECTIONS)[section]
    family_help = sees_family_help(request.user, family)
    protection = sees_protection(request.user, family)
    return family, {
        "family": family,
        "family_name": labels.family_name(members, f"Family {family.family_id}"),
        "children": labels.children_label(members, today),
        "members": [
            {"m": m, "age": labels.age_on(m.person.dob, today), "role": labels.role_label(m.role)}
            for m in members
        ],
        "agency": sees_agency_detail(request.user, family),
        "steps": steps,
        "today": today,
        "section": section,
        "section_title": title,
        "protection": protection,
        "shows_family_help": family_help,
        "sections": [
            (name, label)
            for name, label in SECTIONS
            if (name not in ("family_help", "family_network") or family_help)
            and (name != "family_protection" or protection)
            and (name != "family_payments" or sees_payments(request.user, family))
        ],
    }


def _overdue(family: Family, today: date) -> list[Action]:
    return list(
        family.actions.filter(
            due__lt=today, state__in=[Action.State.NOT_STARTED, Action.State.IN_PROGRESS]
        ).order_by("due")
    )


@login_required
def family_detail(request: HttpRequest, family_id: str) -> HttpResponse:
    family = family_or_404(request, family_id)
    if role_of(request.user) == Role.PARTNER and not leads(request.user, family):
        record(request, Audit.VIEW, "family", family.family_id)
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
    family, ctx = page_context(request, family_id, "family")
    nominations = list(family.nominations.select_related("nominated_by"))
    involved = sorted({n.agency for n in nominations if n.agency})
    ctx.update(
        {
            "needs": [
                {"need": n, "name": labels.need_label(n.need, family.framework)}
                for n in family.need_set.all()
            ],
            "overdue": _overdue(family, ctx["today"]),
            "open_actions": family.actions.filter(
                state__in=[Action.State.NOT_STARTED, Action.State.IN_PROGRESS]
            ).count(),
            "agency_actions": family.actions.filter(part=Action.Part.AGENCY)
            .exclude(state=Action.State.DROPPED)
            .order_by("owner"),
            "involved": involved,
            "professionals": team_history.involved(family),
            "nominations": nominations,
            "latest_change": family.changes.select_related("run").first(),
            "last_note": family.notes.select_related("by").first(),
            "baseline": family.baselines.order_by("-version").first(),
            "progress": family.progress.order_by("-at", "-created_at").first(),
            "family_help": family_help_history.in_brief(family) if ctx["shows_family_help"] else "",
        }
    )
    return render(request, "casework/family_detail.html", ctx)


@login_required
def plan(request: HttpRequest, family_id: str) -> HttpResponse:
    """The plan's actions. A POST here adds an action (the add form's old address)."""
    if request.method == "POST":
        from wholefamily.web.casework.views.plan import add_action

        return add_action(request, family_id)
    family, ctx = page_context(request, family_id, "family_plan")
    today = ctx["today"]
    actions = list(family.actions.select_related("created_by"))
    history: dict[int, list[ActionChange]] = {}
    for ch in ActionChange.objects.filter(action__family=family).select_related("by"):
        history.setdefault(ch.action_id, []).append(ch)
    referrals = family_referrals(family)  # to services (the `places` app)
    ctx["may_refer"] = places.may_refer(request.user, family)
    ctx["may_update_referrals"] = places.may_update(request.user, family)
    ctx["actions"] = [
        {
            "a": a,
            "overdue": a.open and a.due < today,
            "history": history.get(a.pk, []),
            "referrals": referrals.get(a.pk, []),
        }
        for a in actions
    ]
    ctx["parts"] = [
        (label, sum(1 for a in actions if a.part == code)) for code, label in Action.Part.choices
    ]
    return render(request, "casework/family/plan.html", ctx)


@login_required
def assessments(request: HttpRequest, family_id: str) -> HttpResponse:
    family, ctx = page_context(request, family_id, "family_assessments")
    done = list(family.assessments.select_related("by").prefetch_related("scores__area"))
    ctx.update(
        {
            "assessments": list(reversed(done)),
            "chart": distance_travelled(done),
            "checks": family.checks.select_related("by").order_by("-at"),
        }
    )
    return render(request, "casework/family/assessments.html", ctx)


@login_required
def reviews(request: HttpRequest, family_id: str) -> HttpResponse:
    family, ctx = page_context(request, family_id, "family_reviews")
    ctx["reviews"] = family.reviews.select_related("by")
    return render(request, "casework/family/reviews.html", ctx)


@login_required
def notes(request: HttpRequest, family_id: str) -> HttpResponse:
    from wholefamily.web.casework.models import Note

    family, ctx = page_context(request, family_id, "family_notes")
    kind = request.GET.get("kind", "")
    kinds = dict(Note.Kind.choices)
    rows = family.notes.select_related("by")
    if kind in kinds:
        rows = rows.filter(kind=kind)
    else:
        kind = ""
    ctx.update({"notes": rows, "kind": kind, "kinds": Note.Kind.choices})
    from wholefamily.web.familyview.views.practice import note_sharing

    ctx["may_share"], ctx["shared"] = note_sharing(request.user, family)
    return render(request, "casework/family/notes.html", ctx)


@login_required
def progress(request: HttpRequest, family_id: str) -> HttpResponse:
    family, ctx = page_context(request, family_id, "family_progress")
    fw = family.framework
    latest = family.progress.order_by("-at", "-created_at").first()
    ctx.update(
        {
            "baseline": family.baselines.order_by("-version").select_related("by").first(),
            "sustain": _sustain(family),
            "progress": latest,
            "progress_needs": [
                {**n, "label": labels.need_label(n["need"], fw)} for n in latest.needs
            ]
            if latest
            else [],
            "found_needs": [
                {"f": f, "label": labels.need_label(f.need, fw)}
                for f in family.found_needs.select_related("by")
            ],
        }
    )
    if ctx["baseline"] is not None:
        ctx["baseline_needs"] = labels.needs_label(ctx["baseline"].needs, ctx["baseline"].framework)
    return render(request, "casework/family/progress.html", ctx)


@login_required
def evidence(request: HttpRequest, family_id: str) -> HttpResponse:
    family, ctx = page_context(request, family_id, "family_evidence")
    fw = family.framework
    by_need: dict[str, list[Any]] = {}
    if ctx["agency"]:
        for ev in family.evidence.select_related("person"):
            by_need.setdefault(ev.need, []).append(ev)
    ctx["needs"] = [
        {"need": n, "name": labels.need_label(n.need, fw), "evidence": by_need.get(n.need, [])}
        for n in family.need_set.all()
    ]
    ctx["can_download"] = ctx["agency"] and can(request.user, "evidence")
    return render(request, "casework/family/evidence.html", ctx)


def _kinds(request: HttpRequest) -> list[str]:
    return [k for k in request.GET.getlist("show") if k in C.KINDS]


@login_required
def chronology(request: HttpRequest, family_id: str) -> HttpResponse:
    family, ctx = page_context(request, family_id, "family_chronology")
    kinds = _kinds(request)
    items = C.entries(family, ctx["agency"], ctx["protection"])
    hidden = {
        k
        for k, shown in (("agency", ctx["agency"]), ("protection", ctx["protection"]))
        if not shown
    }
    offered = [(k, label) for k, label in C.KINDS.items() if k not in hidden]
    ctx.update(
        {
            "items": C.shown(items, kinds),
            "total": len(items),
            "kinds": offered,
            "chosen": kinds,
            "chosen_labels": [C.KINDS[k] for k in kinds],
            "query": request.GET.urlencode(),
        }
    )
    return render(request, "casework/family/chronology.html", ctx)


@login_required
def chronology_csv(request: HttpRequest, family_id: str) -> HttpResponse:
    family, ctx = page_context(request, family_id, "family_chronology")
    record(request, Audit.DOWNLOAD, "family", family.family_id, "chronology CSV")
    items = C.entries(family, ctx["agency"], ctx["protection"])
    return C.csv_response(family, C.shown(items, _kinds(request)))


@login_required
def chronology_pdf(request: HttpRequest, family_id: str) -> HttpResponse:
    family, ctx = page_context(request, family_id, "family_chronology")
    kinds = _kinds(request)
    ctx.update(
        {
            "items": C.shown(C.entries(family, ctx["agency"], ctx["protection"]), kinds),
            "chosen_labels": [C.KINDS[k] for k in kinds],
            "by": request.user.get_full_name() or request.user.get_username(),
        }
    )
    try:
        pdf = C.pdf_bytes(ctx)
    except C.NoPdf:
        ctx["items"] = []
        return render(request, "casework/family/no_pdf.html", ctx, status=503)
    record(request, Audit.DOWNLOAD, "family", family.family_id, "chronology PDF")
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="chronology-{family.family_id}.pdf"'
    return response


@login_required
def changes(request: HttpRequest, family_id: str) -> HttpResponse:
    family, ctx = page_context(request, family_id, "family_changes")
    fw = family.framework
    ctx.update(
        {
            "changes": family.changes.select_related("run"),
            "need_history": [
                {"n": n, "label": labels.need_label(n.need, fw)} for n in family.need_set.all()
            ],
            "runs": family.changes.values("run").distinct().count(),
        }
    )
    return render(request, "casework/family/changes.html", ctx)


def _sustain(family: Family) -> str:
    """For a framework that asks outcomes to be sustained after closure: how long to go."""
    from wholefamily.web.progress.services import framework_or_none

    fw = framework_or_none(family.framework)
    days = fw.get("sustain_after_closure_days") if fw else None
    if family.closed_on is None or days is None:
        return ""
    left = int(days) - (clock.today() - family.closed_on).days
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
