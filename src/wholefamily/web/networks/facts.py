"""A family's network in words, for its page, its map and its chronology: each member's
relationship to each child, parental responsibility, where they live, how to reach them,
what they offer, formal or informal; the household; the offers, meetings and plans of
family group decision making; who each child lives with."""

from __future__ import annotations

from datetime import date
from typing import Any

from wholefamily.web.families import labels
from wholefamily.web.families.models import Family, Person
from wholefamily.web.familyhelp.access import name_of
from wholefamily.web.familyhelp.history import day, in_sentence
from wholefamily.web.networks import map as network_map
from wholefamily.web.networks.models import (
    LivingArrangement,
    Meeting,
    NetworkMember,
    NoNetwork,
    Offer,
    Relationship,
)


def first_name(p: Person) -> str:
    return p.forename or str(p)


def relationship_words(m: NetworkMember, kids: list[Person]) -> str:
    """ "Grandparent" when they are the same to every child, else "Grandparent to Jade,
    family friend to Tom"."""
    ties = {r.child_id: r for r in m.relationships.all()}
    words = [(r.child_id, Relationship.To(r.relationship).label) for r in ties.values()]
    named = {k.pk: first_name(k) for k in kids}
    if len({w for _, w in words}) == 1 and len(words) == len(kids):
        return words[0][1]
    out = [f"{w} to {named.get(c, '')}" for c, w in words]
    return ", ".join(out[:1] + [in_sentence(o) for o in out[1:]])


def responsibility_words(m: NetworkMember, kids: list[Person]) -> str:
    named = {k.pk: first_name(k) for k in kids}
    who = [named.get(r.child_id, "") for r in m.relationships.all() if r.parental_responsibility]
    if not who:
        return "No"
    return "For " + (" and ".join(who) if len(who) < 3 else ", ".join(who[:-1]) + " and " + who[-1])


def contact_words(m: NetworkMember) -> str:
    return ", ".join(x for x in (m.phone, m.email) if x) or "Not recorded"


def generation(m: NetworkMember) -> int:
    gens = [Relationship.GENERATION.get(r.relationship, 1) for r in m.relationships.all()]
    return max(gens) if gens else 1


def member_rows(family: Family, kids: list[Person]) -> list[dict[str, Any]]:
    rows = []
    for m in family.network.prefetch_related("relationships"):  # type: ignore[attr-defined]
        rows.append(
            {
                "m": m,
                "relationship": relationship_words(m, kids),
                "pr": responsibility_words(m, kids),
                "contact": contact_words(m),
                "kind": NetworkMember.Kind(m.kind).label,
                "support": "Formal" if m.support == NetworkMember.Support.FORMAL else "Informal",
            }
        )
    return rows


def household(family: Family, today: date) -> list[network_map.Node]:
    nodes = []
    for mem in (
        family.member_set.filter(current=True)
        .select_related("person")
        .order_by("role", "person__dob")
    ):
        age = labels.age_on(mem.person.dob, today)
        role = labels.role_label(mem.role)
        line = f"{role}, {age}" if age is not None else role
        gen = 0 if mem.role == "CHILD" else 1
        nodes.append(network_map.Node(str(mem.person), [line], gen))
    return nodes


def draw_map(family: Family, family_name: str, rows: list[dict[str, Any]], today: date) -> str:
    now = [r for r in rows if r["m"].ended_on is None]
    home = household(family, today)
    members = [
        network_map.Node(
            r["m"].name,
            [r["relationship"]]
            + ([f"Parental responsibility: {r['pr'][4:]}"] if r["pr"] != "No" else []),
            generation(r["m"]),
            r["m"].support == NetworkMember.Support.FORMAL,
        )
        for r in now
    ]
    who = ", ".join(n.name for n in home) or "nobody recorded"
    said = "; ".join(
        f"{r['m'].name}, {in_sentence(r['relationship'])}, {r['support'].lower()} support"
        for r in now
    )
    description = (
        f"The household: {who}. "
        + (f"The network: {said}." if said else "Nobody is recorded in the network.")
        + " The same facts are in the table of the network."
    )
    return network_map.draw(home, members, f"Network map of the {family_name}", description)


def offer_rows(family: Family, may: bool) -> list[dict[str, Any]]:
    rows = []
    for o in Offer.objects.filter(family=family).select_related("by"):
        in_time = o.in_time
        rows.append(
            {
                "o": o,
                "source": Offer.Source(o.source).label,
                "in_time": ""
                if in_time is None
                else ("Made in time" if in_time else "Made after the letter"),
                "outcome": Offer.Outcome(o.outcome).label if o.outcome else "",
                "may_outcome": may and not o.outcome,
            }
        )
    return rows


def meeting_rows(family: Family, may: bool) -> list[dict[str, Any]]:
    rows = []
    found = (
        Meeting.objects.filter(family=family)
        .select_related("offer")
        .prefetch_related("came", "plan__member", "plan__action")
    )
    for mt in found:
        came = [m.name for m in mt.came.all()]
        came += [line.strip() for line in mt.others.splitlines() if line.strip()]
        rows.append(
            {
                "mt": mt,
                "kind": Meeting.Kind(mt.kind).label,
                "came": came,
                "outcome": Meeting.Outcome(mt.outcome).label,
                "plan": list(mt.plan.all()),
                "may_add": may and mt.outcome == Meeting.Outcome.PLAN,
            }
        )
    return rows


def _span(a: LivingArrangement) -> str:
    return (
        f"{day(a.started_on)} to {day(a.ended_on)}" if a.ended_on else f"since {day(a.started_on)}"
    )


def carer_words(a: LivingArrangement) -> str:
    if a.carer is not None:
        return a.carer.name
    return a.carer_name


def arrangement_words(a: LivingArrangement) -> str:
    who = carer_words(a)
    kind = LivingArrangement.Kind(a.kind).label
    return f"{kind}{f' ({who})' if who else ''}, {_span(a)}"


def arrangement_rows(family: Family, kids: list[Person], may: bool) -> list[dict[str, Any]]:
    found = LivingArrangement.objects.filter(family=family).select_related("carer")
    by_child: dict[int, list[LivingArrangement]] = {}
    for a in found.order_by("-started_on", "-id"):
        by_child.setdefault(a.child_id, []).append(a)
    return [
        {
            "child": k,
            "now": next((a for a in by_child.get(k.pk, []) if a.ended_on is None), None),
            "history": [
                {"a": a, "words": arrangement_words(a), "may_end": may and a.ended_on is None}
                for a in by_child.get(k.pk, [])
            ],
        }
        for k in kids
    ]


def _item(on: date, code: str, title: str, detail: str, by: Any, at: Any) -> dict[str, Any]:
    return {
        "on": on,
        "kind": "network",
        "code": code,
        "title": title,
        "detail": detail,
        "by": name_of(by),
        "at": at,
    }


def items(family: Family) -> list[dict[str, Any]]:
    """Each dated thing of the network for the family's chronology, in words."""
    kids = [m.person for m in family.member_set.filter(role="CHILD").select_related("person")]
    out = []
    for m in family.network.select_related("by").prefetch_related("relationships"):  # type: ignore[attr-defined]
        rel = relationship_words(m, kids)
        out.append(
            _item(
                m.added_on,
                "member_added",
                "Joined the family’s network",
                f"{m.name}: {rel}.",
                m.by,
                m.at,
            )
        )
        if m.ended_on:
            out.append(
                _item(m.ended_on, "member_ended", "Left the family’s network", m.name, None, None)
            )
    for n in NoNetwork.objects.filter(family=family).select_related("by"):
        out.append(_item(n.on, "no_network", "No network to draw on", n.reason, n.by, n.at))
    for o in Offer.objects.filter(family=family).select_related("by"):
        detail = Offer.Source(o.source).label
        if o.pre_proceedings and o.letter_before_proceedings_on:
            when = "in time" if o.in_time else "after the letter"
            letter = day(o.letter_before_proceedings_on)
            detail += f". Pre-proceedings: letter before proceedings {letter}, offer made {when}"
        out.append(
            _item(
                o.made_on, "fgdm_offer", "Family group decision making offered", detail, o.by, o.at
            )
        )
        if o.outcome and o.outcome_on:
            said = Offer.Outcome(o.outcome).label + (f": {o.reason}" if o.reason else "")
            out.append(
                _item(
                    o.outcome_on, "fgdm_outcome", "Family group decision making", said, None, None
                )
            )
    for mt in (
        Meeting.objects.filter(family=family).select_related("by").prefetch_related("plan__member")
    ):
        plan = "; ".join(f"{p.member.name}: {p.what}" for p in mt.plan.all())
        detail = f"Coordinated by {mt.coordinator}. {Meeting.Outcome(mt.outcome).label}" + (
            f": {plan}" if plan else ""
        )
        out.append(
            _item(mt.held_on, "fgdm_meeting", Meeting.Kind(mt.kind).label, detail, mt.by, mt.at)
        )
    for a in LivingArrangement.objects.filter(family=family).select_related("child", "carer", "by"):
        out.append(
            _item(
                a.started_on,
                "living",
                f"Where {a.child} lives",
                arrangement_words(a),
                a.by,
                a.at,
            )
        )
    return out
