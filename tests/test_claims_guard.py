"""Claims guarded: a quarter that has ended and follows the work, measurements not in
the future, sign-off with a declaration over the families and their total, lines a
manager may not sign, money with separators, real financial years.

Today is frozen through `wholefamily.web.clock.today` in the web tests; the command
line tests (another process) build their dates from the real today.
"""

from __future__ import annotations

import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from django.utils.html import escape

from test_cli import assert_one_line_error, run, user_env
from webkit import client_for, family, user
from wholefamily.web import clock
from wholefamily.web.accounts.models import Role, Team
from wholefamily.web.audit.models import AuditEntry
from wholefamily.web.casework.models import Event
from wholefamily.web.claims.models import Claim, ClaimError, Line
from wholefamily.web.families.models import Family, Status
from wholefamily.web.progress.models import Baseline, Progress

pytestmark = pytest.mark.django_db
TODAY = date(2026, 12, 1)  # the web tests' today: 2026Q4 has not ended, 2026Q3 has
START = date(2025, 9, 30)  # the families' work starts


@pytest.fixture(autouse=True)
def frozen(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clock, "today", lambda: TODAY)


@pytest.fixture
def north() -> Team:
    return Team.objects.create(name="North")


@pytest.fixture
def manager(north: Team) -> Any:
    return user("morgan", Role.MANAGER, north)


def _baseline(fam: Family, by: Any, start: date = START, framework: str = "tf-2015") -> Baseline:
    return Baseline.objects.create(
        family=fam,
        version=1,
        start=start,
        framework=framework,
        drop_id="d",
        needs=fam.needs,
        counts=[],
        claimants={},
        reason="work started",
        by=by,
    )


def _line(claim: Claim, fam: Family, by: Any, amount: int = 800) -> Line:
    b = fam.baselines.first() or _baseline(fam, by)
    p = Progress.objects.create(
        family=fam, baseline=b, at=claim.claim_date, drop_id="d", route="progress", needs=[]
    )
    return Line.objects.create(
        claim=claim, family=fam, framework="tf-2015", result="progress", progress=p, amount=amount
    )


def _claim(period: str, on: date) -> Claim:
    return Claim.objects.create(period=period, framework="tf-2015", claim_date=on)


# Preparing: the quarter has ended and follows the work.


def _prepare(period: str) -> Any:
    return client_for(user("alex", Role.ANALYST)).post(
        reverse("claim_prepare"), {"period": period, "framework": "tf-2015"}
    )


def _problem(r: Any, message: str, field: str) -> None:
    """The GOV.UK error summary links the message to its field, shown there too."""
    page = r.content.decode()
    assert r.status_code in (200, 400) and "There is a problem" in page
    assert f'<a href="#{field}">{message}' in page
    assert f'<span class="govuk-visually-hidden">Error:</span> {message}' in page
    assert "<title>Error: " in page


@pytest.mark.parametrize(
    ("period", "why"),
    [
        ("2026Q4", "The quarter must have ended: 2026Q4 ends on 31 December 2026"),
        ("2027Q2", "The quarter must have ended: 2027Q2 ends on 30 June 2027"),
        (
            "1900Q1",
            "The quarter must end after work started: 1900Q1 ends on 31 March 1900, "
            "and the first tf-2015 family started on 30 September 2025",
        ),
        (
            "2025Q2",
            "The quarter must end after work started: 2025Q2 ends on 30 June 2025, "
            "and the first tf-2015 family started on 30 September 2025",
        ),
    ],
)
def test_a_claim_for_a_quarter_not_ended_or_before_the_work_is_refused(
    period: str, why: str, manager: Any, settings, tmp_path: Path
) -> None:
    settings.WORKSPACE = tmp_path / "empty"
    for i in range(3):
        _baseline(family(f"F{i}"), manager)
    _problem(_prepare(period), why, "id_period")
    assert not Claim.objects.exists() and not Progress.objects.exists()


def test_a_quarter_that_has_ended_after_the_work_started_goes_on(
    manager: Any, settings, tmp_path: Path
) -> None:
    settings.WORKSPACE = tmp_path / "empty"
    _baseline(family("F1"), manager)
    page = _prepare("2026Q3").content.decode()  # ended 30 September 2026, after the start
    assert "must have ended" not in page and "must end after" not in page
    assert "no warehouse" in page  # it went on to measure, and found nothing to measure


def test_prepare_itself_refuses_the_same(manager: Any, settings, tmp_path: Path) -> None:
    from wholefamily.web.claims.services import prepare

    settings.WORKSPACE = tmp_path / "empty"
    _baseline(family("F1"), manager)
    for period in ("2026Q4", "1900Q1"):
        with pytest.raises(ClaimError, match="The quarter must"):
            prepare(period, "tf-2015")
    assert not Claim.objects.exists()


def test_only_the_latest_baseline_of_a_family_says_when_its_work_started(
    manager: Any, settings, tmp_path: Path
) -> None:
    from wholefamily.web.claims.services import prepare

    settings.WORKSPACE = tmp_path / "empty"
    f = family("F1")
    corrected = _baseline(f, manager, start=date(2025, 10, 1))
    Baseline.objects.filter(pk=corrected.pk).update(version=2)
    _baseline(f, manager, start=date(1900, 1, 1))  # version 1: a mistyped start, corrected
    with pytest.raises(ClaimError, match="started on 1 October 2025"):
        prepare("2025Q3", "tf-2015")


def test_prepare_holds_back_a_family_stepped_up_or_closed_before_the_claim_date(
    manager: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from wholefamily.web.claims import services

    up, moved, done = family("F1"), family("F2"), family("F3")
    Event.objects.create(family=up, kind=Event.Kind.STEP_UP, on=date(2026, 8, 1), by=manager)
    for f, why in ((moved, "Family moved away"), (done, "Outcomes achieved")):
        Event.objects.create(
            family=f, kind=Event.Kind.CLOSED, on=date(2026, 7, 1), by=manager, detail=why
        )
    measured = [
        Progress.objects.create(
            family=f,
            baseline=_baseline(f, manager),
            at=date(2026, 9, 30),
            drop_id="d",
            route="progress",
            needs=[],
        )
        for f in (up, moved, done)
    ]
    monkeypatch.setattr(services, "movement", lambda on, tick=None: measured)
    monkeypatch.setattr(services, "write_packs", lambda claim, fw, lines: None)
    _, lines, held = services.prepare("2026Q3", "tf-2015")
    assert [x.family.family_id for x in lines] == ["F3"]  # closed with its outcomes achieved
    assert held == {
        "F1": "stepped up to children's social care on 1 August 2026, by the claim date",
        "F2": "closed on 1 July 2026 (Family moved away), by the claim date",
    }


# Measuring: a date that has come, after the work started.


def test_a_measurement_after_today_or_before_every_start_is_refused(manager: Any) -> None:
    from wholefamily.web.progress.services import (
        ProgressError,
        latest_baselines,
        movement,
        started_by,
    )

    early = _baseline(family("F1"), manager, start=date(2025, 1, 6))
    late = _baseline(family("F2"), manager, start=date(2026, 3, 2))
    with pytest.raises(ProgressError, match="after today, 1 December 2026"):
        movement(TODAY + timedelta(days=1))
    with pytest.raises(ProgressError, match="no family had started by 1 January 1900"):
        movement(date(1900, 1, 1))
    # Between the two starts only the family whose work had started is measured.
    assert [b.pk for b in started_by(latest_baselines(), date(2025, 6, 30))] == [early.pk]
    assert {b.pk for b in started_by(latest_baselines(), TODAY)} == {early.pk, late.pk}
    assert not Progress.objects.exists()


# Signing off: the families, the amounts, the total and a declaration.


def test_sign_off_shows_the_families_and_total_and_needs_the_declaration(
    manager: Any, north: Team
) -> None:
    claim = _claim("2026Q3", date(2026, 9, 30))
    a = _line(claim, family("F1", team=north), manager, amount=44640)
    b = _line(claim, family("F2", team=north, district="Budmouth"), manager)
    c = client_for(manager)
    page = c.get(reverse("claim", args=[claim.pk])).content.decode()
    assert "Continue to sign-off" in page and "£44,640" in page and "£45,440" in page
    assert f'name="line" type="checkbox" value="{a.pk}"' in page

    url = reverse("claim_sign_off", args=[claim.pk])
    page = c.get(url, {"line": [a.pk, b.pk]}).content.decode()
    assert "Sign off 2 families" in page and "F1" in page and "F2" in page
    assert "£44,640" in page and "£800" in page and "£45,440" in page  # each line, the total
    assert "I have looked at the evidence pack of each family listed" in page
    assert "I confirm this declaration for the 2 families listed, £45,440 in all" in page

    r = c.post(url, {"line": [a.pk, b.pk]})  # the declaration not ticked
    assert r.status_code == 400
    _problem(r, "Confirm the declaration to sign off these families", "declaration")
    assert not Line.objects.filter(signed_at__isnull=False).exists()

    r = c.post(url, {"line": [a.pk, b.pk], "declaration": "yes"})
    assert r.status_code == 302 and r["Location"] == reverse("claim", args=[claim.pk])
    assert Line.objects.filter(signed_at__isnull=False, signed_by=manager).count() == 2
    page = c.get(r["Location"]).content.decode()
    assert "2 families signed off, £45,440 in all" in page and page.count(">Signed</strong>") == 2
    entries = AuditEntry.objects.filter(action="change", object_id__in=["F1", "F2"])
    assert {e.detail for e in entries} == {
        "claim tf-2015 2026Q3 signed off (progress, £44,640); declaration confirmed",
        "claim tf-2015 2026Q3 signed off (progress, £800); declaration confirmed",
    }


def test_sign_off_of_all_and_of_none(manager: Any, north: Team) -> None:
    claim = _claim("2026Q3", date(2026, 9, 30))
    for i in range(3):
        _line(claim, family(f"F{i}", team=north), manager)
    c, url = client_for(manager), reverse("claim_sign_off", args=[claim.pk])
    page = c.get(url, {"all": "1"}).content.decode()
    assert "Sign off 3 families" in page and "£2,400" in page
    r = c.get(url)  # nothing chosen
    assert r.status_code == 400
    _problem(r, "Select the families to sign off", "families-to-sign")
    assert client_for(user("kim", Role.KEY_WORKER, north)).get(url).status_code == 404


def test_the_lines_are_signed_together_or_not_at_all(
    manager: Any, north: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    from wholefamily.web.claims import services

    claim = _claim("2026Q3", date(2026, 9, 30))
    lines = [_line(claim, family(f"F{i}", team=north), manager) for i in range(2)]
    real, calls = services.sign, []

    def sign_then_fail(line: Line, by: Any) -> None:
        calls.append(line.pk)
        if len(calls) == 2:
            raise ClaimError("the database went away")
        real(line, by)

    monkeypatch.setattr(services, "sign", sign_then_fail)
    r = client_for(manager).post(
        reverse("claim_sign_off", args=[claim.pk]),
        {"line": [x.pk for x in lines], "declaration": "yes"},
    )
    assert r.status_code == 400 and b"the database went away" in r.content
    assert len(calls) == 2 and not Line.objects.filter(signed_at__isnull=False).exists()


def _cannot(manager: Any, line: Line, why: str) -> None:
    """The claim's page says why; the sign-off page and the service refuse."""
    c = client_for(manager)
    page = c.get(reverse("claim", args=[line.claim_id])).content.decode()
    assert "Cannot be signed</strong>" in page and escape(f"{why[0].upper()}{why[1:]}.") in page
    assert f'name="line" type="checkbox" value="{line.pk}"' not in page
    url = reverse("claim_sign_off", args=[line.claim_id])
    r = c.get(url, {"line": [line.pk]})
    _problem(r, "A family chosen can no longer be signed off: choose again", "families-to-sign")
    r = c.post(url, {"line": [line.pk], "declaration": "yes"})
    assert r.status_code == 400 and b"There is a problem" in r.content
    from wholefamily.web.claims.services import sign

    with pytest.raises(ClaimError, match="cannot be signed off"):
        sign(Line.objects.get(pk=line.pk), manager)
    assert Line.objects.get(pk=line.pk).signed_at is None


def test_a_line_of_a_claim_whose_quarter_has_not_ended_cannot_be_signed(
    manager: Any, north: Team
) -> None:
    claim = _claim("2027Q2", date(2027, 6, 30))  # prepared before the guard, say
    line = _line(claim, family("F1", team=north), manager)
    _cannot(manager, line, "the quarter has not ended: 2027Q2 ends on 30 June 2027")


def test_a_family_stepped_up_before_the_claim_date_cannot_be_signed(
    manager: Any, north: Team
) -> None:
    claim = _claim("2026Q3", date(2026, 9, 30))
    fam = family("F1", team=north)
    line = _line(claim, fam, manager)
    Event.objects.create(family=fam, kind=Event.Kind.STEP_UP, on=date(2026, 8, 3), by=manager)
    Family.objects.filter(pk=fam.pk).update(status=Status.STEPPED_UP)
    _cannot(
        manager,
        line,
        "stepped up to children's social care on 3 August 2026, by the claim date "
        "(30 September 2026)",
    )


def test_a_family_closed_before_the_claim_date_cannot_be_signed_unless_achieved(
    manager: Any, north: Team
) -> None:
    claim = _claim("2026Q3", date(2026, 9, 30))
    moved, done = family("F1", team=north), family("F2", team=north)
    line = _line(claim, moved, manager)
    _line(claim, done, manager)
    Event.objects.create(
        family=moved,
        kind=Event.Kind.CLOSED,
        on=date(2026, 9, 1),
        by=manager,
        detail="Family moved away",
    )
    Event.objects.create(
        family=done,
        kind=Event.Kind.CLOSED,
        on=date(2026, 9, 1),
        by=manager,
        detail="Outcomes achieved",
    )
    _cannot(
        manager,
        line,
        "closed on 1 September 2026 (Family moved away), by the claim date (30 September 2026)",
    )
    page = client_for(manager).get(reverse("claim", args=[claim.pk])).content.decode()
    assert page.count("Cannot be signed</strong>") == 1  # F2 closed with its outcomes met


def test_the_case_on_the_claim_date_decides(manager: Any) -> None:
    from wholefamily.web.claims.guard import case_on

    on = date(2026, 9, 30)
    fam = family("F1")
    K = Event.Kind
    assert case_on(fam, on) == ""
    Event.objects.create(family=fam, kind=K.STEP_UP, on=date(2026, 10, 5), by=manager)
    assert case_on(fam, on) == ""  # stepped up after the result: the result stands
    Event.objects.create(family=fam, kind=K.STEP_UP, on=date(2026, 3, 1), by=manager)
    assert case_on(fam, on) == "stepped up to children's social care on 1 March 2026"
    Event.objects.create(family=fam, kind=K.STEP_DOWN, on=date(2026, 5, 1), by=manager)
    assert case_on(fam, on) == ""  # stepped down again before the claim date
    Event.objects.create(
        family=fam, kind=K.CLOSED, on=date(2026, 6, 1), by=manager, detail="Family disengaged"
    )
    assert case_on(fam, on) == "closed on 1 June 2026 (Family disengaged)"
    Event.objects.create(family=fam, kind=K.REOPENED, on=date(2026, 7, 1), by=manager)
    assert case_on(fam, on) == ""  # reopened before the claim date
    # A case whose steps were never recorded as events: its status says.
    other = family("F2", status=Status.STEPPED_UP)
    assert case_on(other, on) == "stepped up to children's social care"
    closed = family("F3", status=Status.CLOSED)
    Family.objects.filter(pk=closed.pk).update(closed_on=date(2026, 2, 1), closure_reason="Other")
    closed.refresh_from_db()
    assert case_on(closed, on) == "closed on 1 February 2026 (Other)"
    assert case_on(closed, date(2026, 1, 31)) == ""


def test_a_family_claimed_in_another_claim_cannot_be_signed_again(
    manager: Any, north: Team
) -> None:
    from wholefamily.web.claims.services import sign

    fam = family("F1", team=north)
    first = _line(_claim("2026Q2", date(2026, 6, 30)), fam, manager)
    again = _line(_claim("2026Q3", date(2026, 9, 30)), fam, manager)
    sign(first, manager)
    _cannot(manager, again, "already claimed for the progress result in the tf-2015 2026Q2 claim")


# The framework picker, money and financial years.


def test_the_framework_picker_defaults_to_the_programmes_framework(settings) -> None:
    for i in range(3):
        Family.objects.create(family_id=f"S{i}", framework="sf-2022", eligible=True)
    family("T1")  # one tf-2015 family: most are sf-2022
    analyst = client_for(user("alex", Role.ANALYST))
    page = analyst.get(reverse("claim_prepare")).content.decode()
    assert '<option value="sf-2022" selected>' in page
    assert '<option value="tf-2015" selected>' not in page
    page = analyst.get(reverse("funding")).content.decode()
    assert '<option value="sf-2022" selected>' in page


def test_funding_pages_write_money_with_separators(manager: Any) -> None:
    from wholefamily.web.claims.models import Funding, Receipt

    Funding.objects.create(
        framework="tf-2015", year="2026/27", attachment=44640, results=1800, upfront_share="0.5"
    )
    Receipt.objects.create(
        framework="tf-2015", year="2026/27", amount=1234567, received_on=date(2026, 7, 1)
    )
    page = client_for(manager).get(reverse("funding"), {"framework": "tf-2015"}).content.decode()
    assert "£44,640 a family" in page and "£1,800 a family" in page and "£1,234,567" in page
    assert "£44640" not in page


@pytest.mark.parametrize(
    ("year", "message"),
    [
        ("2099/00", "The financial year must be 2027/28 or earlier, not 2099/00"),
        ("2028/29", "The financial year must be 2027/28 or earlier, not 2028/29"),
        ("2011/12", "The financial year must be 2012/13 or later, not 2011/12"),
        ("2025/27", "a financial year is written like 2025/26, not &#x27;2025/27&#x27;"),
    ],
)
def test_a_financial_year_must_be_real(year: str, message: str, manager: Any) -> None:
    from wholefamily.web.claims.funding import funding, real_year

    r = client_for(manager).get(reverse("funding"), {"year": year, "framework": "tf-2015"})
    _problem(r, message, "year")
    with pytest.raises(ClaimError):
        funding("tf-2015", year)
    assert real_year("2027/28") == (date(2027, 4, 1), date(2028, 3, 31))  # next year is fine


# The command line: one line, exit status 2.


def _quarter_of(d: date) -> str:
    return f"{d.year}Q{(d.month - 1) // 3 + 1}"


@pytest.fixture(scope="module")
def started(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A workspace whose case database has one family, its work started 30 September
    2025 (no warehouse: every refusal comes before one is read)."""
    ws = tmp_path_factory.mktemp("guard") / "ws"
    code = (
        "from pathlib import Path; from datetime import date\n"
        f"from wholefamily.web import configure; configure(Path({str(ws)!r}))\n"
        "from django.core.management import call_command; call_command('migrate', verbosity=0)\n"
        "from wholefamily.web.families.models import Family\n"
        "from wholefamily.web.progress.models import Baseline\n"
        "from wholefamily.web.demo import make_user\n"
        "u, _ = make_user('alex', 'analyst', password='pw-for-tests-123')\n"
        "f = Family.objects.create(family_id='F1', framework='tf-2015', eligible=True)\n"
        "Baseline.objects.create(family=f, version=1, start=date(2025, 9, 30),\n"
        "    framework='tf-2015', drop_id='d', needs='', counts=[], claimants={},\n"
        "    reason='x', by=u)\n"
    )
    ws.mkdir(parents=True)
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=user_env()
    )
    assert done.returncode == 0, done.stderr
    return ws


def test_claims_prepare_refuses_a_quarter_not_ended_or_before_the_work(started: Path) -> None:
    ws = str(started)
    now = _quarter_of(date.today())  # the quarter of today has not ended
    res = run("claims", "prepare", "--period", now, "--workspace", ws)
    assert_one_line_error(res, f"--period: The quarter must have ended: {now} ends on")
    res = run("claims", "prepare", "--period", "1900Q1", "--workspace", ws)
    assert_one_line_error(
        res,
        "--period: The quarter must end after work started: 1900Q1 ends on 31 March 1900, "
        "and the first tf-2015 family started on 30 September 2025",
    )


def test_movement_refuses_a_day_to_come_or_before_the_work(started: Path) -> None:
    ws = str(started)
    tomorrow = date.today() + timedelta(days=1)
    res = run("movement", "--at", tomorrow.isoformat(), "--workspace", ws)
    assert_one_line_error(res, "--at: A measurement must be dated today or before")
    res = run("movement", "--at", "1900-01-01", "--workspace", ws)
    assert_one_line_error(
        res,
        "--at: A measurement must be dated after work started: no family had started by "
        "1 January 1900 (the first started on 30 September 2025)",
    )


def test_funding_commands_refuse_a_year_not_real_and_show_separators(tmp_path: Path) -> None:
    ws = str(tmp_path / "ws")
    for command in (
        ["set", "--attachment", "1", "--results", "1"],
        ["target", "--work-with", "1", "--turn-around", "1"],
        ["received", "--amount", "1", "--on", "2026-01-01"],
        ["show"],
    ):
        res = run("funding", *command, "--year", "2099/00", "--workspace", ws)
        assert_one_line_error(res, "--year: The financial year must be ")
        assert "or earlier, not 2099/00" in res.stderr
    year = f"{date.today().year - 1}/{str(date.today().year)[2:]}"
    res = run(
        "funding", "set", "--year", year, "--attachment", "44640", "--results", "1800",
        "--workspace", ws,
    )  # fmt: skip
    assert res.returncode == 0 and "attachment £44,640, results £1,800" in res.stdout
    res = run(
        "funding", "target", "--year", year, "--work-with", "1200", "--turn-around", "600",
        "--workspace", ws,
    )  # fmt: skip
    assert res.returncode == 0 and "work with 1,200" in res.stdout
    res = run("funding", "show", "--year", year, "--workspace", ws)
    assert res.returncode == 0, res.stderr
    assert "£44,640" in res.stdout and "0 (1,200)" in res.stdout and "0 (600)" in res.stdout
