"""The demo's family networks, family group decision making and kinship: `wholefamily
demo` makes them up after the Family Help demo (`familyhelp.demo`), for the families in
Family Help, from the start of the demo's collection year (or the day the family's first
episode opened, when later) to the demo's as-of date.

- A network named by each family: two to six relatives, friends, neighbours and faith
  or community members, each one's relationship to each child (the parent who lives
  apart, and a special guardian or a carer under a child arrangements order, hold
  parental responsibility), formal or informal; about one family in nine has no
  network, with the reason.
- Family group decision making: most families with a network are offered it or
  ask for it (some asked for by a school or a GP); a family with a child on a child
  protection plan or looked after has the statutory pre-proceedings offer, most made by
  the letter before proceedings, some after it (not in time). Accepted, declined and
  not held, with reasons; an accepted offer leads to a family network meeting or, at
  the pre-proceedings stage, a family group conference, where most families make their
  own plan: each line owned by a network member, and an action of the family plan.
- Who each child lives with: with their parents, except that a child the Family Help
  demo has looked after (a `cla` level) is in foster or residential care from the day
  that level began to the day before it ended, then home or, for some, with a relative
  under a special guardianship order; a few children live with a relative in informal
  kinship care or under a child arrangements order instead.

Everything goes through `networks.services` (every check holds; a family they refuse is
left out whole and counted in `refused`, which the tests hold at 0); the same demo
every time (seeded by the family). The support packages demo (`places.demo`, run
before) names a few network members for the families it pays: their network is those
members (none added), with offers and living arrangements made as for the others
(counted in `with_members_already`). A family with a no-network record or living
arrangements already is left as it is (counted in `already`).
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, timedelta
from typing import Any

from dateutil.relativedelta import relativedelta
from django.contrib.auth import get_user_model
from django.db import transaction

from wholefamily.web.families.models import Family, Person
from wholefamily.web.familyhelp.demo_plan import collection_year
from wholefamily.web.familyhelp.models import ChildLevel, Episode, Level
from wholefamily.web.networks import services as nw
from wholefamily.web.networks.models import (
    LivingArrangement,
    Meeting,
    NetworkMember,
    NoNetwork,
    Offer,
)
from wholefamily.web.protection.models import Plan

SEED = "wholefamily-demo-networks"

FIRST_NAMES = [
    "Margaret", "Pat", "Linda", "Sandra", "Janet", "Susan", "Carol", "Denise", "Donna",
    "Kerry", "Michelle", "Aisha", "Priya", "Fatima", "Grace", "Joy", "Bernadette",
    "Eileen", "Brian", "Keith", "Dave", "Gary", "Paul", "Steve", "Mark", "Tony", "Imran",
    "Tariq", "Kwame", "Emeka", "Sean", "Liam", "Rob", "Phil", "Colin", "Derek",
]  # fmt: skip
OTHER_SURNAMES = [
    "Hughes", "Patel", "Khan", "Evans", "Murphy", "Okafor", "Walsh", "Begum", "Clarke",
    "Price", "Osei", "Nowak", "Kaur", "Reid", "Barker", "Doyle", "Foster", "Lloyd",
]  # fmt: skip
PLACES = [
    "the same street", "the next village", "across town", "the other side of the county",
    "ten minutes' walk away", "a bus ride away", "Bristol", "Swindon", "Southampton",
]  # fmt: skip
NO_NETWORK = [
    "The family moved to the area this year and knows nobody here yet.",
    "The parent has lost touch with their relatives and names no friends who could help.",
    "The family's relatives live abroad and there is no one nearby they want to ask.",
    "The parent does not want relatives involved after a family breakdown; no friends named.",
]
DECLINED = [
    "The parents did not want relatives to know about the family's difficulties.",
    "The family felt they were managing with the help they already had.",
    "The parent said the network would not get on in one room.",
]
NOT_HELD = [
    "The family's relatives could not agree a date before the help ended.",
    "The coordinator could not reach the people the family named.",
    "The family moved away before the meeting could be arranged.",
]
COORDINATORS = ["Helen Ward", "Sam Ofori", "Jenny Lister", "Marcus Byrne"]
# (what the member will do, the support it needs: money or goods an FNSP might pay for)
PLAN_LINES = [
    ("Pick the children up from school on Tuesdays and Thursdays and give them tea", ""),
    ("Have the children to stay one weekend a month", "A sofa bed so the children can stay"),
    ("Take the children to and from school while their parent starts work", "Bus passes"),
    ("Call in every evening at bedtime for the first month", ""),
    ("Go with the parent to the GP and to the housing office", ""),
    ("Look after the baby on the parent's college days", "Help with childcare costs"),
    ("Take the eldest to football on Saturdays", "Football club subscription and boots"),
    ("Be the person the school rings if the parent cannot be reached", ""),
    ("Cook a meal for the family twice a week", "Help with the cost of food"),
]
OFFERS = [
    "Childcare after school",
    "Somewhere to stay when things are difficult",
    "Lifts to school and appointments",
    "Someone to talk to",
    "Help with shopping and meals",
    "Overnight stays at weekends",
]
# Turn by turn across the families (so a small county has some of each).
SOURCES = ["practitioner", "school", "practitioner", "gp", "family", "practitioner", "other"]
OUTCOMES = (
    ["accepted", "accepted", "declined", "accepted", "not_held"]
    + ["accepted"] * 3
    + [
        "declined",
        "accepted",
    ]
)
CARE_HOMES = ["Foster carers arranged by the council", "Foster carers (independent agency)"]
RESIDENTIAL = "A children's home arranged by the council"


def demo_networks(as_of: date, by: Any = None) -> dict[str, int]:
    """Make up the demo's networks, family group decision making and living
    arrangements (see the module) up to `as_of`; returns what was made."""
    by = by or get_user_model().objects.get(username="keyworker")
    made: defaultdict[str, int] = defaultdict(int)
    families = Family.objects.filter(episodes__isnull=False).distinct().order_by("family_id")
    care = _care_spans()
    on_plan = set(Plan.objects.values_list("child_id", flat=True))
    turns = Turns()
    done: set[int] = set()  # children given arrangements (a child in two families: once)
    with transaction.atomic():
        for f in families:
            if (
                NoNetwork.objects.filter(family=f).exists()
                or LivingArrangement.objects.filter(family=f).exists()
            ):
                made["already"] += 1
                continue
            kids = [k for k in nw.children_of(f) if k.pk not in done]
            if not kids:
                continue
            rng = random.Random(f"{SEED}:{f.family_id}")
            work = _Family(f, kids, by, as_of, rng, care, on_plan, turns)
            try:
                with transaction.atomic():
                    work.run()
            except nw.Refused:
                made["refused"] += 1
                continue
            done |= {k.pk for k in kids}
            made["families"] += 1
            for k, v in work.stats.items():
                made[k] += v
    return dict(made)


def _care_spans() -> dict[int, list[tuple[date, date | None]]]:
    """Child pk -> the days they were looked after, from the Family Help levels: each
    span from a `cla` level's first day to the day it ended (not itself in care), or
    open; spans that meet are joined."""
    spans: dict[int, list[tuple[date, date | None]]] = defaultdict(list)
    rows = ChildLevel.objects.filter(level=Level.CLA).order_by("child_id", "started_on", "id")
    for child, start, end in rows.values_list("child_id", "started_on", "ended_on"):
        if end is not None and end <= start:
            continue
        mine = spans[child]
        if mine and mine[-1][1] is not None and start <= mine[-1][1]:
            last_end = mine[-1][1]
            mine[-1] = (mine[-1][0], None if end is None else max(end, last_end))
        elif mine and mine[-1][1] is None:
            continue
        else:
            mine.append((start, end))
    return dict(spans)


class Turns:
    """Counters that go round: `next("source", 7)` is 0, 1, ... 6, 0, ... on successive
    calls, so that the rarer cases come up on a small county too."""

    def __init__(self) -> None:
        self.at: defaultdict[str, int] = defaultdict(int)

    def next(self, name: str, n: int) -> int:
        at = self.at[name]
        self.at[name] += 1
        return at % n


class _Family:
    """One family's network, offers, meetings and arrangements, through the services."""

    def __init__(
        self,
        family: Family,
        kids: list[Person],
        by: Any,
        as_of: date,
        rng: random.Random,
        care: dict[int, list[tuple[date, date | None]]],
        on_plan: set[int],
        turns: Turns,
    ) -> None:
        self.turns = turns
        self.f, self.kids, self.by, self.as_of, self.rng = family, kids, by, as_of, rng
        self.care, self.on_plan = care, on_plan
        self.since = nw.known_since(family)
        opened = (
            Episode.objects.filter(family=family)
            .order_by("opened_on")
            .values_list("opened_on", flat=True)
        ).first()
        # From the start of the demo's collection year (or the episode, when later).
        year_first = collection_year(as_of)[0]
        self.start = min(max(opened or self.since, self.since, year_first), as_of)
        self.surname = next((k.surname for k in kids if k.surname), "") or "Smith"
        # Members another demo made (the support packages' payees) are the network.
        self.members: list[NetworkMember] = list(
            NetworkMember.objects.filter(family=family, ended_on__isnull=True).order_by("id")
        )
        self.stats: defaultdict[str, int] = defaultdict(int)

    def day(self, d: date) -> date:
        """`d`, kept from the family's first day to the as-of date."""
        return min(max(d, self.start), self.as_of)

    def run(self) -> None:
        looked_after = any(k.pk in self.care for k in self.kids)
        if self.members:
            self.stats["with_members_already"] += 1
            self._fgdm()
        elif not looked_after and self.turns.next("network", 9) == 4:
            nw.record_no_network(
                self.f,
                self.day(self.start + timedelta(days=self.rng.randint(3, 20))),
                self.rng.choice(NO_NETWORK),
                self.by,
                today=self.as_of,
            )
            self.stats["no_network"] += 1
        else:
            self._network()
            self._fgdm()
        for k in self.kids:
            self._arrangements(k)

    # --- The network ------------------------------------------------------------------

    def _name(self, first: str, relative: bool) -> str:
        taken = {m.name for m in self.members}
        surname = self.surname if relative and self.rng.random() < 0.6 else None
        while True:
            name = f"{first} {surname or self.rng.choice(OTHER_SURNAMES)}"
            if name not in taken:
                return name
            first, surname = self.rng.choice(FIRST_NAMES), None

    def _add(self, kind: str, to: str, *, pr: bool = False, support: str = "informal") -> None:
        rng = self.rng
        first = rng.choice(FIRST_NAMES)
        relative = kind == "relative"
        lead_in = rng.randint(0, 14)
        member = nw.add_member(
            self.f,
            self._name(first, relative),
            kind,
            [nw.Tie(k, to, pr) for k in self.kids],
            self.day(self.start + timedelta(days=lead_in)),
            self.by,
            lives_at=rng.choice(PLACES),
            phone=f"07700 900{rng.randint(0, 999):03d}" if rng.random() < 0.7 else "",
            offers=rng.choice(OFFERS),
            support=support,
            today=self.as_of,
        )
        self.members.append(member)
        self.stats["members"] += 1
        self.stats[f"{kind}s"] += 1
        if pr:
            self.stats["with_parental_responsibility"] += 1

    def _network(self) -> None:
        rng = self.rng
        self._add("relative", "grandparent")
        if rng.random() < 0.35:  # the parent who lives apart
            self._add("relative", "parent", pr=True)
        if rng.random() < 0.6:
            self._add("relative", "aunt_uncle")
        if rng.random() < 0.15:
            self._add("relative", "great_grandparent")
        if rng.random() < 0.5:
            self._add("friend", "family_friend")
        if rng.random() < 0.4:
            self._add("neighbour", "neighbour")
        if rng.random() < 0.25:
            self._add("community", "community", support=rng.choice(["informal", "formal"]))

    # --- Family group decision making ---------------------------------------------------

    def _fgdm(self) -> None:
        rng = self.rng
        statutory = any(k.pk in self.care or k.pk in self.on_plan for k in self.kids)
        if not statutory and rng.random() < 0.25:
            return  # not offered (yet)
        made_on = self.day(self.start + timedelta(days=rng.randint(14, 60)))
        letter = None
        if statutory:
            letter = self._letter()
            late = self.turns.next("letter", 5) == 2
            shift = rng.randint(3, 25) if late else -rng.randint(0, 30)
            made_on = self.day(letter + timedelta(days=shift))
            letter = min(letter, self.as_of)
            source = "practitioner"
        else:
            source = SOURCES[self.turns.next("source", len(SOURCES))]
        offer = nw.record_offer(
            self.f,
            source,
            made_on,
            self.by,
            pre_proceedings=statutory,
            letter_before_proceedings_on=letter,
            today=self.as_of,
        )
        self.stats["offers"] += 1
        self.stats[f"offers_{source}"] += 1
        if statutory:
            self.stats["pre_proceedings"] += 1
            self.stats["in_time"] += bool(offer.in_time)
        outcome_on = made_on + timedelta(days=rng.randint(2, 14))
        if outcome_on > self.as_of:
            return  # waiting for the family's answer
        outcome = OUTCOMES[self.turns.next("outcome", len(OUTCOMES))]
        if outcome == "declined":
            nw.record_outcome(
                offer, "declined", outcome_on, self.by, rng.choice(DECLINED), self.as_of
            )
            self.stats["declined"] += 1
            return
        if outcome == "not_held":
            nw.record_outcome(
                offer, "not_held", outcome_on, self.by, rng.choice(NOT_HELD), self.as_of
            )
            self.stats["not_held"] += 1
            return
        nw.record_outcome(offer, "accepted", outcome_on, self.by, today=self.as_of)
        self.stats["accepted"] += 1
        held_on = outcome_on + timedelta(days=rng.randint(7, 28))
        if held_on > self.as_of:
            return  # being arranged
        self._meeting(offer, held_on, statutory)

    def _letter(self) -> date:
        """The letter before proceedings: some weeks into the first plan or before care."""
        days = [s for k in self.kids for s, _ in self.care.get(k.pk, [])]
        days += list(Plan.objects.filter(child__in=self.kids).values_list("started_on", flat=True))
        first = min(days) if days else self.start
        return self.day(first + timedelta(days=self.rng.randint(20, 80)))

    def _meeting(self, offer: Offer, held_on: date, statutory: bool) -> None:
        rng = self.rng
        came = [m for m in self.members if m.added_on <= held_on]
        if len(came) > 2:
            came = rng.sample(came, rng.randint(2, len(came)))
        plan = bool(came) and self.turns.next("plan", 7) != 3
        lines = []
        if plan:
            for m, (what, support) in zip(
                came, rng.sample(PLAN_LINES, min(len(came), 3)), strict=False
            ):
                lines.append(
                    nw.Line(m, what, held_on + timedelta(days=rng.randint(14, 90)), support)
                )
        conference = statutory or self.turns.next("meeting", 3) == 1
        kind = "conference" if conference else "network_meeting"
        nw.record_meeting(
            self.f,
            kind,
            rng.choice(COORDINATORS),
            held_on,
            came,
            Meeting.Outcome.PLAN if plan else Meeting.Outcome.NO_PLAN,
            self.by,
            others="The parents\nThe lead practitioner",
            private_family_time=kind == "conference" or rng.random() < 0.5,
            offer=offer,
            plan=lines,
            today=self.as_of,
        )
        self.stats["meetings"] += 1
        self.stats[kind] += 1
        self.stats["plans"] += plan
        self.stats["plan_lines"] += len(lines)

    # --- Who each child lives with --------------------------------------------------------

    def _carer(self, child: Person, on: date) -> NetworkMember | None:
        kin = [
            m
            for m in self.members
            if m.kind == "relative"
            and m.added_on <= on
            and m.relationships.filter(child=child)
            .exclude(relationship="great_grandparent")
            .exists()
        ]
        return self.rng.choice(kin) if kin else None

    def _put(
        self,
        child: Person,
        kind: str,
        start: date,
        end: date | None,
        carer: NetworkMember | None = None,
        carer_name: str = "",
    ) -> None:
        if end is not None and end > self.as_of:
            end = None
        nw.record_arrangement(
            self.f,
            child,
            kind,
            start,
            self.by,
            carer=carer,
            carer_name=carer_name,
            ended_on=end,
            today=self.as_of,
        )
        self.stats[f"arrangements_{kind}"] += 1

    def _adult_on(self, child: Person) -> date | None:
        """The day before the child's 18th birthday, when it is by the as-of date."""
        if child.dob is None:
            return None
        last = child.dob + relativedelta(years=18) - timedelta(days=1)
        return last if last <= self.as_of else None

    def _responsible(self, carer: NetworkMember, child: Person) -> None:
        """A special guardian, or a carer the child lives with under a child
        arrangements order, holds parental responsibility for the child."""
        ties = [
            nw.Tie(r.child, r.relationship, r.parental_responsibility or r.child_id == child.pk)
            for r in carer.relationships.select_related("child")
        ]
        nw.edit_member(
            carer,
            carer.name,
            carer.kind,
            ties,
            self.by,
            lives_at=carer.lives_at,
            phone=carer.phone,
            email=carer.email,
            offers=carer.offers,
            support="formal",
        )
        self.stats["with_parental_responsibility"] += 1

    def _arrangements(self, child: Person) -> None:
        rng = self.rng
        first = self.start
        if child.dob is not None and child.dob > first:
            first = min(child.dob, self.as_of)
        adult = self._adult_on(child)
        if adult is not None and adult < first:
            return  # grown up before the help began
        day = first
        # Care that began before the demo's first day begins when it did (as far back
        # as the family is known), so the child did not enter care on that day.
        born = child.dob or self.since
        spans = [
            (max(s, self.since, born), e)
            for s, e in self.care.get(child.pk, [])
            if e is None or e - timedelta(days=1) >= first
        ]
        for s, e in spans:
            if s > day:
                self._put(child, "parents", day, s - timedelta(days=1))
            young = child.dob is None or (s - child.dob).days < 12 * 365
            kind = "foster" if young or rng.random() < 0.6 else "residential"
            name = rng.choice(CARE_HOMES) if kind == "foster" else RESIDENTIAL
            until = None if e is None else e - timedelta(days=1)
            if adult is not None and (until is None or until > adult):
                until = adult
            self._put(child, kind, s, until, carer_name=name)
            if until is None or until >= self.as_of or until == adult:
                return
            day = until + timedelta(days=1)
        if day > self.as_of or (adult is not None and day > adult):
            return
        end = adult
        left_care = bool(spans)
        carer = self._carer(child, day) if self.members else None
        if left_care and carer is not None and self.turns.next("sgo", 3) == 0:
            self._put(child, "sgo", day, end, carer=carer)
            self._responsible(carer, child)
            return
        turn = self.turns.next("kin", 12) if not left_care and carer is not None else -1
        if turn in (0, 6):
            # Home first, then with a relative: informally, or under an order.
            move = day + timedelta(days=rng.randint(30, 240))
            if move < self.as_of and (end is None or move < end):
                self._put(child, "parents", day, move - timedelta(days=1))
                kind = "informal_kinship" if turn == 0 else "cao"
                self._put(child, kind, move, end, carer=carer)
                if kind == "cao":
                    self._responsible(carer, child)
                return
        self._put(child, "parents", day, end)
