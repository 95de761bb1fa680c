"""The demo's dated events for one family, from its children's planned levels
(`demo_plan`): requests for help and their decisions, assessments, changes of level,
strategy discussions and section 47 enquiries, initial and review conferences, plans'
ends and the closure, each with what it records. `familyhelp.demo` carries them out
in order through the services. Pure: no database, and the same events every time for
the same plan and seed.

Symbolic people (`kw`, `kw2`, `sw`, `partner`, `hv`, `cp`, `fh`) stand for the demo's
practitioners; the demo maps them to users.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta

from wholefamily.web.familyhelp.demo_plan import Cadence, ChildPlan, Stretch, family_spans, fill
from wholefamily.workdays import add_working_days, is_working_day

# The order of a day's events: contacts, the work beginning and requests, plans ending
# (a step down from child protection follows its plan's end), changes of level, a new
# lead, strategy discussions, enquiries' outcomes, initial conferences (which step the
# child up to child protection), review conferences, assessments, and the closure last.
ORDER = {
    "contact": 0,
    "open_sf": 0,
    "request": 1,
    "plan_end": 2,
    "level": 3,
    "lead": 4,
    "strategy": 4,
    "outcome": 5,
    "icpc": 6,
    "review": 7,
    "assess_start": 8,
    "assess_complete": 8,
    "assess_authorise": 8,
    "close": 9,
}

# Who asks for help, by what the request is about: (census source code, who, weight).
SOURCES = {
    "cp": [
        ("6", "Wessex Police", 35),
        ("2A", "The child's school", 20),
        ("3B", "Health visiting team", 10),
        ("3E", "County Hospital emergency department", 10),
        ("3A", "The family's GP", 5),
        ("1D", "A relative", 5),
        ("9", "", 5),
        ("5C", "Another council's children's services", 5),
        ("8", "A voluntary organisation", 5),
    ],
    "cin": [
        ("2A", "The child's school", 25),
        ("6", "Wessex Police", 15),
        ("3A", "The family's GP", 10),
        ("3B", "Health visiting team", 8),
        ("3F", "Child and adolescent mental health service", 7),
        ("1A", "A parent", 8),
        ("5D", "Family Help targeted team", 10),
        ("4", "Council housing", 5),
        ("2B", "Education welfare service", 5),
        ("1C", "The young person", 2),
        ("10", "", 5),
    ],
    "targeted": [
        ("2A", "The child's school", 35),
        ("1A", "A parent", 20),
        ("3B", "Health visiting team", 15),
        ("3A", "The family's GP", 10),
        ("3C", "School nursing service", 5),
        ("4", "Council housing", 5),
        ("8", "A voluntary organisation", 10),
    ],
}
SUMMARY = {
    "NEGLECT": "The children often arrive at school hungry and unwashed; home conditions are poor.",
    "EMOTIONAL": "The child is withdrawn and anxious; there is shouting and belittling at home.",
    "PHYSICAL": "Unexplained bruising seen on the child; the explanation given does not fit.",
    "SEXUAL": "The child has disclosed worrying behaviour by an adult known to the family.",
    "MULTIPLE": "Several worries together: neglect at home, and the child frightened of an "
    "adult there.",
    "FAMILY_DYSFUNCTION": "Conflict between the parents is affecting the children; the police "
    "have been called.",
    "ABSENT_PARENTING": "The parent is often away and the children are left with no adult "
    "caring for them.",
    "OTHER": "The family are struggling with debt, housing and the child's attendance.",
}
FACTORS = {
    "NEGLECT": ["16A"],
    "EMOTIONAL": ["17A"],
    "PHYSICAL": ["18B"],
    "SEXUAL": ["19B"],
    "MULTIPLE": ["16A", "17A"],
    "FAMILY_DYSFUNCTION": ["3B"],
    "ABSENT_PARENTING": ["20"],
    "OTHER": ["4B"],
}
MORE_FACTORS = ["1B", "2B", "3B", "4B", "4A", "10A", "14A"]
PRIMARY_NEED = {
    "NEGLECT": "N1",
    "EMOTIONAL": "N1",
    "PHYSICAL": "N1",
    "SEXUAL": "N1",
    "MULTIPLE": "N1",
    "FAMILY_DYSFUNCTION": "N5",
    "ABSENT_PARENTING": "N8",
    "OTHER": "N4",
}
CP_CATEGORY = {
    "NEGLECT": "NEG",
    "EMOTIONAL": "EMO",
    "PHYSICAL": "PHY",
    "SEXUAL": "SAB",
    "MULTIPLE": "MUL",
    "FAMILY_DYSFUNCTION": "EMO",
    "ABSENT_PARENTING": "NEG",
    "OTHER": "NEG",
}
STEP_REASON = {
    ("targeted", "cin"): "The assessment found the child in need: a CIN plan is agreed",
    ("cin", "targeted"): "The CIN plan's aims are met: Family Help goes on at targeted help",
    ("cp", "targeted"): "The child protection plan ended: Family Help goes on at targeted help",
    ("cp", "cin"): "The child protection plan ended: a CIN plan goes on",
    ("cla", "cp"): "Returned home, still on a child protection plan",
    ("cla", "cin"): "Returned home with a CIN plan",
    ("cla", "targeted"): "Returned home: Family Help goes on at targeted help",
}
PRE_REFERRAL = 0.3  # children referred (and not helped) within a year before
SIBLING_CONTACT = 0.35  # other children a contact is about
S47_NO_PLAN = 0.15  # children in need whose section 47 enquiry found no need for a plan
LEAD_TO_CP = 0.5  # strategy discussions where the lead child protection practitioner leads


@dataclass(order=True)
class Event:
    on: date
    order: int
    seq: int
    kind: str = field(compare=False)
    data: dict[str, object] = field(compare=False, default_factory=dict)


def _within(d: date, start: date, end: date | None) -> bool:
    return start <= d and (end is None or d < end)


def _in_any(d: date, spans: list[tuple[date, date | None]]) -> bool:
    return any(_within(d, a, b) for a, b in spans)


def level_on(stretches: list[Stretch], d: date) -> str | None:
    return next((s.level for s in stretches if _within(d, s.start, s.end)), None)


def _working_day_before(d: date) -> date:
    """`d` when it is a working day, or the working day before it."""
    while not is_working_day(d):
        d -= timedelta(days=1)
    return d


def _pick(rng: random.Random, about: str) -> tuple[str, str]:
    options = SOURCES[about]
    code, who, _ = rng.choices(options, weights=[w for *_, w in options])[0]
    return code, who


def _lead(rng: random.Random, level: str) -> str:
    """Who leads a new episode: a Family Help practitioner from any agency."""
    if level == "targeted":
        return rng.choices(["kw", "kw2", "partner", "hv", "sw"], weights=[30, 25, 20, 15, 10])[0]
    return rng.choices(["sw", "kw", "kw2", "partner", "hv"], weights=[40, 25, 25, 5, 5])[0]


def _close_reason(
    rng: random.Random, kids: list[ChildPlan], start: date, end: date, levels: set[str]
) -> str:
    """The census's reason for closing: on to adult services or ended at 18; an order
    or adoption after care; closed after the assessment when the work was short;
    otherwise ended (no longer in need), or moved to another council."""
    if any(c.turned_18 == end for c in kids):
        return rng.choices(["RC6", "RC7"], weights=[30, 70])[0]
    if "cla" in levels:
        return rng.choices(["RC4", "RC3", "RC1", "RC5"], weights=[40, 25, 15, 20])[0]
    if (end - start).days < 90 and levels <= {"targeted", "cin"}:
        return rng.choices(["RC8", "RC9"], weights=[60, 40])[0]
    return rng.choices(["RC7", "RC5"], weights=[85, 15])[0]


class _Family:
    """One family's events as they are made up."""

    def __init__(self, rng: random.Random, as_of: date, cadence: Cadence) -> None:
        self.rng, self.as_of, self.cadence = rng, as_of, cadence
        self.items: list[Event] = []

    def add(self, on: date, kind: str, **data: object) -> None:
        if on <= self.as_of:
            self.items.append(Event(on, ORDER[kind], len(self.items), kind, data))

    def request(
        self,
        pid: str,
        on: date,
        about: str,
        level: str,
        decision: str,
        category: str,
        lead: str,
        kind: str = "request",
    ) -> None:
        code, who = _pick(self.rng, about)
        self.add(
            on,
            kind,
            children=[pid],
            received_on=on - timedelta(days=self.rng.randint(0, 3)),
            source=code,
            source_name=who,
            summary=SUMMARY.get(category, SUMMARY["OTHER"]),
            decision=decision,
            level=level,
            lead=lead,
        )

    def assessment(self, pid: str, start: date, end: date | None, category: str) -> None:
        """A child and family assessment: most authorised within 45 working days of the
        start, some late; none after the episode closes."""
        u = self.rng.random()
        k = self.rng.randint(10, 40) if u < 0.8 else self.rng.randint(41, 45)
        if self.cadence.late("assessment"):
            k = self.rng.randint(46, 70)
        authorised = add_working_days(start, k)
        completed = add_working_days(start, max(0, k - self.rng.randint(0, 2)))
        if end is not None and authorised > end:
            authorised, completed = end, min(completed, end)
        factors = set(FACTORS.get(category, ["20"]))
        if self.rng.random() < 0.6:
            factors.add(self.rng.choice(MORE_FACTORS))
        key = f"{pid}:{start}"
        self.add(start, "assess_start", key=key, children=[pid])
        need = PRIMARY_NEED.get(category, "N4")
        self.add(completed, "assess_complete", key=key, factors=sorted(factors), need=need)
        self.add(authorised, "assess_authorise", key=key)

    def plan(self, c: ChildPlan, p_start: date, mine: list[Stretch], category: str) -> None:
        """One child protection plan: its strategy discussion and enquiry, the initial
        conference, reviews (the first within 3 months, then every 6) and its end."""
        rng = self.rng
        p = next(x for x in c.plans if x.start == p_start)
        key, g = f"{c.person_id}:{p.start}", c.strategies[p.start]
        if level_on(mine, g) == "targeted":  # a new worry about a child in Family Help
            self.request(c.person_id, g, "cp", "targeted", "cp_enquiry", category, "")
        if rng.random() < LEAD_TO_CP:  # the lead child protection practitioner leads now
            self.add(g, "lead", to="cp", reason="The lead child protection practitioner leads")
        self.add(g, "strategy", child=c.person_id, key=key)
        done = max(g, p.start - timedelta(days=rng.randint(1, 3)))
        self.add(done, "outcome", key=key, outcome="conference")
        earlier = c.earlier_plans if p is c.plans[0] else 0
        cat = CP_CATEGORY.get(p.category, "NEG")
        self.add(p.start, "icpc", child=c.person_id, key=key, category=cat, earlier=earlier)
        r = p.start + relativedelta(months=3) - timedelta(days=rng.randint(0, 14))
        while (p.end is None or r < p.end) and r <= self.as_of:
            held = _working_day_before(r)  # conferences are held on working days
            if held > p.start:
                self.add(held, "review", key=key, category="MUL" if rng.random() < 0.08 else "")
            r = r + relativedelta(months=6) - timedelta(days=rng.randint(0, 14))
        if p.end is not None:
            if c.turned_18 == p.end:
                reason = "Reached 18"
            elif level_on(mine, p.end) == "cla":
                reason = "Became looked after"
            else:
                reason = rng.choice(
                    [
                        "Risk reduced: the child is safer",
                        "The plan's goals were met",
                        "Risk now managed under a child in need plan",
                    ]
                )
            self.add(p.end, "plan_end", key=key, reason=reason)

    def section_47(self, pid: str, s: Stretch) -> None:
        """A strategy discussion whose enquiry found no need for a conference."""
        on = s.start + timedelta(days=self.rng.randint(5, 30))
        if s.end is not None and on >= s.end:
            return
        key = f"{pid}:s47:{on}"
        self.add(on, "strategy", child=pid, key=key)
        outcome = "not_substantiated" if self.rng.random() < 0.6 else "no_conference"
        done = on + timedelta(days=self.rng.randint(7, 14))
        if s.end is None or done < s.end:
            self.add(done, "outcome", key=key, outcome=outcome)

    def changes(self, c: ChildPlan, mine: list[Stretch], end: date | None, cat: str) -> None:
        """Each change of the child's level, with the lead practitioner changed on
        purpose at every third (`Cadence`; symbolic: `sw` a social worker at a step up
        to child in need or into care, `fh` another Family Help practitioner). A step up
        to child protection is the initial conference's (`plan`)."""
        starts = {p.start for p in c.plans}
        for a, b in itertools.pairwise(mine):
            if b.level == "cp" and b.start in starts:
                continue  # the initial conference steps the child up
            lead = None
            if self.cadence.late("lead"):  # a new lead at some of the changes, on purpose
                lead = "sw" if b.level in ("cin", "cla") and a.level != "cla" else "fh"
            reason = STEP_REASON.get((a.level, b.level), "Became looked after")
            self.add(b.start, "level", child=c.person_id, level=b.level, reason=reason, lead=lead)
            if (a.level, b.level) == ("targeted", "cin") and self.rng.random() < 0.7:
                self.assessment(c.person_id, b.start, end, cat)


def family_events(
    children: list[ChildPlan],
    categories: dict[str, str],
    siblings: list[str],
    sf_start: date | None,
    as_of: date,
    window_start: date,
    rng: random.Random,
    cadence: Cadence | None = None,
) -> list[Event]:
    """Every dated event of one family's Family Help and child protection up to T, in
    the order they happen. `categories` is each child's category of concern (from the
    extract), `siblings` the family's other children (for contacts), `sf_start` the day
    its Supporting Families work began, if it is in work."""
    fam = _Family(rng, as_of, cadence or Cadence())
    spans = family_spans(children, sf_start)
    seen: set[str] = set()
    for start, end in spans:
        if sf_start is not None and _within(sf_start, start, end):
            fam.add(sf_start, "open_sf")
        kids = [c for c in children if any(_within(s.start, start, end) for s in c.stretches)]
        firsts = [s for c in kids for s in c.stretches if _within(s.start, start, end)]
        first_level = min(firsts, key=lambda s: s.start).level if firsts else "targeted"
        lead = _lead(rng, first_level)
        levels: set[str] = set()
        for c in kids:
            mine = [s for s in c.stretches if _within(s.start, start, end)]
            first = mine[0].start
            # In the family's episode the child is at targeted help at least, to its end.
            mine = fill(mine, first, end or as_of + timedelta(days=1), "targeted")
            if end is None:
                mine[-1].end = None
            levels |= {s.level for s in mine}
            cat = categories.get(c.person_id, "OTHER")
            lead_in = first in c.strategies.values()
            about = "cp" if lead_in else {"cla": "cin"}.get(mine[0].level, mine[0].level)
            decision = "cp_enquiry" if lead_in else "family_help"
            fam.request(c.person_id, first, about, mine[0].level, decision, cat, lead)
            if c.person_id not in seen and rng.random() < PRE_REFERRAL:
                before = first - timedelta(days=rng.randint(30, 330))
                if not _in_any(before, spans):
                    nfa = "nfa" if rng.random() < 0.75 else "advice"
                    fam.request(c.person_id, before, "cin", "", nfa, cat, "", kind="contact")
            seen.add(c.person_id)
            fam.assessment(c.person_id, first, end, cat)  # every request for help
            fam.changes(c, mine, end, cat)
            for s in mine:
                lead_in = s.start in c.strategies.values()
                if s.level == "cin" and not lead_in and rng.random() < S47_NO_PLAN:
                    fam.section_47(c.person_id, s)
            for p in c.plans:
                if _within(p.start, start, end):
                    fam.plan(c, p.start, mine, cat)
        if end is not None:
            fam.add(end, "close", reason=_close_reason(rng, kids, start, end, levels))
    _contacts(fam, siblings, spans, sf_start, window_start)
    return sorted(fam.items)


def _contacts(
    fam: _Family,
    siblings: list[str],
    spans: list[tuple[date, date | None]],
    sf_start: date | None,
    window_start: date,
) -> None:
    """Contacts about the family's other children outside its episodes: information
    and advice, or a referral needing no further action."""
    last = min(fam.as_of, sf_start - timedelta(days=1)) if sf_start else fam.as_of
    for pid in siblings:
        if fam.rng.random() >= SIBLING_CONTACT or last < window_start:
            continue
        on = window_start + timedelta(days=fam.rng.randint(0, (last - window_start).days))
        if not _in_any(on, spans):
            decision = "advice" if fam.rng.random() < 0.4 else "nfa"
            fam.request(pid, on, "targeted", "", decision, "OTHER", "", kind="contact")
