"""A Family Network Support Package in the browser: the lead practitioner requests it
(the eligibility panel first, a bad amount refused), the team manager approves it with
the budget shown, the head of service records the payments due, and the payment is on
the family's page and the budgets page. Every page is looked at (browserkit.look: two
widths, axe-core) and fits 320 px."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from playwright.sync_api import expect

from browser.browserkit import look
from browser.conftest import PASSWORD
from browser.test_familyhelp_journey import fill_date, narrow
from webkit import family
from wholefamily.web import clock
from wholefamily.web.accounts.models import Role, Team
from wholefamily.web.demo import make_user
from wholefamily.web.families.models import Person
from wholefamily.web.familyhelp.models import ChildLevel, Episode, Level
from wholefamily.web.networks.models import Meeting, NetworkMember, PlanItem
from wholefamily.web.payments import services as S
from wholefamily.web.payments.models import Group, Kind, LedgerEntry

pytestmark = pytest.mark.browser

TODAY = date(2026, 7, 1)
FID = "F00000007"
Page = Any


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clock, "today", lambda: TODAY)


def see(page: Page, name: str) -> None:
    look(page, name)
    narrow(page, name)


def test_a_package_from_request_to_approval_to_payment(
    sign_in: Callable[[str], Page], users: dict[str, Any]
) -> None:
    north = Team.objects.get(name="Northtown family support")
    fam = family(FID, key_worker=users["keyworker"], team=north, district="Northtown")
    kim = users["keyworker"]
    child = Person.objects.get(person_id=f"P{FID}1")
    episode = Episode.objects.create(family=fam, opened_on=date(2026, 4, 1), lead=kim)
    ChildLevel.objects.create(
        episode=episode, child=child, level=Level.CIN, started_on=date(2026, 4, 1), lead=kim, by=kim
    )
    mary = NetworkMember.objects.create(
        family=fam, name="Mary Carter", kind="relative", added_on=date(2026, 4, 2), by=kim
    )
    meeting = Meeting.objects.create(
        family=fam, kind="conference", coordinator="Jo Bloggs", held_on=date(2026, 5, 1),
        outcome="plan", by=kim,
    )  # fmt: skip
    PlanItem.objects.create(
        meeting=meeting, member=mary, what="Jade stays at weekends", by_when=date(2026, 6, 1),
        support_needed="A sofa bed",
    )  # fmt: skip
    head, _ = make_user("head", Role.HEAD_OF_SERVICE, None, "Hilary", "Grant", PASSWORD)
    S.set_budget("2026/27", "Northtown", Group.FNSP, 200000, head)

    # The lead practitioner sees the eligibility panel and requests a package.
    kw = sign_in("keyworker")
    kw.goto(f"/families/{FID}")
    kw.locator(".moj-sub-navigation").get_by_role("link", name="Support packages").click()
    expect(kw.get_by_text("No support package has been requested")).to_be_visible()
    expect(kw.get_by_text("A sofa bed (Mary Carter)")).to_be_visible()
    see(kw, "fnsp-section")
    kw.get_by_role("button", name="Request a support package").click()
    kw.get_by_label("Jade Carter").check()
    kw.get_by_label("Mary Carter (relative)").check()
    kw.get_by_label("Furniture").check()
    kw.get_by_label("What it pays for, in words").fill("A sofa bed so Jade can stay over")
    kw.get_by_label("Amount, in pounds").fill("-20")
    kw.get_by_label("One-off").check()
    fill_date(kw, "starts_on", date(2026, 6, 1))
    kw.locator("input[name=budget]").first.check()
    kw.locator("input[name=basis]").first.check()
    kw.get_by_role("button", name="Propose the package").click()
    expect(kw.locator(".govuk-error-summary").get_by_text("more than £0")).to_be_visible()
    see(kw, "fnsp-request-errors")
    kw.get_by_label("Amount, in pounds").fill("349.99")
    kw.get_by_role("button", name="Propose the package").click()
    expect(kw.get_by_text("The support package is proposed: £349.99")).to_be_visible()
    expect(kw.get_by_text("Waiting for approval")).to_be_visible()

    # The team manager approves it, the budget shown first.
    mgr = sign_in("manager")
    mgr.goto(f"/families/{FID}/support-packages")
    mgr.get_by_role("link", name="Approve or refuse").click()
    expect(mgr.get_by_text("Remaining if approved")).to_be_visible()
    expect(mgr.get_by_text("£1,650.01")).to_be_visible()
    see(mgr, "fnsp-decide")
    mgr.get_by_label("Approve").check()
    mgr.get_by_role("button", name="Save the decision").click()
    expect(mgr.get_by_text("The support package is approved")).to_be_visible()
    see(mgr, "fnsp-approved")

    # The head of service records the payments due; the budget shows it paid.
    hos = sign_in("head")
    hos.goto("/budgets")
    see(hos, "fnsp-budgets")
    hos.get_by_role("button", name="Record payments made").click()
    fill_date(hos, "up_to", TODAY)
    see(hos, "fnsp-record")
    hos.get_by_role("button", name="Record the payments").click()
    expect(hos.get_by_text("1 payment recorded, £349.99")).to_be_visible()
    assert LedgerEntry.objects.filter(kind=Kind.PAYMENT).count() == 1
    hos.get_by_role("button", name="Record payments made").click()
    fill_date(hos, "up_to", TODAY)
    hos.get_by_role("button", name="Record the payments").click()
    expect(hos.get_by_text("No payment was due")).to_be_visible()
    assert LedgerEntry.objects.filter(kind=Kind.PAYMENT).count() == 1

    kw.goto(f"/families/{FID}/support-packages")
    expect(kw.get_by_text("Payments made: £349.99")).to_be_visible()
    see(kw, "fnsp-paid")
