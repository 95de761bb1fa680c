"""What every browser test does to a page it visits: look at it as its users will."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from browser.conftest import assert_accessible, settled

WIDTHS = (1280, 390)  # a desktop and a phone
SHOTS = os.environ.get("WHOLEFAMILY_SCREENSHOTS", "")  # a folder for the pages as PNG


def look(page: Any, name: str, widths: tuple[int, ...] = WIDTHS, height: int = 900) -> None:
    """At each width: nothing wider than the screen (no sideways scroll), nothing
    serious or critical for axe-core, and, when WHOLEFAMILY_SCREENSHOTS names a folder,
    a screenshot there to be looked at. The page is left at the first width."""
    for width in widths:
        page.set_viewport_size({"width": width, "height": height})
        settled(page)
        scroll = page.evaluate("document.documentElement.scrollWidth")
        assert scroll <= width, f"{name} at {width} px is {scroll} px wide"
        assert_accessible(page)
        if SHOTS:
            Path(SHOTS).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(Path(SHOTS) / f"{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": widths[0], "height": height})
