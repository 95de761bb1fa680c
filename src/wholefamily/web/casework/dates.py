"""The case's own timeline is the law of its dates.

Every date a user enters on a step of the journey is checked against the case
as it is, read here from its records (`CaseDates.of`):

- nothing before the case began: the day the family was identified from data
  (the as-of date of the run that first found it) or nominated, whichever came
  first (every member was born before either: a family is identified from its
  members' records);
- nothing after today, except the dates that are planned (a plan action's due
  date, the next review);
- the work's own dates (assessment, review, action, step, need found) on or
  after the work started (consent given);
- a consent decision on or after the one before it; a step up or down on or
  after the case's last change of state; closure on or after the last event
  on the case;
- a review's next date after the review and at most 3 months after it
  (`REVIEW_MONTHS`: reviews are at least quarterly, as the first review is due
  3 months after consent).

Each refusal is one sentence in GOV.UK's words naming the boundary as a date
and what happened on it ("The date of consent must be on or after 31 March
2025, when the family was identified").
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from typing import Any

from wholefamily.web import clock

REVIEW_MONTHS = 3


def months_after(d: date, months: int) -> date:
    y, m = divmod(d.year * 12 + d.month - 1 + months, 12)
    return date(y, m + 1, min(d.day, calendar.monthrange(y, m + 1)[1]))


def day(d: date) -> str:
    """A date in words, as the pages show it: 13 April 2020."""
    return f"{d.day} {d:%B %Y}"


@dataclass(frozen=True)
class Bound:
    """A date of the case and what happened on it, in words ("when the work started")."""

    on: date
    why: str


# What each kind of event is, as the end of "on or after 3 May 2025, ...".
EVENT_WHY = {
    "allocated": "when the family was allocated to a key worker",
    "consent": "when consent was last recorded",
    "intensity": "when the intensity was changed",
    "step_up": "when the family was stepped up to social care",
    "step_down": "when the family was stepped down from social care",
    "closed": "when the case was closed",
    "reopened": "when the case was reopened",
    "need_found": "when a need was found during the work",
}
STATE_KINDS = ("consent", "step_up", "step_down", "reopened", "closed")


def _latest(bounds: list[Bound]) -> Bound | None:
    """The latest bound; of bounds on the same day, the last given (the most specific)."""
    return max(reversed(bounds), key=lambda b: b.on) if bounds else None


def _earliest(bounds: list[Bound]) -> Bound | None:
    return min(bounds, key=lambda b: b.on) if bounds else None


@dataclass(frozen=True)
class CaseDates:
    """The dates of one case that the dates entered on it are checked against."""

    began: Bound  # identified or nominated
    started: Bound | None  # the work started: consent given
    last_consent: Bound | None
    last_state: Bound | None  # the last consent, step, closure or reopening
    last_event: Bound | None  # the last thing that happened on the case
    start_event: Any  # the consent Event that started the work, if recorded
    before_start: Bound | None  # the last consent decision before the start
    after_start: Bound | None  # the first dated work after the start

    @classmethod
    def of(cls, family: Any) -> CaseDates:
        began = [
            Bound(n.created_at.date(), "when the family was nominated")
            for n in family.nominations.all()
        ]
        if family.identified_on is not None:
            began.append(Bound(family.identified_on, "when the family was identified"))
        first = _earliest(began) or Bound(
            family.as_of or family.created_at.date(), "when the family was identified"
        )
        started = (
            Bound(family.started_on, "when the work with the family started")
            if family.started_on
            else None
        )
        events = [e for e in family.events.all() if e.kind != "corrected"]
        dated = [Bound(e.on, EVENT_WHY.get(e.kind, "when the case last changed")) for e in events]
        dated += [Bound(r.on, "when the last review was held") for r in family.reviews.all()]
        dated += [
            Bound(a.on, "when the last assessment was made") for a in family.assessments.all()
        ]
        consents = sorted(
            (e for e in events if e.kind == "consent"), key=lambda e: (e.on, e.at, e.pk)
        )
        start_event = next(
            (e for e in consents if e.detail.startswith("given") and e.on == family.started_on),
            None,
        )
        before: list[Bound] = []
        after: list[Bound] = []
        if start_event is not None:
            for e in consents:
                if e.pk == start_event.pk:
                    continue
                earlier = (e.on, e.at, e.pk) < (start_event.on, start_event.at, start_event.pk)
                (before if earlier else after).append(
                    Bound(e.on, "when consent was " + e.detail.split(":")[0])
                )
        if family.started_on is not None:
            work = [
                Bound(e.on, EVENT_WHY[e.kind])
                for e in events
                if e.kind in ("step_up", "step_down", "closed", "reopened", "need_found")
            ]
            work += [Bound(r.on, "when the first review was held") for r in family.reviews.all()]
            work += [
                Bound(a.on, "when the first assessment was made") for a in family.assessments.all()
            ]
            after += [b for b in work if b.on >= family.started_on]
        return cls(
            began=first,
            started=started,
            last_consent=_latest([Bound(e.on, "when consent was last recorded") for e in consents]),
            last_state=_latest(
                [Bound(e.on, EVENT_WHY[e.kind]) for e in events if e.kind in STATE_KINDS]
            ),
            last_event=_latest(dated),
            start_event=start_event,
            before_start=_latest(before),
            after_start=_earliest(after),
        )

    @property
    def work(self) -> Bound:
        """The earliest date of the work's own records: the start, or the case's beginning."""
        return self.started or self.began


def past(what: str, d: date | None) -> str | None:
    """The refusal of a date after today, or None."""
    if d is not None and d > clock.today():
        return f"The {what} must be today or in the past"
    return None


def not_before(what: str, d: date | None, *bounds: Bound | None) -> str | None:
    """The refusal of a date before the latest of `bounds`, or None."""
    bound = _latest([b for b in bounds if b is not None])
    if d is not None and bound is not None and d < bound.on:
        return f"The {what} must be on or after {day(bound.on)}, {bound.why}"
    return None


def not_after(what: str, d: date | None, *bounds: Bound | None) -> str | None:
    """The refusal of a date after the earliest of `bounds`, or None."""
    bound = _earliest([b for b in bounds if b is not None])
    if d is not None and bound is not None and d > bound.on:
        return f"The {what} must be on or before {day(bound.on)}, {bound.why}"
    return None


def first(*refusals: str | None) -> str | None:
    return next((r for r in refusals if r), None)
