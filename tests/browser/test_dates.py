"""Dates against the case's timeline, the manager's correction, closure confirmed and
reopening, in a real browser. Every page state visited is checked with axe-core, and
screenshots of each at 1280 and 390 px wide are written to WHOLEFAMILY_SCREENSHOTS (when set)
for a person to look at; at 390 px no page scrolls sideways."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from django.utils.formats import date_format
from playwright.sync_api import expect

from browser.browserkit import look
from wholefamily.web.accounts.models import Role
from wholefamily.web.casework.models import Event
from wholefamily.web.demo import make_user
from wholefamily.web.families.models import Family, Status

pytestmark = pytest.mark.browser

Page = Any
TODAY = date.today()
IDENTIFIED = date(2025, 3, 31)
PASSWORD = "correct-horse-battery-staple"


def fill_date(page: Page, name: str, d: date) -> None:
    for box, value in zip(("0", "1", "2"), (d.day, d.month, d.year), strict=True):
        page.locator(f"input[name='{name}_{box}']").fill(str(value))


def words(d: date) -> str:
    return f"{d.day} {d:%B %Y}"


def errors_say(page: Page, message: str) -> None:
    """The GOV.UK error summary links to the field, which shows the same message."""
    expect(page).to_have_title(re.compile(r"^Error: "))
    summary = page.locator(".govuk-error-summary")
    expect(summary.get_by_role("heading", level=2)).to_have_text("There is a problem")
    link = summary.get_by_role("link", name=message)
    expect(link).to_have_count(1)
    href = link.get_attribute("href") or ""
    group = page.locator(".govuk-form-group--error").filter(has=page.locator(href))
    expect(group.locator(".govuk-error-message")).to_contain_text(message)


def save(page: Page) -> None:
    page.get_by_role("button", name="Save").click()


def timeline_row(page: Page, what: str) -> Any:
    """The chronology's entry titled `what` (the family's Chronology section is opened
    from its sub navigation)."""
    if not page.url.endswith("/chronology"):
        page.locator(".moj-sub-navigation").get_by_role("link", name="Chronology").click()
        page.wait_for_url(re.compile(r"/chronology$"))
    title = page.locator(".moj-timeline__title", has_text=re.compile(f"^{what}$"))
    return page.locator(".moj-timeline__item", has=title)


def _family(users: dict[str, Any], status: str) -> Family:
    kw = users["keyworker"]
    return Family.objects.create(
        family_id="F00000011",
        status=status,
        key_worker=kw,
        team=kw.profile.team,
        needs="EDUCATION;HEALTH",
        eligible=True,
        framework="tf-2015",
        as_of=IDENTIFIED,
        identified_on=IDENTIFIED,
        district="Northtown",
        members=2,
        adults=1,
        children=1,
    )


def test_impossible_dates_are_refused_and_a_manager_corrects_consent(
    sign_in: Callable[[str], Page],
    accessible: Callable[[Page], None],
    users: dict[str, Any],
    browser: Any,
    site: str,
) -> None:
    _family(users, Status.ALLOCATED)
    make_user("dpo", Role.DPO, None, "Dana", "Price", password=PASSWORD)
    worker = sign_in("keyworker")
    worker.goto("/families/F00000011")
    worker.get_by_role("link", name="Record consent").click()
    worker.get_by_label("Given").check()
    fill_date(worker, "on", date(1900, 1, 1))
    save(worker)
    errors_say(
        worker,
        "The date of consent must be on or after 31 March 2025, when the family was identified",
    )
    look(worker, "consent-before-identified")
    fill_date(worker, "on", TODAY + timedelta(days=1))
    save(worker)
    errors_say(worker, "The date of consent must be today or in the past")
    accessible(worker)
    # A possible date, but the wrong one: the consent form says 3 April.
    wrong, right = date(2025, 4, 30), date(2025, 4, 3)
    fill_date(worker, "on", wrong)
    save(worker)
    worker.wait_for_url(re.compile(r"/families/F00000011$"))
    expect(worker.locator("h1 .moj-badge")).to_have_text("Active")
    # The key worker cannot correct it.
    expect(worker.get_by_role("link", name="Correct the date of consent")).to_have_count(0)

    manager = sign_in("manager")
    manager.goto("/families/F00000011")
    manager.get_by_role("link", name="Correct the date of consent").click()
    expect(manager.get_by_role("heading", level=1)).to_have_text("Correct the date of consent")
    expect(manager.get_by_text(f"Recorded now: {words(wrong)}")).to_be_visible()
    look(manager, "correct-consent")
    fill_date(manager, "on", date(1900, 1, 1))
    save(manager)
    errors_say(manager, "Enter why the date is being corrected")
    errors_say(
        manager,
        "The date of consent must be on or after 31 March 2025, when the family was identified",
    )
    look(manager, "correct-consent-errors")
    fill_date(manager, "on", right)
    manager.get_by_label("Why is the date being corrected?").fill(
        "The consent form is dated 3 April"
    )
    save(manager)
    manager.wait_for_url(re.compile(r"/families/F00000011$"))
    started = manager.locator(".govuk-summary-list__row", has_text="Work started").locator("dd")
    expect(started.first).to_have_text(date_format(right))
    corrected = timeline_row(manager, "Date corrected")
    expect(corrected).to_contain_text(
        f"Date of consent and start of the work corrected from {words(wrong)} to {words(right)}. "
        "Why: The consent form is dated 3 April"
    )
    expect(corrected).to_contain_text("Morgan Hale")
    expect(timeline_row(manager, "Consent")).to_contain_text(
        f"given (dated {words(wrong)} until corrected)"
    )
    look(manager, "corrected-family")
    assert Family.objects.get().started_on == right

    # The data protection officer finds the old value in the audit log.
    context = browser.new_context(bypass_csp=True, base_url=site)  # axe-core is injected
    dpo = context.new_page()
    dpo.goto("/sign-in")
    dpo.get_by_label("Username").fill("dpo")
    dpo.get_by_label("Password").fill(PASSWORD)
    dpo.get_by_role("button", name="Sign in").click()
    dpo.wait_for_url(f"{site}/audit")  # where the DPO lands
    dpo.get_by_label("Family or record ID").fill("F00000011")
    dpo.get_by_role("button", name="Search").click()
    row = dpo.locator("tr", has_text="date of consent corrected")
    expect(row).to_contain_text(
        "correct: date of consent corrected from 2025-04-30 to 2025-04-03: "
        "The consent form is dated 3 April"
    )
    expect(row).to_contain_text("manager")
    accessible(dpo)
    context.close()


def test_closure_is_confirmed_and_a_manager_reopens(
    sign_in: Callable[[str], Page], accessible: Callable[[Page], None], users: dict[str, Any]
) -> None:
    f = _family(users, Status.ACTIVE)
    start = date(2025, 4, 3)
    Family.objects.filter(pk=f.pk).update(consent="given", started_on=start)
    Event.objects.create(
        family=f, kind=Event.Kind.CONSENT, on=start, by=users["keyworker"], detail="given"
    )
    worker = sign_in("keyworker")
    worker.goto("/families/F00000011")
    worker.get_by_role("link", name="Close the case").click()
    worker.get_by_label("Other").check()
    fill_date(worker, "on", date(2025, 4, 2))
    save(worker)
    errors_say(worker, "Describe why the case is closing")
    errors_say(
        worker,
        "The date the case closed must be on or after 3 April 2025, when consent was last recorded",
    )
    look(worker, "close-errors")
    fill_date(worker, "on", TODAY)
    worker.get_by_label("More detail").fill("The family moved abroad")
    save(worker)
    expect(worker.get_by_role("heading", level=1)).to_have_text("Check before you close the case")
    expect(worker.locator(".govuk-summary-list")).to_contain_text("Other: The family moved abroad")
    look(worker, "close-confirm")
    assert Family.objects.get().status == Status.ACTIVE  # nothing recorded yet
    worker.get_by_role("button", name="Confirm and close the case").click()
    worker.wait_for_url(re.compile(r"/families/F00000011$"))
    expect(worker.locator("h1 .moj-badge")).to_have_text("Closed")
    expect(worker.get_by_role("link", name="Reopen the case")).to_have_count(0)

    manager = sign_in("manager")
    manager.goto("/families/F00000011")
    manager.get_by_role("link", name="Reopen the case").click()
    expect(manager.get_by_role("heading", level=1)).to_have_text("Reopen the case")
    save(manager)
    errors_say(manager, "Enter why the case is being reopened")
    look(manager, "reopen-errors")
    manager.get_by_label("Why is the case being reopened?").fill("The family came back to the area")
    save(manager)
    manager.wait_for_url(re.compile(r"/families/F00000011$"))
    expect(manager.locator("h1 .moj-badge")).to_have_text("Active")
    reopened = timeline_row(manager, "Reopened")
    expect(reopened).to_contain_text(
        f"Active; closed on {words(TODAY)} (Other: The family moved abroad). "
        "Why: The family came back to the area"
    )
    expect(timeline_row(manager, "Closed")).to_contain_text("Other: The family moved abroad")
    look(manager, "reopened-family")
