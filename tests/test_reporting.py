"""Programme reporting: each metric on constructed families with known answers, the
dashboard and its downloads."""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse

from webkit import client_for, family, user
from wholefamily.web.accounts.models import Role, Team
from wholefamily.web.audit.models import AuditEntry
from wholefamily.web.casework.models import Event, Nomination
from wholefamily.web.claims.models import Claim, Funding, Line, Receipt, Target
from wholefamily.web.families.models import Family, Intensity, Need, Origin
from wholefamily.web.progress.models import Baseline, Progress, ProgressTest, rows_of_tests
from wholefamily.web.reporting.metrics import Metrics, metrics
from wholefamily.web.reporting.periods import PeriodError, parse_period

pytestmark = pytest.mark.django_db
Q2 = parse_period("2025Q2")  # 1 April to 30 June 2025


def test_periods() -> None:
    assert (Q2.first, Q2.last, Q2.financial_years) == (
        date(2025, 4, 1),
        date(2025, 6, 30),
        ["2025/26"],
    )
    q1 = parse_period("2025q1")
    assert (q1.label, q1.first, q1.last, q1.financial_years) == (
        "2025Q1",
        date(2025, 1, 1),
        date(2025, 3, 31),
        ["2024/25"],
    )
    year = parse_period("2025/26")
    assert (year.first, year.last) == (date(2025, 4, 1), date(2026, 3, 31))
    assert parse_period("2025-26") == year  # as the census writes a year
    span = parse_period("2025-03-01..2025-04-30")
    assert span.financial_years == ["2024/25", "2025/26"]
    for bad in (
        "2025Q5",
        "2025/27",
        "2025-27",
        "2025-04-31..2025-05-01",
        "2025-05-01..2025-04-01",
        "Q1",
    ):
        with pytest.raises(PeriodError):
            parse_period(bad)


def _started(f: Family, on: date | None, closed: date | None = None, intensity: str = "") -> None:
    Family.objects.filter(pk=f.pk).update(started_on=on, closed_on=closed, intensity=intensity)


def _event(f: Family, kind: str, on: date, detail: str, by: Any) -> None:
    Event.objects.create(family=f, kind=kind, on=on, detail=detail, by=by)


def _progress(f: Family, at: date, tests: list[list[Any]], by: Any, route: str = "") -> Progress:
    b = Baseline.objects.get_or_create(
        family=f,
        version=1,
        defaults=dict(
            start=date(2025, 1, 1),
            framework="tf-2015",
            drop_id="d",
            needs=f.needs,
            counts=[],
            claimants={},
            reason="start",
            by=by,
        ),
    )[0]
    made = Progress.objects.create(
        family=f,
        baseline=b,
        at=at,
        drop_id="d",
        route=route,
        needs=[{"need": "CRIME_ASB", "met": route != "", "tests": tests}] if tests else [],
    )
    ProgressTest.objects.bulk_create(rows_of_tests([made]))  # as movement() writes them
    return made


@pytest.fixture
def county() -> dict[str, Any]:
    """Seven families in two districts with case work in and around 2025Q2."""
    north = Team.objects.create(name="North", district="Casterbridge")
    kw, manager = user("kim", Role.KEY_WORKER, north), user("morgan", Role.MANAGER, north)
    f = {n: family(n, district="Casterbridge") for n in ("A1", "A2", "A3", "A4")}
    f |= {n: family(n, district="Budmouth") for n in ("B1", "B2", "B3")}
    _started(f["A1"], date(2025, 4, 10), intensity=Intensity.HIGH)
    _started(f["A2"], date(2025, 1, 15), closed=date(2025, 5, 20), intensity=Intensity.MEDIUM)
    _started(f["A3"], date(2025, 7, 1), intensity=Intensity.HIGH)  # after the period
    _started(f["B1"], date(2025, 5, 1), intensity=Intensity.STANDARD)
    _started(f["B2"], date(2024, 12, 1), closed=date(2025, 3, 1))  # closed before it
    Need.objects.filter(family=f["A1"]).update(first_seen=date(2025, 5, 1))
    Family.objects.filter(pk=f["A1"].pk).update(identified_on=date(2025, 5, 1))  # in Q2
    Family.objects.filter(pk=f["A1"].pk).update(council_tenant=True, known_to_social_care=True)
    Family.objects.filter(pk=f["B1"].pk).update(domestic_abuse=True)
    Family.objects.filter(pk=f["B3"].pk).update(origin=Origin.NOMINATION)
    n = Nomination.objects.create(
        family=f["B3"],
        nominated_by=kw,
        agency="School",
        needs="EDUCATION",
        evidence="x",
        consent="Y",
    )
    Nomination.objects.filter(pk=n.pk).update(created_at=datetime(2025, 5, 5, tzinfo=UTC))
    _event(f["A1"], Event.Kind.CONSENT, date(2025, 4, 10), "given", kw)
    _event(f["B1"], Event.Kind.CONSENT, date(2025, 5, 1), "given", kw)
    _event(f["A3"], Event.Kind.CONSENT, date(2025, 6, 1), "refused: not now", kw)
    _event(f["A4"], Event.Kind.CONSENT, date(2025, 5, 5), "refused: no", kw)
    _event(f["A4"], Event.Kind.CONSENT, date(2025, 7, 5), "given", kw)  # after the period
    _event(f["A2"], Event.Kind.STEP_UP, date(2025, 5, 1), "risk rose", kw)
    _event(f["B1"], Event.Kind.STEP_DOWN, date(2025, 6, 10), "to early help", kw)
    _progress(f["A1"], date(2025, 3, 31), [["ASB", 5, 5, False]], manager)
    _progress(f["A1"], date(2025, 6, 30), [["ASB", 5, 1, True], ["offences", 2, 2, False]], manager)
    _progress(f["A2"], date(2025, 7, 31), [["ASB", 9, 0, True]], manager)  # after the period
    p = _progress(f["B1"], date(2025, 6, 30), [], manager, route="progress")
    claim = Claim.objects.create(period="2025Q2", framework="tf-2015", claim_date=date(2025, 6, 30))
    Line.objects.create(
        claim=claim,
        family=f["B1"],
        framework="tf-2015",
        result="progress",
        progress=p,
        amount=800,
        signed_by=manager,
        signed_at=datetime(2025, 7, 2, tzinfo=UTC),
    )
    Funding.objects.create(
        framework="tf-2015", year="2025/26", attachment=1000, results=800, upfront_share="0.5"
    )
    Target.objects.create(
        framework="tf-2015", year="2025/26", district="", work_with=10, turn_around=4
    )
    Target.objects.create(
        framework="tf-2015", year="2025/26", district="Budmouth", work_with=2, turn_around=1
    )
    Receipt.objects.create(
        framework="tf-2015", year="2025/26", amount=5000, received_on=date(2025, 5, 1)
    )
    Receipt.objects.create(
        framework="tf-2015", year="2025/26", amount=900, received_on=date(2025, 8, 1)
    )
    return {"families": f, "kw": kw, "manager": manager}


def _rows(m: Metrics, key: str) -> dict[str, list[Any]]:
    return {str(r[0]): r[1:] for r in m.figure(key).rows}


def test_every_metric_for_the_county(county: dict[str, Any]) -> None:
    m = metrics(Q2)
    assert m.framework == "tf-2015"
    assert m.headline == {
        "identified": 1,  # A1: first identified by the run as of 1 May
        "nominated": 1,  # B3
        "started": 2,  # A1, B1
        "active": 3,  # A1, A2 (closed in May), B1
        "closed": 1,  # A2
        "turned_around": 1,  # B1, signed in a claim dated 30 June
        "refusing": 50.0,  # 2 refused of 2 given + 2 refused
    }
    assert _rows(m, "engagement") == {"Given": [2], "Refused": [2], "Withdrawn": [0]}
    assert _rows(m, "intensity") == {
        "High": [1, 33.3],
        "Medium": [1, 33.3],
        "Standard": [1, 33.3],
        "Not set": [0, 0.0],
    }
    assert _rows(m, "steps") == {"Stepped up": [1, 33.3], "Stepped down": [1, 33.3]}
    assert _rows(m, "cohort") == {
        "Children not attending school regularly": [3, 100.0],  # EDUCATION, by its title
        "Health problems": [3, 100.0],
        "Council tenants": [1, 33.3],
        "Known to children's social care": [1, 33.3],
        "Domestic abuse": [1, 33.3],
    }
    # The latest measurement on or before 30 June: A1's of 30 June (not March's), B1's.
    assert m.figure("movement").title.endswith("(2 families measured)")
    assert _rows(m, "movement") == {
        "Crime and anti-social behaviour: ASB": [1, 5, 1, -4, 1],
        "Crime and anti-social behaviour: offences": [1, 2, 2, 0, 0],
    }
    assert m.figure("movement").codes == ["CRIME_ASB", "CRIME_ASB"]
    # Measured again on the same day (movement run twice): the later measurement counts.
    _progress(county["families"]["A1"], date(2025, 6, 30), [["ASB", 5, 0, True]], county["manager"])
    assert _rows(metrics(Q2), "movement") == {
        "Crime and anti-social behaviour: ASB": [1, 5, 0, -5, 1]
    }
    assert _rows(m, "payments") == {
        "Earned": [2 * 1000 + 800],
        "Claimed": [800],
        "Received": [5000],
    }
    # 2025/26: A1, B1 and A3 (July) started, 3 of 10; B1 turned around, 1 of 4.
    assert _rows(m, "targets") == {"2025/26": [3, 10, 30.0, 1, 4, 25.0]}
    assert _rows(m, "districts") == {"Budmouth": [1, 1, 1], "Casterbridge": [1, 2, 0]}


def test_every_metric_for_one_district(county: dict[str, Any]) -> None:
    m = metrics(Q2, "Budmouth")
    assert m.headline == {
        "identified": 0,
        "nominated": 1,
        "started": 1,
        "active": 1,
        "closed": 0,
        "turned_around": 1,
        "refusing": 0.0,
    }
    assert _rows(m, "payments") == {"Earned": [1000 + 800], "Claimed": [800]}  # no receipts
    assert _rows(m, "targets") == {"2025/26": [1, 2, 50.0, 1, 1, 100.0]}
    assert _rows(m, "cohort")["Domestic abuse"] == [1, 100.0]
    assert "districts" not in {f.key for f in m.figures}
    empty = metrics(parse_period("2024Q1"), "Budmouth")
    assert empty.headline["active"] == 0 and empty.headline["refusing"] is None
    assert _rows(empty, "intensity")["High"] == [0, None]


def test_the_dashboard_for_a_district(county: dict[str, Any]) -> None:
    c = client_for(county["manager"])
    r = c.get(reverse("reports"), {"period": "2025Q2", "district": "Budmouth"})
    page = r.content.decode()
    assert r.status_code == 200
    assert '<p class="govuk-heading-xl" id="headline-turned">1</p>' in page
    assert page.count('role="img"') == page.count("the chart's figures") >= 6
    assert 'id="table-cohort"' in page and "Budmouth" in page
    assert AuditEntry.objects.filter(action="view", object_type="dashboard").exists()
    r = c.get(reverse("report_csv", args=["cohort"]), {"period": "2025Q2", "district": "Budmouth"})
    assert r["Content-Disposition"] == 'attachment; filename="cohort-2025Q2-Budmouth.csv"'
    rows = list(csv.reader(r.content.decode().splitlines()))
    # The labels, and the codes beside them for an analyst.
    assert rows[0] == ["need or circumstance", "code", "families", "share %"]
    assert ["Domestic abuse", "domestic_abuse", "1", "100.0"] in rows
    assert ["Children not attending school regularly", "EDUCATION", "1", "100.0"] in rows
    Family.objects.filter(district="Budmouth").update(district="Budmouth & Melstock")
    page = c.get(reverse("reports"), {"period": "2025Q2", "district": "Budmouth & Melstock"})
    assert "cohort.csv?period=2025Q2&amp;district=Budmouth+%26+Melstock" in page.content.decode()
    assert c.get(reverse("report_csv", args=["nothing"]), {"period": "2025Q2"}).status_code == 404
    bad = c.get(reverse("reports"), {"period": "2025Q7"}).content.decode()
    assert "There is a problem" in bad and "a period is a quarter" in bad
    assert client_for(county["kw"]).get(reverse("reports")).status_code == 404


def test_the_committee_report(county: dict[str, Any], tmp_path: Path) -> None:
    import pypdfium2 as pdfium

    from wholefamily.web.reporting.report import write

    r = write(Q2, tmp_path / "a" / "report.pdf")
    assert r.pdf is not None and r.pdf.is_file()
    pdf = pdfium.PdfDocument(str(r.pdf))
    text = "\n".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    pdf.close()
    assert "Supporting Families: programme report" in text and "2025Q2" in text
    for needle in ("Each district", "Budmouth", "Casterbridge", "Council tenants", "Funding"):
        assert needle in text, needle
    assert "Families turned around" in text and "50.0%" in text  # refusing consent
    # The same data gives the same report.
    again = write(Q2, tmp_path / "b" / "report.pdf")
    assert again.html == r.html
    assert (tmp_path / "b" / "report.html").read_text() == r.html
    one = write(Q2, tmp_path / "c" / "report.pdf", district="Budmouth")
    assert "Each district" not in one.html and "Budmouth" in one.html


def test_report_command_refuses_bad_input(tmp_path: Path) -> None:
    from test_cli import assert_one_line_error, run

    ws = str(tmp_path / "ws")
    res = run("report", "--period", "2025Q5", "--out", str(tmp_path / "r.pdf"), "--workspace", ws)
    assert_one_line_error(res, "a period is a quarter")
    res = run("report", "--period", "2025Q1", "--out", str(tmp_path / "r.txt"), "--workspace", ws)
    assert_one_line_error(res, "--out must name a .pdf file")
    res = run("report", "--period", "2025Q1", "--out", str(tmp_path / "r.pdf"), "--workspace", ws)
    assert res.returncode == 0, res.stderr
    assert (tmp_path / "r.pdf").read_bytes().startswith(b"%PDF")


def test_small_counts_are_suppressed_with_their_complement() -> None:
    from wholefamily.web.reporting.national import suppress

    assert suppress([["A", 12, 3, 20], ["B", 7, 9, 0], ["C", 2, 4, 30], ["D", 0, 0, 5]]) == [
        ["A", "[c]", "[c]", 20],  # 3 alone would follow from the total: 12 goes too
        ["B", 7, 9, 0],  # nothing small; a zero is shown
        ["C", "[c]", "[c]", 30],  # two small counts hide each other
        ["D", 0, 0, 5],
    ]


def test_the_national_return_is_pseudonymised(
    county: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from wholefamily.web.families.models import Person
    from wholefamily.web.reporting.national import national_return, pseudonym

    monkeypatch.delenv("WHOLEFAMILY_RETURN_KEY", raising=False)
    r = national_return(Q2, tmp_path / "ws", tmp_path / "out")
    assert (r.families, r.people) == (3, 6)  # A1, A2, B1 and their two members each
    key_file = tmp_path / "ws" / "keys" / "national-return.key"
    assert key_file.stat().st_mode & 0o777 == 0o600
    text = "\n".join(
        (tmp_path / "out" / n).read_text() for n in ("families.csv", "people.csv", "aggregates.csv")
    )
    # No direct identifier: no id, name, date of birth or address of anyone.
    for p in Person.objects.all():
        for value in (
            p.person_id,
            p.forename,
            p.surname,
            p.dob.isoformat(),
            p.dob.strftime("%d/%m/%Y"),
        ):
            assert value not in text, value
    for f in Family.objects.all():
        assert f.family_id not in text.replace(",", " ").split() and (
            not f.uprn or f.uprn not in text
        )
    families = list(csv.DictReader((tmp_path / "out" / "families.csv").open()))
    key = key_file.read_text().strip().encode()
    assert {x["family_ref"] for x in families} == {
        pseudonym(key, "family", fid) for fid in ("A1", "A2", "B1")
    }
    b1 = next(x for x in families if x["family_ref"] == pseudonym(key, "family", "B1"))
    assert (b1["outcome"], b1["claimed"], b1["start_month"]) == ("progress", "Y", "2025-05")
    people = list(csv.DictReader((tmp_path / "out" / "people.csv").open()))
    assert {x["age_band"] for x in people} == {"11-15", "25-49"}  # born 2011 and 1985
    # Rows in the order of their pseudonyms (a total key that tells nothing of the ids);
    # the folder written whole, run.json giving each file's SHA-256.
    assert [x["family_ref"] for x in families] == sorted(x["family_ref"] for x in families)
    refs = [(x["family_ref"], x["person_ref"]) for x in people]
    assert refs == sorted(set(refs))
    from wholefamily.atomic import verified
    from wholefamily.web.reporting.national import FILES

    with verified(tmp_path / "out", FILES) as (meta, _):
        assert meta == {"return": "national", "period": Q2.label}
    # The same key gives the same pseudonyms next quarter; another key, others.
    again = national_return(Q2, tmp_path / "ws", tmp_path / "again")
    assert again.families == 3
    assert (tmp_path / "again" / "families.csv").read_text() == (
        tmp_path / "out" / "families.csv"
    ).read_text()
    monkeypatch.setenv("WHOLEFAMILY_RETURN_KEY", "another-council-key-0123456789abcdef")
    national_return(Q2, tmp_path / "ws", tmp_path / "other")
    other = {x["family_ref"] for x in csv.DictReader((tmp_path / "other" / "families.csv").open())}
    assert other.isdisjoint({x["family_ref"] for x in families})
    # Every count from 1 to 4 is suppressed (3 families: every non-zero count is small).
    aggregates = list(csv.DictReader((tmp_path / "out" / "aggregates.csv").open()))
    assert aggregates and r.suppressed > 0
    for a in aggregates:
        assert a["value"] in ("0", "[c]") or int(a["value"]) >= 5, a


def test_national_return_command_refuses_bad_input(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from test_cli import assert_one_line_error, run

    ws = str(tmp_path / "ws")
    res = run(
        "national-return", "--period", "2025/26", "--out", str(tmp_path / "o"), "--workspace", ws
    )
    assert_one_line_error(res, "the return is for a quarter")
    res = run(
        "national-return", "--period", "2025Q1", "--out", str(tmp_path / "o"), "--workspace", ws
    )
    assert res.returncode == 0, res.stderr
    assert "0 families" in res.stdout and (tmp_path / "o" / "aggregates.csv").is_file()
    (tmp_path / "a-file").write_text("x")
    res = run(
        "national-return",
        "--period",
        "2025Q1",
        "--out",
        str(tmp_path / "a-file"),
        "--workspace",
        ws,
    )
    assert_one_line_error(res, "cannot write to")
    monkeypatch.setenv("WHOLEFAMILY_RETURN_KEY", "short")
    res = run(
        "national-return", "--period", "2025Q1", "--out", str(tmp_path / "p"), "--workspace", ws
    )
    assert_one_line_error(res, "WHOLEFAMILY_RETURN_KEY is too short")
    assert not (tmp_path / "p").exists()


def test_data_quality_per_source(county: dict[str, Any], tmp_path: Path) -> None:
    """Each source of the warehouse's latest drop: rows read, loaded and quarantined, as
    the load counted them (the same figures as `wholefamily quality`)."""
    from conftest import AS_OF
    from wholefamily.ingest import load_drop
    from wholefamily.ingest.quality import quality
    from wholefamily.synth import SynthConfig, generate
    from wholefamily.web.families.labels import source_label

    generate(SynthConfig(people=1500, seed=4, as_of=AS_OF, out=tmp_path / "c"))
    load_drop(tmp_path / "c" / "drop", tmp_path / "ws", "d")
    rows = _rows(metrics(Q2, workspace=tmp_path / "ws"), "quality")
    expected = {
        source_label(q.source): [
            q.rows_read,
            q.rows_loaded,
            q.rows_quarantined,
            round(100.0 * q.rows_quarantined / q.rows_read, 1) if q.rows_read else None,
        ]
        for q in quality(tmp_path / "ws").sources
    }
    assert rows == expected and len(rows) >= 14
    figure = metrics(Q2, workspace=tmp_path / "ws").figure("quality")
    assert figure.codes == sorted(q.source for q in quality(tmp_path / "ws").sources)
    assert "DWP benefits" in rows and "dwp_benefits" not in rows
    assert all(r[0] > 0 for r in rows.values())  # every source has rows
    empty = metrics(Q2, workspace=tmp_path / "nowhere").figure("quality")
    assert empty.rows == [] and "cannot be read" in empty.note


def test_chart_shares_are_drawn_against_the_whole_and_labels_fit() -> None:
    import re

    from wholefamily.web.reporting.charts import LABEL_CHARS, PLOT, bar_chart

    svg = str(bar_chart("t", "Against target", [("2025/26", 12.9), ("2026/27", 50.0)], "%"))
    widths = [float(w) for w in re.findall(r'<rect[^>]* width="([\d.]+)"', svg)]
    assert widths == [pytest.approx(PLOT * 0.129, abs=0.1), pytest.approx(PLOT * 0.5, abs=0.1)]
    # Over 100% the longest bar is the full plot, as for counts.
    svg = str(bar_chart("t", "Against target", [("a", 150.0), ("b", 75.0)], "%"))
    assert [float(w) for w in re.findall(r'<rect[^>]* width="([\d.]+)"', svg)] == [PLOT, PLOT / 2]
    long = "Families with an adult out of work or at risk of financial exclusion"
    svg = str(bar_chart("t", "Needs", [(long, 3), ("Crime", 2)]))
    lines = re.findall(r"<tspan[^>]*>([^<]*)</tspan>", svg)
    assert lines[0] + " " + lines[1].rstrip("…") in long and lines[-1] == "Crime"
    assert all(len(t) <= LABEL_CHARS for t in lines)
