"""The demo's Family Help and child protection on the small test county: made through
the services (nothing refused), consistent with the county's `social_care` extract (read
here independently, from the drop's CSV and the run's files), and with something for
every Families First measure to count."""

from __future__ import annotations

import csv
import itertools
import random
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from dateutil.relativedelta import relativedelta

from wholefamily.frameworks.identify import identify
from wholefamily.ingest import load_drop
from wholefamily.linkage import link
from wholefamily.synth import SynthConfig, generate
from wholefamily.web.families.models import Member
from wholefamily.web.families.sync import sync
from wholefamily.web.familyhelp import measures as M
from wholefamily.web.familyhelp.demo_events import family_events
from wholefamily.web.familyhelp.demo_plan import (
    Spell,
    collection_year,
    next_working_day,
    plan_child,
)
from wholefamily.web.familyhelp.models import ChildLevel, Episode, Level, Request
from wholefamily.web.protection.models import Conference, Plan, TeamMember

# Six months after the end of a collection year, as the demo's county is (30 September
# 2026, after 2025-26): the year's assessments are authorised by then.
AS_OF = date(2025, 9, 30)
FIRST, LAST = collection_year(AS_OF)  # 2024-25
LEAD_IN_DAYS = 40  # a strategy discussion is at most 24 working days before its plan


@pytest.fixture(scope="module")
def linked(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    root = tmp_path_factory.mktemp("fhdemo")
    county = root / "c"
    generate(SynthConfig(people=4000, seed=11, as_of=AS_OF, out=county))
    load_drop(county / "drop", root / "ws", "d")
    link(root / "ws", "d", AS_OF)
    identify(root / "ws", "tf-2015", AS_OF, root / "run")
    return county, root / "ws", root / "run"


def _day(text: str) -> date | None:
    text = text.strip()
    if not text:
        return None
    if "/" in text:  # the generator writes some dates day first
        d, m, y = text.split("/")
        return date(int(y), int(m), int(d))
    return date.fromisoformat(text)


def _born(run: Path) -> dict[str, date | None]:
    """person_id -> date of birth, from the run's people.csv."""
    return {r["person_id"]: _day(r["dob"]) for r in csv.DictReader((run / "people.csv").open())}


def _extract(county: Path, run: Path) -> dict[str, list[Spell]]:
    """person_id -> the extract's episodes, from the drop's CSV and person_records.csv."""
    person_of = {
        int(r["row"]): r["person_id"]
        for r in csv.DictReader((run / "person_records.csv").open())
        if r["source"] == "social_care"
    }
    out: dict[str, list[Spell]] = defaultdict(list)
    rows = csv.DictReader((county / "drop" / "social_care.csv").open())
    for i, r in enumerate(rows, start=1):
        start = _day(r["start_date"])
        if i in person_of and start is not None:
            spell = Spell(r["episode"], start, _day(r["end_date"]), r["category"])
            out[person_of[i]].append(spell)
    return out


def _reaches(s: Spell, first: date, last: date, dob: date | None = None) -> bool:
    """The spell touches the days from `first` to `last` while the child is under 18
    (children leave the demo's case work on their 18th birthday)."""
    end = s.end
    if dob is not None:
        b18 = dob + relativedelta(years=18)
        end = b18 if end is None else min(end, b18)
    return s.start <= last and (end is None or end > first) and (end is None or end > s.start)


@pytest.mark.heavy  # the whole demo pipeline on a county: .ci/run runs it
@pytest.mark.django_db
def test_the_demo(linked: tuple[Path, Path, Path], settings: Any) -> None:
    """The accounts, the Supporting Families case work, then Family Help; each check
    below reads what it made."""
    from wholefamily.web.demo import demo_accounts, demo_casework
    from wholefamily.web.familyhelp.demo import demo_family_help

    county, ws, run = linked
    settings.WORKSPACE = ws
    sync(run)
    demo_accounts()
    demo_casework(date(2024, 9, 30), AS_OF)
    made = demo_family_help(ws)
    extract, dob = _extract(county, run), _born(run)
    _through_the_services(made)
    _the_extracts_children_and_plans(extract, dob, made)
    _something_for_every_measure()
    _the_census_counts_the_extracts_children(extract, dob, made)
    _the_dfe_rules_find_no_error(ws)


def _the_dfe_rules_find_no_error(ws: Path) -> None:
    """The census of the demo's year, written from the case database, passes the DfE's
    rules (the validator runs in its own environment: `make setup`)."""
    from wholefamily.web.returns.services import make_return

    made = make_return("2024-25", ws / "cin.xml", ws)
    errors = [(e.rule, e.child, e.message) for e in made.report.errors]
    assert not errors and not made.report.crashed, errors
    assert made.children > 0 and made.exit_code == 0


def _through_the_services(demo: dict[str, Any]) -> None:
    assert demo["families"] > 0 and demo.get("refused", 0) == 0
    assert demo["year"] == "2024-25" and demo["as_of"] == AS_OF
    assert Episode.objects.filter(family__episodes__isnull=False).exists()
    # Closed with the census's reasons; plans ended before their episodes closed.
    for e in Episode.objects.filter(closed_on__isnull=False):
        assert e.closure_reason.startswith("RC")
        assert not e.cp_plans.filter(ended_on__isnull=True).exists()  # type: ignore[attr-defined]
        assert not e.cp_plans.filter(ended_on__gt=e.closed_on).exists()  # type: ignore[attr-defined]


def _the_extracts_children_and_plans(
    extract: dict[str, list[Spell]], dob: dict[str, date | None], demo: dict[str, Any]
) -> None:
    placed = set(Member.objects.filter(current=True).values_list("person__person_id", flat=True))

    def spells(pid: str, *kinds: str) -> list[Spell]:
        return [s for s in extract.get(pid, []) if s.kind in kinds]

    # Every level above targeted help, and every plan, is the extract's, from the day
    # an episode of the extract begins (or the day a higher one ends).
    rows = list(ChildLevel.objects.select_related("child").order_by("episode", "child", "pk"))
    split = {  # a row a new lead began, at the same level: no new level
        b.pk
        for a, b in itertools.pairwise(rows)
        if (a.episode_id, a.child_id, a.level, a.ended_on)
        == (b.episode_id, b.child_id, b.level, b.started_on)
    }
    for lv in rows:
        if lv.level == Level.TARGETED or lv.pk in split:
            continue
        pid, d = lv.child.person_id, lv.started_on
        kind = {"cin": "CIN", "cp": "CP", "cla": "CLA"}[lv.level]
        starts = {s.start for s in spells(pid, kind)}
        higher = {"CIN": ("CP", "CLA"), "CP": ("CLA",), "CLA": ()}[kind]
        ends = {s.end for s in spells(pid, *higher)}
        if kind == "CP":  # a plan starts at a conference, on the next working day
            starts, ends = (
                {next_working_day(d) for d in starts},
                {next_working_day(d) for d in ends if d},
            )
        covered = any(s.start <= d and (s.end is None or d < s.end) for s in spells(pid, kind))
        if lv.level == Level.CIN and not covered:
            # The section 47 enquiry before a plan: a child in need from the discussion.
            plans = spells(pid, "CP")
            assert any(0 < (p.start - d).days <= LEAD_IN_DAYS for p in plans), (pid, d)
        else:
            assert covered and (d in starts or d in ends), (pid, lv.level, d)
    for p in Plan.objects.select_related("child"):
        pid = p.child.person_id
        days = {s.start for s in spells(pid, "CP")} | {s.end for s in spells(pid, "CLA") if s.end}
        assert p.started_on in {next_working_day(d) for d in days}, (pid, p.started_on)
        born = dob.get(pid)
        b18 = born + relativedelta(years=18) if born else None
        # The extract's end, the 18th birthday, or the day the child came into care.
        ends = {s.end for s in spells(pid, "CP") if s.end is not None and s.end <= AS_OF}
        ends |= {b18} | {s.start for s in spells(pid, "CLA")}
        assert p.ended_on is None or p.ended_on in ends, (pid, p.ended_on)
    # ... and every child the extract has in need, on a plan or in care in the year is
    # in the case plane at that level (those whose family the linkage found).
    with_plan = set(Plan.objects.values_list("child__person_id", flat=True))
    with_level = set(
        ChildLevel.objects.exclude(level=Level.TARGETED).values_list("child__person_id", flat=True)
    )
    missing_plans = 0
    for pid, mine in extract.items():
        due = [
            s
            for s in mine
            if s.kind in ("CIN", "CP", "CLA") and _reaches(s, FIRST, AS_OF, dob.get(pid))
        ]
        if not due or pid not in placed:
            continue
        assert pid in with_level, pid
        if any(s.kind == "CP" for s in due) and pid not in with_plan:
            missing_plans += 1  # a plan wholly within care
    assert missing_plans <= demo["adjusted"]
    assert demo["unplaced"] == len(
        {
            pid
            for pid, mine in extract.items()
            if pid not in placed and any(_reaches(s, FIRST, AS_OF, dob.get(pid)) for s in mine)
        }
    )


def _something_for_every_measure() -> None:
    """Over the demo's span (the year and before it), each measure counts something,
    and some of each kind of lateness and change are there."""
    first = FIRST - timedelta(days=365)
    assert M.re_referrals(first, AS_OF).part > 0
    assessed = M.assessments_in_time(first, AS_OF)
    assert 0 < assessed.part < assessed.whole  # some late
    icpcs = M.icpcs_in_time(first, AS_OF)
    assert icpcs.whole > 0
    changes = M.level_changes(first, AS_OF)
    assert any(c.up for c in changes) and any(not c.up for c in changes)
    assert Request.objects.filter(decision="nfa").exists()
    assert Request.objects.filter(decision="advice").exists()
    assert TeamMember.objects.filter(role="police").exists()
    assert Conference.objects.filter(kind=Conference.Kind.REVIEW).exists()
    assert Episode.objects.filter(lead__profile__role="partner").exists()  # a partner leads


def _the_census_counts_the_extracts_children(
    extract: dict[str, list[Spell]], dob: dict[str, date | None], demo: dict[str, Any]
) -> None:
    placed = set(Member.objects.filter(current=True).values_list("person__person_id", flat=True))
    in_year = {
        pid
        for pid, mine in extract.items()
        if pid in placed
        and any(
            s.kind in ("CIN", "CP", "CLA") and _reaches(s, FIRST, LAST, dob.get(pid)) for s in mine
        )
    }
    assert in_year and demo["census_children"] >= len(in_year)
    assert demo["census_cp_plans"] >= 1


def test_the_plan_is_the_same_every_time() -> None:
    spells = [
        Spell("EARLY_HELP", date(2024, 1, 10), date(2024, 6, 1), "NEGLECT"),
        Spell("CIN", date(2024, 6, 1), date(2024, 12, 1), "NEGLECT"),
        Spell("CP", date(2024, 9, 2), None, "NEGLECT"),
        Spell("CLA", date(2025, 1, 6), None, "NEGLECT"),
    ]

    def once() -> tuple[Any, Any]:
        rng = random.Random("same")
        c = plan_child("P1", spells, date(2015, 5, 5), AS_OF, FIRST, rng, date(2020, 1, 1))
        assert c is not None
        return c, family_events([c], {"P1": "NEGLECT"}, ["P2"], None, AS_OF, FIRST, rng)

    (c1, e1), (c2, e2) = once(), once()
    assert c1 == c2 and e1 == e2
    # The levels: targeted, in need, the plan from its conference, then looked after.
    assert [(s.level, s.start) for s in c1.stretches] == [
        ("targeted", date(2024, 1, 10)),
        ("cin", date(2024, 6, 1)),
        ("cp", date(2024, 9, 2)),
        ("cla", date(2025, 1, 6)),
    ]
    assert [p.start for p in c1.plans] == [date(2024, 9, 2)]
    assert [e.kind for e in e1 if e.kind in ("strategy", "icpc")] == ["strategy", "icpc"]


@pytest.mark.django_db
def test_without_a_linked_warehouse_the_demo_says_why(tmp_path: Path) -> None:
    from wholefamily.web.familyhelp.demo import demo_family_help

    made = demo_family_help(tmp_path / "nowhere")
    assert made["families"] == 0 and "no warehouse" in made["why"]
    assert not Episode.objects.exists()
