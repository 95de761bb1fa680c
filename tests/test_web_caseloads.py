"""Families by name on every list, with their children and ages, next review and overdue
actions, in a bounded number of queries; caseloads on the manager's dashboard and beside
the choice of key worker; the key worker's dashboard with every family, paged."""

from __future__ import annotations

import importlib
import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from webkit import client_for, family, user
from wholefamily.frameworks.identify import identify
from wholefamily.ingest import load_drop
from wholefamily.linkage import link
from wholefamily.synth import SynthConfig, generate
from wholefamily.web import clock
from wholefamily.web.accounts.models import Role, Team
from wholefamily.web.casework.models import Action
from wholefamily.web.families import labels
from wholefamily.web.families.models import Family, Intensity, Member, Person, Status
from wholefamily.web.families.naming import refresh_names
from wholefamily.web.families.sync import sync

pytestmark = pytest.mark.django_db
AS_OF = date(2025, 3, 31)
TODAY = date(2026, 12, 1)


@pytest.fixture(autouse=True)
def _today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clock, "today", lambda: TODAY)


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("names")
    generate(SynthConfig(people=2000, seed=31, as_of=AS_OF, out=root / "c"))
    load_drop(root / "c" / "drop", root / "ws", "d")
    link(root / "ws", "d", AS_OF)
    identify(root / "ws", "tf-2015", AS_OF, root / "run")
    return root / "run"


def _as_named(f: Family) -> tuple[str, list[Any]]:
    members = list(f.member_set.filter(current=True).select_related("person"))
    return labels.family_name(members, ""), labels.kids_of(labels._named(members))


def test_sync_names_each_family_from_its_members(run_dir: Path) -> None:
    sync(run_dir)
    families = list(Family.objects.all())
    assert families
    for f in families:
        assert (f.name, f.kids) == _as_named(f), f.family_id
        assert f.name.endswith(" family") and f.name != " family"
        assert len(f.kids) == f.member_set.filter(current=True, role="CHILD").count()
    # Safe to repeat: the same names again.
    before = dict(Family.objects.values_list("family_id", "name"))
    sync(run_dir)
    assert dict(Family.objects.values_list("family_id", "name")) == before


def test_a_family_is_renamed_when_its_members_change() -> None:
    f = family("F1")  # Lisa Carter (1985) and Jade (2011), through Member.objects.create
    f.refresh_from_db()
    assert f.name == "Carter family" and f.kids == [["Jade", "2011-05-04"]]
    assert f.display_name == "Carter family"
    gran = Person.objects.create(
        person_id="PG", forename="Ann", surname="Brooks", dob=date(1960, 1, 1)
    )
    m = Member.objects.create(family=f, person=gran, role="ADULT")
    f.refresh_from_db()
    assert f.name == "Brooks family"  # the eldest adult leads
    m.current = False  # moved out
    m.save()
    f.refresh_from_db()
    assert f.name == "Carter family"
    tom = Person.objects.create(
        person_id="PT", forename="TOM", surname="Carter", dob=date(2017, 3, 1)
    )
    Member.objects.create(family=f, person=tom, role="CHILD")
    f.refresh_from_db()
    assert labels.kids_label(f.kids, TODAY) == "Jade (15), Tom (9)"
    # Bulk writes send no signal: their writer refreshes the names.
    Person.objects.filter(pk=gran.pk).update(surname="Taylor")
    Member.objects.filter(family=f, person=gran).update(current=True)
    assert refresh_names([f.pk]) == 1
    f.refresh_from_db()
    assert f.name == "Taylor family" and refresh_names([f.pk]) == 0
    gran.surname = "Brooks"
    gran.save()  # a person saved: their families follow
    f.refresh_from_db()
    assert f.name == "Brooks family"
    Member.objects.filter(family=f).delete()
    f.refresh_from_db()
    assert (f.name, f.kids, f.display_name) == ("", [], "Family F1")


def test_the_migration_names_the_families_already_there() -> None:
    fill = importlib.import_module("wholefamily.web.families.migrations.0005_family_name_kids")
    family("F1")
    Family.objects.update(name="", kids=[])
    fill.fill(apps, None)
    f = Family.objects.get()
    assert (f.name, f.kids) == ("Carter family", [["Jade", "2011-05-04"]])


def _families(n: int, team: Team, kw: Any, prefix: str = "F") -> list[Family]:
    """n families of the team with a child each, every third with an overdue action."""
    made = []
    for i in range(n):
        f = family(f"{prefix}{i:03d}", key_worker=kw, team=team, consent="given")
        f.review_due = TODAY + timedelta(days=i - 5)
        f.intensity = [Intensity.HIGH, Intensity.MEDIUM, Intensity.STANDARD][i % 3]
        f.save(update_fields=["review_due", "intensity"])
        if i % 3 == 0:
            for k in range(i % 2 + 1):
                Action.objects.create(
                    family=f,
                    part="worker",
                    text="Visit",
                    owner="Kim",
                    due=TODAY - timedelta(days=k + 1),
                )
        made.append(f)
    return made


def _rows(page: str, table: str) -> list[str]:
    body = re.search(rf'<table[^>]*id="{table}".*?<tbody[^>]*>(.*?)</tbody>', page, re.S)
    assert body, table
    return re.findall(r"<tr[^>]*>(.*?)</tr>", body.group(1), re.S)


def test_the_family_list_names_families_in_a_bounded_number_of_queries(settings) -> None:
    north = Team.objects.create(name="North")
    kw = user("kim", Role.KEY_WORKER, north)
    analyst = client_for(user("alex", Role.ANALYST))
    _families(60, north, kw)
    settings.FAMILIES_PER_PAGE = 10
    analyst.get(reverse("families"))  # the filters' codes cached, as on any later page
    with CaptureQueriesContext(connection) as ten:
        r = analyst.get(reverse("families"))
    assert r.status_code == 200 and len(_rows(r.content.decode(), "families")) == 10
    settings.FAMILIES_PER_PAGE = 50
    with CaptureQueriesContext(connection) as fifty:
        r = analyst.get(reverse("families"))
    page = r.content.decode()
    rows = _rows(page, "families")
    assert len(rows) == 50
    # No query per family: a page of 50 costs what a page of 10 does, and few in all.
    assert len(fifty) == len(ten) <= 14, "\n".join(q["sql"][:150] for q in fifty.captured_queries)
    first = rows[0]
    # The name is the link, the id beside it; the children with their ages on the day.
    assert re.search(r'<a class="govuk-link[^"]*" href="/families/F000">Carter family</a>', first)
    assert "F000" in first and "Children: Jade (15)" in first
    assert "Children not attending school regularly" in first and "EDUCATION" not in first
    # F000: review due 5 days ago (overdue) and one overdue action; F003: two.
    assert "26 November 2026" in first and "Overdue" in first and "1 overdue action<" in first
    assert "2 overdue actions" in rows[3] and "overdue action" not in rows[1]
    assert "Overdue</strong>" not in rows[6]  # due tomorrow
    # Filters offer need titles, not codes.
    assert '<option value="EDUCATION">Children not attending school regularly</option>' in page


def test_the_key_worker_sees_every_family_paged() -> None:
    north = Team.objects.create(name="North")
    kw = user("kim", Role.KEY_WORKER, north)
    _families(32, north, kw)
    c = client_for(kw)
    page = c.get(reverse("dashboard")).content.decode()
    first = _rows(page, "open-families")
    assert len(first) == 25 and "32 open families, 1 to 25 below" in page
    assert 'href="?page=2" rel="next"' in page
    second = _rows(c.get(reverse("dashboard"), {"page": 2}).content.decode(), "open-families")
    assert len(second) == 7
    shown = re.findall(r'app-secondary">(F\d+)<', "".join(first + second))
    assert sorted(shown) == [f"F{i:03d}" for i in range(32)]
    assert "Caseloads in" not in page  # the manager's


def test_the_managers_dashboard_shows_caseloads_and_families_awaiting_allocation() -> None:
    north, south = Team.objects.create(name="North"), Team.objects.create(name="South")
    kim, kate = user("kim", Role.KEY_WORKER, north), user("kate", Role.KEY_WORKER, north)
    sam = user("sam", Role.KEY_WORKER, south)
    manager = user("morgan", Role.MANAGER, north)
    _families(7, north, kim)  # 3 high, 2 medium, 2 standard; reviews overdue: 5
    _families(2, north, kate, prefix="K")  # 1 high, 1 medium
    family("K9", status=Status.ALLOCATED, key_worker=kate, team=north)
    family("S1", key_worker=sam, team=south)
    for i in range(3):
        family(f"A{i}", status=Status.AWAITING_ALLOCATION)
    Family.objects.filter(family_id="A1").update(identified_on=date(2024, 1, 1))
    page = client_for(manager).get(reverse("dashboard")).content.decode()
    rows = _rows(page, "caseloads")
    assert len(rows) == 2  # the team's key workers only
    kate_row, kim_row = rows  # by name
    cells = lambda row: re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)  # noqa: E731
    assert "Kate Tester" in kate_row and "Kim Tester" in kim_row
    assert [re.sub(r"<[^>]+>", "", c).strip() for c in cells(kim_row)] == [
        "3",
        "2",
        "2",
        "7",
        "0",
        "5",
    ]
    assert [re.sub(r"<[^>]+>", "", c).strip() for c in cells(kate_row)] == [
        "1",
        "1",
        "0",
        "2",
        "1",
        "2",
    ]
    assert "?key_worker=kim&amp;status=active" in kim_row
    awaiting = _rows(page, "awaiting")
    assert len(awaiting) == 3 and "A1" in awaiting[0]  # waiting longest first
    assert "Carter family" in awaiting[0] and 'href="/families/A1/allocate"' in awaiting[0]
    assert "3 families are waiting for a key worker" in page


def test_allocation_shows_the_caseloads_beside_the_choice() -> None:
    north = Team.objects.create(name="North")
    kim = user("kim", Role.KEY_WORKER, north)
    user("kate", Role.KEY_WORKER, north)
    manager = user("morgan", Role.MANAGER, north)
    _families(4, north, kim)
    family("A1", status=Status.AWAITING_ALLOCATION)
    page = client_for(manager).get(reverse("allocate", args=["A1"])).content.decode()
    rows = _rows(page, "caseloads")
    assert len(rows) == 2 and "Kim Tester" in rows[1] and "<strong>4</strong>" in rows[1]
    assert "Kate Tester" in rows[0] and "<strong>0</strong>" in rows[0]
    cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", rows[1])]
    assert cells == ["2", "1", "1", "4", "0"]  # high, medium, standard, active, awaiting consent
    # The table comes just before the choice of key worker.
    assert page.index('id="caseloads"') < page.index('name="key_worker"')
    assert "Carter family (A1)" in page and "Back to the Carter family" in page
    # The choice still allocates.
    r = client_for(manager).post(
        reverse("allocate", args=["A1"]),
        {"key_worker": kim.pk, "team": north.pk, "intensity": "high", "version": 0},
    )
    assert r.status_code == 302
    assert Family.objects.get(family_id="A1").key_worker == kim
