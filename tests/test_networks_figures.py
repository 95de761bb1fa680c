"""The "Family networks" figures, on constructed data with known answers: family group
decision making in a quarter (offers by who made them and what became of them; meetings
and plans), the pre-proceedings offer in time, and the kinship measures (children kept
at home, entering care, Family Network Support Package payments per child kept at
home), for the county and one district; on the figures page and in the report."""

from __future__ import annotations

import re
from datetime import date
from itertools import count
from typing import Any

import pytest
from django.urls import reverse

from webkit import client_for, family, user
from wholefamily.web.accounts.models import Role
from wholefamily.web.families.models import Family, Member, Person
from wholefamily.web.networks.models import (
    LivingArrangement,
    Meeting,
    NetworkMember,
    Offer,
    PlanItem,
)
from wholefamily.web.payments.models import Budget, Group, Kind, LedgerEntry, Package
from wholefamily.web.reporting.metrics import metrics
from wholefamily.web.reporting.periods import parse_period

pytestmark = pytest.mark.django_db
Q2 = parse_period("2025Q2")  # 1 April to 30 June 2025
D = date


def _child(f: Family, n: int) -> Person:
    p = Person.objects.create(person_id=f"K{f.family_id}{n}", forename=f"Kid{n}", dob=D(2015, 1, 1))
    Member.objects.create(family=f, person=p, role="CHILD", current=True)
    return p


def _member(f: Family, name: str, by: Any) -> NetworkMember:
    return NetworkMember.objects.create(
        family=f, name=name, kind="relative", added_on=D(2025, 1, 1), by=by
    )


def _live(f: Family, c: Person, kind: str, start: date, end: date | None, by: Any) -> None:
    LivingArrangement.objects.create(
        family=f, child=c, kind=kind, started_on=start, ended_on=end, by=by, carer_name="x"
    )


@pytest.fixture
def county() -> dict[str, Any]:
    """Casterbridge: A1 and A2; Budmouth: B1."""
    by = user("kim", Role.KEY_WORKER)
    a1, a2 = family("A1"), family("A2")
    b1 = family("B1", district="Budmouth")
    c1 = Person.objects.get(person_id="PA11")
    c2, c3, c4 = _child(a1, 2), _child(a2, 3), _child(a2, 4)
    c5, c6 = _child(b1, 5), _child(b1, 6)
    m1, m2, ma, mb = (
        _member(f, n, by) for f, n in ((a1, "Nan"), (a1, "Ann"), (a2, "Al"), (b1, "Bo"))
    )

    def offer(
        f: Family, source: str, made: date, outcome: str = "", letter: date | None = None
    ) -> Offer:
        return Offer.objects.create(
            family=f,
            source=source,
            made_on=made,
            pre_proceedings=letter is not None,
            letter_before_proceedings_on=letter,
            outcome=outcome,
            outcome_on=made if outcome else None,
            reason="" if outcome in ("", "accepted") else "Why",
            by=by,
        )

    o1 = offer(a1, "practitioner", D(2025, 4, 10), "accepted", letter=D(2025, 4, 15))  # in time
    offer(a1, "school", D(2025, 5, 1), "declined")
    offer(a2, "gp", D(2025, 6, 30))  # the period's last day; no outcome yet
    offer(a2, "practitioner", D(2025, 3, 31), "accepted", letter=D(2025, 4, 2))  # made before
    offer(b1, "practitioner", D(2025, 5, 20), "not_held", letter=D(2025, 5, 10))  # late
    offer(b1, "family", D(2025, 7, 1))  # after the period

    def meeting(f: Family, kind: str, held: date, members: list[NetworkMember]) -> Meeting:
        mt = Meeting.objects.create(
            family=f,
            kind=kind,
            coordinator="C",
            held_on=held,
            outcome="plan" if members else "no_plan",
            by=by,
        )
        for m in members:
            PlanItem.objects.create(meeting=mt, member=m, what="Help", by_when=held)
        return mt

    conference = meeting(a1, "conference", D(2025, 4, 25), [m1, m2])
    meeting(a1, "network_meeting", D(2025, 6, 30), [])
    meeting(a2, "network_meeting", D(2025, 3, 20), [ma])  # before the period
    meeting(b1, "network_meeting", D(2025, 5, 5), [mb])
    Meeting.objects.filter(pk=conference.pk).update(offer=o1)

    _live(a1, c1, "parents", D(2025, 1, 1), D(2025, 5, 14), by)
    _live(a1, c1, "foster", D(2025, 5, 15), None, by)  # enters care in the period
    _live(a1, c2, "parents", D(2024, 1, 1), None, by)  # kept at home
    _live(a2, c3, "foster", D(2025, 1, 1), D(2025, 4, 9), by)
    _live(a2, c3, "residential", D(2025, 4, 10), None, by)  # a move, not entering care
    _live(a2, c4, "informal_kinship", D(2025, 2, 1), D(2025, 5, 31), by)
    _live(a2, c4, "sgo", D(2025, 6, 1), None, by)  # kept at home
    _live(b1, c5, "parents", D(2024, 6, 1), D(2025, 3, 31), by)
    _live(b1, c5, "foster", D(2025, 4, 1), D(2025, 4, 30), by)  # entered care, then home
    _live(b1, c5, "parents", D(2025, 5, 1), None, by)
    _live(b1, c6, "parents", D(2024, 6, 1), D(2025, 6, 30), by)  # kept at home
    _live(b1, c6, "cao", D(2025, 7, 1), None, by)  # after the period

    refs = count(1)

    def budget(district: str, group: str = Group.FNSP) -> Budget:
        return Budget.objects.create(
            year="2025/26", district=district, group=group, pence=10_000_00, by=by
        )

    def package(f: Family, child: Person, payee: NetworkMember, b: Budget) -> Package:
        return Package.objects.create(
            family=f,
            child=child,
            payee=payee,
            purpose="childcare",
            what="x",
            pence=2000,
            frequency="weekly",
            starts_on=D(2025, 3, 31),
            ends_on=D(2025, 7, 7),
            budget=b,
            meeting=conference,
            state="approved",
            proposed_by=by,
            decided_by=by,
        )

    def entry(p: Package, kind: str, pence: int, on: date, reverses: Any = None) -> LedgerEntry:
        return LedgerEntry.objects.create(
            budget=p.budget,
            package=p,
            kind=kind,
            pence=pence,
            on=on,
            due_on=on if kind == Kind.PAYMENT else None,
            reference=f"R{next(refs)}",
            reverses=reverses,
            by=by,
        )

    cas, bud = budget("Casterbridge"), budget("Budmouth")
    p1 = package(a1, c2, m1, cas)
    entry(p1, Kind.COMMITMENT, 10_000, D(2025, 4, 1))  # a commitment is not spend
    entry(p1, Kind.PAYMENT, 1000, D(2025, 3, 31))  # before the period
    entry(p1, Kind.PAYMENT, 2000, D(2025, 4, 7))
    wrong = entry(p1, Kind.PAYMENT, 2000, D(2025, 4, 14))
    entry(p1, Kind.PAYMENT, 2000, D(2025, 6, 30))
    entry(p1, Kind.PAYMENT, 2000, D(2025, 7, 7))  # after the period
    entry(p1, Kind.PAYMENT, -2000, D(2025, 5, 2), reverses=wrong)  # reversed in the period
    p2 = package(b1, c6, mb, bud)
    entry(p2, Kind.PAYMENT, 150_50, D(2025, 5, 5))
    other = package(b1, c6, mb, budget("Budmouth", Group.FAMILY_SUPPORT))
    entry(other, Kind.PAYMENT, 999_00, D(2025, 5, 5))  # not a network support package
    return {"by": by}


def _rows(m: Any, key: str) -> dict[str, list[Any]]:
    return {str(r[0]): r[1:] for r in m.figure(key).rows}


def test_the_county(county: dict[str, Any]) -> None:
    m = metrics(Q2)
    keys = [f.key for f in m.figures if f.section == "Family networks"]
    assert keys == ["nw_offers", "nw_meetings", "nw_pre_proceedings", "nw_kinship", "nw_living"]
    # made, accepted, declined, not held, no outcome yet
    assert _rows(m, "nw_offers") == {
        "Offered by the lead practitioner": [2, 1, 0, 1, 0],
        "Asked for by the family": [0, 0, 0, 0, 0],  # July's is after the period
        "Asked for by a school": [1, 0, 1, 0, 0],
        "Asked for by a GP": [1, 0, 0, 0, 1],
        "Asked for by another professional": [0, 0, 0, 0, 0],
        "All offers and requests": [4, 1, 1, 1, 1],
    }
    # held, with a plan, plan actions, families
    assert _rows(m, "nw_meetings") == {
        "Family network meeting": [2, 1, 1, 2],
        "Family group conference": [1, 1, 2, 1],
        "All meetings": [3, 2, 3, 2],
    }
    # Letters in the period: A1's (offer in time), A2's (offer made before the
    # period, in time), B1's (offer after the letter).
    assert _rows(m, "nw_pre_proceedings") == {
        "Made by the letter before proceedings (in time)": [2, 3, 66.7],
        "Accepted": [2, 3, 66.7],
    }
    # Kept at home: c2, c4, c6. Entering care: c1 and c5 (c3 moved placement).
    # Payments: 20 + 20 - 20 (the reversal) + 20 + 150.50 = 190.50, over 3 children.
    assert _rows(m, "nw_kinship") == {
        "Children supported to stay with their birth family or people they know": [3],
        "Children entering care": [2],
        "Family Network Support Package payments": ["£190.50"],
        "Payments per child supported to stay with their family": ["£63.50"],
    }
    assert m.figure("nw_living").title == "Who children lived with on 30 June 2025"
    assert _rows(m, "nw_living") == {
        "With their parents": [3, 50.0],  # c2, c5, c6
        "Informal kinship care (with family or friends)": [0, 0.0],  # c4's ended 31 May
        "Special guardianship order": [1, 16.7],
        "Child arrangements order": [0, 0.0],  # c6's begins the next day
        "Foster care": [1, 16.7],
        "Residential care": [1, 16.7],
    }


def test_one_district(county: dict[str, Any]) -> None:
    m = metrics(Q2, "Casterbridge")
    assert _rows(m, "nw_offers")["All offers and requests"] == [3, 1, 1, 0, 1]
    assert _rows(m, "nw_meetings")["All meetings"] == [2, 1, 2, 1]
    assert _rows(m, "nw_pre_proceedings")["Made by the letter before proceedings (in time)"] == [
        2,
        2,
        100.0,
    ]
    assert _rows(m, "nw_kinship") == {
        "Children supported to stay with their birth family or people they know": [2],
        "Children entering care": [1],
        "Family Network Support Package payments": ["£40.00"],
        "Payments per child supported to stay with their family": ["£20.00"],
    }
    assert _rows(m, "nw_living")["With their parents"] == [1, 25.0]
    bud = metrics(Q2, "Budmouth")
    assert _rows(bud, "nw_pre_proceedings")["Made by the letter before proceedings (in time)"] == [
        0,
        1,
        0.0,
    ]
    kin = _rows(bud, "nw_kinship")
    assert kin["Family Network Support Package payments"] == ["£150.50"]  # not the £999
    assert kin["Payments per child supported to stay with their family"] == ["£150.50"]
    # A period with nothing in it: no share, no spend per child.
    empty = metrics(parse_period("2023Q1"), "Budmouth")
    assert _rows(empty, "nw_pre_proceedings")["Accepted"] == [0, 0, None]
    assert _rows(empty, "nw_kinship")["Payments per child supported to stay with their family"] == [
        None
    ]


def test_on_the_page_and_in_the_report(county: dict[str, Any]) -> None:
    from wholefamily.web.reporting.report import build

    c = client_for(user("analyst", Role.ANALYST))
    page = c.get(reverse("reports"), {"period": "2025Q2"}).content.decode()
    assert re.search(r'<h2[^>]*id="section-family-networks"', page)
    text = " ".join(re.sub(r"<[^>]+>", " ", page).split())
    assert "Family group decision making, who children live with" in text
    assert "Children entering care 2" in text and "£63.50" in text
    got = c.get(reverse("report_csv", args=["nw_pre_proceedings"]), {"period": "2025Q2"})
    rows = got.content.decode().splitlines()
    assert rows[0] == "measure,counted,out of,share %"
    assert rows[1] == "Made by the letter before proceedings (in time),2,3,66.7"
    html, _ = build(Q2)
    assert '<h2 class="pagebreak section">Family networks</h2>' in html
    assert "<h3>Family network meetings and family group conferences held</h3>" in html
    assert "Payments per child supported to stay with their family</td><td>£63.50" in html
