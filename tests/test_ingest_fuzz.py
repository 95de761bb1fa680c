"""Malformed files thrown at the loader: no traceback, counts reconcile, warehouse consistent."""

from __future__ import annotations

import csv
import io
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingestkit import file_counts, header, query, stored_counts
from wholefamily.ingest import FileResult, load_drop

SOURCE = "police_offences"  # dates, codes, person fields, an identifier
COLS = header(SOURCE)

good_value = st.sampled_from(
    ["", "O1", "Ann", "2024-03-01", "01/03/2024", "CAUTION", "conviction", "WX1 1WQ", "M", "1"]
)
bad_value = st.one_of(
    st.text(max_size=20),
    st.sampled_from(
        [
            "2024-02-30",  # impossible date
            "31/02/2024",
            "2999-01-01",  # a date of birth in the future
            "1850-06-01",
            "=cmd|' /C calc'!A0",
            "\x00",
            '"',
            "\r\n",
            "9" * 40,
        ]
    ),
    st.just("x" * (1 << 20)),  # a 1 MB field
)
row = st.lists(st.one_of(good_value, bad_value), min_size=0, max_size=len(COLS) + 3)


def _load(files: dict[str, bytes]) -> tuple[Path, list[FileResult]]:
    tmp = Path(tempfile.mkdtemp(prefix="wf-fuzz-"))
    drop = tmp / "drop"
    drop.mkdir()
    for name, data in files.items():
        (drop / name).write_bytes(data)
    report = load_drop(drop, tmp / "ws", "fuzz")
    return tmp, list(report.files)


def _check_consistent(ws: Path, files: list[FileResult]) -> None:
    counts = file_counts(ws)
    for f in files:
        fid = f.file_id
        read, loaded, quarantined = f.rows_read, f.rows_loaded, f.rows_quarantined
        assert loaded + quarantined == read
        if fid:
            assert counts[fid] == (read, loaded, quarantined)
            assert f.source is not None
            assert stored_counts(ws, f.source, fid) == (loaded, quarantined)
    # every quarantined row has at least one reason
    for (source,) in query(ws, "SELECT DISTINCT source FROM load_files WHERE rows_quarantined > 0"):
        orphans = query(
            ws,
            f"SELECT count(*) FROM quarantine_{source} q ANTI JOIN quarantine_reasons r "
            "ON r.file_id = q.file_id AND r.row = q.row",
        )
        assert orphans == [(0,)]


def _csv_bytes(rows: list[list[str]], delimiter: str, head: list[str]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter)
    w.writerow(head)
    w.writerows(rows)
    return buf.getvalue().encode("utf-8", errors="surrogatepass")


def _open_quote(text: str) -> tuple[int, int] | None:
    """(complete data records before it, line) of a quote still open at the end, or None.

    A character-by-character reading of the quoting rules (slow, for small fuzz files).
    """
    lines = io.StringIO(text, newline="").readlines()
    state, records, opened, nonempty, header = "start", 0, 0, False, True
    for number, line in enumerate(lines, start=1):
        for c in line:
            if state in ("start", "field_start"):
                if c == '"':
                    state, opened, nonempty = "quoted", number, True
                elif c in "\r\n":
                    state = "end"
                elif c == ",":
                    state, nonempty = "field_start", True
                else:
                    state, nonempty = "field", True
            elif state == "field":
                state = "end" if c in "\r\n" else ("field_start" if c == "," else "field")
            elif state == "quoted":
                state = "after_quote" if c == '"' else "quoted"
            elif state == "after_quote":
                if c == '"':
                    state = "quoted"
                elif c == ",":
                    state = "field_start"
                else:
                    state = "end" if c in "\r\n" else "field"
            if state == "end":
                if nonempty and not header:
                    records += 1
                header = header and not nonempty
                state, nonempty = "start", False
    return (records, opened) if state == "quoted" else None


def _expected_rows(data: bytes) -> int:
    text = data.decode("utf-8")
    csv.field_size_limit(1 << 30)
    rows = list(csv.reader(io.StringIO(text, newline="")))
    open_quote = _open_quote(text)
    if open_quote and len(rows) > 1:
        # Every non-blank line from the open quote on is a row of its own.
        before, line = open_quote
        after = io.StringIO(text, newline="").readlines()[line - 1 :]
        return before + max(1, sum(1 for ln in after if ln.rstrip("\r\n") != ""))
    return sum(1 for r in rows[1:] if r)  # a blank line is not a row


fuzz = settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@pytest.mark.heavy
@fuzz
@given(
    rows=st.lists(row, max_size=12),
    delimiter=st.sampled_from([",", ",", ",", ";", "\t"]),
    shout=st.booleans(),
)
def test_malformed_rows(rows: list[list[str]], delimiter: str, shout: bool) -> None:
    head = [f" {c.upper()} " if shout else c for c in COLS]
    data = _csv_bytes(rows, delimiter, head)
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return  # text with lone surrogates cannot be written as UTF-8 by an agency either
    tmp, files = _load({f"{SOURCE}.csv": data})
    try:
        (f,) = files
        assert f.rows_read == _expected_rows(data)
        if delimiter != ",":
            assert f.status == "rejected"
            assert "comma-separated" in f.message
        _check_consistent(tmp / "ws", files)
    finally:
        shutil.rmtree(tmp)


@fuzz
@given(
    blob=st.binary(max_size=4000),
    ext=st.sampled_from([".csv", ".xlsx", ".parquet"]),
)
def test_random_bytes(blob: bytes, ext: str) -> None:
    tmp, files = _load({f"{SOURCE}{ext}": blob, "asb.csv": b"incident_ref\nI1\n"})
    try:
        by_source = {f.source: f for f in files}
        f = by_source[SOURCE]
        assert f.status in ("loaded", "rejected")
        if f.status == "rejected":
            assert f.message
        # the other file still loads (rejected for its missing columns, rows kept)
        assert by_source["asb"].rows_read == 1
        _check_consistent(tmp / "ws", files)
    finally:
        shutil.rmtree(tmp)
