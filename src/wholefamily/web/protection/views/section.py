"""The child protection section of a family's page: each child's plan (categories,
previous plans, reviews and when the next is due), the strategy discussions with their
section 47 enquiries and the initial conference against its 15 working days, the
conferences, the multi-agency child protection team and what the parents were offered.
Only for who sees child protection (`familyhelp.access.sees_protection`)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from wholefamily.web.families.models import Family
from wholefamily.web.familyhelp import access
from wholefamily.web.familyhelp.history import names
from wholefamily.web.familyhelp.views.common import current_episode, section
from wholefamily.web.protection import services as cp
from wholefamily.web.protection.models import (
    Conference,
    Outcome,
    ParentOffer,
    Plan,
    StrategyDiscussion,
    TeamMember,
)


def plan_rows(family: Family, today: date, may: bool) -> list[dict[str, Any]]:
    rows = []
    plans = Plan.objects.filter(episode__family=family).select_related("child", "episode")
    for p in plans.prefetch_related("reviews").order_by("ended_on", "-started_on", "child__dob"):
        due = cp.review_due(p) if p.is_open else None
        rows.append(
            {
                "p": p,
                "reviews": [r.held_on for r in p.reviews.all()],
                "due": due,
                "overdue": due is not None and today > due,
                "may_end": may and p.is_open and p.episode.is_open,
            }
        )
    return rows


def _initial(s: StrategyDiscussion, today: date) -> dict[str, Any]:
    """The initial conference after `s`: its target, when it was held (and in how many
    working days), late or not, or that none is needed."""
    target = cp.icpc_target(s)
    conf = next((c for c in s.conferences.all() if c.kind == Conference.Kind.INITIAL), None)
    enquiries = list(s.enquiries.all())
    not_required = (
        conf is None
        and bool(enquiries)
        and all(q.outcome and q.conference_not_required for q in enquiries)
    )
    took = cp.icpc_working_days(conf) if conf is not None else None
    late = (conf is not None and conf.held_on > target) or (
        conf is None and not not_required and today > target
    )
    return {
        "target": target,
        "conf": conf,
        "took": took,
        "late": late,
        "not_required": not_required,
    }


def strategy_rows(family: Family, today: date, may: bool) -> list[dict[str, Any]]:
    rows = []
    found = (
        StrategyDiscussion.objects.filter(episode__family=family)
        .select_related("by", "episode")
        .prefetch_related("children", "enquiries__child", "conferences")
    )
    for s in found:
        may_here = may and s.episode.is_open
        initial = _initial(s, today)
        rows.append(
            {
                "s": s,
                "children": names(s.children.all()),
                "attended": [line.strip() for line in s.attended.splitlines() if line.strip()],
                "enquiries": [
                    {
                        "q": q,
                        "outcome": Outcome(q.outcome).label if q.outcome else "",
                        "may_record": may_here and not q.outcome,
                    }
                    for q in s.enquiries.all()
                ],
                "initial": initial,
                "may_conference": may_here
                and initial["conf"] is None
                and not initial["not_required"],
            }
        )
    return rows


@login_required
def protection(request: HttpRequest, family_id: str) -> HttpResponse:
    family, ctx = section(request, family_id, "family_protection", access.sees_protection)
    today = ctx["today"]
    episode = current_episode(family)
    may = access.may(request.user, "protect", family) and episode is not None
    members = list(TeamMember.objects.filter(episode__family=family).select_related("user"))
    ctx.update(
        {
            "episode": episode,
            "may": may,
            "plans": plan_rows(family, today, may),
            "open_plans": episode is not None
            and episode.cp_plans.filter(ended_on__isnull=True).exists(),
            "strategies": strategy_rows(family, today, may),
            "conferences": [
                {"c": c, "children": names(c.children.all())}
                for c in Conference.objects.filter(episode__family=family).prefetch_related(
                    "children"
                )
            ],
            "members": [m for m in members if m.ended_on is None],
            "past_members": [m for m in members if m.ended_on is not None],
            "offers": ParentOffer.objects.filter(episode__family=family).select_related("by"),
        }
    )
    return render(request, "protection/section.html", ctx)
