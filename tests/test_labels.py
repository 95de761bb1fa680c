"""Words for codes: needs by their framework's titles, sources and their evidence in
words, members' roles, families by name with their children and ages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from wholefamily.frameworks.files import check, shipped
from wholefamily.sources.schema import SOURCES
from wholefamily.web.families import labels


@pytest.mark.parametrize("name", sorted(shipped()))
def test_every_need_of_a_shipped_framework_has_a_title(name: str) -> None:
    needs = check(shipped()[name]).data["needs"]
    for code in needs:
        title = labels.need_label(code, name)
        assert title == needs[code]["title"] and "_" not in title and title != code


def test_a_need_without_a_title_still_reads_as_words() -> None:
    assert labels.need_label("WORK_FINANCE", "tf-2015") == (
        "Out of work or at risk of financial exclusion"
    )
    assert labels.need_label("WORK_FINANCE") == "Worklessness and financial exclusion"
    assert labels.need_label("WORK_FINANCE", "no-such-framework") == (
        "Worklessness and financial exclusion"
    )
    assert labels.need_label("PARENTING_SUPPORT") == "Parenting support"
    assert labels.needs_label("EDUCATION;HEALTH", "tf-2015") == (
        "Children not attending school regularly; Health problems"
    )
    assert labels.needs_label("") == ""


def test_every_source_and_its_evidence_in_words() -> None:
    for name, s in SOURCES.items():
        assert s.title and "_" not in s.title, name
        if s.names_people and name != "school_contacts":
            assert s.event, f"{name}: what its evidence date is"
    assert labels.evidence_label("dwp_benefits", date(2020, 4, 13)) == (
        "DWP benefits, claim started 13 April 2020"
    )
    assert labels.evidence_label("police_offences", date(2024, 1, 5)) == (
        "Police offences, outcome on 5 January 2024"
    )
    assert labels.evidence_label("asb", None) == "Anti-social behaviour"
    assert labels.source_label("new_source") == "New source"
    assert labels.role_label("CHILD") == "Child" and labels.role_label("ADULT") == "Adult"


@dataclass
class P:
    forename: str
    surname: str
    dob: date | None


@dataclass
class M:
    person: P
    role: str
    current: bool = True


def test_a_family_is_named_by_its_eldest_adult_with_its_children_and_ages() -> None:
    day = date(2026, 12, 1)
    members = [
        M(P("JADE", "Carter", date(2011, 12, 2)), "CHILD"),  # 14 until tomorrow
        M(P("Lisa", "Taylor", date(1985, 1, 9)), "ADULT"),
        M(P("Ann", "Brooks", date(1960, 6, 1)), "ADULT", current=False),  # moved out
        M(P("tom", "Taylor", date(2017, 3, 1)), "CHILD"),
        M(P("Ray", "Taylor", None), "ADULT"),
    ]
    assert labels.family_name(members, "F1") == "Taylor family"
    assert labels.children_label(members, day) == "Jade (14), Tom (9)"
    kids_only = [M(P("Ali", "Khan", date(2010, 1, 1)), "CHILD")]
    assert labels.family_name(kids_only, "F2") == "Khan family"
    assert labels.family_name([M(P("Sam", "", None), "ADULT")], "N000003") == "N000003"
    assert labels.children_label([], day) == ""
