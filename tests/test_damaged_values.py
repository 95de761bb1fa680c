"""Damaged values and damaged drops: a bad cell costs its row, a bad drop costs one line.

Every file here is generated at test time. Each case checks the rows read,
that loaded + quarantined = read (in the report and in the tables), the reason
or the message, and, where the load is refused, that the warehouse is unchanged.
"""

from __future__ import annotations

import errno
import json
import math
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ingestkit import file_counts, header, query, row_of, snapshot, stored_counts, write_csv
from test_cli import WF, assert_one_line_error, run, user_env
from wholefamily import warehouse as W
from wholefamily.ingest import LoadError, LoadReport, load_drop
from wholefamily.ingest import load as L
from wholefamily.ingest.rules import DECIMALS, INTEGERS
from wholefamily.sources.schema import SOURCES

# A good row of each source with numbers: every rule it could break, kept.
GOOD: dict[str, dict[str, str]] = {
    "school_census": {"upn": "U1", "census_date": "2024-10-03", "ncyear": "5", "sex": "F"},
    "school_attendance": {
        "upn": "U1",
        "academic_year": "2023/24",
        "term": "AUT",
        "sessions_possible": "100",
        "sessions_authorised_absence": "3",
        "sessions_unauthorised_absence": "3",
    },
    "school_exclusions": {
        "exclusion_ref": "X1",
        "upn": "U1",
        "start_date": "2024-01-10",
        "category": "SUSPENSION",
        "sessions": "3",
    },
    "social_care": {
        "episode_ref": "S1",
        "child_ref": "C1",
        "episode": "CIN",
        "start_date": "2024-01-10",
        "missing_episodes": "3",
    },
    "employment": {
        "employment_ref": "E1",
        "nino": "QQ123456C",
        "start_date": "2024-01-10",
        "weekly_hours": "3",
    },
    "housing": {
        "event_ref": "H1",
        "event": "RENT_ARREARS",
        "event_date": "2024-01-10",
        "arrears_amount": "3",
    },
}
NUMERIC = {s: [c for c in SOURCES[s].columns if c in INTEGERS | DECIMALS] for s in GOOD}
BAD_NUMBERS = ["inf", "-inf", "NaN", "Infinity", "1e19", "-1e19", "1e309", "1" * 23]


def test_every_numeric_column_of_the_spec_is_covered() -> None:
    every = {(s, c) for s, src in SOURCES.items() for c in src.columns if c in INTEGERS | DECIMALS}
    assert every == {(s, c) for s, cols in NUMERIC.items() for c in cols}


def _reconciles(ws: Path, report: LoadReport) -> None:
    """loaded + quarantined = read, in the report, the bookkeeping and the tables."""
    counts = file_counts(ws)
    for f in report.files:
        assert f.rows_loaded + f.rows_quarantined == f.rows_read, f
        if f.file_id and f.source:
            assert counts[f.file_id] == (f.rows_read, f.rows_loaded, f.rows_quarantined)
            assert stored_counts(ws, f.source, f.file_id) == (f.rows_loaded, f.rows_quarantined)


def _reasons(ws: Path, source: str) -> dict[int, set[tuple[str, str | None, str]]]:
    out: dict[int, set[tuple[str, str | None, str]]] = {}
    for row, column, value, rule in query(
        ws,
        'SELECT "row", "column", value, rule FROM quarantine_reasons WHERE source = ?',
        [source],
    ):
        out.setdefault(row, set()).add((column, value, rule))
    return out


# ------------------------------------------------------------ item 4: bad numbers


def test_a_bad_number_in_a_csv_costs_only_its_row(tmp_path: Path) -> None:
    """Rows 1..n each hold one bad number in one numeric column; the last row is good."""
    drop = tmp_path / "drop"
    bad: dict[str, list[tuple[str, str]]] = {}
    for source, cols in NUMERIC.items():
        rows = []
        for col in cols:
            for value in BAD_NUMBERS:
                rows.append(row_of(source, **{**GOOD[source], col: value}))
                bad.setdefault(source, []).append((col, value))
        rows.append(row_of(source, **GOOD[source]))
        write_csv(drop / f"{source}.csv", header(source), rows)
    ws = tmp_path / "ws"
    report = load_drop(drop, ws, "d")
    _reconciles(ws, report)
    for f in report.files:
        assert f.source is not None
        cases = bad[f.source]
        assert (f.status, f.rows_read) == ("loaded", len(cases) + 1)
        assert (f.rows_loaded, f.rows_quarantined) == (1, len(cases))
        reasons = _reasons(ws, f.source)
        for row, (col, value) in enumerate(cases, start=1):
            assert reasons[row] == {(col, value, "number")}, (f.source, col, value)
        assert len(reasons) == len(cases)
        # The good row keeps its numbers.
        for col in NUMERIC[f.source]:
            kept = query(ws, f"SELECT {col} FROM src_{f.source}")[0][0]
            assert kept == float(GOOD[f.source][col])
    messages = {m for (m,) in query(ws, "SELECT DISTINCT message FROM quarantine_reasons")}
    assert messages == {
        "not a whole number below 10^15",
        "not a finite number below 10^15",
    }


@pytest.mark.parametrize(
    ("bad", "typ"),
    [
        (math.inf, pa.float64()),
        (-math.inf, pa.float64()),
        (math.nan, pa.float64()),
        (1e19, pa.float64()),
        (1.1e22, pa.float64()),
        (2**63 - 1, pa.int64()),
        (2**64 - 1, pa.uint64()),
    ],
)
def test_a_bad_number_in_a_typed_parquet_column_costs_only_its_row(
    tmp_path: Path, bad: float, typ: pa.DataType
) -> None:
    """The numeric columns arrive typed; a column whole-valued but for one huge or
    infinite value must not be cast into a forged int64."""
    drop = tmp_path / "drop"
    drop.mkdir()
    cases: dict[str, list[str]] = {}
    for source, cols in NUMERIC.items():
        good = GOOD[source]
        n = len(cols) + 1  # row i holds the bad value in column i; the last row is good
        arrays: dict[str, Any] = {}
        for c in SOURCES[source].columns:
            if c in cols:
                i = cols.index(c)
                values = [bad if r == i else typ.to_pandas_dtype()(good[c]) for r in range(n)]
                arrays[c] = pa.array(values, type=typ)
            else:
                arrays[c] = pa.array([good.get(c, "")] * n, pa.string())
        pq.write_table(pa.table(arrays), drop / f"{source}.parquet")
        cases[source] = cols
    ws = tmp_path / "ws"
    report = load_drop(drop, ws, "d")
    _reconciles(ws, report)
    for f in report.files:
        assert f.source is not None
        cols = cases[f.source]
        assert (f.status, f.rows_read, f.rows_loaded) == ("loaded", len(cols) + 1, 1)
        reasons = _reasons(ws, f.source)
        assert set(reasons) == set(range(1, len(cols) + 1))
        for row, col in enumerate(cols, start=1):
            ((column, value, rule),) = reasons[row]
            assert (column, rule) == (col, "number")
            # The value kept is the value sent, not a wrapped-around integer.
            assert value is not None
            got = float(value)
            assert (math.isnan(got) and math.isnan(bad)) or got == float(bad), (col, value)


# ------------------------------------------------------ item 7: dates, empty, drop ids


def test_a_date_before_1900_is_quarantined_and_sets_no_coverage(tmp_path: Path) -> None:
    drop = tmp_path / "drop"
    rows = [
        row_of("asb", incident_ref="I1", incident_date="0001-01-01"),
        row_of("asb", incident_ref="I2", incident_date="01/01/1899"),
        row_of("asb", incident_ref="I3", incident_date="2024-01-05"),
        row_of("asb", incident_ref="I4", incident_date="2024-06-30"),
    ]
    write_csv(drop / "asb.csv", header("asb"), rows)
    benefits = [
        row_of("dwp_benefits", claim_ref="C1", benefit="JSA", start_date="2024-02-01", end_date=end)
        for end in ("0001-01-01", "2024-03-01")
    ]
    write_csv(drop / "dwp_benefits.csv", header("dwp_benefits"), benefits)
    ws = tmp_path / "ws"
    report = load_drop(drop, ws, "d")
    _reconciles(ws, report)
    asb, dwp = (next(f for f in report.files if f.source == s) for s in ("asb", "dwp_benefits"))
    assert (asb.rows_read, asb.rows_loaded, asb.rows_quarantined) == (4, 2, 2)
    assert _reasons(ws, "asb") == {
        1: {("incident_date", "0001-01-01", "date_implausible")},
        2: {("incident_date", "01/01/1899", "date_implausible")},
    }
    assert (asb.coverage_start, asb.coverage_end) == (date(2024, 1, 5), date(2024, 6, 30))
    assert (dwp.rows_read, dwp.rows_loaded, dwp.rows_quarantined) == (2, 1, 1)
    assert ("end_date", "0001-01-01", "date_implausible") in _reasons(ws, "dwp_benefits")[1]
    assert dwp.coverage_start == date(2024, 2, 1)


def test_coverage_declared_from_year_one_is_not_taken(tmp_path: Path) -> None:
    drop = tmp_path / "drop"
    rows = [row_of("asb", incident_ref="I1", incident_date="2024-01-05")]
    write_csv(drop / "asb.csv", header("asb"), rows)
    write_csv(
        drop / "coverage.csv",
        ["source", "coverage_start", "coverage_end"],
        [["asb", "0001-01-01", "2024-12-31"]],
    )
    report = load_drop(drop, tmp_path / "ws", "d")
    asb = next(f for f in report.files if f.source == "asb")
    assert (asb.rows_read, asb.rows_loaded) == (1, 1)
    assert (asb.coverage_start, asb.coverage_from) == (date(2024, 1, 5), "inferred")
    cov = next(f for f in report.files if f.status == "coverage")
    assert "row 1: coverage starts before 1900" in cov.message


def _loaded_workspace(tmp_path: Path) -> Path:
    drop = tmp_path / "first"
    write_csv(
        drop / "asb.csv",
        header("asb"),
        [row_of("asb", incident_ref="I1", incident_date="2024-01-05")],
    )
    ws = tmp_path / "ws"
    load_drop(drop, ws, "first")
    return ws


@pytest.mark.parametrize("contents", [[], ["notes.txt"], [".DS_Store"]])
def test_a_drop_with_no_extract_file_is_refused(tmp_path: Path, contents: list[str]) -> None:
    ws = _loaded_workspace(tmp_path)
    before = snapshot(ws)
    empty = tmp_path / "empty"
    empty.mkdir()
    for name in contents:
        (empty / name).write_text("hello\n")
    with pytest.raises(LoadError, match="holds no extract file named for a source"):
        load_drop(empty, ws, "empty")
    assert snapshot(ws) == before
    assert not (ws / "drops" / "empty").exists()
    assert query(ws, "SELECT drop_id FROM drops") == [("first",)]


def test_an_empty_drop_is_one_line_on_the_command_line(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    ws = tmp_path / "ws"
    res = run("load", str(tmp_path / "empty"), "--workspace", str(ws))
    assert_one_line_error(res, "holds no extract file")
    assert not ws.exists()  # nothing recorded, not even an empty warehouse


@pytest.mark.parametrize(
    "drop_id", [".", "..", "", "...", "../up", "a/b", "a\\b", "/abs", "-x", ".hidden", "x" * 65]
)
def test_a_drop_id_that_is_not_a_plain_name_is_refused(tmp_path: Path, drop_id: str) -> None:
    ws = _loaded_workspace(tmp_path)
    before = snapshot(ws)
    drop = tmp_path / "second"
    write_csv(
        drop / "asb.csv",
        header("asb"),
        [row_of("asb", incident_ref="I2", incident_date="2024-02-05")],
    )
    listing = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*"))
    with pytest.raises(LoadError, match="drop id"):
        load_drop(drop, ws, drop_id)
    assert snapshot(ws) == before
    assert sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*")) == listing


@pytest.mark.parametrize("drop_id", ["..", ""])
def test_a_bad_drop_id_is_one_line_on_the_command_line(tmp_path: Path, drop_id: str) -> None:
    drop = tmp_path / "drop"
    write_csv(drop / "asb.csv", header("asb"), [row_of("asb", incident_ref="I1")])
    ws = tmp_path / "ws"
    res = run("load", str(drop), "--workspace", str(ws), "--drop-id", drop_id)
    assert_one_line_error(res, "drop id")
    assert not ws.exists()


def test_the_default_drop_id_of_an_odd_folder_is_a_plain_name(tmp_path: Path) -> None:
    drop = tmp_path / "..hidden drop"
    write_csv(drop / "asb.csv", header("asb"), [row_of("asb", incident_ref="I1")])
    report = load_drop(drop, tmp_path / "ws")
    assert report.drop_id == "hidden-drop"
    assert (tmp_path / "ws" / "drops" / "hidden-drop" / "manifest.json").is_file()


# ---------------------------------------------- item 8: the manifest and a killed load


def _start_paused(drop: Path, ws: Path, drop_id: str, point: str) -> subprocess.Popen[str]:
    env = {**user_env(), L.PAUSE_ENV: point}
    return subprocess.Popen(
        [*WF, "load", str(drop), "--workspace", str(ws), "--drop-id", drop_id],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def _kill_when_paused(proc: subprocess.Popen[str], point: str) -> None:
    assert proc.stderr is not None
    deadline = time.time() + 240
    while time.time() < deadline:
        line = proc.stderr.readline()
        if not line:
            break
        if f"paused at {point}" in line:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=60)
            assert proc.returncode == -signal.SIGKILL
            return
    proc.kill()
    raise AssertionError(f"the load never paused at {point}")


def _manifest_agrees(ws: Path, drop_id: str) -> dict[str, Any]:
    """The manifest file is complete: the warehouse's record of the drop, file by file."""
    path = ws / "drops" / drop_id / "manifest.json"
    body = json.loads(path.read_text(encoding="utf-8"))
    recorded = query(
        ws,
        "SELECT file_name, status, file_id FROM drop_manifest WHERE drop_id = ? ORDER BY 1",
        [drop_id],
    )
    assert body["drop_id"] == drop_id
    assert sorted((f["file_name"], f["status"], f["file_id"]) for f in body["files"]) == recorded
    assert not list(ws.rglob("*.tmp"))
    return body  # type: ignore[no-any-return]


@pytest.mark.heavy
def test_a_load_killed_after_its_commit_has_its_manifest_on_the_next_open(
    county: Path, tmp_path: Path
) -> None:
    ws = tmp_path / "ws"
    proc = _start_paused(county / "drop", ws, "q1", "after-commit")
    _kill_when_paused(proc, "after-commit")
    # The warehouse says the load finished...
    assert query(ws, "SELECT drop_id FROM drops") == [("q1",)]
    # ...so whoever opens it next finds the manifest complete.
    W.connect(ws, read_only=True).disconnect()
    body = _manifest_agrees(ws, "q1")
    assert len(body["files"]) == len(list((county / "drop").iterdir()))
    # And a manifest lost or edited later is put back as the warehouse recorded it.
    path = ws / "drops" / "q1" / "manifest.json"
    recorded = path.read_text(encoding="utf-8")
    path.write_text('{"files": []}\n', encoding="utf-8")
    W.connect(ws, read_only=True).disconnect()
    assert path.read_text(encoding="utf-8") == recorded
    path.unlink()
    res = run("quality", "--workspace", str(ws))
    assert res.returncode == 0, res.stderr
    assert path.read_text(encoding="utf-8") == recorded


@pytest.mark.heavy
def test_a_load_killed_before_its_commit_leaves_no_manifest(county: Path, tmp_path: Path) -> None:
    ws = _loaded_workspace(tmp_path)
    first = (ws / "drops" / "first" / "manifest.json").read_text(encoding="utf-8")
    before = snapshot(ws)
    proc = _start_paused(county / "drop", ws, "q1", "before-commit")
    _kill_when_paused(proc, "before-commit")
    assert snapshot(ws) == before
    assert not (ws / "drops" / "q1" / "manifest.json").exists()
    # The next load of the drop tidies the half-written manifest away and loads it whole.
    write_csv(tmp_path / "third" / "asb.csv", header("asb"), [row_of("asb", incident_ref="Z")])
    load_drop(tmp_path / "third", ws, "third")
    assert not (ws / "drops" / "q1").exists()
    assert (ws / "drops" / "first" / "manifest.json").read_text(encoding="utf-8") == first
    _manifest_agrees(ws, "third")


def test_duckdb_temp_folder_left_by_a_killed_process_goes_on_the_next_open(
    tmp_path: Path,
) -> None:
    """A process spilling to disk is killed -9; the next opening for writing tidies up."""
    ws = tmp_path / "ws"
    script = textwrap.dedent(
        f"""
        import os, signal
        from pathlib import Path
        from wholefamily import warehouse as W
        con = W.connect(Path({str(ws)!r})).con
        con.execute("SET memory_limit = '40MB'")
        con.execute("SET threads = 1")
        con.execute("CREATE TABLE t AS SELECT range AS i, md5(range::VARCHAR) AS s "
                    "FROM range(1500000)")
        con.execute("BEGIN")
        con.execute("CREATE TEMP TABLE u AS SELECT i, s || s AS s2 FROM t")
        print(sorted(p.name for p in Path({str(ws)!r}).iterdir()), flush=True)
        os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    res = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=user_env(), timeout=120
    )
    assert res.returncode == -signal.SIGKILL, res.stderr
    temp = ws / W.TEMP_FOLDER
    assert W.TEMP_FOLDER in res.stdout and temp.is_dir() and any(temp.iterdir())
    W.connect(ws).disconnect()
    assert not temp.exists()
    assert query(ws, "SELECT count(*) FROM t") == [(1_500_000,)]


# --------------------------------------------------- item 12: too large, disk full


def _asb_row(**values: str) -> list[str]:
    return row_of("asb", incident_ref="I1", incident_date="2024-01-05", **values)


def _the_error_line(res: subprocess.CompletedProcess[str]) -> str:
    """Exit 2 and one error line (after the progress lines), no traceback."""
    assert res.returncode == 2, res.stderr
    assert "Traceback" not in res.stderr
    errors = [ln for ln in res.stderr.splitlines() if ln.startswith("wholefamily: error:")]
    assert len(errors) == 1, res.stderr
    others = [ln for ln in res.stderr.splitlines() if ln.strip() and ln not in errors]
    assert all(ln.startswith("[") for ln in others), res.stderr  # progress only
    return errors[0]


def test_a_million_column_header_is_one_line_naming_the_file(tmp_path: Path) -> None:
    ws = _loaded_workspace(tmp_path)
    before = snapshot(ws)
    drop = tmp_path / "wide"
    drop.mkdir()
    names = header("asb") + [f"x{i}" for i in range(1_000_000)]
    with (drop / "asb.csv").open("w", encoding="utf-8") as fh:
        fh.write(",".join(names) + "\n")
        fh.write(",".join(_asb_row()) + "\n")
    write_csv(drop / "housing.csv", header("housing"), [row_of("housing", **GOOD["housing"])])
    started = time.monotonic()
    res = run("load", str(drop), "--workspace", str(ws), "--drop-id", "wide")
    line = _the_error_line(res)
    assert line.startswith(f"wholefamily: error: {drop / 'asb.csv'}: the header has ")
    assert "columns" in line and line.endswith("the warehouse is unchanged")
    assert time.monotonic() - started < 30
    assert snapshot(ws) == before
    assert not (ws / "drops" / "wide").exists()


def test_a_huge_cell_is_one_line_naming_the_file(tmp_path: Path) -> None:
    ws = _loaded_workspace(tmp_path)
    before = snapshot(ws)
    drop = tmp_path / "huge"
    rows = [_asb_row(), _asb_row(forename="x" * (L.MAX_CELL_BYTES + 1))]
    write_csv(drop / "asb.csv", header("asb"), rows)
    with pytest.raises(LoadError) as err:
        load_drop(drop, ws, "huge")
    assert str(err.value).startswith(f"{drop / 'asb.csv'}: row 2 holds a value of 16 MB")
    assert snapshot(ws) == before


def test_running_out_of_memory_names_the_file(
    tmp_path: Path, county: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = _loaded_workspace(tmp_path)
    before = snapshot(ws)
    drop = tmp_path / "big"
    drop.mkdir()
    shutil.copy(county / "drop" / "school_census.csv", drop)
    monkeypatch.setattr(L, "MEMORY_LIMIT", "1MB")
    with pytest.raises(LoadError) as err:
        load_drop(drop, ws, "big")
    assert str(err.value) == (
        f"{drop / 'school_census.csv'}: too large to load within the loader's memory (1MB);"
        " nothing loaded, the warehouse is unchanged"
    )
    assert snapshot(ws) == before


def test_a_full_disk_while_writing_the_manifest_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = _loaded_workspace(tmp_path)
    before = snapshot(ws)
    drop = tmp_path / "second"
    write_csv(drop / "asb.csv", header("asb"), [_asb_row()])
    real = Path.write_text

    def full(self: Path, *args: Any, **kwargs: Any) -> int:
        if self.name.endswith(W.PENDING):
            raise OSError(errno.ENOSPC, "No space left on device", str(self))
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Path, "write_text", full)
    with pytest.raises(LoadError) as err:
        load_drop(drop, ws, "second")
    manifest = ws / "drops" / "second" / "manifest.json.tmp"
    assert str(err.value).startswith(f"the disk is full: cannot write {manifest}")
    monkeypatch.undo()
    assert snapshot(ws) == before
    assert not (ws / "drops" / "second" / "manifest.json").exists()


def test_a_full_disk_while_committing_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DuckDB's own words for a full disk, from the commit, as a real full disk gives them."""
    ws = _loaded_workspace(tmp_path)
    before = snapshot(ws)
    drop = tmp_path / "second"
    write_csv(drop / "asb.csv", header("asb"), [_asb_row()])
    wal = W.warehouse_path(ws).with_suffix(".duckdb.wal")
    real = W.transaction

    @contextmanager
    def commit_fails(con: Any) -> Iterator[None]:
        with real(con):  # rolled back by the real transaction, as a failed commit is
            yield
            raise duckdb.IOException(
                f'Failed to commit: Could not write file "{wal}": No space left on device'
            )

    monkeypatch.setattr(W, "transaction", commit_fails)
    with pytest.raises(LoadError) as err:
        load_drop(drop, ws, "second")
    assert str(err.value).startswith(f"the disk is full: cannot write {wal}")
    monkeypatch.undo()
    assert snapshot(ws) == before


def _tmpfs_works() -> bool:
    if not shutil.which("unshare"):
        return False
    probe = subprocess.run(
        ["unshare", "-rm", "sh", "-c", "mount -t tmpfs -o size=1m tmpfs /mnt"],
        capture_output=True,
        check=False,
    )
    return probe.returncode == 0


@pytest.mark.heavy
@pytest.mark.skipif(not _tmpfs_works(), reason="cannot mount a tmpfs in a user namespace")
def test_a_really_full_disk_is_one_line(tmp_path: Path, county: Path) -> None:
    """The workspace on a 1 MB tmpfs: a small drop fits, the county does not."""
    small = tmp_path / "small"
    write_csv(small / "asb.csv", header("asb"), [_asb_row()])
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    ws = mnt / "ws"
    here = Path(__file__).parent
    script = textwrap.dedent(
        f"""
        import json, subprocess, sys
        sys.path.insert(0, {str(here)!r})
        from ingestkit import snapshot
        from pathlib import Path
        ws = Path({str(ws)!r})
        def load(drop, drop_id):
            return subprocess.run(
                [sys.executable, "-m", "wholefamily", "load", drop, "--workspace", str(ws),
                 "--drop-id", drop_id], capture_output=True, text=True)
        first = load({str(small)!r}, "small")
        before = snapshot(ws)
        second = load({str(county / "drop")!r}, "county")
        print(json.dumps({{
            "first": first.returncode, "code": second.returncode, "stderr": second.stderr,
            "same": snapshot(ws) == before,
            "manifest": (ws / "drops" / "county" / "manifest.json").exists(),
        }}))
        """
    )
    res = subprocess.run(
        [
            "unshare",
            "-rm",
            "sh",
            "-c",
            f'mount -t tmpfs -o size=1m tmpfs "{mnt}" && exec "$0" -c "$1"',
            sys.executable,
            script,
        ],
        capture_output=True,
        text=True,
        env=user_env(),
        timeout=300,
    )
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout.strip().splitlines()[-1])
    assert out["first"] == 0, out
    assert out["code"] == 2, out
    line = _the_error_line(subprocess.CompletedProcess([], out["code"], "", out["stderr"]))
    assert line.startswith(f"wholefamily: error: the disk is full: cannot write {ws}")
    assert out["same"] and not out["manifest"]
