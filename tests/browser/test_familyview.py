"""The family's own view in the browser, on a phone: a key worker invites Lisa Carter, who
sets up her account from the link, sees her family's plan, marks her action done, adds
one of her own (which the key worker accepts into the plan) and says what she thinks.
Links that have run out or been used, and an account that has been stopped, are refused
in plain words. Every family page is looked at 390 and 320 px wide (nothing wider than
the screen, nothing serious or critical for axe-core); screenshots in
$WHOLEFAMILY_SCREENSHOTS when set."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from browser.browserkit import look
from webkit import family
from wholefamily.web.accounts.models import Team
from wholefamily.web.casework.models import Action, Note, Review
from wholefamily.web.familyview import services
from wholefamily.web.familyview.models import FamilyAccount, Relation

pytestmark = pytest.mark.browser

FID = "F00000018"
PHONE = (390, 320)  # a phone, and the narrowest the family's pages must work at
LISA_PASSWORD = "three green kites in May"
Page = Any


def look_on_phone(page: Page, name: str) -> None:
    """`look` at 390 and 320 px; the page is left at 390 px."""
    look(page, name, PHONE, height=800)


def menu(page: Page, name: str) -> None:
    """Follows a link of the family's menu (on a phone, behind its Menu button)."""
    toggle = page.get_by_role("button", name="Menu")
    if toggle.is_visible() and toggle.get_attribute("aria-expanded") != "true":
        toggle.click()
    page.locator("#navigation").get_by_role("link", name=name).click()


def carters(users: dict[str, Any]) -> Any:
    """The Carters, with a plan in all four parts and a review due; their key worker
    can be reached by email and phone."""
    kim = users["keyworker"]
    kim.email = "kim.walker@example.org"
    kim.save()
    kim.profile.phone = "01632 960 123"
    kim.profile.save()
    north = Team.objects.get(name="Northtown family support")
    f = family(FID, key_worker=users["keyworker"], team=north, consent="given")
    today = date.today()
    for part, text, owner in (
        (Action.Part.FAMILY, "Walk Jade to school every morning", "Lisa Carter"),
        (Action.Part.WORKER, "Help Lisa ask for a bigger flat", "Kim Walker"),
        (Action.Part.AGENCY, "See Jade each week at school", "Southfield Primary School"),
        (Action.Part.NETWORK, "Have Jade for tea on Fridays", "Nan Carol"),
    ):
        Action.objects.create(
            family=f, part=part, text=text, owner=owner, due=today + timedelta(days=30)
        )
    Review.objects.create(
        family=f,
        on=today - timedelta(days=20),
        by=users["keyworker"],
        summary="Going well.",
        next_due=today + timedelta(days=40),
    )
    return f


@pytest.fixture
def phone(browser: Any, site: str) -> Iterator[Callable[[], Page]]:
    """phone() -> a new page in a phone-sized browser context of its own (its own
    cookies; the CSP bypassed so that axe-core can be injected)."""
    contexts: list[Any] = []

    def open_phone() -> Page:
        context = browser.new_context(
            bypass_csp=True, base_url=site, viewport={"width": 390, "height": 800}
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield open_phone
    for context in contexts:
        context.close()


def test_a_family_member_is_invited_and_leads_their_own_plan(
    sign_in: Callable[[str], Page], users: dict[str, Any], phone: Callable[[], Page]
) -> None:
    carters(users)
    kw = sign_in("keyworker")
    kw.goto(f"/families/{FID}")
    kw.locator(".moj-sub-navigation").get_by_role("link", name="Family’s own view").click()
    expect(kw.get_by_role("heading", name="Family members with an account")).to_be_visible()
    look(kw, "fv-section-empty")
    kw.get_by_role("button", name="Invite a family member").click()
    kw.get_by_label("Lisa Carter, parent or carer").check()
    kw.get_by_label("Parent", exact=True).check()
    look(kw, "fv-invite")
    kw.get_by_role("button", name="Make the link").click()
    expect(kw.get_by_role("heading", name="Invitation made")).to_be_visible()
    link = kw.get_by_label("The link").input_value()
    assert "/my-family/invitation/" in link
    look(kw, "fv-invited")
    # The link is shown once: the section does not show it again.
    kw.goto(f"/families/{FID}/family-view")
    assert link not in kw.content()
    expect(kw.get_by_text("Lisa Carter, parent")).to_be_visible()

    lisa = phone()
    lisa.goto(link)
    expect(lisa.get_by_text("Hello Lisa Carter.")).to_be_visible()
    look_on_phone(lisa, "fv-invitation")
    lisa.get_by_label("Choose a user name").fill("lisa.carter")
    lisa.get_by_label("Choose a password").fill(LISA_PASSWORD)
    lisa.get_by_label("Type the password again").fill(LISA_PASSWORD)
    lisa.get_by_role("button", name="Set up my account").click()
    expect(lisa.get_by_role("heading", level=1)).to_be_visible()
    for reach in ("Kim Walker", "kim.walker@example.org", "01632 960 123"):  # her lead
        expect(lisa.get_by_text(reach).first).to_be_visible()
    look_on_phone(lisa, "fv-home")
    # The staff pages are not hers.
    refused = lisa.goto(f"/families/{FID}")
    assert refused is not None and refused.status == 403
    expect(lisa.get_by_text("This page is not part of your family’s page.")).to_be_visible()

    lisa.goto("/my-family/plan")
    for text in (
        "Walk Jade to school every morning",
        "Help Lisa ask for a bigger flat",
        "See Jade each week at school",
        "Have Jade for tea on Fridays",
    ):
        expect(lisa.get_by_text(text, exact=True)).to_be_visible()
    for other in ("Help Lisa ask for a bigger flat", "See Jade each week at school"):
        step = lisa.locator(".app-fv-step", has_text=other)
        expect(step.get_by_role("button", name="Mark as done")).to_have_count(0)
    look_on_phone(lisa, "fv-plan")
    walk = lisa.locator(".app-fv-step", has_text="Walk Jade to school every morning")
    walk.get_by_role("button", name="Mark as done").click()
    expect(lisa.get_by_text("Well done. You marked this as done")).to_be_visible()
    assert Action.objects.get(text="Walk Jade to school every morning").state == "done"

    lisa.get_by_role("link", name="Add something you will do").click()
    lisa.get_by_role("button", name="Send").click()
    expect(lisa.locator(".govuk-error-summary")).to_be_visible()
    look_on_phone(lisa, "fv-add-errors")
    lisa.get_by_label("What will you do?").fill("Go to the parents’ group on Tuesdays")
    lisa.get_by_role("button", name="Send").click()
    expect(lisa.get_by_text("will look at what you added")).to_be_visible()
    expect(lisa.locator("#waiting")).to_contain_text("Go to the parents’ group on Tuesdays")

    kw.goto(f"/families/{FID}/family-view")
    expect(kw.get_by_text("Go to the parents’ group on Tuesdays").first).to_be_visible()
    kw.get_by_role("link", name="Accept or decline").first.click()
    look(kw, "fv-decide")
    due = date.today() + timedelta(days=14)
    for i, part in enumerate((due.day, due.month, due.year)):
        kw.locator(f"#id_due_{i}").fill(str(part))
    kw.get_by_role("button", name="Accept", exact=True).click()
    expect(kw.get_by_text("The action is now in the plan")).to_be_visible()

    lisa.goto("/my-family/plan")
    mine = lisa.locator(".app-fv-step", has_text="Go to the parents’ group on Tuesdays")
    expect(mine.get_by_role("button", name="Mark as done")).to_be_visible()
    expect(lisa.locator("#waiting")).to_have_count(0)

    for nav, name in (
        ("Your network", "fv-network"),
        ("Before your review", "fv-before-review"),
        ("Your scores", "fv-scores"),
    ):
        menu(lisa, nav)
        look_on_phone(lisa, name)

    menu(lisa, "Tell us what you think")
    look_on_phone(lisa, "fv-feedback")
    lisa.get_by_label("Very helpful").check()
    lisa.get_by_label("What could be better? (you do not have to say)").fill(
        "Meetings after school would be easier."
    )
    lisa.get_by_role("button", name="Send").click()
    expect(lisa.get_by_text("Thank you for telling us what you think.")).to_be_visible()

    # The key worker sees what Lisa looked at, and her page as she sees it.
    kw.goto(f"/families/{FID}/family-view")
    expect(kw.get_by_role("heading", name="What the family has seen")).to_be_visible()
    expect(kw.locator("table", has_text="Your plan").first).to_be_visible()
    look(kw, "fv-section-used")


def test_spent_links_and_a_stopped_account_are_refused_in_plain_words(
    sign_in: Callable[[str], Page], users: dict[str, Any], phone: Callable[[], Page], site: str
) -> None:
    f = carters(users)
    kw_user = users["keyworker"]
    _, expired = services.invite(
        f, kw_user, "Lisa Carter", Relation.PARENT, now=timezone.now() - timedelta(days=8)
    )
    page = phone()
    page.goto(f"/my-family/invitation/{expired}")
    expect(page.get_by_text(str(services.EXPIRED))).to_be_visible()
    look_on_phone(page, "fv-link-expired")

    _, used = services.invite(f, kw_user, "Lisa Carter", Relation.PARENT)
    services.accept(used, "lisa", LISA_PASSWORD)
    page.goto(f"/my-family/invitation/{used}")
    expect(page.get_by_text(str(services.USED))).to_be_visible()

    lisa = phone()
    lisa.goto("/my-family/sign-in")
    look_on_phone(lisa, "fv-sign-in")
    lisa.get_by_label("User name").fill("lisa")
    lisa.get_by_label("Password").fill(LISA_PASSWORD)
    lisa.get_by_role("button", name="Sign in").click()
    lisa.wait_for_url(f"{site}/my-family")

    note = Note.objects.create(
        family=f, by=kw_user, kind=Note.Kind.VISIT, on=date.today(), text="Jade read to us."
    )
    services.share(f, note, kw_user)
    lisa.goto("/my-family/shared")
    expect(lisa.get_by_text("Jade read to us.")).to_be_visible()
    look_on_phone(lisa, "fv-shared")

    kw = sign_in("keyworker")
    kw.goto(f"/families/{FID}/family-view/preview")
    expect(kw.get_by_text("Walk Jade to school every morning")).to_be_visible()
    look(kw, "fv-preview")
    kw.goto(f"/families/{FID}/family-view")
    kw.get_by_role("link", name="Stop access").first.click()
    kw.get_by_role("button", name="Stop access").click()
    expect(kw.get_by_text("Lisa Carter can no longer see the family’s page.")).to_be_visible()
    assert FamilyAccount.objects.get(user__username="lisa").withdrawn_at is not None

    lisa.goto("/my-family/plan")
    expect(lisa.get_by_text(str(services.STOPPED))).to_be_visible()
    look_on_phone(lisa, "fv-stopped")
    assert "Walk Jade to school" not in lisa.content()
