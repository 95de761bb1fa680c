"""The team around the family in the browser: a key worker records a professional, the
family's contact details and a move of address; the partner who nominated the family
sees how to reach the key worker. axe-core clean and no sideways scroll at 1280 and
390 px on every state; screenshots kept in $WHOLEFAMILY_SCREENSHOTS when set."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from browser.browserkit import look
from webkit import family, nominated_by
from wholefamily.web.accounts.models import Team
from wholefamily.web.families.models import Family
from wholefamily.web.team.models import Address, Professional, WorkContact

pytestmark = pytest.mark.browser


def fill_date(page: Any, name: str, d: date) -> None:
    for i, part in enumerate((d.day, d.month, d.year)):
        page.locator(f"#id_{name}_{i}").fill(str(part))


def test_a_key_worker_records_the_team_contacts_and_a_move(
    sign_in: Callable[[str], Any], users: dict[str, Any]
) -> None:
    north = Team.objects.get(name="Northtown family support")
    f = family("F00000001", key_worker=users["keyworker"], team=north, consent="given")
    nominated_by(users["partner"], f)
    page = sign_in("keyworker")

    page.goto("/families/F00000001/team")
    assert page.get_by_role("heading", name="Team around the family").is_visible()
    assert page.get_by_text("No other professionals are recorded").is_visible()
    look(page, "team-empty")

    # The key worker's own work phone and email, which partners are shown.
    page.get_by_role("link", name="Change your work contact details").click()
    page.get_by_label("Your work phone number").fill("phone me")
    page.get_by_role("button", name="Save").click()
    assert (
        page.locator(".govuk-error-summary")
        .get_by_text("Enter a telephone number, like 01632 960 001")
        .is_visible()
    )
    look(page, "team-work-contact-errors")
    page.get_by_label("Your work phone number").fill("01632 960 123")
    page.get_by_label("Your work email address").fill("kim.walker@wessex.example")
    page.get_by_role("button", name="Save").click()
    assert page.get_by_text("Your work contact details are saved").is_visible()
    assert WorkContact.objects.get(user=users["keyworker"]).phone == "01632 960 123"
    page.goto("/families/F00000001/team")

    # A professional: refused when empty, then recorded.
    page.get_by_role("button", name="Add a professional").click()
    page.get_by_role("button", name="Save").click()
    summary = page.locator(".govuk-error-summary")
    assert summary.is_visible()
    for message in (
        "Enter the professional’s name",
        "Enter the agency they work for",
        "Enter the date they started working with the family",
    ):
        assert summary.get_by_text(message).is_visible()
    look(page, "team-professional-errors")
    page.get_by_label("Name").fill("Jo Bloggs")
    page.get_by_label("Agency").fill("Casterbridge Academy")
    page.get_by_label("Role").fill("Attendance officer")
    page.get_by_label("Phone number").fill("01632 960 001")
    page.get_by_label("Email address").fill("jo.bloggs@casterbridge-academy.example")
    fill_date(page, "started_on", date(2025, 1, 6))  # before the family was identified
    page.get_by_role("button", name="Save").click()
    assert summary.get_by_text(
        "must be the same as or after 31 March 2025, when the family was identified"
    ).is_visible()
    fill_date(page, "started_on", date(2025, 4, 14))
    page.get_by_role("button", name="Save").click()
    page.wait_for_url("**/families/F00000001/team")
    assert page.get_by_text("Jo Bloggs added to the team around the family").is_visible()
    card = page.locator(".govuk-summary-card", has_text="Jo Bloggs, Attendance officer")
    assert card.get_by_text("14 April 2025").is_visible()
    assert card.get_by_text("Casterbridge Academy").is_visible()
    look(page, "team-recorded")
    assert Professional.objects.get().started_on == date(2025, 4, 14)

    # The family's own contact details.
    page.goto("/families/F00000001/contact-details")
    look(page, "team-contacts-empty")
    page.get_by_role("link", name="Change the family’s contact details").click()
    page.get_by_label("Phone number").fill("07700 900 982")
    page.get_by_label("Text message").check()
    page.get_by_label("Best times to contact them").fill("Weekday mornings, not at school pick-up")
    page.get_by_label("Yes").check()
    page.get_by_role("button", name="Save").click()
    assert (
        page.locator(".govuk-error-summary")
        .get_by_text("Enter the language the interpreter needs to speak")
        .is_visible()
    )
    look(page, "team-contacts-errors")
    page.get_by_label("Main language").fill("Polish")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url("**/families/F00000001/contact-details")
    assert page.get_by_text("The family’s contact details are saved").is_visible()

    # Their address, then a move.
    for line1, town, postcode, moved_in in (
        ("4 Mill Lane", "Casterbridge", "WX1 2AB", date(2019, 9, 1)),
        ("Flat 3, Wellbridge House, 22 Church Street", "Budmouth", "wx7 9zz", date(2025, 5, 2)),
    ):
        page.get_by_role("button", name="Add an address or record a move").click()
        page.get_by_label("Address line 1").fill(line1)
        page.get_by_label("Town or city").fill(town)
        page.get_by_label("Postcode").fill(postcode)
        fill_date(page, "moved_in", moved_in)
        page.get_by_role("button", name="Save").click()
        page.wait_for_url("**/families/F00000001/contact-details")
    rows = page.locator("tbody tr")
    assert rows.count() == 2
    assert "Current" in rows.nth(0).inner_text() and "Since 2 May 2025" in rows.nth(0).inner_text()
    assert "1 September 2019 to 2 May 2025" in rows.nth(1).inner_text()
    assert page.get_by_text("Text message").is_visible() and page.get_by_text("Polish").is_visible()
    look(page, "team-contacts-recorded")
    assert Address.objects.get(moved_out__isnull=True).postcode == "WX7 9ZZ"
    assert Family.objects.get(family_id="F00000001").district == "Casterbridge"

    # The partner who nominated the family sees how to reach the key worker, and no more.
    partner = sign_in("partner")
    partner.goto("/families/F00000001")
    block = partner.locator(".app-key-worker-contact")
    assert block.get_by_text("Kim Walker").is_visible()
    assert block.get_by_role("link", name="01632 960 123").is_visible()
    assert block.get_by_role("link", name="kim.walker@wessex.example").is_visible()
    text = partner.locator("main").inner_text()
    assert "Jo Bloggs" not in text and "07700 900 982" not in text and "Mill Lane" not in text
    look(partner, "team-partner")
    assert partner.goto("/families/F00000001/team").status == 404
