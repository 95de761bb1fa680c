"""The "Support packages and places" figures on constructed data with known answers:
packages by purpose, district and whole value, the budget's committed, paid and
remaining on the period's last day (a reversal taken off), and the places of a service
held, offered and waited for on the days the period ends."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.test import Client

from test_web_payments import propose, setting_up
from webkit import client_for, family, visible_text
from wholefamily.web.casework.models import Action
from wholefamily.web.payments import services as P
from wholefamily.web.payments.models import LedgerEntry
from wholefamily.web.places import services as S
from wholefamily.web.reporting import support
from wholefamily.web.reporting.periods import parse_period


@pytest.fixture
def w(db: Any) -> dict[str, Any]:
    w = setting_up()  # a £1,000 FNSP budget for Casterbridge, 2026/27
    furniture = P.decide(propose(w, "250"), True, w["morgan"], today=date(2026, 5, 20))
    childcare = P.decide(
        propose(w, "20", purpose="childcare", frequency="weekly", ends_on=date(2026, 6, 29)),
        True,
        w["morgan"],
        today=date(2026, 5, 21),
    )  # fmt: skip  5 payments of £20: £100 whole
    P.decide(propose(w, "600", purpose="transport"), True, w["head"], today=date(2026, 5, 22))
    P.decide(propose(w, "75", purpose="goods"), False, w["morgan"], reason="Not needed")
    P.record_payments(date(2026, 6, 30), w["head"], today=date(2026, 6, 30))
    last = LedgerEntry.objects.get(package=childcare, due_on=date(2026, 6, 29))
    P.reverse(last, w["head"], "Paid twice by the bank", today=date(2026, 7, 1))
    w |= {"furniture": furniture, "childcare": childcare}
    # A service of one place: the first family holds it, the second waits until 15 July.
    service = S.save_service(
        w["analyst"], "Positive parenting", "parenting", "commissioned", "Wessex Family Trust",
        ["EDUCATION"], "regular",
    )  # fmt: skip
    S.set_places(service, "2026/27", 1, w["analyst"])
    other = family("F2", key_worker=w["kim"], team=w["team"])
    today = date(2026, 9, 30)
    refs = [
        S.refer(f, Action.objects.create(family=f, part="worker", text="Parenting",
                owner="Kim", due=date(2026, 12, 1)), service, on, w["kim"], today)
        for f, on in ((w["fam"], date(2026, 5, 1)), (other, date(2026, 5, 2)))
    ]  # fmt: skip
    S.end(refs[0], date(2026, 7, 15), "Finished", w["kim"], today)
    return w


def rows(key: str, period: str, district: str = "") -> list[list[Any]]:
    found = [f for f in support.figures(parse_period(period), district) if f.key == key]
    assert found, key
    return found[0].rows


def test_packages_by_purpose_over_the_year(w: dict[str, Any]) -> None:
    assert rows("fnsp_purpose", "2026/27") == [
        ["Furniture", 1, 1, "£250.00", "£250.00"],
        ["Transport", 1, 1, "£600.00", "£600.00"],
        ["Childcare", 1, 1, "£100.00", "£80.00"],  # one weekly payment reversed
        ["All purposes", 3, 1, "£950.00", "£930.00"],
    ]


def test_a_shorter_period_counts_only_its_days(w: dict[str, Any]) -> None:
    # To 15 June: three of the weekly payments; the reversal (1 July) is after.
    assert rows("fnsp_purpose", "2026-04-01..2026-06-15")[-1] == [
        "All purposes", 3, 1, "£950.00", "£910.00",
    ]  # fmt: skip
    # Approved in May: a period of June alone approved nothing, but paid.
    assert rows("fnsp_purpose", "2026-06-01..2026-06-30") == [
        ["Furniture", 0, 0, "£0.00", "£250.00"],
        ["Transport", 0, 0, "£0.00", "£600.00"],
        ["Childcare", 0, 0, "£0.00", "£100.00"],
        ["All purposes", 0, 0, "£0.00", "£950.00"],
    ]


def test_by_district_and_a_district_with_none(w: dict[str, Any]) -> None:
    assert rows("fnsp_districts", "2026/27") == [["Casterbridge", 3, 1, "£950.00", "£930.00"]]
    assert rows("fnsp_purpose", "2026/27", "Weyford") == [
        ["All purposes", 0, 0, "£0.00", "£0.00"],
    ]
    keys = [f.key for f in support.figures(parse_period("2026/27"), "Weyford")]
    assert "fnsp_districts" not in keys  # a district's figures have no table of districts


def test_packages_by_whole_value(w: dict[str, Any]) -> None:
    assert rows("fnsp_amounts", "2026/27") == [
        ["Up to £100", 1, 33.3, "£100.00"],  # exactly £100 is up to £100
        ["£100.01 to £250", 1, 33.3, "£250.00"],
        ["£250.01 to £500", 0, 0.0, "£0.00"],
        ["£500.01 to £1,000", 1, 33.3, "£600.00"],
        ["Over £1,000", 0, 0.0, "£0.00"],
    ]


def test_budgets_on_the_periods_last_day(w: dict[str, Any]) -> None:
    line = ["2026/27 Casterbridge: Family Network Support Packages", "£1,000.00"]
    assert rows("budgets", "2026/27") == [[*line, "£950.00", "£930.00", "£50.00", 95.0]]
    assert rows("budgets", "2026-04-01..2026-05-20") == [
        [*line, "£250.00", "£0.00", "£750.00", 25.0]
    ]
    assert rows("budgets", "2025/26") == []


def test_places_used_on_the_days_the_period_ends(w: dict[str, Any]) -> None:
    # 30 June: the first family holds the place, the second waits.
    assert rows("places", "2026-04-01..2026-06-30") == [["Positive parenting", 1, 1, 100.0, 1, 1]]
    # The year: the place freed on 15 July went to the second family.
    assert rows("places", "2026/27") == [["Positive parenting", 1, 1, 100.0, 2, 0]]
    # Before anyone was referred: nothing held, nothing waiting.
    assert rows("places", "2026-04-01..2026-04-30") == [["Positive parenting", 1, 0, 0.0, 0, 0]]
    assert rows("places", "2026/27", "Weyford") == [["Positive parenting", 1, 0, 0.0, 0, 0]]


def test_the_section_is_on_the_figures_page(w: dict[str, Any]) -> None:
    c: Client = client_for(w["analyst"])
    page = visible_text(c.get("/reports?period=2026/27").content.decode())
    assert "Support packages and places" in page
    assert "Family Network Support Packages by purpose" in page
    assert "Places used per service on 31 March 2027 (2026/27)" in page
    csv = c.get("/reports/budgets.csv?period=2026/27").content.decode()
    assert "£950.00" in csv


def test_the_section_is_in_the_committee_report(w: dict[str, Any]) -> None:
    from wholefamily.web.reporting.report import build

    html, _ = build(parse_period("2026/27"))
    text = visible_text(html)
    assert "Support packages and places" in text
    assert "Family Network Support Packages, their budgets and the places" in text
    assert "2026/27 Casterbridge: Family Network Support Packages" in text
