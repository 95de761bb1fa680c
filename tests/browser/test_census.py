"""The Children in Need census page in a real browser: an analyst finds it from the
navigation, makes the return for a year with a CP plan broken on purpose, and reads the
DfE rules' report (rule 1105, the child named, the fields in words); at both widths
nothing scrolls sideways and axe-core finds nothing serious."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import expect

from browser.browserkit import look

pytestmark = pytest.mark.browser


def test_an_analyst_makes_the_census_and_reads_its_report(
    sign_in: Callable[[str], Any], users: dict[str, Any]
) -> None:
    from test_census_from_cases import _break_the_plan, _cases

    _cases()
    _break_the_plan()
    page = sign_in("analyst")
    page.get_by_role("link", name="Statutory returns").click()
    look(page, "returns")
    page.get_by_role("link", name="Children in Need census").click()
    page.get_by_role("textbox", name="Collection year").fill("2025-27")
    page.get_by_role("button", name="Make the return").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("is not one year")
    look(page, "cin-census-error")
    page.get_by_role("textbox", name="Collection year").fill("2025-26")
    page.get_by_role("button", name="Make the return").click()
    expect(page.locator("#error-count")).not_to_have_text("0", timeout=60_000)
    row = page.locator("#errors tr", has_text="1105")
    expect(row).to_contain_text("cannot be before the referral date")
    expect(row.get_by_role("link", name="Jade Carter")).to_be_visible()
    expect(row).to_contain_text("Child protection plan start date: 10 April 2025")
    expect(page.get_by_role("link", name="Download the return for 2025-26")).to_be_visible()
    look(page, "cin-census")
