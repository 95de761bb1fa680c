"""Damaged files in a drop: every row still counted, the damage named, nothing forged.

Each damaged file is made here at test time from a clean one (no binary blobs
are committed): an XLSX whose sheet understates its size, a formula with no
saved value, a Parquet timestamp with a time of day or a nested column, a CSV
quote that is never closed, UTF-16 text, bytes that are not of their
extension's format, a symbolic link out of the drop.
"""

from __future__ import annotations

import csv
import io
import os
import re
import zipfile
from datetime import UTC, date, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import xlsxwriter

from ingestkit import file_counts, header, query, row_of, snapshot, stored_counts, write_csv
from wholefamily.ingest import FileResult, load_drop
from wholefamily.ingest import xlsx as R

SOURCE = "asb"
COLS = header(SOURCE)
N = 350
# A refused drop is still recorded as arrived, with its manifest (drops, workspace_files).
BOOKKEEPING = {"drop_manifest", "drops", "workspace_files"}


def asb_rows(n: int = N) -> list[list[str]]:
    return [
        row_of(
            SOURCE,
            incident_ref=f"I{i:04d}",
            agency="POLICE",
            forename="Ann",
            surname=f"Smith{i}",
            dob="2001-05-04",
            sex="F",
            postcode="WX1 1AA",
            incident_date="2024-03-01",
            intervention="NONE",
            housing_related="N",
        )
        for i in range(1, n + 1)
    ]


def csv_bytes(rows: list[list[str]]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(COLS)
    w.writerows(rows)
    return buf.getvalue().encode("utf-8")


def load(tmp_path: Path, files: dict[str, bytes], drop_id: str = "d1") -> list[FileResult]:
    drop = tmp_path / drop_id
    drop.mkdir()
    for name, data in files.items():
        (drop / name).write_bytes(data)
    return load_drop(drop, tmp_path / "ws", drop_id).files


def one(files: list[FileResult], name: str) -> FileResult:
    (f,) = [f for f in files if f.file_name == name]
    return f


def reconciled(ws: Path, f: FileResult) -> None:
    """loaded + quarantined = rows read, in the report, the bookkeeping and the tables."""
    assert f.rows_loaded + f.rows_quarantined == f.rows_read
    if f.file_id:
        assert file_counts(ws)[f.file_id] == (f.rows_read, f.rows_loaded, f.rows_quarantined)
        assert f.source is not None
        assert stored_counts(ws, f.source, f.file_id) == (f.rows_loaded, f.rows_quarantined)


def data_tables(ws: Path) -> dict[str, tuple[int, object]]:
    return {k: v for k, v in snapshot(ws).items() if k not in BOOKKEEPING}


def write_xlsx(path: Path, rows: list[list[str]]) -> None:
    wb = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False})
    ws = wb.add_worksheet(SOURCE)
    for j, name in enumerate(COLS):
        ws.write_string(0, j, name)
    for i, row in enumerate(rows, start=1):
        for j, v in enumerate(row):
            if v:
                ws.write_string(i, j, v)
    wb.close()


def rewrite_sheet(path: Path, edit: object) -> None:
    """Rewrite the first sheet's XML inside the workbook's ZIP with `edit(xml) -> xml`."""
    with zipfile.ZipFile(path) as z:
        items = [(info, z.read(info.filename)) for info in z.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for info, data in items:
            if info.filename == "xl/worksheets/sheet1.xml":
                data = edit(data)  # type: ignore[operator]
            z.writestr(info, data)


# ------------------------------------------------------------------ XLSX


def stale_dimension_xlsx(tmp_path: Path) -> Path:
    path = tmp_path / "asb.xlsx"
    write_xlsx(path, asb_rows())

    def understate(xml: bytes) -> bytes:
        out, n = re.subn(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:N10"/>', xml)
        assert n == 1
        return out

    rewrite_sheet(path, understate)
    return path


def test_xlsx_whose_sheet_understates_its_size_loads_every_row(tmp_path: Path) -> None:
    data = stale_dimension_xlsx(tmp_path).read_bytes()
    files = load(tmp_path, {"asb.xlsx": data})
    f = one(files, "asb.xlsx")
    assert f.rows_read == N
    assert (f.status, f.rows_loaded, f.rows_quarantined) == ("loaded", N, 0)
    assert any("declares its size as A1:N10" in w and "351" in w for w in f.warnings)
    reconciled(tmp_path / "ws", f)
    refs = query(tmp_path / "ws", "SELECT incident_ref FROM src_asb ORDER BY row")
    assert [r[0] for r in refs] == [f"I{i:04d}" for i in range(1, N + 1)]


def test_sheet_rows_are_counted_from_the_xml_not_the_declaration(tmp_path: Path) -> None:
    scan = R.scan_sheet(stale_dimension_xlsx(tmp_path))
    assert scan.declared == "A1:N10"
    assert scan.last_row == N + 1  # the header and 350 rows


def test_a_reader_that_stops_early_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Were the sheet reader to stop short of the XML's last row, the file is refused."""
    path = tmp_path / "asb.xlsx"
    write_xlsx(path, asb_rows(20))
    real = R.scan_sheet

    def more_rows_than_read(p: Path) -> R.SheetScan:
        scan = real(p)
        scan.last_row += 5  # as if five more rows held values past where reading stopped
        return scan

    monkeypatch.setattr(R, "scan_sheet", more_rows_than_read)
    with pytest.raises(R.FileUnreadable, match="holds values down to row 26"):
        R.read_xlsx(path)


def test_formula_with_no_saved_value_is_flagged(tmp_path: Path) -> None:
    path = tmp_path / "asb.xlsx"
    rows = asb_rows(5)
    wb = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False})
    ws = wb.add_worksheet(SOURCE)
    for j, name in enumerate(COLS):
        ws.write_string(0, j, name)
    dob = COLS.index("dob")
    for i, row in enumerate(rows, start=1):
        for j, v in enumerate(row):
            if j == dob and i == 3:
                ws.write_formula(i, j, '=TEXT(DATE(2001,5,4),"yyyy-mm-dd")', None, "2001-05-04")
            elif v:
                ws.write_string(i, j, v)
    wb.close()
    # Saved by a program that did not calculate: the formula kept, its value not.
    rewrite_sheet(path, lambda xml: re.sub(rb"(</f>)<v>[^<]*</v>", rb"\1", xml))
    files = load(tmp_path, {"asb.xlsx": path.read_bytes()})
    f = one(files, "asb.xlsx")
    assert (f.rows_read, f.rows_loaded, f.rows_quarantined) == (5, 5, 0)
    assert any("1 formula cell(s) have no saved value" in w for w in f.warnings)
    reconciled(tmp_path / "ws", f)
    got = dict(query(tmp_path / "ws", "SELECT row, quality_flags FROM src_asb"))
    assert got[3] is not None
    assert got[3].startswith("dob: formula =TEXT(DATE(2001,5,4)")
    assert "no saved value; read as empty" in got[3]
    assert [got[r] for r in (1, 2, 4, 5)] == [None] * 4
    (dob_3,) = query(tmp_path / "ws", "SELECT raw_dob FROM src_asb WHERE row = 3")[0]
    assert dob_3 in (None, "")


def test_not_a_zip_xlsx_equal_to_a_loaded_csv_is_rejected(tmp_path: Path) -> None:
    data = csv_bytes(asb_rows(20))
    first = one(load(tmp_path, {"asb.csv": data}, "d1"), "asb.csv")
    assert first.status == "loaded"
    before = data_tables(tmp_path / "ws")
    files = load(tmp_path, {"asb.xlsx": data}, "d2")
    f = one(files, "asb.xlsx")
    assert f.status == "rejected"
    assert f.message == "not an XLSX workbook: an XLSX file is a ZIP archive, and this is not one"
    assert (f.rows_read, f.rows_loaded, f.rows_quarantined, f.file_id) == (0, 0, 0, None)
    assert data_tables(tmp_path / "ws") == before


@pytest.mark.parametrize(
    ("name", "make", "message"),
    [
        ("asb.csv", "xlsx", "not a CSV text file: the file is a ZIP archive (as XLSX is)"),
        ("asb.parquet", "csv", "not a Parquet file: it does not begin with the PAR1 marker"),
        ("asb.xlsx", "parquet", "not an XLSX workbook: the file is a Parquet file"),
    ],
)
def test_content_not_of_its_extension_is_rejected(
    tmp_path: Path, name: str, make: str, message: str
) -> None:
    src = tmp_path / f"made.{make}"
    if make == "xlsx":
        write_xlsx(src, asb_rows(3))
    elif make == "parquet":
        pq.write_table(pa.table({c: [v[k] for v in asb_rows(3)] for k, c in enumerate(COLS)}), src)
    else:
        src.write_bytes(csv_bytes(asb_rows(3)))
    f = one(load(tmp_path, {name: src.read_bytes()}), name)
    assert (f.status, f.message, f.rows_read, f.file_id) == ("rejected", message, 0, None)
    assert {n for n, _ in data_tables(tmp_path / "ws").values()} == {0}  # nothing stored


# ---------------------------------------------------------------- Parquet


def asb_parquet(path: Path, **columns: pa.Array) -> None:
    rows = asb_rows()
    cols = {c: pa.array([r[k] for r in rows]) for k, c in enumerate(COLS)}
    cols.update(columns)
    pq.write_table(pa.table(cols), path)


def test_parquet_timestamp_with_a_time_of_day_is_its_date_flagged(tmp_path: Path) -> None:
    stamps = [datetime(2024, 3, 1) for _ in range(N)]
    stamps[41] = datetime(2024, 3, 1, 13, 45)
    asb_parquet(tmp_path / "p.parquet", incident_date=pa.array(stamps, pa.timestamp("us")))
    files = load(tmp_path, {"asb.parquet": (tmp_path / "p.parquet").read_bytes()})
    f = one(files, "asb.parquet")
    assert (f.status, f.rows_read, f.rows_loaded, f.rows_quarantined) == ("loaded", N, N, 0)
    assert any("1 timestamp value(s) carry a time of day" in w for w in f.warnings)
    reconciled(tmp_path / "ws", f)
    got = query(
        tmp_path / "ws", "SELECT row, incident_date, quality_flags FROM src_asb ORDER BY row"
    )
    assert {d for _, d, _ in got} == {date(2024, 3, 1)}
    flagged = {r: fl for r, _, fl in got if fl is not None}
    assert flagged == {42: "incident_date: time of day 13:45:00 dropped"}


def test_parquet_timestamp_with_a_zone_is_the_local_date(tmp_path: Path) -> None:
    # 23:30 UTC on 30 June is 00:30 on 1 July in London (summer time).
    stamps = [datetime(2024, 6, 30, 23, 30, tzinfo=UTC)] + [
        datetime(2024, 3, 1, 0, 0, tzinfo=UTC) for _ in range(N - 1)
    ]
    asb_parquet(
        tmp_path / "p.parquet",
        incident_date=pa.array(stamps, pa.timestamp("us", tz="Europe/London")),
    )
    f = one(load(tmp_path, {"asb.parquet": (tmp_path / "p.parquet").read_bytes()}), "asb.parquet")
    assert (f.rows_read, f.rows_loaded, f.rows_quarantined) == (N, N, 0)
    row1 = query(tmp_path / "ws", "SELECT incident_date, quality_flags FROM src_asb WHERE row=1")
    assert row1 == [(date(2024, 7, 1), "incident_date: time of day 00:30:00 dropped")]


def test_parquet_nested_extra_column_is_kept_as_json(tmp_path: Path) -> None:
    tags = pa.array([["x", f"t{i}"] for i in range(N)], pa.list_(pa.string()))
    asb_parquet(tmp_path / "p.parquet", tags=tags)
    f = one(load(tmp_path, {"asb.parquet": (tmp_path / "p.parquet").read_bytes()}), "asb.parquet")
    assert (f.status, f.rows_read, f.rows_loaded, f.rows_quarantined) == ("loaded", N, N, 0)
    assert any("'tags' holds nested values" in w for w in f.warnings)
    reconciled(tmp_path / "ws", f)
    got = query(
        tmp_path / "ws", "SELECT value FROM extra_values WHERE row = 7 AND \"column\" = 'tags'"
    )
    assert got == [('["x","t6"]',)]


def test_parquet_nested_spec_column_quarantines_every_row(tmp_path: Path) -> None:
    names = pa.array([{"given": "Ann", "middle": None} for _ in range(N)])
    asb_parquet(tmp_path / "p.parquet", forename=names)
    f = one(load(tmp_path, {"asb.parquet": (tmp_path / "p.parquet").read_bytes()}), "asb.parquet")
    message = (
        "column 'forename' holds nested values (lists or records), not one value per row: "
        "send it flat"
    )
    assert (f.status, f.message) == ("rejected", message)
    assert (f.rows_read, f.rows_loaded, f.rows_quarantined) == (N, 0, N)
    reconciled(tmp_path / "ws", f)
    reasons = query(
        tmp_path / "ws", 'SELECT DISTINCT "column", rule, message FROM quarantine_reasons'
    )
    assert reasons == [("forename", "file_rejected", message)]
    assert "src_asb" not in data_tables(tmp_path / "ws")


# -------------------------------------------------------------------- CSV


def test_unclosed_quote_is_named_and_every_line_counted(tmp_path: Path) -> None:
    text = csv_bytes(asb_rows()).decode()
    lines = text.splitlines()
    # Row 10 (line 11): a stray quote opens the surname and never closes.
    lines[10] = lines[10].replace("Smith10", '"Smith10')
    data = ("\n".join(lines) + "\n").encode()
    f = one(load(tmp_path, {"asb.csv": data}), "asb.csv")
    assert f.rows_read == N
    assert (f.status, f.rows_loaded, f.rows_quarantined) == ("needs_attention", 9, N - 9)
    assert f.message.startswith("a quote opened on line 11 is never closed: that line and the 340")
    reconciled(tmp_path / "ws", f)
    ws = tmp_path / "ws"
    q = query(ws, "SELECT row, raw_line, raw_incident_ref FROM quarantine_asb ORDER BY row")
    assert [r for r, _, _ in q] == list(range(10, N + 1))
    assert [ln for _, ln, _ in q] == lines[10:]  # each physical line, as sent
    assert q[5][2] == "I0015"  # its fields, as far as they can be told apart
    msgs = dict(query(ws, "SELECT row, message FROM quarantine_reasons WHERE rule = 'shape'"))
    assert msgs[10].startswith("a quote opened on line 11 is never closed")
    assert msgs[N] == "line inside the quote opened on line 11, which is never closed"


def test_unclosed_quote_on_the_last_line(tmp_path: Path) -> None:
    text = csv_bytes(asb_rows(5)).decode().rstrip("\n")
    data = text.replace("Smith5", '"Smith5').encode()  # no closing quote, no newline
    f = one(load(tmp_path, {"asb.csv": data}), "asb.csv")
    assert (f.status, f.rows_read, f.rows_loaded, f.rows_quarantined) == (
        "needs_attention",
        5,
        4,
        1,
    )
    assert "line 6" in f.message
    reconciled(tmp_path / "ws", f)


def test_a_closed_multiline_field_at_the_end_is_not_an_unclosed_quote(tmp_path: Path) -> None:
    rows = asb_rows(5)
    rows[-1][COLS.index("address_line2")] = "Flat 2\nThe Old Mill"
    f = one(load(tmp_path, {"asb.csv": csv_bytes(rows)}), "asb.csv")
    assert (f.status, f.rows_read, f.rows_loaded, f.rows_quarantined) == ("loaded", 5, 5, 0)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be-bom", "utf-32", "utf-16-le-nobom"])
def test_utf16_and_utf32_csv_load(tmp_path: Path, encoding: str) -> None:
    rows = asb_rows()
    rows[0][COLS.index("forename")] = "Zoë"
    text = csv_bytes(rows).decode("utf-8")
    if encoding == "utf-16-be-bom":
        data = b"\xfe\xff" + text.encode("utf-16-be")
    elif encoding == "utf-16-le-nobom":
        data = text.encode("utf-16-le")
    else:
        data = text.encode(encoding)  # Python writes the byte-order mark
    f = one(load(tmp_path, {"asb.csv": data}), "asb.csv")
    assert (f.status, f.rows_read, f.rows_loaded, f.rows_quarantined) == ("loaded", N, N, 0)
    assert f.encoding is not None and f.encoding.startswith(encoding[:6])
    assert f.warnings == (
        ["read as UTF-16-LE without a byte-order mark"] if "nobom" in encoding else []
    )
    reconciled(tmp_path / "ws", f)
    got = query(tmp_path / "ws", "SELECT raw_forename FROM src_asb WHERE row = 1")
    assert got == [("Zoë",)]


def test_broken_utf16_is_refused_naming_the_encoding(tmp_path: Path) -> None:
    data = "\ufeffincident_ref\nI1\n".encode("utf-16-le") + b"\x00\xd8"  # a lone surrogate
    f = one(load(tmp_path, {"asb.csv": data}), "asb.csv")
    assert f.status == "rejected"
    assert f.message.startswith("the file is UTF-16-LE (by its byte-order mark) but not valid")
    assert (f.rows_read, f.rows_loaded, f.rows_quarantined) == (0, 0, 0)
    reconciled(tmp_path / "ws", f)
    assert not [t for t in data_tables(tmp_path / "ws") if t.startswith(("src_", "quarantine_a"))]


# ------------------------------------------------------- what is in the drop


def test_symbolic_link_out_of_the_drop_is_refused(tmp_path: Path) -> None:
    # A synthetic stand-in for a system file: lines that would load as health rows.
    outside = write_csv(
        tmp_path / "elsewhere" / "secret.csv",
        header("health"),
        [row_of("health", service="CAMHS", start_date="2024-01-01", forename="root")],
    )
    base = one(load(tmp_path, {"asb.csv": csv_bytes(asb_rows(3))}, "d1"), "asb.csv")
    assert base.status == "loaded"
    before = data_tables(tmp_path / "ws")
    drop = tmp_path / "d2"
    drop.mkdir()
    (drop / "health.csv").symlink_to(outside)
    (drop / "coverage.csv").symlink_to(outside)
    os.mkfifo(drop / "housing.csv")  # a pipe: opening it would block the load
    files = load_drop(drop, tmp_path / "ws", "d2").files
    for name in ("health.csv", "coverage.csv"):
        f = one(files, name)
        assert f.status == "rejected"
        assert (
            f.message == "a symbolic link, not a regular file in the drop folder; refused, not read"
        )
        assert (f.rows_read, f.file_id) == (0, None)
    pipe = one(files, "housing.csv")
    assert (pipe.status, pipe.rows_read) == ("rejected", 0)
    assert pipe.message.startswith("not a regular file (a device, pipe or socket)")
    assert data_tables(tmp_path / "ws") == before
    manifest = query(
        tmp_path / "ws", "SELECT file_name, status FROM drop_manifest WHERE drop_id='d2'"
    )
    assert sorted(manifest) == [
        ("coverage.csv", "rejected"),
        ("health.csv", "rejected"),
        ("housing.csv", "rejected"),
    ]
