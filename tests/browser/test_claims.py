"""Sign-off as a team manager does it: choose the families on the claim's page, see
them with each amount and the total, confirm the declaration (the page refuses
without it), sign, and see them signed. A line that cannot be signed says why.

Dates are built from today, so the test holds whenever it runs: the claimed quarter
ended a year ago, the other has not ended yet.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, timedelta
from typing import Any

import pytest

from browser.browserkit import look
from webkit import family
from wholefamily.web.accounts.models import Team
from wholefamily.web.claims.models import Claim, Line
from wholefamily.web.progress.models import Baseline, Progress

pytestmark = pytest.mark.browser


def _quarter(d: date) -> tuple[str, date]:
    """The quarter holding `d`, and its last day."""
    q = (d.month - 1) // 3 + 1
    first_of_next = date(d.year + (q == 4), 1 if q == 4 else 3 * q + 1, 1)
    return f"{d.year}Q{q}", first_of_next - timedelta(days=1)


def _claim_of(on: date, families: list[Any], by: Any, amounts: list[int]) -> Claim:
    period, end = _quarter(on)
    claim = Claim.objects.create(period=period, framework="tf-2015", claim_date=end)
    for fam, amount in zip(families, amounts, strict=True):
        b = fam.baselines.first() or Baseline.objects.create(
            family=fam,
            version=1,
            start=end - timedelta(days=400),
            framework="tf-2015",
            drop_id="d",
            needs=fam.needs,
            counts=[],
            claimants={},
            reason="work started",
            by=by,
        )
        p = Progress.objects.create(
            family=fam, baseline=b, at=end, drop_id="d", route="progress", needs=[]
        )
        Line.objects.create(
            claim=claim,
            family=fam,
            framework="tf-2015",
            result="progress",
            progress=p,
            amount=amount,
        )
    return claim


@pytest.fixture
def signed_lines_removed_after(site: str, transactional_db: None) -> Iterator[None]:
    """The database is emptied after a browser test, but its triggers refuse to delete a
    signed claim line: the lines are deleted first with the table's triggers set aside
    for the moment (and put back as they were)."""
    yield
    from django.db import connection

    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute(
                "SELECT tgname, pg_get_triggerdef(oid) FROM pg_trigger "
                "WHERE tgrelid = 'claims_line'::regclass AND NOT tgisinternal"
            )
            kept = cur.fetchall()
            drop = [f"DROP TRIGGER {name} ON claims_line" for name, _ in kept]
        else:
            cur.execute(
                "SELECT name, sql FROM sqlite_master "
                "WHERE type = 'trigger' AND tbl_name = 'claims_line'"
            )
            kept = cur.fetchall()
            drop = [f"DROP TRIGGER {name}" for name, _ in kept]
        for sql in drop:
            cur.execute(sql)
        cur.execute("DELETE FROM claims_line")
        for _, sql in kept:
            cur.execute(sql)


@pytest.mark.usefixtures("signed_lines_removed_after")
def test_sign_off_needs_the_declaration_over_the_families_and_total(
    sign_in: Callable[[str], Any], users: dict[str, Any]
) -> None:
    north = Team.objects.get(name="Northtown family support")
    manager = users["manager"]
    fams = [family(f"F{i:08d}", team=north, key_worker=users["keyworker"]) for i in range(3)]
    ended = _claim_of(date.today() - timedelta(days=365), fams, manager, [44640, 800, 800])
    to_come = _claim_of(date.today(), [family("F00000009", team=north)], manager, [800])

    page = sign_in("manager")
    page.goto(f"/claims/{ended.pk}")
    look(page, "claim")
    page.get_by_role("button", name="Continue to sign-off").click()  # nothing chosen
    assert page.locator(".govuk-error-summary").get_by_text("Select the families to sign off")
    look(page, "claim-none-chosen")

    page.get_by_label("Select family F00000000").check()
    page.get_by_label("Select family F00000001").check()
    page.get_by_role("button", name="Continue to sign-off").click()
    assert page.get_by_role("heading", name="Sign off 2 families").is_visible()
    table = page.get_by_role("table", name="Families to sign off")
    for text in ("F00000000", "F00000001", "£44,640", "£800", "£45,440"):
        assert table.get_by_text(text).first.is_visible(), text
    assert not table.get_by_text("F00000002").count()
    assert page.get_by_text("I have looked at the evidence pack of each family listed").is_visible()
    look(page, "sign-off")

    page.get_by_role("button", name="Sign off 2 families").click()  # declaration not ticked
    summary = page.locator(".govuk-error-summary")
    assert summary.get_by_text("Confirm the declaration to sign off these families").is_visible()
    assert not Line.objects.filter(signed_at__isnull=False).exists()
    look(page, "sign-off-no-declaration")

    page.get_by_label(
        "I confirm this declaration for the 2 families listed, £45,440 in all"
    ).check()
    page.get_by_role("button", name="Sign off 2 families").click()
    page.wait_for_url(f"**/claims/{ended.pk}")
    assert page.get_by_text("2 families signed off, £45,440 in all").is_visible()
    rows = page.get_by_role("table", name="Families in the claim").get_by_role("row")
    for fid in ("F00000000", "F00000001"):
        assert rows.filter(has_text=fid).get_by_text("Signed", exact=True).is_visible()
    assert rows.filter(has_text="F00000002").get_by_text("Awaiting sign-off").is_visible()
    look(page, "claim-signed")
    signed = Line.objects.filter(signed_at__isnull=False, signed_by=manager)
    assert sorted(x.family.family_id for x in signed) == ["F00000000", "F00000001"]

    # A claim whose quarter has not ended: the line says why and offers no choice.
    page.goto(f"/claims/{to_come.pk}")
    row = page.get_by_role("table", name="Families in the claim").get_by_role("row")
    assert row.filter(has_text="F00000009").get_by_text("Cannot be signed").is_visible()
    assert page.get_by_text("The quarter has not ended").is_visible()
    assert not page.get_by_role("button", name="Continue to sign-off").count()
    look(page, "claim-to-come")


def test_preparing_a_claim_and_funding_refuse_impossible_dates_in_govuk_style(
    sign_in: Callable[[str], Any], users: dict[str, Any]
) -> None:
    from wholefamily.web.claims.models import Funding

    family("F00000001")  # tf-2015: the picker's default
    Funding.objects.create(
        framework="tf-2015", year="2025/26", attachment=44640, results=1800, upfront_share="0.4"
    )
    page = sign_in("analyst")
    page.goto("/claims/prepare")
    assert page.get_by_label("Framework").input_value() == "tf-2015"
    look(page, "prepare")
    now, end = _quarter(date.today())
    page.get_by_label("Quarter").fill(now)
    page.get_by_role("button", name="Prepare the claim").click()
    message = f"The quarter must have ended: {now} ends on {end.day} {end:%B %Y}"
    assert page.locator(".govuk-error-summary").get_by_role("link", name=message).is_visible()
    assert page.locator("#id_period-error").get_by_text(message).is_visible()
    assert not Claim.objects.exists()
    look(page, "prepare-not-ended")

    page.goto("/funding?framework=tf-2015&year=2025/26")
    assert page.get_by_text("£44,640 a family").is_visible()
    look(page, "funding")
    page.get_by_label("Financial year").fill("2099/00")
    page.get_by_role("button", name="Show").click()
    summary = page.locator(".govuk-error-summary")
    assert summary.get_by_text("The financial year must be").is_visible()
    assert "or earlier, not 2099/00" in summary.inner_text()
    look(page, "funding-far-future")
