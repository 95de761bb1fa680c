"""Loading drops: every format, every source, nothing lost, bad rows with reasons."""

from __future__ import annotations

import csv
import shutil
from datetime import date
from pathlib import Path

import pytest

from ingestkit import (
    file_counts,
    header,
    query,
    row_of,
    snapshot,
    stored_counts,
    tables,
    write_csv,
)
from wholefamily.ingest import LoadError, load_drop, quality
from wholefamily.sources.schema import SOURCES
from wholefamily.synth import SynthConfig, generate

AS_OF = date(2025, 3, 31)


@pytest.fixture(scope="module")
def loaded(county: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    ws = tmp_path_factory.mktemp("ws")
    load_drop(county / "drop", ws, "q1")
    return ws


@pytest.fixture(scope="module")
def three_formats(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One small county written as CSV, XLSX and Parquet, each loaded in a workspace."""
    out: dict[str, Path] = {}
    for fmt in ("csv", "xlsx", "parquet"):
        root = tmp_path_factory.mktemp(fmt)
        generate(SynthConfig(people=600, seed=3, as_of=AS_OF, out=root / "c", fmt=fmt))
        load_drop(root / "c" / "drop", root / "ws", "d1")
        out[fmt] = root / "ws"
    return out


def test_every_source_loads_and_counts_reconcile(county: Path, loaded: Path) -> None:
    truth_rows: dict[str, int] = {}
    with (county / "truth_records.csv").open() as fh:
        for r in csv.DictReader(fh):
            truth_rows[r["source"]] = truth_rows.get(r["source"], 0) + 1
    files = query(
        loaded,
        "SELECT m.source, m.status, f.file_id, f.rows_read, f.rows_loaded, f.rows_quarantined "
        "FROM drop_manifest m JOIN load_files f USING (file_id) WHERE m.drop_id = 'q1'",
    )
    assert {f[0] for f in files} == set(SOURCES)
    for source, status, fid, read, n_loaded, n_quarantined in files:
        assert status == "loaded"
        assert n_loaded + n_quarantined == read
        assert stored_counts(loaded, source, fid) == (n_loaded, n_quarantined)
        with (county / "drop" / f"{source}.csv").open() as fh:
            assert read == sum(1 for _ in csv.reader(fh)) - 1
        if source in truth_rows:
            assert read == truth_rows[source]
        # The generator writes valid rows only: nothing is quarantined.
        assert n_quarantined == 0, source


def test_lineage_and_raw_values_kept(county: Path, loaded: Path) -> None:
    with (county / "drop" / "police_offences.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    got = query(
        loaded,
        "SELECT row, raw_forename, raw_postcode, raw_offence_date, offence_date, postcode "
        "FROM src_police_offences ORDER BY row",
    )
    assert len(got) == len(rows)
    for n, ((row, forename, raw_pc, raw_date, typed_date, pc), src) in enumerate(
        zip(got, rows, strict=True), start=1
    ):
        assert row == n
        assert forename == src["forename"]
        assert raw_pc == src["postcode"]
        assert raw_date == src["offence_date"]
        assert typed_date is not None
        compact = src["postcode"].replace(" ", "").upper()
        assert pc == f"{compact[:-3]} {compact[-3:]}"


def test_people_typed_against_truth(county: Path, loaded: Path) -> None:
    """Typed dob and sex agree with the truth for almost every row (noise aside)."""
    truth = {}
    with (county / "truth_people.csv").open() as fh:
        for r in csv.DictReader(fh):
            truth[r["person_id"]] = (r["dob"], r["sex"])
    who: dict[int, str] = {}
    with (county / "truth_records.csv").open() as fh:
        for r in csv.DictReader(fh):
            if r["source"] == "school_census":
                who[int(r["row"])] = r["person_id"]
    got = query(loaded, "SELECT row, dob, sex FROM src_school_census")
    same = sum(1 for row, dob, sex in got if (str(dob), sex) == truth[who[row]])
    # dob swaps (0.2%) and unknown sex (0.3%) are the only differences expected.
    assert same / len(got) > 0.99


def test_formats_give_the_same_typed_rows(three_formats: dict[str, Path]) -> None:
    for source in SOURCES:
        cols = ", ".join(f'"{c}"' for c in SOURCES[source].columns)
        sql = f"SELECT row, {cols} FROM src_{source} ORDER BY row"
        csv_rows = query(three_formats["csv"], sql)
        assert csv_rows, source
        for fmt in ("xlsx", "parquet"):
            assert query(three_formats[fmt], sql) == csv_rows, (source, fmt)


def test_address_resolution_against_truth(county: Path, loaded: Path) -> None:
    truth: dict[tuple[str, int], str] = {}
    with (county / "truth_addresses.csv").open() as fh:
        for r in csv.DictReader(fh):
            truth[(r["source"], int(r["row"]))] = r["uprn"]
    sources = sorted({s for s, _ in truth})
    right = total = 0
    for source in sources:
        for row, uprn, method, conf in query(
            loaded,
            f"SELECT row, address_uprn, address_method, address_confidence FROM src_{source}",
        ):
            total += 1
            right += uprn == truth[(source, row)]
            assert (method == "none") == (uprn is None)
            assert 0.0 <= conf <= 1.0
    assert total == len(truth)
    assert right / total >= 0.97


def test_address_resolution_survives_agency_mistakes(tmp_path: Path, county: Path) -> None:
    """Misspelt streets, abbreviations, lost postcodes: still the right UPRN."""
    with (county / "drop" / "gazetteer.csv").open() as fh:
        gaz = [r for r in csv.DictReader(fh) if r["address_line1"][0].isdigit()][:40]
    drop = tmp_path / "drop"
    drop.mkdir()
    shutil.copy(county / "drop" / "gazetteer.csv", drop / "gazetteer.csv")
    rows = []
    expect = {}
    for k, g in enumerate(gaz):
        line1, pc = g["address_line1"], g["postcode"]
        kind = k % 4
        if kind == 0:  # a letter dropped from the street name
            i = line1.index(" ") + 3
            line1 = line1[:i] + line1[i + 1 :]
        elif kind == 1:  # abbreviation and lower case
            line1 = line1.lower().replace(" road", " rd").replace(" street", " st")
            pc = pc.lower().replace(" ", "")
        elif kind == 2:  # no postcode
            pc = ""
        else:  # a postcode that does not exist
            pc = "ZZ9 9ZZ"
        rows.append(
            row_of(
                "asb",
                incident_ref=f"I{k}",
                agency="POLICE",
                forename="Ann",
                surname="Example",
                address_line1=line1,
                town=g["town"],
                postcode=pc,
                incident_date="2024-05-01",
            )
        )
        expect[k + 1] = (g["uprn"], kind)
    write_csv(drop / "asb.csv", header("asb"), rows)
    ws = tmp_path / "ws"
    load_drop(drop, ws, "typos")
    got = query(ws, "SELECT row, address_uprn, address_method FROM src_asb")
    right = sum(1 for row, uprn, _ in got if uprn == expect[row][0])
    assert right / len(got) >= 0.95
    methods = {expect[row][1]: m for row, _, m in got}
    assert methods[0] == "fuzzy" and methods[2] == "no_postcode"


def bad_offences(drop: Path) -> Path:
    rows = [
        row_of("police_offences", offence_ref="O1", offence_date="2024-02-30", outcome="CAUTION"),
        row_of("police_offences", offence_ref="O2", offence_date="01/03/2024", outcome="caution"),
        row_of("police_offences", offence_ref="O3", offence_date="2024-03-01", outcome="SHOUTING"),
        row_of(
            "police_offences",
            offence_ref="O4",
            offence_date="2024-03-01",
            outcome="CONVICTION",
            dob="2999-01-01",
        ),
        row_of("police_offences", offence_ref="", offence_date="2024-03-01", outcome="CAUTION"),
        row_of(
            "police_offences",
            offence_ref="O6",
            forename='=HYPERLINK("http://x")',
            offence_date="2024-03-05",
            outcome_date="2024-03-01",
            outcome="CAUTION",
        ),
    ]
    path = write_csv(drop / "police_offences.csv", header("police_offences"), rows)
    with path.open("a", encoding="utf-8") as fh:
        fh.write('"O7","only three",fields\n')
    return path


def test_bad_rows_are_quarantined_with_reasons(tmp_path: Path) -> None:
    drop = tmp_path / "drop"
    bad_offences(drop)
    ws = tmp_path / "ws"
    report = load_drop(drop, ws, "bad")
    (f,) = [f for f in report.files if f.source == "police_offences"]
    assert (f.rows_read, f.rows_loaded, f.rows_quarantined) == (7, 1, 6)
    assert query(ws, "SELECT row, offence_date, outcome FROM src_police_offences") == [
        (2, date(2024, 3, 1), "CAUTION")
    ]
    reasons = {
        (r[0], r[1], r[2]) for r in query(ws, 'SELECT row, "column", rule FROM quarantine_reasons')
    }
    assert reasons == {
        (1, "offence_date", "date"),
        (3, "outcome", "code"),
        (4, "dob", "dob_future"),
        (5, "offence_ref", "required"),
        (6, "outcome_date", "date_order"),
        (7, None, "shape"),
    }
    # The ragged row keeps its whole text.
    assert query(ws, "SELECT raw_line FROM quarantine_police_offences WHERE row = 7") == [
        ('"O7","only three",fields',)
    ]


def test_quarantine_csv_for_the_agency_is_safe(tmp_path: Path) -> None:
    drop = tmp_path / "drop"
    bad_offences(drop)
    ws = tmp_path / "ws"
    load_drop(drop, ws, "bad")
    report = quality(ws)
    (q,) = [s for s in report.sources if s.source == "police_offences"]
    assert q.by_rule == {
        "date": 1,
        "code": 1,
        "dob_future": 1,
        "required": 1,
        "date_order": 1,
        "shape": 1,
    }
    assert q.quarantine_csv
    with open(q.quarantine_csv, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["row"] for r in rows] == ["1", "3", "4", "5", "6", "7"]
    assert "offence_date: not a date" in rows[0]["reasons"]
    assert "(2024-02-30)" in rows[0]["reasons"]
    formula = next(r for r in rows if r["row"] == "6")["forename"]
    assert formula.startswith("'=")  # neutralised, not lost
    assert Path(report.html_path).read_text(encoding="utf-8").count("police_offences") >= 1


def test_missing_column_rejects_only_that_file(tmp_path: Path, county: Path) -> None:
    drop = tmp_path / "drop"
    drop.mkdir()
    shutil.copy(county / "drop" / "asb.csv", drop / "asb.csv")
    cols = [c for c in header("housing") if c != "event_date"]
    write_csv(drop / "housing.csv", cols, [["E1", "", "Ann"] + [""] * (len(cols) - 3)])
    (drop / "notes.txt").write_text("hello")
    shutil.copy(county / "drop" / "health.csv", drop / "health.xls")
    ws = tmp_path / "ws"
    report = load_drop(drop, ws, "d")
    by_name = {f.file_name: f for f in report.files}
    assert by_name["housing.csv"].status == "rejected"
    assert "'event_date'" in by_name["housing.csv"].message
    assert by_name["housing.csv"].rows_quarantined == by_name["housing.csv"].rows_read == 1
    assert by_name["asb.csv"].status == "loaded" and by_name["asb.csv"].rows_loaded > 0
    assert by_name["notes.txt"].status == "unknown"
    assert by_name["health.xls"].status == "unknown"
    assert "unsupported format" in by_name["health.xls"].message
    assert "src_housing" not in tables(ws)


def test_header_matching_and_extra_columns(tmp_path: Path) -> None:
    drop = tmp_path / "drop"
    cols = [f"  {c.upper()} " for c in header("asb")] + ["Officer Notes"]
    row = [
        *row_of(
            "asb",
            incident_ref="I1",
            agency="police",
            incident_date="2024-01-05",
            sex="female",
            intervention="abc",
            housing_related="n",
            forename="Zoë",
            surname="O'Brien-Smyth",
            postcode="wx1  1wq",
        ),
        "seen twice",
    ]
    write_csv(drop / "asb.csv", cols, [row])
    ws = tmp_path / "ws"
    load_drop(drop, ws, "d")
    assert query(
        ws,
        "SELECT agency, sex, intervention, housing_related, forename_key, surname_key, postcode, "
        "postcode_valid FROM src_asb",
    ) == [("POLICE", "F", "ABC", "N", "ZOE", "OBRIEN SMYTH", "WX1 1WQ", True)]
    assert query(ws, 'SELECT "column", value FROM extra_values') == [
        ("officer notes", "seen twice")
    ]


def test_windows_1252_file_loads_with_a_warning(tmp_path: Path) -> None:
    drop = tmp_path / "drop"
    row = row_of("asb", incident_ref="I1", incident_date="2024-01-05", forename="Zoë")
    write_csv(drop / "asb.csv", header("asb"), [row], encoding="cp1252")
    report = load_drop(drop, tmp_path / "ws", "d")
    (f,) = report.files
    assert f.encoding == "cp1252" and f.rows_loaded == 1
    assert any("Windows-1252" in w for w in f.warnings)
    assert query(tmp_path / "ws", "SELECT forename FROM src_asb") == [("Zoë",)]


def test_same_file_twice_adds_nothing(tmp_path: Path, county: Path) -> None:
    ws = tmp_path / "ws"
    load_drop(county / "drop", ws, "q1")
    before = snapshot(ws)
    again = load_drop(county / "drop", ws, "q1")
    assert {f.status for f in again.files if f.source} == {"unchanged"}
    after = snapshot(ws)
    # Only the drop's own record (and its manifest's text) is written again.
    mine = ("drops", "drop_manifest", "workspace_files")
    assert {k: v for k, v in after.items() if k not in mine} == {
        k: v for k, v in before.items() if k not in mine
    }
    # The same content under another drop id is not loaded a second time either.
    other = load_drop(county / "drop", ws, "copy")
    assert {f.status for f in other.files if f.source} == {"already_loaded"}
    assert after["src_school_census"] == snapshot(ws)["src_school_census"]
    assert sum(n for n, _, _ in file_counts(ws).values()) == sum(
        f.rows_read for f in other.files if f.source
    )


def test_changed_file_in_a_resent_drop(tmp_path: Path, county: Path) -> None:
    drop = tmp_path / "drop"
    shutil.copytree(county / "drop", drop)
    ws = tmp_path / "ws"
    load_drop(drop, ws, "q1")
    with (drop / "asb.csv").open("a", encoding="utf-8") as fh:
        fh.write(",".join(row_of("asb", incident_ref="NEW", incident_date="2024-06-01")) + "\n")
    report = load_drop(drop, ws, "q1")
    status = {f.source: f.status for f in report.files if f.source}
    assert status["asb"] == "loaded"
    assert {s for k, s in status.items() if k != "asb"} == {"unchanged"}
    current = query(
        ws,
        "SELECT count(*) FROM src_asb a JOIN drop_manifest m USING (file_id) "
        "WHERE m.drop_id = 'q1'",
    )[0][0]
    assert current == next(f.rows_read for f in report.files if f.source == "asb")


def test_coverage_from_file_or_inferred(tmp_path: Path, county: Path) -> None:
    drop = tmp_path / "drop"
    shutil.copytree(county / "drop", drop)
    ws = tmp_path / "ws"
    with_file = {f.source: f for f in load_drop(drop, ws, "a").files if f.source}
    assert with_file["police_offences"].coverage_from == "coverage.csv"
    (drop / "coverage.csv").unlink()
    with (drop / "asb.csv").open("a", encoding="utf-8") as fh:  # new content, re-read
        fh.write(",".join(row_of("asb", incident_ref="X", incident_date="2024-06-01")) + "\n")
    inferred = {f.source: f for f in load_drop(drop, ws, "b").files if f.source}
    asb = inferred["asb"]
    assert asb.coverage_from == "inferred"
    lo, hi = query(
        ws,
        "SELECT min(incident_date), max(incident_date) FROM src_asb WHERE file_id=?",
        [asb.file_id],
    )[0]
    assert (asb.coverage_start, asb.coverage_end) == (lo, hi)
    assert inferred["school_attendance"].coverage_start is not None
    assert inferred["school_contacts"].coverage_start is None


def test_not_a_folder(tmp_path: Path) -> None:
    with pytest.raises(LoadError, match="does not exist"):
        load_drop(tmp_path / "nope", tmp_path / "ws")
    (tmp_path / "f.csv").write_text("x")
    with pytest.raises(LoadError, match="not a folder"):
        load_drop(tmp_path / "f.csv", tmp_path / "ws")
    assert not (tmp_path / "ws").exists()


def test_gazetteer_duplicate_uprn_quarantined(tmp_path: Path) -> None:
    drop = tmp_path / "drop"
    g = [
        ["1001", "1 Mill Lane", "", "Casterbridge", "WX1 1AA", "Casterbridge", "E01"],
        ["1002", "2 Mill Lane", "", "Casterbridge", "WX1 1AA", "Casterbridge", "E01"],
        ["1001", "3 Mill Lane", "", "Casterbridge", "WX1 1AA", "Casterbridge", "E01"],
    ]
    write_csv(drop / "gazetteer.csv", header("gazetteer"), g)
    report = load_drop(drop, tmp_path / "ws", "g")
    assert (report.files[0].rows_loaded, report.files[0].rows_quarantined) == (2, 1)
    assert query(tmp_path / "ws", "SELECT row, rule FROM quarantine_reasons") == [(3, "duplicate")]


def test_a_file_read_ahead_that_cannot_be_read_is_rejected_in_its_turn(
    county: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Small files are read while the one before them loads (`load._Reads`): a read
    that fails rejects its own file with the reason, and every other file loads."""
    from wholefamily.ingest import load as L

    real = L.read_file

    def unreadable_asb(path: Path, fmt: str) -> object:
        if path.name == "asb.csv":
            raise PermissionError(13, "Permission denied", str(path))
        return real(path, fmt)

    monkeypatch.setattr(L, "read_file", unreadable_asb)
    report = load_drop(county / "drop", tmp_path / "ws", "q1")
    by_source = {f.source: f for f in report.files if f.source}
    asb = by_source["asb"]
    assert asb.status == "rejected" and asb.message == "cannot read the file: Permission denied"
    assert asb.rows_read == asb.rows_loaded == 0
    others = [f for s, f in by_source.items() if s != "asb"]
    assert others and all(f.status == "loaded" and f.rows_loaded > 0 for f in others)
    assert asb.file_id and stored_counts(tmp_path / "ws", "asb", asb.file_id) == (0, 0)
