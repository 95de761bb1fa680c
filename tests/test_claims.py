"""Claims: periods, sign-off once and for ever, evidence packs, export and audit samples."""

from __future__ import annotations

import csv
import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.urls import reverse

from test_cli import run
from webkit import client_for, family, user
from wholefamily.frameworks.files import check, shipped
from wholefamily.frameworks.identify import identify
from wholefamily.ingest import load_drop
from wholefamily.linkage import link
from wholefamily.sources.schema import SOURCES
from wholefamily.synth import SynthConfig, generate
from wholefamily.web.accounts.models import Role, Team
from wholefamily.web.audit.models import AuditEntry
from wholefamily.web.claims.models import Claim, ClaimError, Line
from wholefamily.web.claims.services import (
    case_work_done,
    period_end,
    prepare,
    sample,
    sign,
    signed_lines,
)
from wholefamily.web.families.models import Family, Status
from wholefamily.web.families.sync import sync
from wholefamily.web.progress.models import Baseline, Progress
from wholefamily.web.progress.services import freeze

pytestmark = pytest.mark.django_db
S, C = date(2024, 9, 30), date(2025, 9, 30)


@pytest.fixture(scope="module")
def a_year_on(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A county whose drop reaches C; linked and identified at S a year before (the
    drop's history covers it), so families start at S and are claimed for at C."""
    root = tmp_path_factory.mktemp("claims")
    generate(SynthConfig(people=6000, seed=3, as_of=C, out=root / "c"))
    load_drop(root / "c" / "drop", root / "ws", "d")
    link(root / "ws", "d", S)
    identify(root / "ws", "tf-2015", S, root / "run")
    return root / "ws", root / "run"


def test_periods_are_quarters() -> None:
    assert period_end("2025Q1") == date(2025, 3, 31)
    assert period_end("2024Q4") == date(2024, 12, 31)
    assert period_end("2025Q2") == date(2025, 6, 30)
    for bad in ("2025Q5", "2025-Q1", "Q1", ""):
        with pytest.raises(ClaimError, match="a period is a quarter"):
            period_end(bad)


def _line(period: str, fam: Family, who: object) -> Line:
    b = Baseline.objects.get_or_create(
        family=fam,
        version=1,
        defaults=dict(
            start=date(2024, 1, 1),
            framework="tf-2015",
            drop_id="d",
            needs=fam.needs,
            counts=[],
            claimants={},
            reason="start",
            by=who,
        ),
    )[0]
    p = Progress.objects.create(
        family=fam, baseline=b, at=period_end(period), drop_id="d", route="progress", needs=[]
    )
    claim = Claim.objects.create(period=period, framework="tf-2015", claim_date=period_end(period))
    return Line.objects.create(
        claim=claim, family=fam, framework="tf-2015", result="progress", progress=p, amount=800
    )


def test_a_result_is_signed_once_and_then_never_changes() -> None:
    manager = user("morgan", Role.MANAGER, Team.objects.create(name="North"))
    fam = family("F1")
    first, second = _line("2025Q1", fam, manager), _line("2025Q2", fam, manager)
    sign(first, manager)
    with pytest.raises(ClaimError, match="already claimed for the progress result"):
        sign(second, manager)
    first.refresh_from_db()
    with pytest.raises(ClaimError, match="cannot be changed"):
        first.amount = 1
        first.save()
    with pytest.raises(ClaimError, match="cannot be deleted"):
        first.delete()
    # The database itself refuses, whatever the code does.
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cur:
        cur.execute("UPDATE claims_line SET amount = 1 WHERE signed_at IS NOT NULL")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cur:
        cur.execute("DELETE FROM claims_line WHERE signed_at IS NOT NULL")
    with pytest.raises(IntegrityError), transaction.atomic():
        Line.objects.filter(pk=second.pk).update(signed_at=first.signed_at, signed_by=manager)
    # Another result (the employment route) is a different claim.
    other = _line("2025Q3", fam, manager)
    Line.objects.filter(pk=other.pk).update(result="employment")
    other.refresh_from_db()
    sign(other, manager)


def test_sustainment_after_closure_counts_days() -> None:
    sf = check(shipped()["sf-2022"]).data
    fam = family("F1", status=Status.CLOSED, key_worker=user("kim", Role.KEY_WORKER))
    closed = date(2025, 1, 1)
    Family.objects.filter(pk=fam.pk).update(closed_on=closed)
    fam.refresh_from_db()
    assert case_work_done(fam, sf, closed + timedelta(days=182)) == (
        "sustained 182 of 183 days since closure"
    )
    assert case_work_done(fam, sf, closed + timedelta(days=183)) == "no whole-family assessment"
    assert case_work_done(fam, check(shipped()["tf-2015"]).data, closed) == ""


def test_prepare_sign_export_and_sample(a_year_on: tuple[Path, Path], settings) -> None:
    ws, run_dir = a_year_on
    settings.WORKSPACE = ws
    sync(run_dir)
    north = Team.objects.create(name="North")
    manager, kw = user("morgan", Role.MANAGER, north), user("kim", Role.KEY_WORKER, north)
    Family.objects.update(team=north, key_worker=kw, status=Status.ACTIVE, consent="given")
    for f in Family.objects.all():
        freeze(f, S, manager, "work started")
    link(ws, "d", C)  # the households of today, for the claim
    # An analyst prepares the claim in the web app (the same as `claims prepare`).
    analyst = user("alex", Role.ANALYST)
    assert client_for(manager).get(reverse("claim_prepare")).status_code == 404
    web = client_for(analyst)
    r = web.post(reverse("claim_prepare"), {"period": "2025Q5", "framework": "tf-2015"})
    assert b"Enter the quarter as a year and quarter, like 2025Q1" in r.content
    r = web.post(reverse("claim_prepare"), {"period": "2025q3", "framework": "tf-2015"})
    claim = Claim.objects.get()
    assert r.status_code == 302 and r["Location"] == reverse("claim", args=[claim.pk])
    lines = list(claim.lines.select_related("family"))
    held = {
        p.family.family_id
        for p in Progress.objects.filter(at=claim.claim_date)
        if p.route and not claim.lines.filter(family=p.family).exists()
    }
    page = web.get(r["Location"]).content.decode()
    assert f"{len(lines)} famil" in page and "added to the claim" in page
    assert AuditEntry.objects.filter(action="change", object_id=str(claim.pk)).exists()
    assert claim.claim_date == date(2025, 9, 30)
    met = {p.family.family_id for p in Progress.objects.filter(at=claim.claim_date) if p.route}
    assert {x.family.family_id for x in lines} == met - set(held)
    assert 0 < len(met) < Family.objects.count()  # some families improved, not all
    for x in lines:
        assert Path(x.pack).is_file() and x.pack.endswith(".pdf") and x.amount == 800
        html = Path(x.pack).with_suffix(".html").read_text()
        assert f"Evidence pack: {x.family.name}" in html and "Baseline" in html
        assert x.family.name.endswith(" family") and x.family.family_id in html
        # Words, not codes: needs by their titles, records by source and date.
        tables = [n for n in SOURCES if "_" in n or n in ("asb", "gazetteer")]
        codes = [*tables, *check(shipped()["tf-2015"]).data["needs"]]
        assert not [c for c in codes if re.search(rf"\b{c}\b", html)], x.family.family_id
        assert not re.search(r"\brow \d", html)
    again = prepare("2025Q3", "tf-2015")[1]
    assert again == [] and claim.lines.count() == len(lines)
    # The packs' folder is whole: run.json lists every pack with its SHA-256.
    from wholefamily.atomic import verified
    from wholefamily.web.claims.services import pack_folder

    packs = {f"{x.family.family_id}{ext}" for x in lines for ext in (".html", ".pdf")}
    with verified(pack_folder(claim), packs) as (meta, files):
        assert meta == {"claim": "2025Q3", "framework": "tf-2015"} and set(files) == packs
    # A line whose pack was never written (a prepare killed before the folder was in
    # place) gets it at the next prepare; the other packs stay.
    Line.objects.filter(pk=lines[0].pk).update(pack="")
    assert prepare("2025Q3", "tf-2015")[1] == []
    assert Line.objects.get(pk=lines[0].pk).pack == lines[0].pack
    with verified(pack_folder(claim), packs) as (_, files):
        assert set(files) == packs

    # Sign-off in the web app: managers only, audited.
    assert client_for(kw).get(reverse("claim", args=[claim.pk])).status_code == 404
    c = client_for(manager)
    page = c.get(reverse("claim", args=[claim.pk])).content.decode()
    first = lines[0]
    assert first.family.family_id in page and "Sign off" in page
    r = c.get(reverse("claim_pack", args=[claim.pk, first.pk]))
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    assert AuditEntry.objects.filter(action="download", object_id=first.family.family_id).exists()
    c.post(
        reverse("claim_sign_off", args=[claim.pk]),
        {"line": [x.pk for x in lines], "declaration": "yes"},
    )
    assert len(signed_lines("2025Q3", "tf-2015")) == len(lines)
    # The claim file, downloaded by the analyst, lists every signed family.
    assert client_for(manager).get(reverse("claim_file", args=[claim.pk])).status_code == 404
    r = web.get(reverse("claim_file", args=[claim.pk]))
    rows = list(csv.DictReader(r.content.decode().splitlines()))
    assert {x["family_id"] for x in rows} == {x.family.family_id for x in lines}
    assert {x["signed_by"] for x in rows} == {"morgan"} and rows[0]["period"] == "2025Q3"
    assert AuditEntry.objects.filter(action="download", object_id=str(claim.pk)).exists()
    # The next quarter holds every signed family back.
    held_next = prepare("2025Q4", "tf-2015")[2]
    for x in lines:
        assert held_next[x.family.family_id] == "already claimed for the progress result"

    # Samples are reproducible.
    one, two = sample("2025Q3", "tf-2015", 7, 50), sample("2025Q3", "tf-2015", 7, 50)
    assert [x.pk for x in one] == [x.pk for x in two] and len(one) == -(-len(lines) // 2)
    with pytest.raises(ClaimError, match="--percent"):
        sample("2025Q3", "tf-2015", 7, 0)


def test_preparing_without_a_warehouse_says_so(settings, tmp_path: Path) -> None:
    settings.WORKSPACE = tmp_path / "empty"
    r = client_for(user("alex", Role.ANALYST)).post(
        reverse("claim_prepare"), {"period": "2025Q1", "framework": "tf-2015"}
    )
    assert r.status_code == 200 and b"There is a problem" in r.content
    assert b"no warehouse" in r.content and not Claim.objects.exists()


def test_claims_commands(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    res = run("claims", "export", "--period", "2025Q9", "--workspace", str(ws))
    assert res.returncode == 2 and "a period is a quarter" in res.stderr
    res = run("claims", "prepare", "--period", "2025Q1", "--workspace", str(ws))
    assert res.returncode == 2 and "no warehouse" in res.stderr
    res = run(
        "claims",
        "export",
        "--period",
        "2025Q1",
        "--workspace",
        str(ws),
        "--out",
        str(tmp_path / "c.csv"),
    )
    assert res.returncode == 0 and "0 signed families" in res.stdout
    assert next(csv.reader((tmp_path / "c.csv").open()))[:3] == [
        "period",
        "framework",
        "family_id",
    ]


def test_funding_adds_up(settings) -> None:
    from wholefamily.web.claims.funding import funding, year_bounds, year_of
    from wholefamily.web.claims.models import Funding, Receipt, Target

    assert year_of(date(2025, 3, 31)) == "2024/25" and year_of(date(2025, 4, 1)) == "2025/26"
    with pytest.raises(ClaimError, match="like 2025/26"):
        year_bounds("2025/27")
    manager = user("morgan", Role.MANAGER, Team.objects.create(name="North"))
    north = [family(f"N{i}", district="Casterbridge") for i in range(3)]
    south = [family(f"S{i}", district="Budmouth") for i in range(2)]
    for f in [*north, *south]:  # all started in 2025/26, but S1 the year before
        start = date(2025, 1, 5) if f.family_id == "S1" else date(2025, 5, 1)
        Baseline.objects.create(
            family=f,
            version=1,
            start=start,
            framework="tf-2015",
            drop_id="d",
            needs=f.needs,
            counts=[],
            claimants={},
            reason="start",
            by=manager,
        )
    line = _line("2025Q3", north[0], manager)  # N0 turned around in 2025/26
    sign(line, manager)
    b = Baseline.objects.get(family=south[0])
    Progress.objects.create(  # S0 is one test away from its outcomes
        family=south[0],
        baseline=b,
        at=date(2025, 9, 30),
        drop_id="d",
        route="",
        needs=[{"need": "HEALTH", "met": False, "tests": [["a", 1, 0, True], ["b", 1, 1, False]]}],
    )
    b = Baseline.objects.get(family=north[1])
    Progress.objects.create(  # N1 met its outcomes and awaits its claim
        family=north[1],
        baseline=b,
        at=date(2025, 9, 30),
        drop_id="d",
        route="progress",
        needs=[{"need": "HEALTH", "met": True, "tests": [["a", 1, 0, True]]}],
    )
    b = Baseline.objects.get(family=north[0])
    Progress.objects.create(  # N0 is signed off already: nothing more to come
        family=north[0],
        baseline=b,
        at=date(2025, 9, 30),
        drop_id="d",
        route="progress",
        needs=[{"need": "HEALTH", "met": True, "tests": [["a", 1, 0, True]]}],
    )
    Funding.objects.create(
        framework="tf-2015", year="2025/26", attachment=1000, results=800, upfront_share="0.6"
    )
    Target.objects.create(
        framework="tf-2015", year="2025/26", district="", work_with=10, turn_around=5
    )
    Target.objects.create(
        framework="tf-2015", year="2025/26", district="Budmouth", work_with=4, turn_around=2
    )
    Receipt.objects.create(
        framework="tf-2015", year="2025/26", amount=5000, received_on=date(2025, 7, 1)
    )
    v = funding("tf-2015", "2025/26")
    rows = {r.district: r for r in v.rows}
    assert (v.attachment, v.results, v.upfront, v.received) == (1000, 800, 10800, 5000)
    assert (rows["Casterbridge"].worked_with, rows["Casterbridge"].turned_around) == (3, 1)
    assert rows["Casterbridge"].earned == 3 * 1000 + 800 and rows["Casterbridge"].claimed == 800
    assert (rows["Budmouth"].worked_with, rows["Budmouth"].target_work_with) == (1, 4)
    assert (rows["Budmouth"].forecast_families, rows["Budmouth"].forecast) == (1, 800)
    assert (rows["Budmouth"].due_families, rows["Budmouth"].close_families) == (0, 1)
    assert (rows["Casterbridge"].due_families, rows["Casterbridge"].close_families) == (1, 0)
    county = rows[""]
    assert (county.worked_with, county.turned_around, county.target_turn_around) == (4, 1, 5)
    assert county.earned == 4 * 1000 + 800 and county.forecast == 2 * 800
    # Without settings the framework file's amounts apply (tf-2015: 1,000 and 800).
    fw = check(shipped()["tf-2015"]).data
    assert funding("tf-2015", "2024/25", fw).rows[-1].earned == 1000  # S1 started then
    page = client_for(manager).get(reverse("funding"), {"year": "2025/26"}).content.decode()
    assert "£10,800" in page and "Casterbridge" in page
    bad = client_for(manager).get(reverse("funding"), {"year": "25/26"}).content.decode()
    assert "a financial year is written like 2025/26" in bad
    assert client_for(user("kim", Role.KEY_WORKER)).get(reverse("funding")).status_code == 404


def test_funding_commands(tmp_path: Path) -> None:
    ws = str(tmp_path / "ws")
    res = run(
        "funding",
        "set",
        "--year",
        "2025/26",
        "--attachment",
        "1000",
        "--results",
        "800",
        "--upfront",
        "0.6",
        "--workspace",
        ws,
    )
    assert res.returncode == 0 and "60% up front" in res.stdout
    res = run(
        "funding",
        "set",
        "--year",
        "2025-26",
        "--attachment",
        "1",
        "--results",
        "1",
        "--workspace",
        ws,
    )
    assert res.returncode == 2 and "like 2025/26" in res.stderr
    res = run(
        "funding",
        "received",
        "--year",
        "2025/26",
        "--amount",
        "5000",
        "--on",
        "1 July 2025",
        "--workspace",
        ws,
    )
    assert res.returncode == 2 and "--on must be a date" in res.stderr
    res = run(
        "funding",
        "target",
        "--year",
        "2025/26",
        "--work-with",
        "10",
        "--turn-around",
        "5",
        "--workspace",
        ws,
    )
    assert res.returncode == 0
    res = run("funding", "show", "--year", "2025/26", "--workspace", ws)
    assert res.returncode == 0 and "county" in res.stdout and "0 (10)" in res.stdout
