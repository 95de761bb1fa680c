"""Pages as a phone shows them (390 px wide): nothing scrolls sideways, wide tables
scroll in a box a keyboard can reach, and the banner's Sign out sits on its line in
the service's font."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from webkit import family
from wholefamily.web.accounts.models import Team

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def test_no_page_scrolls_sideways_on_a_phone(
    sign_in: Callable[[str], Any], accessible: Callable[[Any], None], users: dict[str, Any]
) -> None:
    for i in range(12):
        family(
            f"F{i:08d}",
            key_worker=users["keyworker"],
            team=Team.objects.get(name="Northtown family support"),
            needs=("EDUCATION", "HEALTH", "WORK_FINANCE", "CHILDREN_NEED_HELP"),
        )
    for who, paths in {
        "analyst": ["/", "/families", "/families/F00000001", "/reports", "/funding", "/claims"],
        "keyworker": ["/", "/families", "/families/F00000001"],
        "manager": ["/", "/families", "/reports"],
    }.items():
        page = sign_in(who)
        page.set_viewport_size(PHONE)
        for path in paths:
            page.goto(path)
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= PHONE["width"], f"{who} {path}: the page is {width} px wide"
            # A table box that scrolls is reachable by keyboard and named.
            for box in page.locator(".app-table-scroll").all():
                if box.evaluate("b => b.scrollWidth > b.clientWidth + 1"):
                    assert box.get_attribute("tabindex") == "0", f"{who} {path}"
                    assert box.get_attribute("aria-label"), f"{who} {path}"
            accessible(page)


def test_sign_out_sits_in_the_banner_in_the_service_font(
    sign_in: Callable[[str], Any], users: dict[str, Any]
) -> None:
    page = sign_in("manager")
    button = page.get_by_role("button", name="Sign out")
    assert "GDS Transport" in button.evaluate("b => getComputedStyle(b).fontFamily")
    banner = page.locator(".govuk-phase-banner__content").bounding_box()
    box = button.bounding_box()
    assert banner and box
    assert banner["y"] <= box["y"] and box["y"] + box["height"] <= banner["y"] + banner["height"]
    signed_in = page.get_by_text("Signed in as").bounding_box()
    assert signed_in and abs(signed_in["y"] - box["y"]) < 8  # the same line at 1280 px
