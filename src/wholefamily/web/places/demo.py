"""The demo's support packages and places: `wholefamily demo` makes up, after the Family
Help demo (`familyhelp.demo`), a year and a half of Family Network Support Packages
and of referrals to services on the demo county, to its as-of date (30 September 2026).

- Budgets: a Family Network Support Package budget and a commissioned services budget
  for each district, for 2025/26 and 2026/27, set by the head of service.
- Packages: for each family (up to `PACKAGE_FAMILIES`) with a child at the child in
  need or child protection level of its open Family Help, the network members the
  package pays (made here with the ORM, with their relationship to the child) and a
  family network meeting whose plan identified the support; then one or two packages
  proposed by the lead practitioner (one-off furniture, goods or activities; weekly
  childcare or transport; monthly housing costs), most approved (by the family's team
  manager when they may, else the head of service), a few refused with a reason, a few
  left waiting; the payments due up to the as-of date recorded; one payment reversed.
- Places: five services (the council's employment advisers and health trainers, a
  commissioned intensive family support service, a parenting programme and a
  debt and housing advice service) with places for both years; families worked with
  referred from an action of their plan to a service meeting one of their needs, on
  days through the period; some finish, turn a place down or leave the waiting list,
  each freed place offered to the next family waiting. The intensive service has
  few places, so families wait for it.

Everything goes through `payments.services` and `places.services`, in the order of
the days it happened, so every check they make holds; a step they refuse is left out
and counted (`refused`, which the tests hold at 0). The same demo every time (seeded).
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction

from wholefamily.web.casework.models import Action
from wholefamily.web.families.models import Family, Person, Status
from wholefamily.web.familyhelp.models import ChildLevel, Episode, Level
from wholefamily.web.familyhelp.services import Refused
from wholefamily.web.networks.models import Meeting, NetworkMember, PlanItem, Relationship
from wholefamily.web.payments import services as pay
from wholefamily.web.payments.models import Budget, Group, Kind, LedgerEntry, Package, State
from wholefamily.web.payments.money import pence, year_of
from wholefamily.web.places import services as S

SEED = "wholefamily-demo-support"
AS_OF = date(2026, 9, 30)
FIRST = date(2025, 4, 1)
PACKAGE_FAMILIES = 14
REFERRALS = 40
BUDGETS = {  # pounds, per district
    ("2025/26", Group.FNSP): 6_000,
    ("2026/27", Group.FNSP): 8_000,
    ("2025/26", Group.COMMISSIONED): 40_000,
    ("2026/27", Group.COMMISSIONED): 45_000,
}
NETWORK = [  # (name, kind, relationship to the child, what they offer)
    ("Margaret", "relative", "grandparent", "Has the children to stay at weekends"),
    ("Denise", "relative", "aunt_uncle", "Picks the children up from school twice a week"),
    ("Tom", "friend", "family_friend", "Takes the eldest to football"),
    ("Irene", "neighbour", "neighbour", "Gives the children tea after school"),
]
SURNAMES = ["Holloway", "Pearce", "Whitfield", "Dunmore", "Ashby", "Kendall", "Morrow"]
# (purpose, what, pounds each, frequency, weeks or months it runs)
PACKAGES = [
    ("furniture", "A sofa bed so the children can stay over", "320.00", "one_off", 0),
    ("goods", "School uniform and shoes", "145.50", "one_off", 0),
    ("activities", "A term of swimming lessons", "96.00", "one_off", 0),
    ("childcare", "After-school care on Tuesdays and Thursdays", "35.00", "weekly", 12),
    ("transport", "Bus fares to take the children to school", "18.40", "weekly", 10),
    ("housing", "Help with the rent of a bigger room", "150.00", "monthly", 4),
    ("bought_in", "A childminder for the school holidays", "420.00", "one_off", 0),
]
SERVICES = [  # (name, category, kind, provider, needs, intensity, places per year)
    ("Employment advisers", "employment", "internal", "The council’s employment team",
     ["WORK_FINANCE", "WORK", "FINANCE"], "regular", (12, 14)),
    ("Health trainers", "health_trainer", "internal", "Wessex public health",
     ["HEALTH", "SUBSTANCE_USE"], "light", (10, 10)),
    ("Intensive family support", "intensive", "commissioned", "Wessex Family Trust",
     ["CHILDREN_NEED_HELP", "CHILD_SAFETY", "DOMESTIC_ABUSE", "CRIME_ASB", "CRIME"],
     "intensive", (3, 4)),
    ("Positive parenting programme", "parenting", "commissioned", "Hearth Parenting CIC",
     ["EDUCATION", "EARLY_YEARS", "RELATIONSHIPS", "CHILDREN_NEED_HELP"], "regular", (8, 8)),
    ("Debt and housing advice", "other", "commissioned", "Casterbridge Citizens Advice",
     ["WORK_FINANCE", "FINANCE", "HOUSING"], "light", (6, 6)),
]  # fmt: skip
ENDINGS = ["Finished the programme", "Finished the programme", "Turned the place down",
           "Moved out of the county"]  # fmt: skip


@dataclass
class Made:
    counts: defaultdict[str, int] = field(default_factory=lambda: defaultdict(int))

    def add(self, key: str, n: int = 1) -> None:
        self.counts[key] += n


def _who() -> dict[str, Any]:
    users = get_user_model().objects
    return {u: users.get(username=u) for u in ("head", "manager", "analyst")}


def _budgets(head: Any, made: Made) -> None:
    for district in pay.known_districts():
        for (year, group), pounds_ in BUDGETS.items():
            if not Budget.objects.filter(year=year, district=district, group=group).exists():
                pay.set_budget(year, district, group, pounds_ * 100, head)
                made.add("budgets")


def _eligible() -> list[tuple[Family, Person, Episode]]:
    """Families with a child at the child in need or child protection level of an open
    episode led by someone still able to sign in: the family, that child, the episode."""
    out: list[tuple[Family, Person, Episode]] = []
    for lv in (
        ChildLevel.objects.filter(
            episode__closed_on__isnull=True,
            ended_on__isnull=True,
            level__in=[Level.CIN, Level.CP],
            episode__lead__is_active=True,
        )
        .select_related("episode__family", "episode__lead", "child")
        .order_by("episode__family__family_id", "child__person_id")
    ):
        if not out or out[-1][0].pk != lv.episode.family_id:
            out.append((lv.episode.family, lv.child, lv.episode))
    return out


def _network(family: Family, child: Person, on: date, rng: random.Random, by: Any) -> Meeting:
    """Two or three network members, and the family network meeting whose plan names
    what each will do and the support it needs."""
    surname = rng.choice(SURNAMES)
    meeting = Meeting.objects.create(
        family=family, kind=Meeting.Kind.NETWORK_MEETING, coordinator="Jo Whitlock",
        held_on=on, outcome=Meeting.Outcome.PLAN, by=by,
        notes="The family and their network agreed who will help, and with what.",
    )  # fmt: skip
    for name, kind, rel, offers in rng.sample(NETWORK, rng.choice([2, 3])):
        m = NetworkMember.objects.create(
            family=family, name=f"{name} {surname}", kind=kind, offers=offers,
            lives_at="Casterbridge", added_on=on - timedelta(days=14), by=by,
        )  # fmt: skip
        Relationship.objects.create(member=m, child=child, relationship=rel)
        meeting.came.add(m)
        PlanItem.objects.create(
            meeting=meeting, member=m, what=offers, by_when=on + timedelta(days=60),
            support_needed="Money or goods so they can help",
        )  # fmt: skip
    return meeting


def _packages(who: dict[str, Any], made: Made) -> None:
    families = _eligible()[:PACKAGE_FAMILIES]
    span = (AS_OF - FIRST).days - 60
    for i, (family, child, episode) in enumerate(families):
        rng = random.Random(f"{SEED}:{family.family_id}")
        met = FIRST + timedelta(days=rng.randrange(span))
        meeting = _network(family, child, met, rng, episode.lead)
        payees = list(meeting.came.order_by("id"))
        for k in range(1 + (i % 3 == 0)):
            purpose, what, each, frequency, n = PACKAGES[(i + 3 * k) % len(PACKAGES)]
            starts = min(met + timedelta(days=14 + 30 * k), AS_OF - timedelta(days=7))
            ends = None
            if frequency == "weekly":
                ends = starts + timedelta(weeks=n - 1)
            elif frequency == "monthly":
                ends = starts + timedelta(days=31 * (n - 1))
            budget = Budget.objects.filter(
                year=year_of(starts), district=family.district, group=Group.FNSP
            ).first()
            if budget is None:  # a family with no district: no budget to draw on
                made.add("refused")
                continue
            try:
                p = pay.propose(
                    family, child, payees[k % len(payees)], purpose, what,
                    pence(each), frequency, starts, ends, budget, episode.lead,
                    meeting=meeting,
                )  # fmt: skip
            except Refused:
                made.add("refused")
                continue
            made.add("proposed")
            _decide(p, i, k, starts, who, made)


def _decide(p: Package, i: int, k: int, starts: date, who: dict[str, Any], made: Made) -> None:
    if i % 7 == 6 and k == 0:
        return  # left waiting for a decision
    on = starts - timedelta(days=5)
    refuse = i % 5 == 4
    reason = "The network member’s own benefits cover it" if refuse else ""
    deciders = [who["manager"], who["head"]]
    if pay.needs_head(p) or who["manager"].pk == p.proposed_by_id:
        deciders = [who["head"]]
    for by in deciders:
        try:
            pay.decide(p, not refuse, by, reason=reason, today=on)
        except Refused:
            continue
        made.add("refused_packages" if refuse else "approved")
        return
    made.add("refused")


def _payments(who: dict[str, Any], made: Made) -> None:
    paid = pay.record_payments(AS_OF, who["head"], today=AS_OF)
    made.add("payments", len(paid))
    first = (
        LedgerEntry.objects.filter(kind=Kind.PAYMENT, reverses__isnull=True)
        .filter(package__frequency="weekly")
        .order_by("on", "id")
        .first()
    )
    if first is not None:
        pay.reverse(first, who["head"], "Paid twice by the bank", today=first.on + timedelta(7))
        made.add("reversals")


def _services(analyst: Any, made: Made) -> list[Any]:
    out = []
    for name, category, kind, provider, needs, intensity, (p25, p26) in SERVICES:
        known = [n for n in needs if n in S.need_codes()]
        s = S.Service.objects.filter(name=name).first() or S.save_service(
            analyst, name, category, kind, provider, known, intensity
        )
        S.set_places(s, "2025/26", p25, analyst)
        S.set_places(s, "2026/27", p26, analyst)
        out.append(s)
        made.add("services")
    return out


def _referrals(who: dict[str, Any], made: Made) -> None:
    services = _services(who["analyst"], made)
    families = list(
        Family.objects.filter(status=Status.ACTIVE, key_worker__isnull=False).order_by("family_id")
    )
    rng = random.Random(f"{SEED}:referrals")
    rng.shuffle(families)
    events: list[tuple[date, int, str, Any]] = []
    span = (AS_OF - FIRST).days
    for n, f in enumerate(families[:REFERRALS]):
        needs = S.family_needs(f)
        fits = [s for s in services if needs & set(s.need_list)]
        if not fits:
            continue
        # The intensive service first where it fits: it is the one families wait for.
        intensive = [s for s in fits if s.category == "intensive"]
        s = intensive[0] if intensive and rng.random() < 0.7 else rng.choice(fits)
        on = FIRST + timedelta(days=rng.randrange(span - 30))
        events.append((on, n, "refer", (f, s)))
        events.append((on + timedelta(days=rng.randrange(7, 21)), n, "start", None))
        # Intensive support lasts: few of its families finish within the period.
        if rng.random() < (0.25 if s.category == "intensive" else 0.6):
            events.append((on + timedelta(days=rng.randrange(40, 200)), n, "end", None))
    order = {"refer": 0, "start": 1, "end": 2}
    events.sort(key=lambda e: (e[0], e[1], order[e[2]]))
    referral: dict[int, Any] = {}
    for on, n, what, data in events:
        if on > AS_OF:
            continue
        try:
            with transaction.atomic():
                if what == "refer":
                    f, s = data
                    action = Action.objects.create(
                        family=f, part=Action.Part.WORKER, text=f"Referral to {s.name}",
                        owner=str(f.key_worker.get_full_name()), due=on + timedelta(days=90),
                        created_by=f.key_worker,
                    )  # fmt: skip
                    referral[n] = S.refer(f, action, s, on, f.key_worker, AS_OF)
                    made.add("referrals")
                elif what == "start" and n in referral:
                    # Most families take up a place within a few weeks of its offer.
                    r = S.Referral.objects.get(pk=referral[n].pk)
                    if r.state == S.State.OFFERED and r.offered_on and rng.random() < 0.8:
                        S.start(r, r.offered_on + timedelta(days=rng.randrange(3, 10)) if
                                r.offered_on + timedelta(days=10) <= AS_OF else r.offered_on,
                                r.by, AS_OF)  # fmt: skip
                        made.add("started")
                elif n in referral:
                    r = S.Referral.objects.get(pk=referral[n].pk)
                    reason = rng.choice(ENDINGS) if r.holds_place else "No longer needed"
                    S.end(r, max(on, r.started_on or r.offered_on or r.referred_on), reason,
                          r.by, AS_OF)  # fmt: skip
                    made.add("ended")
        except Refused:
            made.add("refused")


def demo_support() -> dict[str, int]:
    """Make up the demo's support packages and places (see the module); returns what
    was made. Needs the demo accounts."""
    who = _who()
    made = Made()
    with transaction.atomic():
        _budgets(who["head"], made)
        _packages(who, made)
        _payments(who, made)
        _referrals(who, made)
    counts = dict(made.counts)
    counts["waiting"] = S.Referral.objects.filter(state=S.State.WAITING).count()
    counts["paid_pence"] = sum(
        LedgerEntry.objects.filter(kind=Kind.PAYMENT).values_list("pence", flat=True)
    )
    counts["left_proposed"] = Package.objects.filter(state=State.PROPOSED).count()
    return counts
