"""Caseloads in a real browser: the manager's dashboard shows each key worker's active
families by intensity and the families awaiting allocation; allocating one shows the
caseloads beside the choice; nothing serious for axe-core; no sideways scrolling at
390 px. Screenshots at 1280 and 390 px go to WHOLEFAMILY_SCREENSHOTS when it is set."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from wholefamily.web.families.models import Family, Intensity, Member, Person, Status

pytestmark = pytest.mark.browser
SHOTS = os.environ.get("WHOLEFAMILY_SCREENSHOTS", "")


def _family(fid: str, surname: str, **case: Any) -> Family:
    f = Family.objects.create(
        family_id=fid,
        framework="tf-2015",
        eligible=True,
        needs="EDUCATION;WORK_FINANCE",
        district="Northtown",
        identified_on=date(2025, 3, 31),
        **case,
    )
    for i, (forename, dob, role) in enumerate(
        [("Lisa", date(1984, 2, 3), "ADULT"), ("Jade", date(2012, 6, 1), "CHILD")]
    ):
        p = Person.objects.create(
            person_id=f"P{fid}{i}", forename=forename, surname=surname, dob=dob
        )
        Member.objects.create(family=f, person=p, role=role)
    return f


def _shoot(page: Any, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / name), full_page=True)


def _fits(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"{page.url} scrolls sideways: {width}px"


def test_caseloads_on_the_dashboard_and_beside_the_allocation(
    sign_in: Callable[[str], Any], accessible: Callable[[Any], None], users: dict[str, Any]
) -> None:
    kim, manager = users["keyworker"], users["manager"]
    north = manager.profile.team
    soon = date.today() + timedelta(days=20)
    surnames = ["Taylor", "Okoro", "Hughes", "Patel", "Nowak"]
    for i, (surname, intensity) in enumerate(
        zip(
            surnames,
            [
                Intensity.HIGH,
                Intensity.HIGH,
                Intensity.MEDIUM,
                Intensity.STANDARD,
                Intensity.MEDIUM,
            ],
            strict=True,
        )
    ):
        _family(
            f"F0000010{i}",
            surname,
            status=Status.ACTIVE,
            key_worker=kim,
            team=north,
            intensity=intensity,
            consent="given",
            started_on=date(2025, 4, 1),
            review_due=soon if i else date(2025, 7, 1),  # the first one overdue
        )
    for i, surname in enumerate(["Brooks", "Singh"]):
        _family(f"F0000020{i}", surname, status=Status.AWAITING_ALLOCATION)

    page = sign_in("manager")
    page.set_viewport_size({"width": 1280, "height": 900})
    caseloads = page.locator("#caseloads")
    kim_row = caseloads.locator("tr", has_text="Kim Walker")
    expect(kim_row.locator("td")).to_have_text(["2", "2", "1", "5", "0", "1"])
    expect(caseloads.locator("tbody tr")).to_have_count(1)  # Sam is in another team
    awaiting = page.locator("#awaiting tbody tr")
    expect(awaiting).to_have_count(2)
    expect(awaiting.first).to_contain_text("Brooks family")
    expect(awaiting.first).to_contain_text("Children: Jade")
    expect(awaiting.first).to_contain_text("Children not attending school regularly")
    expect(page.locator("#open-families")).to_contain_text("Taylor family")
    accessible(page)
    _shoot(page, "caseloads-1280.png")
    page.set_viewport_size({"width": 390, "height": 844})
    _fits(page)
    accessible(page)
    _shoot(page, "caseloads-390.png")

    page.set_viewport_size({"width": 1280, "height": 900})
    awaiting.first.get_by_role("link", name="Allocate").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Allocate the family")
    expect(page.locator(".govuk-caption-l")).to_have_text("Brooks family (F00000200)")
    beside = page.locator("#caseloads tr", has_text="Kim Walker")
    expect(beside.locator("td")).to_have_text(["2", "2", "1", "5", "0"])
    choice = page.get_by_label("Key worker", exact=True)
    accessible(page)
    _shoot(page, "allocate-1280.png")
    page.set_viewport_size({"width": 390, "height": 844})
    _fits(page)
    _shoot(page, "allocate-390.png")
    choice.select_option(label="Kim Walker")
    page.get_by_label("Team").select_option(label="Northtown family support")
    page.get_by_label("Standard").check()
    page.get_by_role("button", name="Save").click()
    assert Family.objects.get(family_id="F00000200").key_worker == kim

    page.goto("/")
    expect(page.locator("#caseloads tr", has_text="Kim Walker").locator("td").nth(4)).to_have_text(
        "1"
    )
    expect(page.locator("#awaiting tbody tr")).to_have_count(1)
