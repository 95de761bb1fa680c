"""What the family's chronology reads from Family Help and child protection, in words.

`items(family, protection)`: each dated thing, as a dict in the shape the chronology
(`casework.views.chronology`) takes: ``{"on", "kind", "code", "title", "detail", "by",
"at"}``, `kind` being "familyhelp" or "protection"; the child protection records only
when `protection` (the user sees them)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from wholefamily.web.families.models import Family, Person
from wholefamily.web.familyhelp import codes
from wholefamily.web.familyhelp.access import name_of, practitioner
from wholefamily.web.familyhelp.models import Assessment, ChildLevel, Decision, Level, Request
from wholefamily.web.familyhelp.services import is_step_up
from wholefamily.web.protection.models import (
    Conference,
    Enquiry,
    Outcome,
    ParentOffer,
    Plan,
    StrategyDiscussion,
    TeamMember,
)


def day(d: date) -> str:
    return f"{d.day} {d:%B %Y}"


def names(people: Iterable[Person]) -> str:
    kids = [str(p) for p in people]
    if len(kids) < 2:
        return "".join(kids)
    return ", ".join(kids[:-1]) + " and " + kids[-1]


def level_words(code: str) -> str:
    return str(Level(code).label) if code in Level.values else code


def in_sentence(words: str) -> str:
    """Words as they read inside a sentence: "child in need (CIN plan)", the
    abbreviation kept."""
    return words[:1].lower() + words[1:]


def _item(
    on: date | None, kind: str, code: str, title: str, detail: str, by: Any, at: datetime | None
) -> dict[str, Any]:
    return {
        "on": on,
        "kind": kind,
        "code": code,
        "title": title,
        "detail": detail,
        "by": name_of(by),
        "at": at,
    }


def in_brief(family: Family) -> str:
    """The family's open Family Help in a sentence for its summary: "Led by Pat Singh,
    Southfield Primary School (partner professional) since 2 May 2025. Jade Carter:
    child protection." ("" when it has none)."""
    episode = family.episodes.filter(closed_on__isnull=True).select_related("lead").first()  # type: ignore[attr-defined]
    if episode is None:
        return ""
    now = episode.levels.filter(ended_on__isnull=True).select_related("child")
    kids = "; ".join(f"{lv.child}: {in_sentence(level_words(lv.level))}" for lv in now)
    led = f"Led by {practitioner(episode.lead)} since {day(episode.opened_on)}."
    return f"{led} {kids}." if kids else led


def items(family: Family, protection: bool) -> list[dict[str, Any]]:
    out = _requests(family) + _episodes(family) + _assessments(family)
    if protection:
        out += _protection(family)
    return out


def _requests(family: Family) -> list[dict[str, Any]]:
    out = []
    rows = Request.objects.filter(family=family).prefetch_related("children")
    for r in rows.select_related("recorded_by", "decided_by"):
        who = f" ({r.source_name})" if r.source_name else ""
        source = codes.words("referral_source", r.source)
        detail = f"From {in_sentence(source)}{who}, about {names(r.children.all())}: "
        out.append(
            _item(
                r.received_on,
                "familyhelp",
                "request",
                "Request for help",
                detail + r.summary,
                r.recorded_by,
                r.recorded_at,
            )
        )
        if r.decided_on:
            out.append(
                _item(
                    r.decided_on,
                    "familyhelp",
                    "decision",
                    "Request for help decided",
                    f"{Decision(r.decision).label}: the request of {day(r.received_on)}.",
                    r.decided_by,
                    None,
                )
            )
    return out


def _episodes(family: Family) -> list[dict[str, Any]]:
    out = []
    levels = ChildLevel.objects.filter(episode__family=family).select_related(
        "child", "lead", "by", "episode"
    )
    before: dict[tuple[int, int], ChildLevel] = {}
    for lv in levels.order_by("episode_id", "child_id", "started_on", "id"):
        key = (lv.episode_id, lv.child_id)
        prev = before.get(key)
        before[key] = lv
        if prev is None:
            title, code = "Family Help began", "level_started"
            detail = (
                f"{lv.child}: {in_sentence(level_words(lv.level))}, led by {practitioner(lv.lead)}."
            )
        elif prev.level == lv.level:
            title, code = "Lead practitioner changed", "lead_changed"
            detail = (
                f"{lv.child}: {practitioner(prev.lead)} to {practitioner(lv.lead)}. {lv.reason}"
            )
        else:
            up = is_step_up(prev.level, lv.level)
            title, code = ("Stepped up", "step_up") if up else ("Stepped down", "step_down")
            detail = (
                f"{lv.child}: {in_sentence(level_words(prev.level))} to "
                f"{in_sentence(level_words(lv.level))}, led by {name_of(lv.lead)}. {lv.reason}"
            )
        out.append(_item(lv.started_on, "familyhelp", code, title, detail.strip(), lv.by, lv.at))
    for e in family.episodes.filter(closed_on__isnull=False).select_related(  # type: ignore[attr-defined]
        "closure_authorised_by"
    ):
        reason = codes.words("closure_reason", e.closure_reason)
        out.append(
            _item(
                e.closed_on,
                "familyhelp",
                "closed",
                "Family Help closed",
                f"{reason}. Authorised by {name_of(e.closure_authorised_by)}.",
                e.closure_authorised_by,
                None,
            )
        )
    return out


def _assessments(family: Family) -> list[dict[str, Any]]:
    out = []
    rows = Assessment.objects.filter(episode__family=family).prefetch_related("children")
    for a in rows.select_related("by", "authorised_by"):
        kids = names(a.children.all())
        title = "Child and family assessment"
        out.append(
            _item(a.started_on, "familyhelp", "assessment", f"{title} started", kids, a.by, a.at)
        )
        if a.completed_on:
            found = "; ".join(codes.words("factor", f) for f in a.factors)
            detail = f"{kids}. Found: {found}." + (f" {a.summary}" if a.summary else "")
            out.append(
                _item(
                    a.completed_on,
                    "familyhelp",
                    "assessment_done",
                    f"{title} completed",
                    detail,
                    a.by,
                    None,
                )
            )
        if a.authorised_on:
            out.append(
                _item(
                    a.authorised_on,
                    "familyhelp",
                    "assessment_authorised",
                    f"{title} authorised",
                    kids,
                    a.authorised_by,
                    None,
                )
            )
    return out


def _protection(family: Family) -> list[dict[str, Any]]:
    out = []
    for s in (
        StrategyDiscussion.objects.filter(episode__family=family)
        .select_related("by")
        .prefetch_related("children", "enquiries")
    ):
        took_part = ", ".join(line.strip() for line in s.attended.splitlines() if line.strip())
        s47 = " Section 47 enquiries began." if s.enquiries.exists() else ""
        detail = f"About {names(s.children.all())}. Took part: {took_part}.{s47}"
        out.append(
            _item(s.held_on, "protection", "strategy", "Strategy discussion", detail, s.by, s.at)
        )
    for q in Enquiry.objects.filter(
        strategy__episode__family=family, completed_on__isnull=False
    ).select_related("child", "by"):
        out.append(
            _item(
                q.completed_on,
                "protection",
                "enquiry",
                "Section 47 enquiry ended",
                f"{q.child}: {in_sentence(Outcome(q.outcome).label)}."
                if q.outcome
                else str(q.child),
                q.by,
                None,
            )
        )
    for c in (
        Conference.objects.filter(episode__family=family)
        .select_related("by")
        .prefetch_related("children")
    ):
        out.append(
            _item(
                c.held_on,
                "protection",
                c.kind,
                str(Conference.Kind(c.kind).label),
                f"About {names(c.children.all())}." + (f" {c.summary}" if c.summary else ""),
                c.by,
                c.at,
            )
        )
    for p in Plan.objects.filter(episode__family=family).select_related("child", "by"):
        before = f" Plans before this one: {p.previous_plans}." if p.previous_plans else ""
        out.append(
            _item(
                p.started_on,
                "protection",
                "plan",
                "Child protection plan began",
                f"{p.child}: {in_sentence(p.get_initial_category_display())}.{before}",
                p.by,
                p.at,
            )
        )
        if p.ended_on:
            out.append(
                _item(
                    p.ended_on,
                    "protection",
                    "plan_ended",
                    "Child protection plan ended",
                    f"{p.child}: {p.end_reason}",
                    p.by,
                    None,
                )
            )
    for m in TeamMember.objects.filter(episode__family=family).select_related("by"):
        who = f"{m.name}, {m.get_role_display()}, {m.agency}"
        out.append(
            _item(
                m.started_on,
                "protection",
                "member",
                "Joined the child protection team",
                who,
                m.by,
                m.at,
            )
        )
        if m.ended_on:
            out.append(
                _item(
                    m.ended_on,
                    "protection",
                    "member_left",
                    "Left the child protection team",
                    who,
                    m.by,
                    None,
                )
            )
    for o in ParentOffer.objects.filter(episode__family=family).select_related("by"):
        taken = {True: " Taken up.", False: " Not taken up."}.get(o.taken_up, "")
        out.append(
            _item(
                o.offered_on,
                "protection",
                "offer",
                "Information and support offered to the parents",
                f"To {o.offered_to}: {o.what}{taken}",
                o.by,
                o.at,
            )
        )
    return out
