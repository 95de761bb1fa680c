"""Family Help and child protection in the browser: one family's journey from a request
for help to closure (an assessment, a child in need plan, a strategy discussion, the
initial conference and a plan, a review conference, the step down to targeted help with
the same lead practitioner, closure), and a partner who leads a family's Family Help and
sees that family only. Every new page is looked at (browserkit.look: 1280 and 390 px,
axe-core) and fits 320 px too; screenshots in $WHOLEFAMILY_SCREENSHOTS when set."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from browser.browserkit import SHOTS, look
from browser.conftest import PASSWORD, settled
from webkit import family
from wholefamily.web import clock
from wholefamily.web.accounts.models import Role, Team
from wholefamily.web.demo import make_user
from wholefamily.web.familyhelp import services as fh
from wholefamily.web.familyhelp.models import ChildLevel, Episode
from wholefamily.web.protection.models import Plan

pytestmark = pytest.mark.browser

TODAY = date(2026, 3, 31)
FID = "F00000001"
Page = Any


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clock, "today", lambda: TODAY)


def narrow(page: Page, name: str) -> None:
    """The page at 320 px, the narrowest phone: nothing wider than the screen."""
    page.set_viewport_size({"width": 320, "height": 900})
    settled(page)
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= 320, f"{name} at 320 px is {scroll} px wide"
    if SHOTS:
        page.screenshot(path=str(Path(SHOTS) / f"{name}-320.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def see(page: Page, name: str) -> None:
    look(page, name)
    narrow(page, name)


def fill_date(page: Page, name: str, d: date) -> None:
    for i, part in enumerate((d.day, d.month, d.year)):
        page.locator(f"#id_{name}_{i}").fill(str(part))


def save(page: Page) -> None:
    page.get_by_role("button", name="Save").click()


def summary(page: Page) -> Any:
    return page.locator(".govuk-error-summary")


def card(page: Page, title: str) -> Any:
    return page.locator(".govuk-summary-card", has=page.locator("h4", has_text=title))


def partner_lead(users: dict[str, Any]) -> Any:
    pat = users["partner"]
    pat.profile.agency = "Southfield Primary School"
    pat.profile.save()
    return pat


def test_a_familys_journey_from_request_to_closure(
    sign_in: Callable[[str], Page], users: dict[str, Any]
) -> None:
    north = Team.objects.get(name="Northtown family support")
    family(FID, key_worker=users["keyworker"], team=north, consent="given")
    partner_lead(users)
    make_user("manager2", Role.MANAGER, north, "Rosa", "Diaz", password=PASSWORD)
    make_user("cpp", Role.CP_PRACTITIONER, None, "Chris", "Adeyemi", PASSWORD, "Wessex MACPT")

    # The key worker records a request for help from the school.
    kw = sign_in("keyworker")
    kw.goto(f"/families/{FID}")
    kw.locator(".moj-sub-navigation").get_by_role("link", name="Family Help").click()
    expect(kw.get_by_role("heading", level=2, name="Family Help")).to_be_visible()
    expect(kw.get_by_text("No request for help is recorded")).to_be_visible()
    see(kw, "fh-empty")
    kw.get_by_role("button", name="Record a request for help").click()
    save(kw)
    for message in ("Select at least one child", "Enter what the request is about"):
        expect(summary(kw).get_by_text(message)).to_be_visible()
    see(kw, "fh-request-errors")
    kw.get_by_label("Jade Carter, born 4 May 2011").check()
    fill_date(kw, "received_on", date(2025, 5, 1))
    kw.get_by_label("Where did the request come from?").select_option(label="A school")
    kw.get_by_label("Who asked (optional)").fill("Mrs Patel, head teacher")
    kw.get_by_label("What is the request about?").fill("Jade is often absent and hungry.")
    save(kw)
    expect(kw.get_by_text("The request for help is recorded")).to_be_visible()

    # The manager decides it: Family Help, led by the teacher.
    mgr = sign_in("manager")
    mgr.goto(f"/families/{FID}/family-help")
    card(mgr, "Request of 1 May 2025").get_by_role("link", name="Decide").click()
    mgr.get_by_label("Family Help", exact=True).check()
    fill_date(mgr, "decided_on", date(2025, 5, 2))
    mgr.get_by_label("Lead practitioner").select_option(
        label="Pat Singh, Southfield Primary School (partner professional)"
    )
    see(mgr, "fh-decide")
    save(mgr)
    expect(
        mgr.get_by_text("Family Help, decided on 2 May 2025 by Morgan Hale: 1 day after it came in")
    ).to_be_visible()
    expect(
        mgr.get_by_text("Pat Singh, Southfield Primary School (partner professional)")
    ).to_be_visible()

    # The key worker starts the assessment; it is completed with its factors.
    kw.goto(f"/families/{FID}/family-help")
    kw.get_by_role("button", name="Start an assessment").click()
    kw.get_by_label("Jade Carter, born 4 May 2011").check()
    fill_date(kw, "started_on", date(2025, 5, 6))
    save(kw)
    expect(kw.get_by_text("due by 9 July 2025")).to_be_visible()
    kw.get_by_role("link", name="Complete the assessment started 6 May 2025").click()
    fill_date(kw, "completed_on", date(2025, 6, 20))
    kw.get_by_label("Neglect", exact=True).check()
    kw.get_by_label("Domestic abuse affecting a parent or carer").check()
    kw.get_by_label("Main need (if a child is in need)").select_option(label="Abuse or neglect")
    kw.get_by_label("Summary of the assessment").fill("Neglect; abuse between the parents.")
    see(kw, "fh-assessment-complete")
    save(kw)

    # The manager who did not write it authorises it.
    mgr.goto(f"/families/{FID}/family-help")
    mgr.get_by_role("link", name="Authorise the assessment started 6 May 2025").click()
    fill_date(mgr, "on", date(2025, 6, 23))
    save(mgr)
    expect(mgr.get_by_text("The assessment is authorised: 33 working days")).to_be_visible()

    # The key worker steps Jade up to a child in need plan: the lead stays.
    kw.goto(f"/families/{FID}/family-help")
    kw.get_by_role("button", name="Change a child’s level of help").click()
    kw.get_by_label("Jade Carter, now at targeted help").check()
    kw.get_by_label("Child in need (CIN plan)").check()
    fill_date(kw, "on", date(2025, 6, 23))
    kw.get_by_label("Why does the level change?").fill("CIN plan agreed")
    save(kw)
    see(kw, "fh-cin")

    # The lead child protection practitioner joins the team and holds the strategy
    # discussion; the conference is refused before it, then held with a plan.
    kw.goto(f"/families/{FID}/child-protection")
    kw.get_by_role("button", name="Add a member").click()
    kw.get_by_label("Lead child protection practitioner").check()
    kw.get_by_label("Their account (optional)").select_option(
        label="Chris Adeyemi, Wessex MACPT (child protection practitioner)"
    )
    fill_date(kw, "started_on", date(2025, 9, 1))
    save(kw)
    cpp = sign_in("cpp")
    cpp.goto(f"/families/{FID}/child-protection")
    see(cpp, "cp-empty")
    cpp.get_by_role("button", name="Record a strategy discussion").click()
    cpp.get_by_label("Jade Carter, born 4 May 2011").check()
    fill_date(cpp, "held_on", date(2025, 9, 1))
    cpp.get_by_label("Who took part?").fill("DC Jones, Wessex Police\nMs Obi, Southfield Primary")
    see(cpp, "cp-strategy")
    save(cpp)
    strategy = card(cpp, "Strategy discussion, 1 September 2025")
    expect(strategy.get_by_text("Due by 22 September 2025 (15 working days)")).to_be_visible()
    strategy.get_by_role("link", name="Record the outcome of Jade Carter’s enquiry").click()
    cpp.get_by_label("Concerns substantiated: initial conference").check()
    fill_date(cpp, "completed_on", date(2025, 9, 10))
    save(cpp)
    card(cpp, "Strategy discussion, 1 September 2025").get_by_role(
        "link", name=re.compile("Record the initial conference")
    ).click()
    fill_date(cpp, "held_on", date(2025, 8, 29))
    cpp.get_by_label("Who took part?").fill("Chair, police, school, health visitor, Lisa Carter")
    cpp.get_by_label("Jade Carter: child protection plan").select_option(label="Neglect")
    save(cpp)
    expect(
        summary(cpp).get_by_text(
            "A conference cannot be before its strategy discussion (1 September 2025)"
        )
    ).to_be_visible()
    see(cpp, "cp-icpc-errors")
    assert not Plan.objects.exists()
    fill_date(cpp, "held_on", date(2025, 9, 19))
    save(cpp)
    expect(cpp.get_by_text("1 child protection plan")).to_be_visible()
    expect(
        cpp.get_by_text("Held 19 September 2025, 14 working days after the strategy discussion")
    ).to_be_visible()

    # The first review keeps the plan; the second ends it, stepping Jade down to
    # targeted help.
    cpp.get_by_role("button", name="Record a review conference").click()
    fill_date(cpp, "held_on", date(2025, 12, 15))
    cpp.get_by_label("Who took part?").fill("Chair, police, school")
    see(cpp, "cp-review")
    save(cpp)
    due = card(cpp, "Jade Carter").locator(".govuk-summary-list__row", has_text="Next review")
    expect(due).to_contain_text("15 June 2026")
    cpp.get_by_role("button", name="Record a review conference").click()
    fill_date(cpp, "held_on", date(2026, 3, 2))
    cpp.get_by_label("Who took part?").fill("Chair, police, school")
    cpp.get_by_label("The plan ends").check()
    cpp.get_by_label("Why does a plan end? (if one ends)").fill("Risk reduced")
    cpp.get_by_label("Targeted help").check()
    save(cpp)
    expect(cpp.get_by_text("1 plan ended")).to_be_visible()
    see(cpp, "cp-ended")

    # The same lead practitioner throughout; the manager closes Family Help.
    mgr.goto(f"/families/{FID}/family-help")
    jade = card(mgr, "Jade Carter")
    for span in (
        "Targeted help, 2 May 2025 to 23 June 2025, led by Pat Singh",
        "Child in need (CIN plan), 23 June 2025 to 19 September 2025, led by Pat Singh",
        "Child protection, 19 September 2025 to 2 March 2026, led by Pat Singh",
        "Targeted help, since 2 March 2026, led by Pat Singh",
    ):
        expect(jade.get_by_text(span)).to_be_visible()
    see(mgr, "fh-history")
    mgr.get_by_role("button", name="Close Family Help").click()
    save(mgr)
    expect(summary(mgr).get_by_text("Select why the episode closes")).to_be_visible()
    fill_date(mgr, "closed_on", date(2026, 3, 20))
    mgr.get_by_label("Closed after assessment, referred to early help").check()
    see(mgr, "fh-close")
    save(mgr)
    expect(mgr.get_by_text("Family Help closed: Closed after assessment")).to_be_visible()
    levels = list(ChildLevel.objects.order_by("started_on", "id"))
    assert [lv.level for lv in levels] == ["targeted", "cin", "cp", "targeted"]
    assert {lv.lead.username for lv in levels} == {"partner"}
    assert not Episode.objects.get().is_open

    # The chronology holds it all, in words.
    mgr.goto(f"/families/{FID}/chronology")
    for title in ("Request for help", "Stepped up", "Initial child protection conference"):
        expect(mgr.locator(".moj-timeline__title", has_text=title).first).to_be_visible()
    see(mgr, "fh-chronology")


def test_a_partner_lead_sees_only_the_family_they_lead(
    sign_in: Callable[[str], Page], users: dict[str, Any]
) -> None:
    north = Team.objects.get(name="Northtown family support")
    pat = partner_lead(users)
    other, _ = make_user("partner2", Role.PARTNER, None, "Jo", "Reed", PASSWORD, "Wessex NHS")
    for fid, lead in ((FID, pat), ("F00000002", other), ("F00000003", None)):
        f = family(fid, key_worker=users["keyworker"], team=north)
        if lead is not None:
            req = fh.record_request(
                f, [f.member_set.get(role="CHILD").person], date(2025, 5, 1), "2A", "x", lead
            )
            fh.decide(req, "family_help", date(2025, 5, 2), users["manager"], lead=lead)
    page = sign_in("partner")
    page.goto("/families")
    rows = page.locator("main tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(FID)
    see(page, "fh-partner-families")
    rows.first.get_by_role("link").first.click()
    nav = page.locator(".moj-sub-navigation")
    expect(nav.get_by_role("link", name="Family Help")).to_be_visible()
    expect(nav.get_by_role("link", name="Child protection")).to_have_count(0)
    see(page, "fh-partner-summary")
    nav.get_by_role("link", name="Family Help").click()
    expect(
        page.get_by_text("Pat Singh, Southfield Primary School (partner professional)")
    ).to_be_visible()
    expect(page.get_by_role("button", name="Record a request for help")).to_have_count(0)
    see(page, "fh-partner-help")
    # Without consent, no agency records on their pages.
    page.locator(".moj-sub-navigation").get_by_role("link", name="Evidence").click()
    expect(page.get_by_text("School exclusions, exclusion starting 10 January 2025")).to_have_count(
        0
    )
    for fid in ("F00000002", "F00000003"):
        for path in ("", "/family-help", "/child-protection"):
            assert page.goto(f"/families/{fid}{path}").status == 404
    assert page.goto(f"/families/{FID}/child-protection").status == 404
