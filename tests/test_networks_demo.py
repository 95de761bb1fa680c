"""The demo's family networks, family group decision making and living arrangements on
the small test county, after the Supporting Families and Family Help demos: made through
the services (nothing refused), consistent with the Family Help demo's looked-after
levels, with something of every kind for the figures to count, and the same each time."""

from __future__ import annotations

import itertools
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model

from wholefamily.frameworks.identify import identify
from wholefamily.ingest import load_drop
from wholefamily.linkage import link
from wholefamily.synth import SynthConfig, generate
from wholefamily.web.casework.models import Action
from wholefamily.web.families.models import Family
from wholefamily.web.families.sync import sync
from wholefamily.web.familyhelp.demo_plan import collection_year
from wholefamily.web.familyhelp.models import ChildLevel, Level
from wholefamily.web.networks import measures as K
from wholefamily.web.networks import services as nw
from wholefamily.web.networks.models import (
    LivingArrangement,
    Meeting,
    NetworkMember,
    NoNetwork,
    Offer,
    PlanItem,
    Relationship,
)

AS_OF = date(2025, 9, 30)
FIRST, LAST = collection_year(AS_OF)


@pytest.fixture(scope="module")
def linked(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("nwdemo")
    county = root / "c"
    generate(SynthConfig(people=4000, seed=11, as_of=AS_OF, out=county))
    load_drop(county / "drop", root / "ws", "d")
    link(root / "ws", "d", AS_OF)
    identify(root / "ws", "tf-2015", AS_OF, root / "run")
    return root / "ws", root / "run"


def _fingerprint() -> list[tuple[Any, ...]]:
    """What the demo made, by the families' and children's ids (not row ids)."""
    out: list[tuple[Any, ...]] = []
    for m in NetworkMember.objects.select_related("family").order_by("family__family_id", "name"):
        ties = sorted(
            (r.child.person_id, r.relationship, r.parental_responsibility)
            for r in m.relationships.select_related("child")
        )
        out.append((m.family.family_id, m.name, m.kind, m.support, m.added_on, tuple(ties)))
    for n in NoNetwork.objects.select_related("family"):
        out.append((n.family.family_id, n.on, n.reason))
    for o in Offer.objects.select_related("family"):
        out.append((o.family.family_id, o.source, o.made_on, o.letter_before_proceedings_on))
        out.append((o.outcome, o.outcome_on, o.reason))
    for mt in Meeting.objects.select_related("family"):
        names = tuple(sorted(mt.came.values_list("name", flat=True)))
        plan = tuple(mt.plan.values_list("member__name", "what", "by_when"))
        out.append((mt.family.family_id, mt.kind, mt.held_on, mt.outcome, names, plan))
    for a in LivingArrangement.objects.select_related("child"):
        carer = a.carer.name if a.carer else a.carer_name
        out.append((a.child.person_id, a.kind, a.started_on, a.ended_on, carer))
    return sorted(out, key=repr)


def _wipe() -> None:
    Action.objects.filter(network_item__isnull=False).delete()
    LivingArrangement.objects.all().delete()
    Meeting.objects.all().delete()
    Offer.objects.all().delete()
    NetworkMember.objects.all().delete()
    NoNetwork.objects.all().delete()


@pytest.mark.heavy  # the whole demo pipeline on a county: .ci/run runs it
@pytest.mark.django_db
def test_the_demo(linked: tuple[Path, Path], settings: Any) -> None:
    from wholefamily.web.demo import demo_accounts, demo_casework
    from wholefamily.web.familyhelp.demo import demo_family_help
    from wholefamily.web.networks.demo import demo_networks

    ws, run = linked
    settings.WORKSPACE = ws
    sync(run)
    demo_accounts()
    demo_casework(date(2024, 9, 30), AS_OF)
    fhelp = demo_family_help(ws)
    assert fhelp["families"] > 0
    began = time.perf_counter()
    made = demo_networks(AS_OF)
    took = time.perf_counter() - began
    print(f"networks demo: {took:.1f}s for {made['families']} families")
    _through_the_services(made)
    _every_kind(made)
    _plans_become_actions()
    _the_children_live_somewhere_consistent()
    _the_kinship_measures_count()
    _the_figures_count_the_demo(made)
    _the_same_every_time(made, demo_networks)


def _through_the_services(made: dict[str, int]) -> None:
    assert made["families"] > 0 and made.get("refused", 0) == 0
    assert made.get("already", 0) == 0
    helped = Family.objects.filter(episodes__isnull=False).distinct()
    for f in helped:
        has_kids = f.member_set.filter(current=True, role="CHILD").exists()
        recorded = f.network.exists() or f.no_network.exists()  # type: ignore[attr-defined]
        assert recorded or not has_kids, f.family_id
        # A family with no network has nobody in it; every member's dates are the family's.
        if f.no_network.exists():  # type: ignore[attr-defined]
            assert not f.network.exists()  # type: ignore[attr-defined]
    assert made["families"] == sum(
        1
        for f in helped
        if f.network.exists() or f.no_network.exists()  # type: ignore[attr-defined]
    )
    for m in NetworkMember.objects.all():
        assert FIRST <= m.added_on <= AS_OF
        assert m.relationships.exists()  # type: ignore[attr-defined]


def _every_kind(made: dict[str, int]) -> None:
    kinds = set(NetworkMember.objects.values_list("kind", flat=True))
    assert {"relative", "friend", "neighbour", "community"} <= kinds
    assert {"formal", "informal"} <= set(NetworkMember.objects.values_list("support", flat=True))
    assert Relationship.objects.filter(parental_responsibility=True).exists()
    assert Relationship.objects.filter(parental_responsibility=False).exists()
    assert 0 < NoNetwork.objects.count() < made["families"] / 3
    assert not NoNetwork.objects.filter(reason="").exists()
    sources = set(Offer.objects.values_list("source", flat=True))
    assert {"practitioner", "school", "gp"} <= sources
    pre = Offer.objects.filter(pre_proceedings=True)
    in_time = [o.in_time for o in pre]
    assert True in in_time and False in in_time  # some after the letter
    assert not Offer.objects.filter(
        pre_proceedings=False, letter_before_proceedings_on__isnull=False
    ).exists()
    outcomes = set(Offer.objects.values_list("outcome", flat=True))
    assert {"accepted", "declined", "not_held"} <= outcomes
    assert not Offer.objects.filter(outcome__in=["declined", "not_held"], reason="").exists()
    meetings = set(Meeting.objects.values_list("kind", flat=True))
    assert meetings == {"network_meeting", "conference"}
    assert {"plan", "no_plan"} <= set(Meeting.objects.values_list("outcome", flat=True))
    # Every meeting follows an accepted offer of the same family, on or after it.
    for mt in Meeting.objects.select_related("offer"):
        assert mt.offer is not None and mt.offer.outcome == "accepted"
        assert mt.offer.family_id == mt.family_id and mt.held_on >= mt.offer.made_on
        assert mt.held_on <= AS_OF
    assert made["meetings"] == Meeting.objects.count()
    assert made["offers"] == Offer.objects.count()


def _plans_become_actions() -> None:
    items = list(PlanItem.objects.select_related("meeting", "member", "action"))
    assert items
    for it in items:
        assert it.action is not None
        assert it.action.owner == it.member.name and it.action.family_id == it.meeting.family_id
        assert it.action.part == Action.Part.NETWORK and it.action.due == it.by_when
        assert it.member.family_id == it.meeting.family_id
        assert it.meeting.came.filter(pk=it.member.pk).exists()
    assert PlanItem.objects.exclude(support_needed="").exists()


def _in_care_days() -> dict[int, list[tuple[date, date | None]]]:
    """Child pk -> the looked-after levels' spans, [first day, day it ended)."""
    out: dict[int, list[tuple[date, date | None]]] = {}
    for lv in ChildLevel.objects.filter(level=Level.CLA):
        out.setdefault(lv.child_id, []).append((lv.started_on, lv.ended_on))
    return out


def _looked_after(spans: list[tuple[date, date | None]], d: date) -> bool:
    return any(s <= d and (e is None or d < e) for s, e in spans)


def _the_children_live_somewhere_consistent() -> None:
    care = _in_care_days()
    rows = list(LivingArrangement.objects.order_by("child_id", "started_on"))
    by_child: dict[int, list[LivingArrangement]] = {}
    for a in rows:
        by_child.setdefault(a.child_id, []).append(a)
    for child, mine in by_child.items():
        for a, b in itertools.pairwise(mine):
            assert a.ended_on is not None and a.ended_on < b.started_on, child  # no overlap
            assert b.started_on == a.ended_on + timedelta(days=1), child  # no gap
        assert mine[-1].ended_on is None or mine[-1].ended_on <= AS_OF
        for a in mine:
            last = a.ended_on or AS_OF
            in_care = a.kind in LivingArrangement.IN_CARE
            spans = care.get(child, [])
            # Looked after on its first and last day exactly when in foster or residential care.
            assert _looked_after(spans, a.started_on) == in_care, (child, a.kind, a.started_on)
            assert _looked_after(spans, last) == in_care, (child, a.kind, last)
            if a.kind in ("informal_kinship", "sgo", "cao"):
                assert a.carer is not None and a.carer.family_id == a.family_id
                assert a.carer.relationships.filter(child_id=child).exists()  # type: ignore[attr-defined]
            if a.kind in ("sgo", "cao"):
                assert a.carer is not None
                assert a.carer.relationships.get(child_id=child).parental_responsibility  # type: ignore[attr-defined]
    # Every looked-after child in a family with arrangements is in care on the level's days.
    for child, spans in care.items():
        mine = by_child.get(child)
        if not mine:
            continue
        for s, e in spans:
            last = AS_OF if e is None else min(e - timedelta(days=1), AS_OF)
            for d in (s, last):
                if d < mine[0].started_on or d > (mine[-1].ended_on or AS_OF):
                    continue
                here = [a for a in mine if a.started_on <= d <= (a.ended_on or AS_OF)]
                assert here and here[0].kind in LivingArrangement.IN_CARE, (child, d)
    kinds = set(LivingArrangement.objects.values_list("kind", flat=True))
    assert {"parents", "foster", "sgo"} <= kinds and kinds & {"informal_kinship", "cao"}
    assert LivingArrangement.objects.filter(kind="parents").count() > len(by_child) / 2


def _the_kinship_measures_count() -> None:
    at_home = K.kept_at_home(FIRST, AS_OF)
    entering = K.entering_care(FIRST - timedelta(days=365), AS_OF)
    assert at_home > 0 and entering > 0
    district = Family.objects.filter(episodes__isnull=False).values_list("district", flat=True)[0]
    assert K.kept_at_home(FIRST, AS_OF, district) <= at_home


def _the_figures_count_the_demo(made: dict[str, int]) -> None:
    """The "Family networks" figures over the demo's span count what it made."""
    from wholefamily.web.reporting import networks
    from wholefamily.web.reporting.periods import parse_period

    span = parse_period(f"{FIRST}..{AS_OF}")
    figs = {f.key: {str(r[0]): r[1:] for r in f.rows} for f in networks.figures(span)}
    assert figs["nw_offers"]["All offers and requests"][0] == made["offers"]
    assert figs["nw_meetings"]["All meetings"][0] == made["meetings"]
    assert figs["nw_meetings"]["All meetings"][1] == made["plans"]
    in_time, whole, _ = figs["nw_pre_proceedings"][
        "Made by the letter before proceedings (in time)"
    ]
    assert 0 < in_time < whole
    kin = figs["nw_kinship"]
    kept = kin["Children supported to stay with their birth family or people they know"][0]
    assert kept > 0
    # Entering care: the children whose looked-after level began in the span, not the
    # day after another ended (a child already in care when the year began is not).
    levels = ChildLevel.objects.filter(level=Level.CLA, child__arrangements__isnull=False)
    ends = {(c, e) for c, e in levels.values_list("child_id", "ended_on") if e}
    began = {
        c
        for c, s in levels.values_list("child_id", "started_on")
        if FIRST <= s <= AS_OF and (c, s) not in ends and (c, s - timedelta(days=1)) not in ends
    }
    assert kin["Children entering care"] == [len(began)]


def _the_same_every_time(made: dict[str, int], demo: Any) -> None:
    """Made again from nothing, the demo is the same. A family given network members by
    another demo (the support packages') keeps them as its network, with offers and
    living arrangements made as for the others; a family with a no-network record
    already is left as it is."""
    before = _fingerprint()
    ids = list(
        NetworkMember.objects.order_by("family__family_id")
        .values_list("family__family_id", flat=True)
        .distinct()
    )
    _wipe()
    assert demo(AS_OF) == made
    assert _fingerprint() == before
    _wipe()
    paid, alone = (Family.objects.get(family_id=i) for i in ids[:2])
    by = get_user_model().objects.get(username="keyworker")
    kid = nw.children_of(paid)[0]
    payee = NetworkMember.objects.create(
        family=paid, name="Already here", kind="relative", added_on=FIRST, by=by
    )
    Relationship.objects.create(member=payee, child=kid, relationship="grandparent")
    NoNetwork.objects.create(family=alone, on=FIRST, reason="Recorded before", by=by)
    again = demo(AS_OF)
    assert again.get("refused", 0) == 0 and again["with_members_already"] == 1
    assert again["already"] == 1 and again["families"] == made["families"] - 1
    assert list(paid.network.values_list("name", flat=True)) == ["Already here"]  # type: ignore[attr-defined]
    assert paid.arrangements.exists()  # type: ignore[attr-defined]
    assert not alone.arrangements.exists() and not alone.network.exists()  # type: ignore[attr-defined]
