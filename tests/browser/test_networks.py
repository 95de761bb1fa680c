"""A family's network in the browser: a key worker builds the network and its map (the
SVG holds every member's name and relationship; readable at 390 px in its own scrolling
box, and printed), and a family group conference whose plan becomes family-plan actions
owned by network members. Every page is looked at (browserkit.look: 1280 and 390 px,
axe-core); screenshots in $WHOLEFAMILY_SCREENSHOTS when set, the printed map too."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from browser.browserkit import SHOTS, look
from browser.conftest import settled
from webkit import family
from wholefamily.web import clock
from wholefamily.web.accounts.models import Team
from wholefamily.web.casework.models import Action
from wholefamily.web.families.models import Member, Person
from wholefamily.web.networks import services as nw

pytestmark = pytest.mark.browser

TODAY = date(2026, 3, 31)
FID = "F00000001"
Page = Any


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clock, "today", lambda: TODAY)


def carters(users: dict[str, Any]) -> tuple[Any, Person, Person]:
    north = Team.objects.get(name="Northtown family support")
    f = family(FID, key_worker=users["keyworker"], team=north, consent="given")
    tom = Person.objects.create(
        person_id="PTOM", forename="Tom", surname="Carter", dob=date(2016, 2, 1)
    )
    Member.objects.create(family=f, person=tom, role="CHILD")
    return f, Person.objects.get(person_id=f"P{FID}1"), tom


def fill_date(page: Page, name: str, d: date) -> None:
    for i, part in enumerate((d.day, d.month, d.year)):
        page.locator(f"#id_{name}_{i}").fill(str(part))


def save(page: Page) -> None:
    page.get_by_role("button", name="Save").click()


def map_text(page: Page) -> str:
    return str(page.locator(".app-network-map svg").text_content())


def test_building_a_network_and_its_map(
    sign_in: Callable[[str], Page], users: dict[str, Any]
) -> None:
    carters(users)
    kw = sign_in("keyworker")
    kw.goto(f"/families/{FID}")
    kw.locator(".moj-sub-navigation").get_by_role("link", name="Network").click()
    expect(kw.get_by_role("heading", level=2, name="Network")).to_be_visible()
    expect(kw.get_by_text("Nobody is recorded in the family’s network yet")).to_be_visible()
    look(kw, "network-empty")

    kw.get_by_role("button", name="Add someone to the network").click()
    save(kw)
    summary = kw.locator(".govuk-error-summary")
    expect(summary.get_by_text("Enter the name the family uses for them")).to_be_visible()
    look(kw, "network-add-errors")
    people = [
        ("Nan Carol", "Relative", {"Jade": "Grandparent", "Tom": "Grandparent"}, True, False),
        ("Great-gran Edie", "Relative", {"Jade": "Great-grandparent"}, False, False),
        ("Auntie Bea", "Relative", {"Jade": "Aunt or uncle", "Tom": "Aunt or uncle"}, False, True),
        ("Mr Ahmed next door", "Neighbour", {"Tom": "Neighbour"}, False, False),
    ]
    for name, kind, ties, pr, formal in people:
        if not kw.url.endswith("/network/add"):
            kw.get_by_role("button", name="Add someone to the network").click()
        kw.get_by_label("Their name, as the family says it").fill(name)
        kw.get_by_label(kind, exact=True).check()
        for child, relationship in ties.items():
            born = "4 May 2011" if child == "Jade" else "1 February 2016"
            kw.get_by_label(f"What are they to {child} Carter, born {born}?").select_option(
                label=relationship
            )
        if pr:
            kw.get_by_label("Jade Carter, born 4 May 2011", exact=True).check()
        kw.get_by_label("Where they live (optional)").fill("Casterbridge")
        kw.get_by_label("What they offer (optional)").fill("School pick-ups")
        if formal:
            kw.get_by_label("Formal support (arranged with the council)").check()
        fill_date(kw, "added_on", date(2025, 6, 1))
        save(kw)
        expect(kw.get_by_text(f"{name} is in the family’s network")).to_be_visible()

    drawn = map_text(kw)
    for name, relationship in (
        ("Nan Carol", "Grandparent"),
        ("Great-gran Edie", "Great-grandparent to Jade"),
        ("Auntie Bea", "Aunt or uncle"),
        ("Mr Ahmed next door", "Neighbour to Tom"),
    ):
        assert name in drawn and relationship in drawn, name
    assert "Lisa Carter" in drawn and "The household" in drawn
    svg = kw.locator(".app-network-map svg")
    expect(svg).to_have_attribute("role", "img")
    table = kw.get_by_role("table")
    for name, *_ in people:
        expect(table).to_contain_text(name)
    look(kw, "network-map")
    # At 390 px the map scrolls in its own box; the page does not (look checked that).
    kw.set_viewport_size({"width": 390, "height": 900})
    settled(kw)
    box = kw.locator(".app-network-map")
    assert box.evaluate("b => b.scrollWidth > b.clientWidth")  # it scrolls by itself
    assert kw.evaluate("document.documentElement.scrollWidth") <= 390
    # Printed: the whole map on the page, nothing cut off.
    kw.set_viewport_size({"width": 1280, "height": 900})
    kw.emulate_media(media="print")
    settled(kw)
    fits = kw.evaluate(
        "() => { const b = document.querySelector('.app-network-map');"
        " const s = b.querySelector('svg').getBoundingClientRect();"
        " return s.width <= b.getBoundingClientRect().width + 1"
        " && b.scrollWidth <= b.clientWidth + 1; }"
    )
    assert fits
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        kw.pdf(path=str(Path(SHOTS) / "network-map-print.pdf"))
        kw.screenshot(path=str(Path(SHOTS) / "network-map-print.png"), full_page=True)
    kw.emulate_media(media="screen")


def test_a_family_group_conference_whose_plan_becomes_family_plan_actions(
    sign_in: Callable[[str], Page], users: dict[str, Any]
) -> None:
    f, jade, tom = carters(users)
    kw_user = users["keyworker"]
    nw.add_member(
        f, "Nan Carol", "relative", [nw.Tie(jade, "grandparent", True)], date(2025, 6, 1), kw_user
    )
    nw.add_member(
        f, "Auntie Bea", "relative", [nw.Tie(tom, "aunt_uncle")], date(2025, 6, 1), kw_user
    )
    kw = sign_in("keyworker")
    kw.goto(f"/families/{FID}/network")

    # The statutory pre-proceedings offer, made before the letter.
    kw.get_by_role("button", name="Record an offer or request").click()
    kw.get_by_label("Offered by the lead practitioner").check()
    fill_date(kw, "made_on", date(2026, 1, 5))
    kw.get_by_label("Yes").check()
    fill_date(kw, "letter_before_proceedings_on", date(2026, 1, 9))
    look(kw, "network-offer")
    save(kw)
    expect(kw.get_by_text("The offer or request is recorded: in time")).to_be_visible()
    expect(kw.get_by_text("Made in time")).to_be_visible()

    kw.get_by_role("button", name="Record a meeting").click()
    save(kw)
    expect(
        kw.locator(".govuk-error-summary").get_by_text("Select the kind of meeting")
    ).to_be_visible()
    look(kw, "network-meeting-errors")
    kw.get_by_label("Family group conference").check()
    kw.get_by_label("Coordinator").fill("Sam Okafor")
    fill_date(kw, "held_on", date(2026, 2, 2))
    kw.get_by_label("Which offer or request is it for? (optional)").select_option(index=1)
    kw.get_by_label("Nan Carol").check()
    kw.get_by_label("Auntie Bea").check()
    kw.get_by_label("Others who came (optional)").fill("Lisa Carter\nKim Walker, key worker")
    kw.get_by_label("The family made a plan").check()
    save(kw)
    expect(kw.get_by_text("The family group conference is recorded.")).to_be_visible()

    lines = [
        ("Nan Carol", "Pick Jade up from school on Tuesdays", date(2026, 4, 30), "Bus fares"),
        ("Auntie Bea", "Have Tom to stay every other weekend", date(2026, 5, 31), "A sofa bed"),
    ]
    for who, what, by_when, support in lines:
        kw.get_by_role("link", name="Add to the plan").click()
        kw.get_by_label("Who in the network will do it?").select_option(label=who)
        kw.get_by_label("What will they do?").fill(what)
        fill_date(kw, "by_when", by_when)
        kw.get_by_label("Support needed (optional)").fill(support)
        if who == "Nan Carol":
            look(kw, "network-plan-line")
        save(kw)
        expect(kw.get_by_text(f"Added to the family plan: {who} will")).to_be_visible()
    card = kw.locator(
        ".govuk-summary-card", has=kw.get_by_text("Family group conference, 2 February 2026")
    )
    expect(card.get_by_text("Kim Walker, key worker")).to_be_visible()
    expect(card.get_by_text("Support needed: A sofa bed")).to_be_visible()
    look(kw, "network-fgdm")

    card.get_by_role("link", name="the family plan").click()
    for who, what, _, _ in lines:
        expect(kw.get_by_text(what, exact=True)).to_be_visible()
        expect(kw.get_by_text(f"Who: {who}").first).to_be_visible()
    look(kw, "network-family-plan")
    owners = set(Action.objects.filter(family=f, part="network").values_list("owner", flat=True))
    assert owners == {"Nan Carol", "Auntie Bea"}
