"""A family's chronology: every dated thing of its case in one list, newest first (the
case's steps, the central check and its notes, nominations, assessments and their
notes, the plan's actions as added and each change to them, reviews, notes with their
kind, baselines, changes in the data, the team around the family, Family Help, the
family's network and, for
who may see them, child protection and the agencies' records),
shown as the MOJ timeline, filtered by kind, and downloaded as CSV (codes with words
beside) or PDF (WeasyPrint, as the claims' evidence packs)."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone

from wholefamily.safecsv import neutralise
from wholefamily.web.casework.models import ActionChange
from wholefamily.web.families import labels
from wholefamily.web.families.models import Family
from wholefamily.web.familyhelp import history as family_help
from wholefamily.web.networks import facts as network
from wholefamily.web.team.models import TeamHistory

# The kinds of entry, in the order the filter offers them.
KINDS = {
    "case": "Case steps",
    "check": "Central checks",
    "nomination": "Nominations",
    "assessment": "Assessments",
    "plan": "Plan",
    "review": "Reviews",
    "note": "Notes",
    "progress": "Baselines",
    "data": "Changes in the data",
    "team": "Team around the family",
    "familyhelp": "Family Help",
    "protection": "Child protection",
    "network": "The family’s network",
    "agency": "Agency records",
}


@dataclass
class Entry:
    on: date | None
    kind: str  # one of KINDS
    code: str  # what happened, as a code (an event's kind, a note's kind, ...)
    title: str
    detail: str = ""
    by: str = ""
    at: datetime | None = None  # when it was written, to order a day's entries
    need: str = ""
    source: str = ""
    person_id: str = ""
    person: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def kind_label(self) -> str:
        return KINDS[self.kind]


def _name(user: Any) -> str:
    if user is None:
        return ""
    return str(user.get_full_name() or user.get_username())


def _day(at: datetime) -> date:
    return timezone.localdate(at) if timezone.is_aware(at) else at.date()


def entries(family: Family, agency: bool, protection: bool = False) -> list[Entry]:
    """Everything dated in the family's case, newest first; the agencies' records only
    when `agency` (the user sees agency detail), child protection only when
    `protection` (the user sees it: `familyhelp.access.sees_protection`)."""
    fw = family.framework
    out: list[Entry] = []
    for e in family.events.select_related("by"):
        out.append(Entry(e.on, "case", e.kind, e.get_kind_display(), e.detail, _name(e.by), e.at))
    for c in family.checks.select_related("by"):
        verdict = "Meets the criteria" if c.eligible else "Does not meet the criteria"
        detail = verdict + (f". Notes: {c.notes}" if c.notes else "")
        out.append(Entry(_day(c.at), "check", "check", "Central check", detail, _name(c.by), c.at))
    for n in family.nominations.select_related("nominated_by"):
        out.append(
            Entry(
                _day(n.created_at),
                "nomination",
                "nominated",
                "Nominated",
                f"By {n.agency}: {labels.needs_label(n.needs, fw)}",
                _name(n.nominated_by),
                n.created_at,
            )
        )
    for a in family.assessments.select_related("by").prefetch_related("scores__area"):
        scores = ", ".join(f"{s.area.name} {s.score}" for s in a.scores.all())
        detail = f"Scores: {scores}" if scores else ""
        if a.notes:
            detail = f"{detail}. Notes: {a.notes}" if detail else f"Notes: {a.notes}"
        out.append(
            Entry(a.on, "assessment", "assessment", "Whole-family assessment", detail, _name(a.by))
        )
    for act in family.actions.select_related("created_by"):
        out.append(
            Entry(
                _day(act.created_at),
                "plan",
                "action_added",
                "Action added to the plan",
                f"{act.text} ({act.get_part_display()}). "
                f"Who: {act.owner}. Due by {act.due.day} {act.due:%B %Y}.",
                _name(act.created_by),
                act.created_at,
            )
        )
    changes = ActionChange.objects.filter(action__family=family).select_related("action", "by")
    for ch in changes:
        out.append(
            Entry(
                _day(ch.at),
                "plan",
                "action_changed",
                "Action changed",
                f"{ch.action.text}: {ch.summary()}",
                _name(ch.by),
                ch.at,
                extra={"field": ch.field, "before": ch.before, "after": ch.after},
            )
        )
    for r in family.reviews.select_related("by"):
        detail = f"{r.summary} Next review by {r.next_due.day} {r.next_due:%B %Y}."
        out.append(Entry(r.on, "review", "review", "Review", detail, _name(r.by)))
    for note in family.notes.select_related("by"):
        out.append(
            Entry(
                note.on or _day(note.at),
                "note",
                note.kind,
                note.get_kind_display(),
                note.text,
                _name(note.by),
                note.at,
            )
        )
    for b in family.baselines.select_related("by"):
        out.append(
            Entry(
                _day(b.created_at),
                "progress",
                "baseline",
                f"Baseline version {b.version} frozen",
                f"Work started {b.start.day} {b.start:%B %Y}: {b.reason}. Needs at the "
                f"start: {labels.needs_label(b.needs, b.framework) or 'none'}.",
                _name(b.by),
                b.created_at,
            )
        )
    for fc in family.changes.select_related("run"):
        out.append(
            Entry(
                fc.run.as_of, "data", "data_change", "Change in the data", fc.summary, "", fc.run.at
            )
        )
    for h in TeamHistory.objects.filter(family=family).select_related("by"):
        out.append(Entry(h.on, "team", h.kind, h.get_kind_display(), h.detail, _name(h.by), h.at))
    for i in family_help.items(family, protection) + network.items(family):
        out.append(Entry(i["on"], i["kind"], i["code"], i["title"], i["detail"], i["by"], i["at"]))
    if agency:
        for ev in family.evidence.select_related("person"):
            out.append(
                Entry(
                    ev.date,
                    "agency",
                    "agency_record",
                    labels.evidence_label(ev.source, ev.date),
                    f"{labels.need_label(ev.need, fw)}: {ev.indicator}"
                    + (f" ({ev.person})" if ev.person else ""),
                    need=ev.need,
                    source=ev.source,
                    person_id=ev.person.person_id if ev.person else "",
                    person=str(ev.person) if ev.person else "",
                )
            )
    floor = datetime.min.replace(tzinfo=timezone.get_current_timezone())
    out.sort(key=lambda e: (e.on or date.min, e.at or floor), reverse=True)
    return out


def shown(items: list[Entry], kinds: list[str]) -> list[Entry]:
    return [e for e in items if e.kind in kinds] if kinds else items


CSV_COLUMNS = [
    "family_id",
    "date",
    "kind",
    "kind_label",
    "code",
    "what",
    "detail",
    "by",
    "need",
    "need_label",
    "source",
    "source_label",
    "person_id",
    "person",
]


def csv_response(family: Family, items: list[Entry]) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="chronology-{family.family_id}.csv"'
    w = csv.writer(response)
    w.writerow(CSV_COLUMNS)
    for e in items:
        row = [
            family.family_id,
            e.on.isoformat() if e.on else "",
            e.kind,
            e.kind_label,
            e.code,
            e.title,
            e.detail,
            e.by,
            e.need,
            labels.need_label(e.need, family.framework) if e.need else "",
            e.source,
            labels.source_label(e.source) if e.source else "",
            e.person_id,
            e.person,
        ]
        w.writerow([neutralise(v) for v in row])
    return response


class NoPdf(Exception):
    """WeasyPrint (or the system libraries it needs) is missing here."""


def pdf_bytes(context: dict[str, Any]) -> bytes:
    try:
        from weasyprint import HTML
    except (ImportError, OSError) as exc:  # the library or Pango missing
        raise NoPdf(str(exc)) from None
    html = render_to_string("casework/family/chronology_pdf.html", context)
    return bytes(HTML(string=html).write_pdf())
