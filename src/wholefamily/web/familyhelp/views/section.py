"""The Family Help section of a family's page: its requests for help (how long each
took to decide, re-referrals flagged), the open episode (the lead practitioner and
their agency, the social worker with oversight, each child's level now and its
history, who led at each), the child and family assessments against their 45 working
days, and the closed episodes."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from wholefamily.web.families.models import Family
from wholefamily.web.familyhelp import access, codes
from wholefamily.web.familyhelp import services as fh
from wholefamily.web.familyhelp.history import day, level_words, names
from wholefamily.web.familyhelp.models import Assessment, ChildLevel, Decision, Episode, Request
from wholefamily.web.familyhelp.views.common import current_episode, section


def _days(n: int) -> str:
    return f"{n} day{'s' if n != 1 else ''}"


def request_rows(family: Family, may_decide: bool) -> list[dict[str, Any]]:
    rows = []
    for r in (
        Request.objects.filter(family=family)
        .select_related("decided_by", "recorded_by")
        .prefetch_related("children")
    ):
        previous = fh.previous_referral(r)
        decided = ""
        if r.decided_on is not None:
            took = r.days_to_decide or 0
            decided = (
                f"{Decision(r.decision).label}, decided on {day(r.decided_on)} by "
                f"{access.name_of(r.decided_by)}: "
                + ("the day it came in" if took == 0 else f"{_days(took)} after it came in")
            )
        rows.append(
            {
                "r": r,
                "children": names(r.children.all()),
                "source": codes.words("referral_source", r.source),
                "re_referral": f"Re-referral: last referred {day(previous.received_on)}"
                if previous
                else "",
                "decided": decided,
                "may_decide": may_decide and not r.decision,
            }
        )
    return rows


def _span(lv: ChildLevel) -> str:
    when = (
        f"{day(lv.started_on)} to {day(lv.ended_on)}"
        if lv.ended_on
        else f"since {day(lv.started_on)}"
    )
    return f"{level_words(lv.level)}, {when}, led by {access.name_of(lv.lead)}"


def level_rows(episode: Episode) -> list[dict[str, Any]]:
    """Each child of the episode: their level now and every level they had, with dates
    and who led."""
    by_child: dict[int, dict[str, Any]] = {}
    rows = episode.levels.select_related("child", "lead").order_by(
        "child__dob", "child_id", "started_on", "id"
    )
    for lv in rows:
        kid = by_child.setdefault(lv.child_id, {"child": lv.child, "now": None, "history": []})
        kid["history"].append({"lv": lv, "words": _span(lv)})
        if lv.ended_on is None:
            kid["now"] = lv
    return list(by_child.values())


def assessment_rows(episode: Episode, today: date, user: Any, family: Family) -> list[dict]:
    rows = []
    may_assess = access.may(user, "assess", family) and episode.is_open
    may_authorise = access.may(user, "authorise", family) and episode.is_open
    for a in (
        Assessment.objects.filter(episode=episode)
        .select_related("by", "authorised_by")
        .prefetch_related("children")
    ):
        due = fh.assessment_due(a.started_on)
        took = fh.assessment_working_days(a)
        late = (took is not None and took > fh.ASSESSMENT_WORKING_DAYS) or (
            took is None and today > due
        )
        rows.append(
            {
                "a": a,
                "children": names(a.children.all()),
                "due": due,
                "took": took,
                "late": late,
                "factors": [codes.words("factor", f) for f in a.factors],
                "complete": may_assess and a.completed_on is None,
                "authorise": may_authorise
                and a.completed_on is not None
                and a.authorised_on is None
                and a.by_id != user.pk,
            }
        )
    return rows


@login_required
def family_help(request: HttpRequest, family_id: str) -> HttpResponse:
    family, ctx = section(request, family_id, "family_help", access.sees_family_help)
    user, today = request.user, ctx["today"]
    episode = current_episode(family)
    may = {w: access.may(user, w, family) for w in access.DO}
    ctx["requests"] = request_rows(family, may["decide"])
    ctx["may"] = may
    if episode is not None:
        ctx["episode"] = {
            "e": episode,
            "lead": access.practitioner(episode.lead),
            "oversight": access.practitioner(episode.oversight) if episode.oversight else "",
            "need": codes.words("primary_need", episode.primary_need)
            if episode.primary_need
            else "",
            "children": level_rows(episode),
            "assessments": assessment_rows(episode, today, user, family),
        }
    ctx["closed"] = [
        {
            "e": e,
            "reason": codes.words("closure_reason", e.closure_reason),
            "by": access.name_of(e.closure_authorised_by),
            "lead": access.practitioner(e.lead),
            "children": level_rows(e),
            "assessments": assessment_rows(e, today, user, family),
        }
        for e in Episode.objects.filter(family=family, closed_on__isnull=False).select_related(
            "lead", "closure_authorised_by"
        )
    ]
    return render(request, "familyhelp/section.html", ctx)
