"""The programme figures page in a real browser: filtered to one district, every chart
draws and every table beside it holds that district's figures; nothing serious for
axe-core."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from wholefamily.web.casework.models import Event
from wholefamily.web.families.models import Family, Intensity, Status

pytestmark = pytest.mark.browser


def test_the_dashboard_for_one_district(
    sign_in: Callable[[str], Any], accessible: Callable[[Any], None], users: dict[str, Any]
) -> None:
    made = {
        "N1": ("Northtown", date(2025, 4, 10), Intensity.HIGH),
        "N2": ("Northtown", date(2025, 5, 2), Intensity.STANDARD),
        "S1": ("Southtown", date(2025, 4, 20), Intensity.MEDIUM),
    }
    for fid, (district, started, intensity) in made.items():
        f = Family.objects.create(
            family_id=fid,
            status=Status.ACTIVE,
            district=district,
            framework="tf-2015",
            eligible=True,
            needs="EDUCATION;HEALTH",
            started_on=started,
            intensity=intensity,
            consent="given",
            council_tenant=fid == "N1",
        )
        Event.objects.create(
            family=f, kind=Event.Kind.CONSENT, on=started, detail="given", by=users["manager"]
        )
    page = sign_in("analyst")
    page.get_by_role("link", name="Programme figures").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Programme figures")
    page.get_by_role("textbox", name="Period").fill("2025Q2")
    page.get_by_role("combobox", name="District").select_option("Northtown")
    page.get_by_role("button", name="Show the figures").click()
    expect(page).to_have_url(re.compile(r"district=Northtown"))
    expect(page.locator("#headline-active")).to_have_text("2")
    expect(page.locator("#headline-started")).to_have_text("2")
    charts = page.locator("svg.app-chart[role='img']")
    assert charts.count() >= 4  # consent, intensity, cohort, payments (all-zero ones are not drawn)
    for i in range(charts.count()):
        chart = charts.nth(i)
        expect(chart).to_be_visible()
        box = chart.bounding_box()
        assert box is not None and box["width"] > 200 and box["height"] > 20
    # Each chart's table holds the district's figures.
    intensity = page.locator("#table-intensity")
    expect(intensity.locator("tr", has_text="High")).to_contain_text("1")
    expect(intensity.locator("tr", has_text="Medium")).to_contain_text("0")
    expect(page.locator("#table-cohort tr", has_text="Council tenants")).to_contain_text("50.0")
    bars = page.locator("#figure-intensity ~ .app-figure__chart rect")
    assert bars.count() == 2  # high and standard: Southtown's medium is not drawn
    accessible(page)
    with page.expect_download() as got:
        page.get_by_role("link", name="Download “Intensity of the active families” (CSV)").click()
    text = Path(got.value.path()).read_text(encoding="utf-8")
    assert "High,1,50.0" in text and "Medium,0,0.0" in text
