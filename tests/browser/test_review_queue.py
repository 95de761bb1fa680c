"""Working through the linkage review queue in the browser, as an analyst does: 25 pairs
decided one by one to an empty first page, the count going down, an undo bringing a pair
back; words not codes, axe-core on every state, nothing sideways at 390 px."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import ibis
import pytest

from reviewkit import copy_workspace, linked_drop
from wholefamily import warehouse as W
from wholefamily.linkage import review as R
from wholefamily.sources.schema import SOURCES

pytestmark = pytest.mark.browser
__all__ = ["linked_drop"]  # the session's linked workspace, a fixture

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
KEY = re.compile(r"\b(upn|nino|nhs|police|socialcare|contact|exact|record):\S")
LEFT = 25
SHOTS = os.environ.get("WHOLEFAMILY_SCREENSHOTS", "")  # a folder for the pages as PNG


@pytest.fixture
def workspace(linked_drop: Path, tmp_path: Path, settings: Any) -> Path:
    """A linked drop whose queue holds 25 pairs: the others were decided at the command line."""
    ws = copy_workspace(linked_drop, tmp_path / "ws")
    settings.WORKSPACE = ws
    con = W.connect(ws)
    try:
        pairs = R.queue_page(con, limit=10_000).pairs
        assert len(pairs) > LEFT, "the county gives more pairs than the test works through"
        with W.transaction(con):
            for p in pairs[LEFT:]:
                R.decide(con, p["identity_id_l"], p["identity_id_r"], "no_match", "", "cli")
    finally:
        con.disconnect()
    return ws


def count(page: Any) -> int:
    text = page.locator("#review-count").inner_text()
    found = re.match(r"([\d,]+) pairs? waiting", text)
    assert found, text
    return int(found.group(1).replace(",", ""))


def look(page: Any, accessible: Callable[[Any], None], shot: str = "") -> str:
    """The checks every state of the page passes; returns its visible text."""
    viewport = page.viewport_size["width"]
    if shot and SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{SHOTS}/review-{shot}-{viewport}.png", full_page=True)
    accessible(page)
    text = str(page.inner_text("body"))
    assert not [t for t in SOURCES if t in text], "a source table name in the page"
    assert not KEY.search(text), f"a raw identity key in the page: {KEY.search(text)}"
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= viewport, f"the page is {width} px wide at {viewport} px"
    for table in page.locator("table.app-review-table").all():
        # The pair fits the screen: its table needs no scrolling box of its own.
        box = table.evaluate_handle("t => t.parentElement")
        assert box.evaluate("b => b.scrollWidth <= b.clientWidth + 1"), f"at {viewport} px"
    return text


def decide(page: Any, verdict: str) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name=re.compile(rf"^{verdict}\W+pair 1$")).click()


def test_working_through_25_pairs(
    sign_in: Callable[[str], Any], accessible: Callable[[Any], None], workspace: Path
) -> None:
    page = sign_in("analyst")
    page.get_by_role("link", name="Linkage review").click()
    for size in (DESKTOP, PHONE):
        page.set_viewport_size(size)
        text = look(page, accessible, "first")
    assert count(page) == LEFT
    assert f"Pair 1 of {LEFT}" in text and "Page 1 of 3" in text
    assert "Held by" in text and "Match weight (the sum)" in text
    # The next page, then a filter by score band.
    page.get_by_role("link", name="Next page").click()
    text = look(page, accessible)
    assert f"Pair 11 of {LEFT}" in text and "Page 2 of 3" in text
    band = page.locator("#band option").nth(1)
    label = band.inner_text()
    page.select_option("#band", band.get_attribute("value"))
    page.get_by_role("button", name="Apply filters").click()
    text = look(page, accessible)
    shown = int(re.search(r"\((\d+)\)", label).group(1))  # type: ignore[union-attr]
    assert f"{shown} of them match" in text or f"{shown} of them matches" in text
    page.get_by_role("link", name="Clear filters").click()
    # Decide every pair from the top of the first page; undo the first decision once.
    page.set_viewport_size(PHONE)
    undone = False
    for n in range(LEFT, 0, -1):
        heading = page.locator("h2[id^=pair-]").first.inner_text()
        assert heading.startswith(f"Pair 1 of {n}:"), heading
        decide(page, "Same person" if n % 2 else "Different people")
        text = look(page, accessible, "decided" if n == LEFT else "")
        assert count(page) == n - 1
        assert "Decided:" in text and heading.split(": ", 1)[1] in text
        if not undone:
            with page.expect_navigation():
                page.get_by_role("button", name="Undo this decision").click()
            text = look(page, accessible, "undone")
            assert count(page) == n and "Decision undone" in text
            assert page.locator("h2[id^=pair-]").first.inner_text() == heading
            undone = True
            decide(page, "Same person" if n % 2 else "Different people")
            assert count(page) == n - 1
    text = look(page, accessible, "empty")
    assert count(page) == 0 and "No pair is waiting for a decision." in text
    # Each decision, and the undo, is in the warehouse's history and the audit log.
    from wholefamily.web.audit.models import AuditEntry

    changes = AuditEntry.objects.filter(object_type="link pair", username="analyst")
    assert changes.count() == LEFT + 2
    assert changes.filter(detail__startswith="undo ").count() == 1
    con = W.connect(workspace, read_only=True)
    try:
        assert R.queue_page(con).waiting == 0
        mine = con.table("review_decisions").filter(ibis._.decided_by == "analyst")
        assert mine.count().execute() == 2 * (LEFT + 2)
    finally:
        con.disconnect()
