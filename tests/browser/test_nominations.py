"""A nomination in a real browser: the partner nominates, the analyst sees the people,
needs and evidence at the central check beside the known family the already-known check
found, accepts, and the family page lists the people as members. axe-core on each
state; no sideways scrolling at 390 px; screenshots at 1280 and 390 px wide."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from playwright.sync_api import expect

from browser.browserkit import look
from webkit import family as known_family
from wholefamily.web.families.models import Status

pytestmark = pytest.mark.browser

Page = Any
EVIDENCE = "Jade has missed 30% of sessions this term; Mum says the rent is in arrears."


def fill_date(page: Page, name: str, d: date) -> None:
    for box, value in zip(("0", "1", "2"), (d.day, d.month, d.year), strict=True):
        page.locator(f"input[name='{name}_{box}']").fill(str(value))


def nominate(partner: Page, people: list[tuple[str, str, date, str]]) -> str:
    partner.get_by_role("link", name="Nominate a family").first.click()
    for i, (first, last, born, role) in enumerate(people):
        partner.locator(f"#id_person-{i}-forename").fill(first)
        partner.locator(f"#id_person-{i}-surname").fill(last)
        fill_date(partner, f"person-{i}-dob", born)
        partner.locator(f"#id_person-{i}-role").select_option(label=role)
    partner.get_by_label("Your agency").fill("Southfield Primary School")
    partner.get_by_label("Getting a good education").check()
    partner.get_by_label("What have you seen?").fill(EVIDENCE)
    partner.get_by_role(
        "group", name="Has the family agreed to their information being shared?"
    ).get_by_label("Yes").check()
    partner.get_by_role("button", name="Continue").click()
    partner.wait_for_url(re.compile(r"/families/N\d{6}$"))
    return str(partner.url.rsplit("/", 1)[1])


def test_a_nomination_seen_at_the_central_check_becomes_members_of_the_known_family(
    sign_in: Callable[[str], Page], site: str
) -> None:
    known_family("F00000011", status=Status.IDENTIFIED)  # Jade and Lisa Carter
    partner = sign_in("partner")
    ref = nominate(
        partner,
        [
            ("Jade", "Carter", date(2011, 5, 4), "Child"),
            ("Mia", "Carter", date(2019, 2, 14), "Child"),
        ],
    )
    # The partner is told nothing of the known family.
    expect(partner.get_by_role("heading", level=1)).to_contain_text(f"Family {ref}")
    expect(partner.locator("main")).not_to_contain_text("known")
    expect(partner.locator("main")).not_to_contain_text("F00000011")
    look(partner, "nomination-sent")

    # The analyst's central check: the nomination beside the known family, once.
    analyst = sign_in("analyst")
    analyst.goto(f"/families/{ref}")
    analyst.get_by_role("link", name="Central check").click()
    expect(analyst.get_by_role("heading", level=1)).to_have_text("Central check")
    main = analyst.locator("main")
    for words in ("Jade Carter", "Mia Carter", "Getting a good education", EVIDENCE):
        expect(main).to_contain_text(words)
    expect(analyst.locator(".app-candidate")).to_have_count(1)
    candidate = analyst.locator(".app-candidate")
    expect(candidate).to_contain_text("Carter family, family F00000011")
    expect(candidate).to_contain_text(
        "first name the same, last name the same, date of birth the same"
    )
    expect(candidate.get_by_text("May be a person named")).to_have_count(1)
    look(analyst, "central-check")

    # Accepting without saying which family is refused, with GOV.UK's error summary.
    analyst.get_by_label("Yes", exact=True).check()
    analyst.get_by_role("button", name="Save").click()
    expect(analyst).to_have_title(re.compile(r"^Error: Central check"))
    expect(analyst.locator(".govuk-error-summary").get_by_role("link")).to_have_text(
        ["Select the known family this is, or none of these"]
    )
    look(analyst, "central-check-error")

    analyst.get_by_label("Yes", exact=True).check()
    analyst.get_by_label(re.compile(r"^Carter family, family F00000011")).check()
    analyst.get_by_label("Notes for the team").fill("Same family as F00000011; Mia is new.")
    analyst.get_by_role("button", name="Save").click()
    analyst.wait_for_url(f"{site}/families/F00000011")
    expect(analyst.locator("h1 .moj-badge")).to_have_text("Awaiting allocation")
    members = analyst.get_by_role("table", name="Members of the family")
    for name in ("Jade Carter", "Lisa Carter", "Mia Carter"):
        expect(members).to_contain_text(name)
    expect(members.get_by_text("Jade Carter")).to_have_count(1)
    expect(analyst.locator(".app-nomination-summary")).to_contain_text(
        "Same family as F00000011; Mia is new."
    )
    look(analyst, "family-after-merge")
    analyst.locator(".moj-sub-navigation").get_by_role("link", name="Chronology").click()
    expect(analyst.locator(".moj-timeline")).to_contain_text("Members added from a nomination")
    analyst.go_back()

    # The manager who allocates it sees the members, the nomination and the check's notes.
    manager = sign_in("manager")
    manager.goto("/families/F00000011")
    expect(manager.get_by_role("table", name="Members of the family")).to_contain_text("Mia Carter")
    expect(manager.locator(".app-nomination-summary")).to_contain_text(EVIDENCE)
    look(manager, "family-manager")

    # The partner still sees their own reference.
    partner.goto("/nominations")
    expect(partner.locator("main")).to_contain_text(ref)
    expect(partner.locator("main")).not_to_contain_text("F00000011")
    look(partner, "your-nominations")


def test_a_new_family_accepted_at_the_central_check_lists_its_members(
    sign_in: Callable[[str], Page], site: str
) -> None:
    partner = sign_in("partner")
    ref = nominate(
        partner,
        [
            ("Jo", "Bloggs", date(1985, 5, 12), "Lead adult"),
            ("Sam", "Bloggs", date(2014, 9, 3), "Child"),
        ],
    )
    manager = sign_in("manager")
    analyst = sign_in("analyst")
    analyst.goto(f"/families/{ref}")
    # Before the check the nomination's people show on the family page.
    expect(analyst.locator("main")).to_contain_text("No members recorded yet")
    summary = analyst.locator(".app-nomination-summary")
    expect(summary).to_contain_text("Jo Bloggs, lead adult, born 12 May 1985")
    expect(summary).to_contain_text("Getting a good education")
    look(analyst, "family-nominated")
    analyst.get_by_role("link", name="Central check").click()
    expect(analyst.locator("main")).to_contain_text("found no known family")
    look(analyst, "central-check-new")
    analyst.get_by_label("Yes", exact=True).check()
    analyst.get_by_label("Notes for the team").fill("Meets the education need.")
    analyst.get_by_role("button", name="Save").click()
    analyst.wait_for_url(f"{site}/families/{ref}")
    manager.goto(f"/families/{ref}")
    members = manager.get_by_role("table", name="Members of the family")
    expect(members).to_contain_text("Jo Bloggs")
    expect(members).to_contain_text("Sam Bloggs")
    expect(manager.locator(".app-nomination-summary")).to_contain_text("Meets the education need.")
    look(manager, "family-accepted")
