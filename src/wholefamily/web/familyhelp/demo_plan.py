"""The demo's Family Help and child protection, planned from the county's `social_care`
extract before anything is written (`familyhelp.demo` carries the plan out through the
services).

Each child's episodes in the extract (early help, child in need, child protection,
looked after) become the child's levels of help at the extract's dates: on a day the
child's level is the highest of the episodes open that day (looked after, then child
protection, then child in need, then targeted help for early help), so a child on a
plan is a child in need as the census counts them. Each child protection episode is a
child protection plan from its first to its last day. What the extract does not hold
is made up around it, the same way every time (seeded):

- a plan starts at an initial conference whose strategy discussion came some working
  days before (a few more than 15 for some, late); a child with no level then is a
  child in need from the strategy discussion (section 47 enquiries are made about
  children in need);
- no child is on a plan while looked after (the services end a plan before a child
  steps into care): a plan ends the day the child comes into care, and if the
  extract's episode goes on after the care ends, a new plan (a repeat) starts then;
  one that falls wholly within care is left out (`adjusted` counts the plans cut);
- some children stay in Family Help at targeted help for a while after their last
  episode ends (a step-down), and a short gap between episodes is targeted help too;
- a family's Family Help episode runs while any of its children has a level; a gap
  closes it and a later request opens the next one (a re-referral when it is within
  12 months);
- a plan starts at a conference on a working day: one the extract starts at a weekend
  or on a bank holiday starts on the next working day;
- children turn 18: their levels end on their 18th birthday.

Nothing here reads or writes the case database: the planner is a function of the
extract's rows, the dates and the seed, and can be tested on its own.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta

from wholefamily.workdays import is_working_day

LEVEL_OF = {"EARLY_HELP": "targeted", "CIN": "cin", "CP": "cp", "CLA": "cla"}
RANK = {"targeted": 0, "cin": 1, "cp": 2, "cla": 3}
HISTORY_DAYS = 365  # episodes that ended up to a year before the collection year count
SHORT_GAP_DAYS = 21  # a gap this short between episodes is targeted help, not a closure
TAIL_SHARE = 0.45  # children who stay at targeted help after their last episode
EARLIER_PLAN_SHARE = 0.2  # plans of children who had one before the extract's records
# Every 4th initial conference is late, every 6th assessment; every 3rd change of level
# (other than a plan's start) has a new lead practitioner.
LATE_EVERY = {"icpc": 4, "assessment": 6, "lead": 3}


@dataclass
class Cadence:
    """Which conferences and assessments are late, and which changes of level have a new
    lead: every `LATE_EVERY[kind]`th, counted across the whole demo in its order, so that
    a county of any size has some, and the same ones every time."""

    seen: dict[str, int] = field(default_factory=dict)

    def late(self, kind: str) -> bool:
        self.seen[kind] = self.seen.get(kind, 0) + 1
        return self.seen[kind] % LATE_EVERY[kind] == 0


@dataclass(frozen=True)
class Spell:
    """One episode of the extract, ending (exclusive) on `end`; None: open at T."""

    kind: str
    start: date
    end: date | None
    category: str = ""


@dataclass
class Stretch:
    """One child's level from `start` to `end` (exclusive; None: still at T)."""

    level: str
    start: date
    end: date | None


@dataclass
class ChildPlan:
    person_id: str
    stretches: list[Stretch]
    plans: list[Spell]  # child protection plans, each with its strategy discussion
    strategies: dict[date, date] = field(default_factory=dict)  # plan start -> strategy
    earlier_plans: int = 0  # plans before the extract's records began
    adjusted: int = 0
    turned_18: date | None = None


def collection_year(as_of: date) -> tuple[date, date]:
    """The latest whole collection year (1 April to 31 March) ended by `as_of`."""
    end_year = as_of.year if (as_of.month, as_of.day) >= (3, 31) else as_of.year - 1
    return date(end_year - 1, 4, 1), date(end_year, 3, 31)


def next_working_day(d: date) -> date:
    """`d` itself when it is a working day, or the first working day after it."""
    while not is_working_day(d):
        d += timedelta(days=1)
    return d


def back_working_days(d: date, n: int) -> date:
    """The working day `n` working days before `d` (so that `working_days_between`
    of the two is `n`)."""
    g, count = d, 0
    while count < n:
        if is_working_day(g):
            count += 1
        g -= timedelta(days=1)
    while not is_working_day(g):
        g -= timedelta(days=1)
    return g


def _clip(
    spells: list[Spell], as_of: date, dob: date | None, since: date
) -> tuple[list[Spell], date | None]:
    """Spells up to T (later ends are open at T), ended at the 18th birthday; those
    ended before `since` are dropped. Returns them and the 18th birthday when a spell
    was cut short by it."""
    b18 = dob + relativedelta(years=18) if dob else None
    out, cut = [], None
    for s in spells:
        if s.start > as_of or (dob and s.start < dob):
            continue
        end = None if s.end is None or s.end > as_of else s.end
        if b18 is not None and b18 <= as_of and (end is None or end > b18):
            end, cut = b18, b18
        if end is not None and (end <= s.start or end < since):
            continue
        out.append(Spell(s.kind, s.start, end, s.category))
    return out, cut


def _merge(spells: list[Spell]) -> list[Spell]:
    """Overlapping or touching spells of one kind as one (the first one's category)."""
    out: list[Spell] = []
    for s in sorted(spells, key=lambda s: (s.kind, s.start)):
        last = out[-1] if out else None
        if last and last.kind == s.kind and (last.end is None or s.start <= last.end):
            end = None if last.end is None or s.end is None else max(last.end, s.end)
            out[-1] = Spell(last.kind, last.start, end, last.category)
        else:
            out.append(s)
    return out


def _inside(d: date, s: Spell | Stretch) -> bool:
    return s.start <= d and (s.end is None or d < s.end)


def _plans_outside_care(spells: list[Spell]) -> tuple[list[Spell], int]:
    """No child is on a plan while looked after (a plan ends when the child comes into
    care, and a new one starts after it if the extract's episode goes on): each child
    protection spell less the days of the looked-after spells, each piece a plan.
    Returns the spells and how many plans were cut or moved so."""
    care = sorted((s for s in spells if s.kind == "CLA"), key=lambda s: s.start)
    out, adjusted = [], 0
    for s in spells:
        if s.kind != "CP":
            out.append(s)
            continue
        pieces = [(s.start, s.end)]
        for c in care:
            cut = []
            for a, b in pieces:
                overlaps = (b is None or c.start < b) and (c.end is None or a < c.end)
                if not overlaps:
                    cut.append((a, b))
                    continue
                if a < c.start:
                    cut.append((a, c.start))
                if c.end is not None and (b is None or c.end < b):
                    cut.append((c.end, b))
            pieces = cut
        if pieces != [(s.start, s.end)]:
            adjusted += 1
        out += [Spell("CP", a, b, s.category) for a, b in pieces]
    return out, adjusted


def _on_working_days(spells: list[Spell]) -> tuple[list[Spell], int]:
    """A plan starts at a conference, on a working day: one the extract starts at a
    weekend or on a bank holiday starts on the next working day (or not at all when it
    would end first)."""
    out, dropped = [], 0
    for s in spells:
        start = next_working_day(s.start) if s.kind == "CP" else s.start
        if s.end is not None and start >= s.end:
            dropped += 1
            continue
        out.append(Spell(s.kind, start, s.end, s.category))
    return out, dropped


def _levels(spells: list[Spell]) -> list[Stretch]:
    """The highest level open on each day, as stretches (gaps where none is open)."""
    marks = sorted({s.start for s in spells} | {s.end for s in spells if s.end})
    out: list[Stretch] = []
    for i, a in enumerate(marks):
        b = marks[i + 1] if i + 1 < len(marks) else None
        open_ = [LEVEL_OF[s.kind] for s in spells if _inside(a, s)]
        if not open_:
            continue
        level = max(open_, key=RANK.__getitem__)
        if out and out[-1].level == level and out[-1].end == a:
            out[-1].end = b
        else:
            out.append(Stretch(level, a, b))
    return out


def fill(stretches: list[Stretch], start: date, end: date, level: str) -> list[Stretch]:
    """`level` on the days of [start, end) no stretch covers."""
    extra, d = [], start
    for s in sorted(stretches, key=lambda s: s.start):
        if s.end is not None and s.end <= d:
            continue
        if s.start >= end:
            break
        if s.start > d:
            extra.append(Stretch(level, d, s.start))
        d = end if s.end is None else max(d, s.end)
        if d >= end:
            break
    if d < end:
        extra.append(Stretch(level, d, end))
    return _tidy([*stretches, *extra])


def _tidy(stretches: list[Stretch]) -> list[Stretch]:
    out: list[Stretch] = []
    for s in sorted(stretches, key=lambda s: s.start):
        if out and out[-1].level == s.level and out[-1].end == s.start:
            out[-1].end = s.end
        else:
            out.append(Stretch(s.level, s.start, s.end))
    return out


def blocks(stretches: list[Stretch]) -> list[tuple[date, date | None]]:
    """The spans of days covered without a gap."""
    out: list[tuple[date, date | None]] = []
    for s in sorted(stretches, key=lambda s: s.start):
        last = out[-1][1] if out else s.start
        if not out or (last is not None and s.start > last):
            out.append((s.start, s.end))
        elif last is not None:  # touching or overlapping the open block: one block
            out[-1] = (out[-1][0], None if s.end is None else max(last, s.end))
    return out


def plan_child(
    person_id: str,
    spells: list[Spell],
    dob: date | None,
    as_of: date,
    window_start: date,
    rng: random.Random,
    extract_began: date | None = None,
    cadence: Cadence | None = None,
) -> ChildPlan | None:
    """One child's levels and plans, or None when nothing of theirs reaches the
    collection year (from `window_start` to T)."""
    since = window_start - timedelta(days=HISTORY_DAYS)
    earlier = sum(1 for s in spells if s.kind == "CP" and s.end is not None and s.end < since)
    clipped, b18 = _clip(spells, as_of, dob, since)
    if not any(s.end is None or s.end > window_start for s in clipped):
        return None
    merged, adjusted = _plans_outside_care(_merge(clipped))
    merged, moved = _on_working_days(_merge(merged))
    adjusted += moved
    stretches = _levels(merged)
    plans = sorted((s for s in merged if s.kind == "CP"), key=lambda s: s.start)
    child = ChildPlan(person_id, stretches, plans, adjusted=adjusted, turned_18=b18)
    # Some children had a plan before the extract's records begin (old enough then).
    old_enough = extract_began and dob and dob < extract_began - timedelta(days=730)
    if plans and old_enough and rng.random() < EARLIER_PLAN_SHARE:
        earlier += 1
    child.earlier_plans = earlier
    cadence = cadence or Cadence()
    for p in plans:
        k = rng.randint(16, 24) if cadence.late("icpc") else rng.randint(4, 15)
        g = back_working_days(p.start, k)
        child.strategies[p.start] = g
        child.stretches = fill(child.stretches, g, p.start, "cin")
    child.stretches = _tails(child.stretches, as_of, b18, rng)
    return child


def _tails(
    stretches: list[Stretch], as_of: date, b18: date | None, rng: random.Random
) -> list[Stretch]:
    """Targeted help across short gaps and, for some children, for a while after an
    episode ends (a step-down)."""
    spans = blocks(stretches)
    extra: list[Stretch] = []
    for i, (_, end) in enumerate(spans):
        if end is None or (b18 is not None and end >= b18):
            continue
        nxt = spans[i + 1][0] if i + 1 < len(spans) else None
        if nxt is not None and (nxt - end).days <= SHORT_GAP_DAYS:
            extra.append(Stretch("targeted", end, nxt))
            continue
        if rng.random() >= TAIL_SHARE:
            continue
        until = end + timedelta(days=rng.randint(28, 120))
        if nxt is not None and until >= nxt - timedelta(days=7):
            extra.append(Stretch("targeted", end, nxt))
        else:
            stop = until if until <= as_of else None
            if b18 is not None and (stop is None or stop > b18):
                stop = b18
            extra.append(Stretch("targeted", end, stop))
    return _tidy([*stretches, *extra])


def family_spans(
    children: list[ChildPlan], sf_start: date | None
) -> list[tuple[date, date | None]]:
    """The family's Family Help episodes: while any child has a level (and, for a
    Supporting Families case in work, from its start on)."""
    marks: list[Stretch] = [s for c in children for s in c.stretches]
    if sf_start is not None:
        marks.append(Stretch("targeted", sf_start, None))
    return blocks(marks)
