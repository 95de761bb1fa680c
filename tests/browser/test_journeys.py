"""A family's whole journey through the web app, in a real browser, one user per role.

Each page the journey passes through is checked with axe-core: no serious or critical
accessibility violation.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from django.utils.formats import date_format
from playwright.sync_api import expect

from wholefamily.web.casework.forms import months_after
from wholefamily.web.families.models import Family, Origin, Status

pytestmark = pytest.mark.browser

TODAY = date.today()

Page = Any
Check = Callable[[Page], None]


def fill_date(page: Page, name: str, d: date) -> None:
    """The three boxes of a GOV.UK date input named name_0, name_1, name_2."""
    for box, value in zip(("0", "1", "2"), (d.day, d.month, d.year), strict=True):
        page.locator(f"input[name='{name}_{box}']").fill(str(value))


def status_tag(page: Page) -> Any:
    return page.locator("h1 .govuk-tag, h1 .moj-badge")


def summary_value(page: Page, key: str) -> Any:
    """The value beside `key` in the page's first summary list with that key."""
    row = page.locator(".govuk-summary-list__row").filter(
        has=page.locator("dt", has_text=re.compile(f"^{re.escape(key)}$"))
    )
    return row.first.locator("dd")


def save(page: Page) -> None:
    page.get_by_role("button", name="Save").click()


def test_a_family_from_nomination_to_closure(
    sign_in: Callable[[str], Page], accessible: Check, site: str
) -> None:
    # A partner professional nominates a family of two.
    partner = sign_in("partner")
    expect(partner.get_by_role("heading", level=1)).to_have_text("My dashboard")
    accessible(partner)
    partner.get_by_role("link", name="Nominate a family").click()
    expect(partner.get_by_role("heading", level=1)).to_have_text("Nominate a family")
    accessible(partner)
    partner.locator("#id_person-0-forename").fill("Jo")
    partner.locator("#id_person-0-surname").fill("Bloggs")
    fill_date(partner, "person-0-dob", date(1985, 5, 12))
    partner.locator("#id_person-0-role").select_option(label="Lead adult")
    partner.locator("#id_person-1-forename").fill("Sam")
    partner.locator("#id_person-1-surname").fill("Bloggs")
    fill_date(partner, "person-1-dob", date(2014, 9, 3))
    partner.locator("#id_person-1-role").select_option(label="Child")
    partner.get_by_label("Your agency").fill("Southfield Primary School")
    partner.get_by_label("Getting a good education").check()
    partner.get_by_label("Improved financial stability").check()
    partner.get_by_label("What have you seen?").fill(
        "Sam has missed 30% of sessions this term; the family's rent is in arrears."
    )
    consent = partner.get_by_role(
        "group", name="Has the family agreed to their information being shared?"
    )
    consent.get_by_label("Yes").check()
    partner.get_by_role("button", name="Continue").click()

    # The case database is empty, so no "already known" question: straight to the family.
    partner.wait_for_url(re.compile(r"/families/N\d{6}$"))
    family_id = partner.url.rsplit("/", 1)[1]
    family_url = f"/families/{family_id}"
    expect(partner.get_by_role("heading", level=1)).to_contain_text(f"Family {family_id}")
    expect(status_tag(partner)).to_have_text("Nominated")
    expect(summary_value(partner, "Key worker")).to_have_text("Not allocated yet")
    expect(summary_value(partner, "People")).to_contain_text("Jo Bloggs")
    expect(summary_value(partner, "People")).to_contain_text("Sam Bloggs")
    accessible(partner)

    # The programme analyst finds it in the family list and runs the central check.
    analyst = sign_in("analyst")
    accessible(analyst)
    analyst.get_by_role("link", name="Families", exact=True).click()
    expect(analyst.get_by_role("heading", level=1)).to_have_text("Families")
    accessible(analyst)
    analyst.get_by_role("link", name=family_id).click()
    expect(status_tag(analyst)).to_have_text("Nominated")
    accessible(analyst)
    analyst.get_by_role("link", name="Central check").click()
    expect(analyst.get_by_role("heading", level=1)).to_have_text("Central check")
    accessible(analyst)
    analyst.get_by_label("Yes", exact=True).check()
    analyst.get_by_label("Notes for the team").fill("Meets education and finance needs.")
    save(analyst)
    analyst.wait_for_url(f"{site}{family_url}")
    expect(status_tag(analyst)).to_have_text("Awaiting allocation")
    analyst.get_by_role("link", name="Chronology", exact=True).click()
    expect(analyst.locator(".moj-timeline")).to_contain_text("Central check")
    expect(analyst.locator(".moj-timeline")).to_contain_text("Meets education and finance needs.")
    accessible(analyst)

    # The team manager allocates it to a key worker of their team.
    manager = sign_in("manager")
    accessible(manager)
    manager.goto(family_url)
    expect(status_tag(manager)).to_have_text("Awaiting allocation")
    manager.get_by_role("link", name="Allocate to a key worker").click()
    expect(manager.get_by_role("heading", level=1)).to_have_text("Allocate the family")
    accessible(manager)
    manager.get_by_label("Key worker").select_option(label="Kim Walker")
    manager.get_by_label("Team").select_option(label="Northtown family support")
    manager.get_by_label("Medium").check()
    save(manager)
    manager.wait_for_url(f"{site}{family_url}")
    expect(status_tag(manager)).to_have_text("Allocated, awaiting consent")
    expect(summary_value(manager, "Key worker")).to_have_text(
        "Kim Walker, Northtown family support"
    )
    expect(summary_value(manager, "Intensity")).to_have_text("Medium")
    accessible(manager)

    # The key worker sees it on their dashboard and records the family's consent.
    worker = sign_in("keyworker")
    # Named now by its members (the central check made the nominated people members).
    family_link = worker.get_by_role("link", name="Bloggs family")
    expect(family_link).to_be_visible()
    accessible(worker)
    family_link.click()
    expect(status_tag(worker)).to_have_text("Allocated, awaiting consent")
    accessible(worker)
    worker.get_by_role("link", name="Record consent").click()
    expect(worker.get_by_role("heading", level=1)).to_have_text("Record consent")
    accessible(worker)
    worker.get_by_label("Given").check()
    fill_date(worker, "on", TODAY)
    save(worker)
    worker.wait_for_url(f"{site}{family_url}")
    expect(status_tag(worker)).to_have_text("Active")
    expect(summary_value(worker, "Consent")).to_have_text("Given")
    expect(summary_value(worker, "Work started")).to_have_text(date_format(TODAY))
    expect(summary_value(worker, "Next review")).to_have_text(date_format(months_after(TODAY, 3)))
    accessible(worker)

    # ... adds an action to the family plan ...
    worker.get_by_role("link", name="Add an action to the plan").click()
    expect(worker.get_by_role("heading", level=1)).to_have_text("Add an action to the plan")
    accessible(worker)
    worker.get_by_label("What the family will do").check()
    worker.get_by_label("Action", exact=True).fill("Walk Sam to school every morning")
    worker.get_by_label("Who will do it").fill("Jo Bloggs")
    due = TODAY + timedelta(days=28)
    fill_date(worker, "due", due)
    save(worker)
    worker.wait_for_url(f"{site}{family_url}/plan")  # back to the plan's section
    action = worker.locator("tr").filter(has_text="Walk Sam to school every morning")
    expect(action).to_contain_text("Who: Jo Bloggs")
    expect(action).to_contain_text(date_format(due))
    expect(action.locator(".moj-badge")).to_have_text("Not started")
    accessible(worker)

    # ... records a review, from the reviews' section ...
    worker.get_by_role("link", name="Reviews", exact=True).click()
    worker.get_by_role("link", name="Record a review").click()
    expect(worker.get_by_role("heading", level=1)).to_have_text("Record a review")
    accessible(worker)
    fill_date(worker, "on", TODAY)
    worker.get_by_label("What has changed").fill("Sam's attendance is up to 92%.")
    next_review = months_after(TODAY, 2)
    fill_date(worker, "next_due", next_review)
    save(worker)
    worker.wait_for_url(f"{site}{family_url}/reviews")  # back to the reviews' section
    review = worker.locator(".govuk-summary-card").first
    expect(review).to_contain_text(f"Review on {date_format(TODAY)}")
    expect(summary_value(worker, "By")).to_have_text("Kim Walker")
    expect(summary_value(worker, "What has changed")).to_have_text("Sam's attendance is up to 92%.")
    expect(summary_value(worker, "Next review by")).to_have_text(date_format(next_review))
    accessible(worker)
    worker.get_by_role("link", name="Summary", exact=True).click()
    expect(summary_value(worker, "Next review")).to_have_text(date_format(next_review))

    # ... and closes the case.
    worker.get_by_role("link", name="Close the case").click()
    expect(worker.get_by_role("heading", level=1)).to_have_text("Close the case")
    accessible(worker)
    worker.get_by_label("Outcomes achieved").check()
    fill_date(worker, "on", TODAY)
    worker.get_by_label("More detail").fill("Attendance sustained")
    save(worker)
    expect(worker.get_by_role("heading", level=1)).to_have_text("Check before you close the case")
    accessible(worker)
    worker.get_by_role("button", name="Confirm and close the case").click()
    worker.wait_for_url(f"{site}{family_url}")
    expect(status_tag(worker)).to_have_text("Closed")
    expect(summary_value(worker, "Closed")).to_contain_text(
        f"{date_format(TODAY)}: Outcomes achieved: Attendance sustained."
    )
    expect(summary_value(worker, "Next review")).to_have_text("None due")
    expect(worker.get_by_role("link", name="Close the case")).to_have_count(0)
    accessible(worker)

    # The partner who nominated the family sees where it went.
    partner.reload()
    expect(status_tag(partner)).to_have_text("Closed")
    expect(summary_value(partner, "Key worker")).to_have_text("Kim Walker")


def test_an_empty_form_shows_the_error_summary(
    sign_in: Callable[[str], Page], accessible: Check
) -> None:
    page = sign_in("partner")
    page.goto("/nominate")
    page.get_by_role("button", name="Continue").click()

    expect(page).to_have_title(re.compile(r"^Error: Nominate a family"))
    summary = page.locator(".govuk-error-summary")
    expect(summary.get_by_role("heading", level=2)).to_have_text("There is a problem")
    expect(summary.get_by_role("alert")).to_be_visible()
    links = summary.get_by_role("link")
    expect(links).to_have_text(
        [
            "Enter your agency",
            "Select at least one need",
            "Enter the evidence for the needs",
            "Select whether the family agreed to share information",
        ]
    )
    # Each link leads to its field, and each field shows its own message.
    for i in range(links.count()):
        link = links.nth(i)
        href = link.get_attribute("href") or ""
        assert re.fullmatch(r"#\S+", href), f"{link.inner_text()} links to {href!r}"
        target = page.locator(href)
        expect(target).to_have_count(1)
        group = page.locator(".govuk-form-group--error").filter(has=target)
        expect(group.locator(".govuk-error-message")).to_contain_text(link.inner_text())
    accessible(page)

    # Following a link moves the focus to the field (to a group's first box).
    links.first.click()
    expect(page.get_by_label("Your agency")).to_be_focused()
    links.nth(1).click()
    expect(page.get_by_label("Getting a good education")).to_be_focused()


def test_an_empty_step_shows_the_error_summary(
    sign_in: Callable[[str], Page], accessible: Check
) -> None:
    Family.objects.create(family_id="N000001", origin=Origin.NOMINATION, status=Status.NOMINATED)
    page = sign_in("analyst")
    page.goto("/families/N000001/check")
    save(page)

    expect(page).to_have_title(re.compile(r"^Error: Central check"))
    link = page.locator(".govuk-error-summary").get_by_role("link")
    expect(link).to_have_text(["Select yes if the family meets the criteria"])
    expect(page.locator(".govuk-error-message")).to_have_text(
        ["Error: Select yes if the family meets the criteria"]
    )
    accessible(page)
    link.click()
    expect(page.get_by_label("Yes", exact=True)).to_be_focused()
