"""The drop follows shared/spec/extracts.md: files, columns, codes, row references."""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from datetime import date
from pathlib import Path

import pytest

from wholefamily.sources.schema import SOURCES

DATE_RE = re.compile(r"^(\d{4}-\d{2}-\d{2}|\d{2}/\d{2}/\d{4})$")
POSTCODE_RE = re.compile(r"^[A-PR-UWYZ][A-HK-Y]?\d[A-Z\d]? \d[ABD-HJLNP-UW-Z]{2}$")


def read(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        return list(reader.fieldnames or []), list(reader)


def parse_date(text: str) -> date:
    if "/" in text:
        d, m, y = text.split("/")
        return date(int(y), int(m), int(d))
    return date.fromisoformat(text)


def test_every_source_is_written_with_the_spec_columns(county: Path) -> None:
    drop = county / "drop"
    assert len(SOURCES) == 14
    for name, source in SOURCES.items():
        header, _ = read(drop / f"{name}.csv")
        assert header == list(source.columns), name
    cov_header, cov = read(drop / "coverage.csv")
    assert cov_header == ["source", "coverage_start", "coverage_end"]
    assert {r["source"] for r in cov} == set(SOURCES) - {"gazetteer"}


def test_truth_is_beside_the_drop_never_inside(county: Path) -> None:
    inside = {p.name for p in (county / "drop").iterdir()}
    assert not any(n.startswith("truth") for n in inside)
    for name in ("truth_records.csv", "truth_households.csv", "truth_people.csv"):
        assert (county / name).is_file()
    assert read(county / "truth_records.csv")[0] == ["source", "row", "person_id"]
    assert read(county / "truth_households.csv")[0] == ["household_id", "person_id", "role", "uprn"]
    assert read(county / "truth_people.csv")[0] == [
        "person_id",
        "forename",
        "surname",
        "dob",
        "sex",
    ]


@pytest.mark.parametrize("name", [n for n in SOURCES if n != "gazetteer"])
def test_codes_dates_and_values_are_valid(county: Path, name: str) -> None:
    source = SOURCES[name]
    _, rows = read(county / "drop" / f"{name}.csv")
    assert rows, f"{name} is empty"
    for row in rows:
        for col, allowed in source.codes.items():
            assert row[col] in allowed, (name, col, row[col])
        for col in source.dates:
            if row[col]:
                assert DATE_RE.match(row[col]), (name, col, row[col])
                parse_date(row[col])
    if "postcode" in source.columns:
        canon = [" ".join(r["postcode"].upper().split()) for r in rows]
        fixed = [c if " " in c else c[:-3] + " " + c[-3:] for c in canon]
        assert all(POSTCODE_RE.match(p) for p in fixed)


def test_school_values_are_consistent(county: Path) -> None:
    _, census = read(county / "drop" / "school_census.csv")
    assert {int(r["ncyear"]) for r in census} <= set(range(-1, 14))
    _, att = read(county / "drop" / "school_attendance.csv")
    for r in att:
        possible = int(r["sessions_possible"])
        absent = int(r["sessions_authorised_absence"]) + int(r["sessions_unauthorised_absence"])
        assert 0 <= absent <= possible
        assert re.match(r"^\d{4}/\d{2}$", r["academic_year"])


def test_gazetteer_is_a_believable_county(county: Path) -> None:
    _, gaz = read(county / "drop" / "gazetteer.csv")
    assert len({r["district"] for r in gaz}) >= 5
    assert len({r["uprn"] for r in gaz}) == len(gaz)
    assert all(POSTCODE_RE.match(r["postcode"]) for r in gaz)
    _, hh = read(county / "truth_households.csv")
    by_uprn: dict[str, set[str]] = defaultdict(set)
    for r in hh:
        by_uprn[r["uprn"]].add(r["household_id"])
    assert all(len(v) == 1 for v in by_uprn.values()), "one household per UPRN"
    assert {r["uprn"] for r in hh} <= {r["uprn"] for r in gaz}


def test_history_spans_three_academic_years(county: Path) -> None:
    _, att = read(county / "drop" / "school_attendance.csv")
    years = {r["academic_year"] for r in att}
    assert {"2021/22", "2022/23", "2023/24"} <= years
    _, census = read(county / "drop" / "school_census.csv")
    assert len({r["census_date"] for r in census}) >= 9


def test_row_references_line_up_with_the_truth(county: Path) -> None:
    _, truth = read(county / "truth_records.csv")
    by_source: dict[str, list[int]] = defaultdict(list)
    for r in truth:
        by_source[r["source"]].append(int(r["row"]))
    person_of = {(r["source"], int(r["row"])): r["person_id"] for r in truth}
    for name, source in SOURCES.items():
        _, rows = read(county / "drop" / f"{name}.csv")
        if not source.names_people:
            assert name not in by_source
            continue
        assert by_source[name] == list(range(1, len(rows) + 1)), name
        # A source's own identifier names one true person throughout the source
        # (in school_contacts the upn names the pupil, the row the contact).
        ident = source.identifier
        if ident and name != "school_contacts":
            seen: dict[str, str] = {}
            for i, row in enumerate(rows, start=1):
                if row[ident]:
                    pid = person_of[(name, i)]
                    assert seen.setdefault(row[ident], pid) == pid, (name, row[ident])


def test_contacts_are_the_parents_and_pupils_are_children(county: Path) -> None:
    _, truth = read(county / "truth_records.csv")
    people = {r["person_id"]: r for r in read(county / "truth_people.csv")[1]}
    person_of = {(r["source"], int(r["row"])): r["person_id"] for r in truth}
    _, contacts = read(county / "drop" / "school_contacts.csv")
    _, census = read(county / "drop" / "school_census.csv")
    pupil_of_upn = {r["upn"]: person_of[("school_census", i)] for i, r in enumerate(census, 1)}
    for i, r in enumerate(contacts, start=1):
        contact = people[person_of[("school_contacts", i)]]
        pupil = people[pupil_of_upn[r["upn"]]]
        assert contact["person_id"] != pupil["person_id"]
        assert date.fromisoformat(contact["dob"]) < date.fromisoformat(pupil["dob"])
        if r["relationship"] in ("MOTHER", "FATHER"):
            assert r["parental_responsibility"] == "Y"


def test_joint_claims_share_a_reference(big_county: Path) -> None:
    _, truth = read(big_county / "truth_records.csv")
    person_of = {int(r["row"]): r["person_id"] for r in truth if r["source"] == "dwp_benefits"}
    _, claims = read(big_county / "drop" / "dwp_benefits.csv")
    people: dict[str, set[str]] = defaultdict(set)
    for i, r in enumerate(claims, start=1):
        people[r["claim_ref"]].add(person_of[i])
    joint = [k for k, v in people.items() if len(v) == 2]
    assert joint, "no joint claim"
    assert all(len(v) <= 2 for v in people.values())
