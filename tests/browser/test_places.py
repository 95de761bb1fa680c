"""Services with places in the browser: the key worker refers a family from an action of
its plan to a full service and it goes on the waiting list; the manager sees the service's
page with its places used and the waiting list. Every page is looked at
(browserkit.look: two widths, axe-core) and fits 320 px."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from playwright.sync_api import expect

from browser.browserkit import look
from browser.test_familyhelp_journey import fill_date, narrow
from webkit import family
from wholefamily.web import clock
from wholefamily.web.accounts.models import Team
from wholefamily.web.casework.models import Action
from wholefamily.web.places import services as S

pytestmark = pytest.mark.browser

TODAY = date(2026, 7, 1)
Page = Any


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clock, "today", lambda: TODAY)


def see(page: Page, name: str) -> None:
    look(page, name)
    narrow(page, name)


def test_a_referral_to_a_full_service_waits_and_the_service_shows_it(
    sign_in: Callable[[str], Page], users: dict[str, Any]
) -> None:
    north = Team.objects.get(name="Northtown family support")
    kim, manager = users["keyworker"], users["manager"]
    first = family("F00000021", key_worker=kim, team=north, needs=("EDUCATION",))
    second = family("F00000022", key_worker=kim, team=north, needs=("EDUCATION",))
    service = S.save_service(
        manager,
        "Parenting together",
        "parenting",
        "commissioned",
        "Wessex Parenting CIC",
        ["EDUCATION"],
        "regular",
    )
    S.set_places(service, "2026/27", 1, manager, TODAY)
    actions = [
        Action.objects.create(
            family=f,
            part=Action.Part.WORKER,
            text="Find a parenting course",
            owner="Kim",
            due=date(2026, 8, 1),
            created_by=kim,
        )
        for f in (first, second)
    ]
    S.refer(first, actions[0], service, TODAY, kim, TODAY)  # takes the one place

    page = sign_in("keyworker")
    page.goto(f"/families/{second.family_id}/plan")
    page.get_by_role("link", name="Refer to a service").first.click()
    see(page, "places-refer")
    page.get_by_label("Parenting together").check()
    fill_date(page, "on", TODAY)
    page.get_by_role("button", name="Refer the family").click()
    expect(page.get_by_text("Parenting together").first).to_be_visible()
    see(page, "places-plan-referred")
    assert service.referrals.get(family=second).state == "waiting"

    page = sign_in("manager")
    page.goto(f"/services/{service.pk}")
    expect(page.get_by_text("Waiting").first).to_be_visible()
    see(page, "places-service")
    page.goto("/services")
    see(page, "places-directory")
