"""The demo's Family Help and child protection: `wholefamily demo` makes up, after the
Supporting Families case work (`web.demo.demo_casework`), the work of children's
services from the start of the last whole collection year before the linkage's as-of
date T (1 April to 31 March: 2025-26 on the demo county as of 30 September 2026) to T,
consistent with the county's `social_care` extract.

The children with episodes there, read from the warehouse with the person ids the
linkage gave them, are the children in the case plane with Family Help: each with
their levels at the extract's dates, each child protection episode a plan (see
`demo_plan` for the rules, and what is made up around the extract: strategy
discussions and conferences, assessments, requests for help and contacts, the
multi-agency team and the offer to parents, closures). Their families are in the case
database because `web sync` brings every family children's services worked with.
Supporting Families cases in work become Family Help episodes at the targeted level
(`services.episode_of`) on the day their work began.

Everything goes through `familyhelp.services` and `protection.services`, so every
check they make holds; a family the services refuse is left out whole and counted
(`refused`, which the tests hold at 0). The same demo every time (seeded).
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q

from wholefamily import warehouse as W
from wholefamily.web.accounts.models import Profile, Role
from wholefamily.web.families.models import Family, Member, Origin, Person, Status
from wholefamily.web.familyhelp import services as fh
from wholefamily.web.familyhelp.demo_events import Event, family_events
from wholefamily.web.familyhelp.demo_plan import (
    Cadence,
    ChildPlan,
    Spell,
    collection_year,
    plan_child,
)
from wholefamily.web.familyhelp.measures import level_changes
from wholefamily.web.familyhelp.models import (
    REFERRAL_DECISIONS,
    Assessment,
    ChildLevel,
    Episode,
    Level,
    Request,
)
from wholefamily.web.protection import services as cp
from wholefamily.web.protection.models import Enquiry, Plan, StrategyDiscussion, TeamMember
from wholefamily.workdays import is_working_day

SEED = "wholefamily-demo-family-help"
# The demo's practitioners besides the demo accounts (not logins: no password is shown).
PRACTITIONERS = [
    ("socialworker", "Ruth", "Okoro", Role.KEY_WORKER, "Children's social care"),
    ("healthvisitor", "Grace", "Mensah", Role.PARTNER, "Wessex community health visiting"),
]
CONFERENCE = (
    "Independent chair\nLead child protection practitioner\nWessex Police\n"
    "Health visitor or school nurse\nThe child's school\nThe parents"
)
STRATEGY = "Lead child protection practitioner\nWessex Police\nHealth\nThe child's school"


@dataclass
class Extract:
    as_of: date
    began: date | None  # the extract's first day
    spells: dict[str, list[Spell]] = field(default_factory=dict)  # person_id -> spells
    dob: dict[str, date | None] = field(default_factory=dict)
    category: dict[str, str] = field(default_factory=dict)  # of the latest spell


def read_extract(workspace: Path) -> Extract:
    """The `social_care` rows of the linked drop with the person each was linked to."""
    from wholefamily.frameworks.engine import linked_people
    from wholefamily.frameworks.identify import linked_as_of, open_linked
    from wholefamily.linkage.records import current_files

    con, drop_id = open_linked(workspace, None)
    try:
        out = Extract(linked_as_of(con), None)
        files = current_files(con, drop_id)
        if "social_care" not in files:
            return out
        rows_people, people = linked_people(con)
        sc = con.table("src_social_care")
        sc = sc.filter((sc.file_id == files["social_care"]) & sc.start_date.notnull())
        rp = rows_people.filter(rows_people.source == "social_care")
        t = sc.join(rp, sc.row == rp.row).select(
            rp.person_id, sc.episode, sc.start_date, sc.end_date, sc.category
        )
        t = t.left_join(people, t.person_id == people.person_id).select(
            t.person_id, t.episode, t.start_date, t.end_date, t.category, people.dob
        )
        rows = t.order_by(["person_id", "start_date", "episode"]).to_pyarrow().to_pylist()
    finally:
        con.disconnect()
    for r in rows:
        if r["episode"] not in ("EARLY_HELP", "CIN", "CP", "CLA"):
            continue
        pid, start = str(r["person_id"]), W.as_date(r["start_date"])
        if start is None:
            continue
        spell = Spell(str(r["episode"]), start, W.as_date(r["end_date"]), str(r["category"] or ""))
        out.spells.setdefault(pid, []).append(spell)
        out.dob[pid] = W.as_date(r["dob"])
        out.category[pid] = spell.category
        out.began = min(out.began or start, start)
    return out


def practitioners() -> dict[str, Any]:
    """The demo's people by the names the events use (the demo accounts must exist)."""
    users = get_user_model().objects
    manager = users.get(username="manager")
    team = manager.profile.team
    made = {}
    for key, (username, first, last, role, agency) in zip(("sw", "hv"), PRACTITIONERS, strict=True):
        u, created = users.get_or_create(
            username=username, defaults={"first_name": first, "last_name": last}
        )
        if created:
            u.set_unusable_password()  # a name on the case, not a login
            u.save(update_fields=["password"])
        Profile.objects.update_or_create(
            user=u,
            defaults={
                "role": role,
                "team": team if role == Role.KEY_WORKER else None,
                "agency": agency,
            },
        )
        made[key] = u
    return {
        "manager": manager,
        "kw": users.get(username="keyworker"),
        "kw2": users.get(username="keyworker2"),
        "partner": users.get(username="partner"),
        "cp": users.get(username="cpp"),  # the lead child protection practitioner
        **made,
    }


class _Apply:
    """One family's events carried out through the services, in order."""

    def __init__(self, family: Family, who: dict[str, Any], rng: random.Random) -> None:
        self.family, self.who, self.rng = family, who, rng
        self.people = {
            m.person.person_id: m.person
            for m in family.member_set.filter(current=True).select_related("person")
        }
        self.strategies: dict[str, StrategyDiscussion] = {}
        self.plans: dict[str, Plan] = {}
        self.assessments: dict[str, Assessment] = {}
        self.reviewed: set[date] = set()
        self.stats: defaultdict[str, int] = defaultdict(int)
        # The family's open episode, as the services return it (they keep it up to date).
        self.open: Episode | None = Episode.objects.filter(
            family=family, closed_on__isnull=True
        ).first()

    @property
    def episode(self) -> Episode:
        if self.open is None:
            raise fh.Refused("no open episode for an event that needs one")
        return self.open

    def run(self, events: list[Event]) -> None:
        for e in events:
            getattr(self, e.kind)(e.on, **e.data)

    def _kids(self, pids: list[str]) -> list[Person]:
        return [self.people[p] for p in pids]

    def contact(self, on: date, **d: Any) -> None:
        req = fh.record_request(
            self.family,
            self._kids(d["children"]),
            d["received_on"],
            d["source"],
            d["summary"],
            self.who["manager"],
            source_name=d["source_name"],
        )
        fh.decide(req, d["decision"], on, self.who["manager"])
        self.stats[d["decision"]] += 1

    def request(self, on: date, **d: Any) -> None:
        kids = self._kids(d["children"])
        req = fh.record_request(
            self.family,
            kids,
            d["received_on"],
            d["source"],
            d["summary"],
            self.who["manager"],
            source_name=d["source_name"],
        )
        lead = self.who.get(d["lead"])
        ep = fh.decide(req, d["decision"], on, self.who["manager"], lead=lead, level=d["level"])
        if ep is None:
            raise fh.Refused("a request for help that opened no episode")
        self.open = ep
        for kid in kids:
            now = fh.current_level(ep, kid)
            if now is not None and now.level != d["level"]:
                fh.change_level(ep, kid, d["level"], on, self.who["manager"], "Request for help")
        self.stats[d["decision"]] += 1

    def open_sf(self, on: date) -> None:
        self.open = fh.episode_of(self.family, self.who["manager"])

    def level(self, on: date, child: str, level: str, reason: str, lead: str | None) -> None:
        ep, kid = self.episode, self.people[child]
        now = fh.current_level(ep, kid)
        if now is None or now.level == level:
            return
        new_lead = None
        if lead == "sw" and ep.lead != self.who["sw"]:
            new_lead = self.who["sw"]
        elif lead == "fh":
            others = [k for k in ("kw", "kw2", "partner", "hv") if self.who[k] != ep.lead]
            new_lead = self.who[self.rng.choice(others)]
        fh.change_level(ep, kid, level, on, self.who["manager"], reason, lead=new_lead)

    def lead(self, on: date, to: str, reason: str) -> None:
        ep = self.episode
        if ep.lead != self.who[to]:
            fh.change_lead(ep, self.who[to], on, self.who["manager"], reason)

    def strategy(self, on: date, child: str, key: str) -> None:
        ep = self.episode
        cpp = self.who["cp"]
        s = cp.hold_strategy(ep, [self.people[child]], on, STRATEGY, cpp, "Section 47 enquiry.")
        self.strategies[key] = s
        if not TeamMember.objects.filter(episode=ep).exists():
            for role, name, agency, user in (
                ("lead", str(cpp.get_full_name()), "Children's social care", cpp),
                ("police", "DC Ravi Patel", "Wessex Police", None),
                ("health", "Alison Reed", "Wessex NHS safeguarding team", None),
                ("education", "Joanne Clarke", "The child's school", None),
            ):
                cp.add_member(ep, role, name, agency, on, cpp, user=user)
            adults = [
                str(m.person)
                for m in self.family.member_set.filter(current=True, role="ADULT").select_related(
                    "person"
                )
            ]
            cp.offer_to_parents(
                ep,
                on,
                ", ".join(adults) or "The parents",
                "An advocate for the conference; what a child protection conference is and "
                "what to expect; how to bring a supporter.",
                cpp,
            )

    def outcome(self, on: date, key: str, outcome: str) -> None:
        enquiry = Enquiry.objects.filter(strategy=self.strategies[key]).get()
        cp.record_outcome(enquiry, on, outcome, self.who["cp"])

    def icpc(self, on: date, child: str, key: str, category: str, earlier: int) -> None:
        kid = self.people[child]
        conf = cp.initial_conference(
            self.strategies[key],
            on,
            CONFERENCE,
            {kid: category},
            self.who["cp"],
            earlier_plans={kid: earlier},
        )
        self.plans[key] = conf.plans.get(child=kid)

    def review(self, on: date, key: str, category: str) -> None:
        plan = Plan.objects.get(pk=self.plans[key].pk)
        if plan.ended_on is not None or on in self.reviewed:
            return
        changes = {plan: category} if category else None
        cp.review_conference(self.episode, on, CONFERENCE, self.who["cp"], categories=changes)
        self.reviewed.add(on)

    def plan_end(self, on: date, key: str, reason: str) -> None:
        plan = Plan.objects.get(pk=self.plans[key].pk)
        if plan.ended_on is not None:
            return
        # The level changes after (`level`): "cp" keeps it. A plan the extract ends at a
        # weekend ends without a conference.
        if on in self.reviewed or not is_working_day(on):
            cp.end_plan(plan, on, reason, self.who["cp"], step_to=Level.CP)
        else:
            cp.review_conference(
                self.episode,
                on,
                CONFERENCE,
                self.who["cp"],
                end={plan: reason},
                step_to=Level.CP,
            )
            self.reviewed.add(on)

    def assess_start(self, on: date, key: str, children: list[str]) -> None:
        ep = self.episode
        author = ep.lead if ep.lead != self.who["manager"] else self.who["sw"]
        self.assessments[key] = fh.start_assessment(ep, self._kids(children), on, author)

    def assess_complete(self, on: date, key: str, factors: list[str], need: str) -> None:
        a = self.assessments[key]
        summary = "Strengths and worries discussed with the family and the agencies."
        fh.complete_assessment(a, on, factors, summary, a.by, primary_need=need)

    def assess_authorise(self, on: date, key: str) -> None:
        fh.authorise_assessment(self.assessments[key], on, self.who["manager"])

    def close(self, on: date, reason: str) -> None:
        fh.close_episode(self.episode, on, reason, self.who["manager"])
        self.open = None
        self.stats["closed"] += 1


def demo_family_help(workspace: Path | None = None) -> dict[str, Any]:
    """Make up the demo's Family Help and child protection (see the module); returns
    what was made, and the collection year's census counts."""
    from wholefamily.frameworks.engine import EngineError

    try:
        extract = read_extract(workspace or settings.WORKSPACE)
    except (EngineError, W.WarehouseError) as exc:  # not linked: the demo goes on without
        return {"families": 0, "why": str(exc)}
    as_of = extract.as_of
    first, last = collection_year(as_of)
    who = practitioners()
    plans: dict[str, ChildPlan] = {}
    cadence = Cadence()
    for pid, spells in sorted(extract.spells.items()):
        rng = random.Random(f"{SEED}:{pid}")
        dob = extract.dob.get(pid)
        c = plan_child(pid, spells, dob, as_of, first, rng, extract.began, cadence)
        if c is not None:
            plans[pid] = c
    home: dict[str, str] = {}
    for pid, fid in (
        Member.objects.filter(
            person__person_id__in=list(plans), current=True, family__origin=Origin.DATA
        )
        .order_by("family__family_id")
        .values_list("person__person_id", "family__family_id")
    ):
        home.setdefault(pid, fid)
    by_family: dict[str, list[ChildPlan]] = defaultdict(list)
    for pid, c in plans.items():
        if pid in home:
            by_family[home[pid]].append(c)
    sf = dict(
        Family.objects.filter(
            status__in=[Status.ACTIVE, Status.STEPPED_UP],
            key_worker__isnull=False,
            started_on__isnull=False,
        ).values_list("family_id", "started_on")
    )
    made: defaultdict[str, Any] = defaultdict(int)
    made |= {"year": f"{first.year}-{str(last.year)[2:]}", "as_of": as_of}
    made["unplaced"] = len(plans) - sum(len(v) for v in by_family.values())
    made["adjusted"] = sum(c.adjusted for c in plans.values())
    families = Family.objects.filter(family_id__in=sorted({*by_family, *sf})).order_by("family_id")
    with transaction.atomic():
        for f in families:
            kids = sorted(by_family.get(f.family_id, []), key=lambda c: c.person_id)
            mine = {c.person_id for c in kids}
            siblings = sorted(
                m.person.person_id
                for m in f.member_set.filter(current=True, role="CHILD").select_related("person")
                if m.person.person_id not in mine
            )
            rng = random.Random(f"{SEED}:{f.family_id}")
            events = family_events(
                kids, extract.category, siblings, sf.get(f.family_id), as_of, first, rng, cadence
            )
            work = _Apply(f, who, rng)
            try:
                with transaction.atomic():
                    work.run(events)
            except fh.Refused:
                made["refused"] += 1
                continue
            made["families"] += 1
            for k, v in work.stats.items():
                made[k] += v
    made |= census_counts(first, last)
    changes = level_changes(date(1900, 1, 1), as_of)  # the ones the conferences made too
    made["step_ups"] = sum(c.children for c in changes if c.up)
    made["step_downs"] = sum(c.children for c in changes if not c.up)
    return dict(made)


def census_counts(first: date, last: date) -> dict[str, int]:
    """The children the collection year's Children in Need census counts (a referral,
    an assessment, a child in need level, a section 47 enquiry or a child protection
    plan in the year) and the child protection plans open at some time in it."""

    def overlaps(start: str, end: str) -> Q:
        return Q(**{f"{start}__lte": last}) & (
            Q(**{f"{end}__isnull": True}) | Q(**{f"{end}__gte": first})
        )

    children: set[int] = set()
    children |= set(
        Request.children.through.objects.filter(
            request__decision__in=REFERRAL_DECISIONS,
            request__received_on__gte=first,
            request__received_on__lte=last,
        ).values_list("person_id", flat=True)
    )
    children |= set(
        Assessment.children.through.objects.filter(
            overlaps("assessment__started_on", "assessment__authorised_on")
        ).values_list("person_id", flat=True)
    )
    children |= set(
        ChildLevel.objects.filter(overlaps("started_on", "ended_on"))
        .exclude(level=Level.TARGETED)
        .values_list("child_id", flat=True)
    )
    children |= set(
        Enquiry.objects.filter(overlaps("started_on", "completed_on")).values_list(
            "child_id", flat=True
        )
    )
    plans = Plan.objects.filter(overlaps("started_on", "ended_on"))
    children |= set(plans.values_list("child_id", flat=True))
    return {"census_children": len(children), "census_cp_plans": plans.count()}
