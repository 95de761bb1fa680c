"""`web sync` and Families First: the families children's services worked with come into
the case plane eligible or not, and the run's people give the child population of the
county and of each district."""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

import pytest

from wholefamily.atomic import sha256
from wholefamily.web.families.models import ChildPopulation, Family, Status, SyncRun
from wholefamily.web.families.sync import sync

pytestmark = pytest.mark.django_db

# family_id, district, eligible, children's services
FAMILIES = [
    ("A", "Casterbridge", "Y", "N"),
    ("B", "Casterbridge", "N", "Y"),  # not eligible: here for children's services
    ("C", "Budmouth", "N", "N"),  # neither: stays out
]
# person_id, dob, uprn, family_id
PEOPLE = [
    ("A1", "1985-01-09", "100", "A"),
    ("A2", "2011-05-04", "100", "A"),
    ("A3", "2007-03-31", "100", "A"),  # 18 on the run's day: counted, not a child then
    ("B1", "1990-02-02", "200", "B"),
    ("B2", "2020-06-30", "200", "B"),
    ("C1", "2012-01-01", "300", "C"),
    ("C2", "2015-08-15", "300", "C"),
    ("X1", "2009-10-10", "300", ""),  # in no family, at C's address: Budmouth
    ("X2", "2010-10-10", "999", ""),  # in no family, at an address no family has
    ("X3", "", "", ""),  # no date of birth: not counted
    ("X4", "2001-04-01", "100", ""),  # born more than 23 years before: not stored
]


def _run(folder: Path, as_of: str, families: list[tuple[str, str, str, str]]) -> Path:
    folder.mkdir(parents=True)
    (folder / "run.json").write_text(
        json.dumps({"framework": "tf-2015", "as_of": as_of, "drop_id": "d"})
    )
    head = ["family_id", "uprn", "district", "members", "adults", "children", "needs"]
    with (folder / "families.csv").open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow([*head, "eligible"])
        for fid, district, ok, _ in families:
            uprn = {"A": "100", "B": "200", "C": "300"}[fid]
            needs = "EDUCATION;HEALTH" if ok == "Y" else "HEALTH"
            w.writerow([fid, uprn, district, 2, 1, 1, needs, ok])
    with (folder / "family_profile.csv").open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(
            [
                "family_id",
                "council_tenant",
                "known_to_social_care",
                "domestic_abuse",
                "childrens_services",
            ]
        )
        for fid, _, _, services in families:
            w.writerow([fid, "N", services, "N", services])
    with (folder / "people.csv").open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["person_id", "forename", "surname", "dob", "sex", "uprn", "family_id", "role"])
        for pid, dob, uprn, fid in PEOPLE:
            w.writerow([pid, "Sam", "Lee", dob, "F", uprn, fid, "CHILD" if dob > "2008" else ""])
    with (folder / "family_needs.csv").open("w", newline="") as f:
        csv.writer(f).writerow(
            ["family_id", "need", "person_id", "source", "row", "date", "indicator"]
        )
    files = {p.name: sha256(p) for p in folder.iterdir() if p.name != "run.json"}
    meta = json.loads((folder / "run.json").read_text())
    (folder / "run.json").write_text(json.dumps({**meta, "files": files}))
    return folder


def test_families_children_services_worked_with_come_in_not_identified(tmp_path: Path) -> None:
    r = sync(_run(tmp_path / "q1", "2025-03-31", FAMILIES))
    assert (r.families, r.childrens_services) == (2, 1)
    got = {f.family_id: (f.status, f.eligible, f.identified_on) for f in Family.objects.all()}
    assert got == {
        "A": (Status.IDENTIFIED, True, date(2025, 3, 31)),
        "B": (Status.NOT_ELIGIBLE, False, None),  # not counted as identified
    }
    b_members = Family.objects.get(family_id="B").member_set
    assert sorted(b_members.values_list("person__person_id", flat=True)) == ["B1", "B2"]
    # The next run finds B eligible: identified then, and in the check's queue.
    later = [("A", "Casterbridge", "Y", "N"), ("B", "Casterbridge", "Y", "Y")]
    sync(_run(tmp_path / "q2", "2025-06-30", later))
    b = Family.objects.get(family_id="B")
    assert (b.status, b.eligible, b.identified_on) == (Status.IDENTIFIED, True, date(2025, 6, 30))
    assert Family.objects.get(family_id="A").identified_on == date(2025, 3, 31)


def test_a_checked_family_keeps_its_status_when_it_comes_back(tmp_path: Path) -> None:
    """The analyst found A not eligible at the central check: a sync never reopens it."""
    sync(_run(tmp_path / "q1", "2025-03-31", FAMILIES))
    Family.objects.filter(family_id="A").update(status=Status.NOT_ELIGIBLE)
    sync(_run(tmp_path / "q2", "2025-06-30", FAMILIES))
    assert Family.objects.get(family_id="A").status == Status.NOT_ELIGIBLE


def test_the_child_population_by_district_and_birth(tmp_path: Path) -> None:
    r = sync(_run(tmp_path / "q1", "2025-03-31", FAMILIES))
    run = SyncRun.objects.get()
    rows = {
        (p.district, p.born_on.isoformat()): p.people
        for p in ChildPopulation.objects.filter(run=run)
    }
    # Every person born in the 23 years before the run, wherever they live (a family's
    # district, or their address's), eligible family or not; nobody else.
    assert rows == {
        ("Casterbridge", "2011-05-04"): 1,
        ("Casterbridge", "2007-03-31"): 1,
        ("Casterbridge", "2020-06-30"): 1,
        ("Budmouth", "2012-01-01"): 1,
        ("Budmouth", "2015-08-15"): 1,
        ("Budmouth", "2009-10-10"): 1,
        ("", "2010-10-10"): 1,
    }
    # Under 18 on the run's day: A3 turned 18 that very day.
    assert r.children == 6
