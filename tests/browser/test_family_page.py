"""A family's page as a key worker uses it: the summary, each section reached by the
sub navigation and showing its own content, an action changed and a note added in the
browser, and the chronology downloaded as PDF and CSV. Every page state is axe-clean
and fits a phone (390 px) without scrolling sideways; screenshots of each are kept in
$WHOLEFAMILY_SCREENSHOTS when it is set."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from browser.browserkit import look
from webkit import family
from wholefamily.web import clock
from wholefamily.web.accounts.models import Team
from wholefamily.web.casework.models import (
    Action,
    Assessment,
    AssessmentArea,
    Check,
    Note,
    Review,
    Score,
)
from wholefamily.web.families.models import FamilyChange, SyncRun

pytestmark = pytest.mark.browser

# Each section: its link in the sub navigation, and words only it shows.
SECTIONS = [
    ("Plan", "Walk Jade to school every day"),
    ("Assessments", "Distance travelled"),
    ("Reviews", "Attendance is better"),
    ("Notes", "Lisa says the mornings are easier"),
    ("Progress", "Progress since the start"),
    ("Evidence", "School exclusions, exclusion starting 10 January 2025"),
    ("Chronology", "Action added to the plan"),
    ("Changes", "A new need was seen in the data"),
    ("Summary", "Who else is involved"),
]


def _case(users: dict[str, Any]) -> None:
    today = clock.today()
    kw = users["keyworker"]
    f = family(
        "F00000001",
        key_worker=kw,
        team=Team.objects.get(name="Northtown family support"),
        consent="given",
    )
    f.evidence.update(indicator="permanent exclusion")
    f.started_on, f.review_due, f.intensity = today - timedelta(days=60), today, "high"
    f.save()
    Check.objects.create(
        family=f, by=users["analyst"], eligible=True, framework="tf-2015", notes="School agrees"
    )
    Action.objects.create(
        family=f,
        part="family",
        text="Walk Jade to school every day",
        owner="Lisa",
        due=today - timedelta(days=2),
        created_by=kw,
    )
    Action.objects.create(
        family=f,
        part="agency",
        text="Book a school nurse appointment",
        owner="School nurse",
        due=today + timedelta(days=20),
        created_by=kw,
    )
    areas = list(AssessmentArea.objects.all())
    for days, score in ((55, 4), (5, 7)):
        a = Assessment.objects.create(
            family=f, on=today - timedelta(days=days), by=kw, notes="Scores agreed with Lisa"
        )
        Score.objects.bulk_create([Score(assessment=a, area=ar, score=score) for ar in areas])
    Review.objects.create(
        family=f,
        on=today - timedelta(days=10),
        by=kw,
        summary="Attendance is better.",
        next_due=today + timedelta(days=60),
    )
    Note.objects.create(
        family=f,
        by=kw,
        kind="visit",
        on=today - timedelta(days=3),
        text="Lisa says the mornings are easier.",
    )
    run = SyncRun.objects.create(folder="run", framework="tf-2015", as_of=today)
    FamilyChange.objects.create(family=f, run=run, summary="A new need was seen in the data.")


def test_the_summary_and_each_section(
    sign_in: Callable[[str], Any],
    users: dict[str, Any],
    tmp_path: Path,
) -> None:
    _case(users)
    page = sign_in("keyworker")
    page.goto("/families/F00000001")
    h1 = page.get_by_role("heading", level=1)
    assert "Carter family" in h1.inner_text()
    assert page.get_by_text("Children: Jade").is_visible()
    assert page.get_by_text("1 overdue").is_visible()
    look(page, "family-summary")
    nav = page.get_by_role("navigation", name="Sections of the family’s case")
    for link, words in SECTIONS:
        nav.get_by_role("link", name=link, exact=True).click()
        page.wait_for_load_state()
        current = nav.locator('[aria-current="page"]')
        assert current.inner_text().strip() == link
        assert page.get_by_text(words).first.is_visible(), link
        look(page, f"family-{link.lower()}")

    # The plan's table sorts by the MOJ component (its headings become buttons).
    nav.get_by_role("link", name="Plan", exact=True).click()
    page.get_by_role("button", name="Status").click()
    assert page.locator("th[aria-sort='ascending']").inner_text().strip() == "Status"
    look(page, "family-plan-sorted")

    # The chronology filtered to notes, then downloaded.
    nav.get_by_role("link", name="Chronology", exact=True).click()
    page.get_by_text("Filter the chronology").click()
    page.get_by_label("Notes").check()
    page.get_by_role("button", name="Apply filter").click()
    assert page.get_by_text(re.compile(r"Showing 1 of \d+ entries: Notes")).is_visible()
    look(page, "family-chronology-filtered")
    page.get_by_role("link", name="Clear the filter").click()
    with page.expect_download() as got:
        page.get_by_role("link", name="Download the chronology (CSV)").click()
    rows = list(csv.DictReader(io.StringIO(Path(got.value.path()).read_text("utf-8"))))
    assert {"note", "plan", "assessment", "check", "review", "agency"} <= {r["kind"] for r in rows}
    with page.expect_download() as got:
        page.get_by_role("link", name="Download the chronology (PDF)").click()
    pdf_path = tmp_path / "chronology.pdf"
    got.value.save_as(pdf_path)
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(pdf_path))
    text = "\n".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    pdf.close()
    assert "Chronology: Carter family" in text and "Lisa says the mornings" in text


def test_an_action_is_changed_and_a_note_added(
    sign_in: Callable[[str], Any], users: dict[str, Any]
) -> None:
    _case(users)
    page = sign_in("keyworker")
    page.goto("/families/F00000001/plan")
    page.get_by_role("link", name="Change the action “Walk Jade to school every day”").click()
    assert page.get_by_label("Action").input_value() == "Walk Jade to school every day"
    page.get_by_label("Action").fill("Walk Jade and Tom to school every day")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(r"/families/F00000001/plan$"))
    page.get_by_text("Changed 1 time").click()
    assert page.get_by_text(
        "Action changed from “Walk Jade to school every day” to "
        "“Walk Jade and Tom to school every day”"
    ).is_visible()
    look(page, "family-plan-history")

    page.goto("/families/F00000001/notes")
    page.get_by_role("link", name="Add a note").click()
    page.get_by_role("button", name="Save").click()  # nothing entered
    summary = page.locator(".govuk-error-summary")
    assert summary.get_by_text("Select what kind of contact it was").is_visible()
    look(page, "family-note-errors")
    page.get_by_label("Phone call").check()
    today = clock.today()
    for part, value in zip(
        ("Day", "Month", "Year"), (today.day, today.month, today.year), strict=True
    ):
        page.get_by_label(part).fill(str(value))
    page.get_by_label("Note", exact=True).fill("Rang Lisa about the school run.")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(r"/families/F00000001/notes$"))
    card = page.locator(".govuk-summary-card").first
    assert "Phone call" in card.inner_text() and "Rang Lisa" in card.inner_text()
    look(page, "family-notes-added")
