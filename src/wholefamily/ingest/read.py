"""Read one extract file (CSV, XLSX or Parquet) into an all-text Arrow table.

Whatever the format, the result is the same shape: one text column per
header cell (header names lower-cased and stripped), a `__row` column with
the 1-based data-row number, and a `__shape` column that is null for a
well-formed row or says what is wrong with its shape (too many or too few
fields). No row is dropped here: a malformed row is kept with its fields,
padded, so that the loader can quarantine it with a reason.

Native values (dates in XLSX or Parquet, numbers) are written as text the
same way a CSV would carry them (`2024-03-01`, `12`), so one set of rules
validates every format.
"""

from __future__ import annotations

import codecs
import csv
import io
import math
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

ROW = "__row"
SHAPE = "__shape"
LINE = "__line"  # the whole raw row, for a row whose shape is wrong
FORMATS = {".csv": "csv", ".xlsx": "xlsx", ".parquet": "parquet"}


class FileUnreadable(Exception):
    """The file as a whole cannot be read (not a spreadsheet, no header...)."""


@dataclass
class RawFile:
    header: list[str]
    """Header names as found, lower-cased and stripped, in file order."""
    table: pa.Table
    """Text columns named c0..cN (by header position), plus __row and __shape."""
    encoding: str = "utf-8"
    warnings: list[str] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return int(self.table.num_rows)


def _c1_as_latin1(err: UnicodeError) -> tuple[str, int]:
    # cp1252 leaves five bytes undefined; read them as their Latin-1 code
    # points, as browsers do, so a byte is never lost or fatal.
    assert isinstance(err, UnicodeDecodeError)
    bad = err.object[err.start : err.end]
    return "".join(chr(b) for b in bad), err.end


codecs.register_error("wholefamily-c1", _c1_as_latin1)


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _header_names(cells: list[Any]) -> list[str]:
    """Lower case, surrounding spaces and a BOM removed, control characters as `?`."""
    names = ["" if c is None else str(c).replace("\ufeff", "").strip().lower() for c in cells]
    return [_CONTROL.sub("?", n) for n in names]


def _columns_table(
    columns: list[list[str | None]],
    rows: list[int],
    shapes: list[str | None],
    lines: list[str | None],
) -> pa.Table:
    arrays = {f"c{i}": pa.array(col, type=pa.string()) for i, col in enumerate(columns)}
    arrays[ROW] = pa.array(rows, type=pa.int64())
    arrays[SHAPE] = pa.array(shapes, type=pa.string())
    arrays[LINE] = pa.array(lines, type=pa.string())
    return pa.table(arrays)


def _well_formed(table: pa.Table, rows: pa.Array) -> pa.Table:
    n = table.num_rows
    return (
        table.append_column(ROW, rows)
        .append_column(SHAPE, pa.nulls(n, type=pa.string()))
        .append_column(LINE, pa.nulls(n, type=pa.string()))
    )


def _joined(fields: list[str]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="").writerow(fields)
    return buf.getvalue()


def _shape_message(found: int, expected: int) -> str:
    return f"row has {found} fields, the header has {expected}"


# --------------------------------------------------------------------------- CSV


def _decode(data: bytes) -> tuple[bytes, str, list[str]]:
    """UTF-8 first; else cp1252 (with a warning), re-encoded as UTF-8."""
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        text = data.decode("cp1252", errors="wholefamily-c1")
        where = data[: exc.start].count(b"\n") + 1
        return (
            text.encode("utf-8"),
            "cp1252",
            [f"not valid UTF-8 (first bad byte on line {where}); read as Windows-1252"],
        )
    return data, "utf-8", []


def _delimiter_hint(header: list[str]) -> str | None:
    if len(header) == 1:
        for sep, name in ((";", "semicolons"), ("\t", "tabs"), ("|", "bars")):
            if sep in header[0]:
                return f"the header is one field holding {name}: the file must be comma-separated"
    return None


def read_csv(path: Path) -> RawFile:
    data, encoding, warnings = _decode(path.read_bytes())
    if not data.strip():
        raise FileUnreadable("the file is empty: no header row")
    text_head = data[: 1 << 16].decode("utf-8", errors="replace")
    first = next(csv.reader(io.StringIO(text_head, newline="")), None)
    if not first or not any(c.strip() for c in first):
        raise FileUnreadable("the first row is empty: no header row")
    header = _header_names(first)
    hint = _delimiter_hint(first)
    try:
        table = _read_csv_arrow(data, len(header))
    except (pa.ArrowInvalid, pa.ArrowException, OverflowError):
        table = _read_csv_python(data.decode("utf-8"), len(header))
    raw = RawFile(header, table, encoding, warnings)
    if hint:
        raw.warnings.append(hint)
    return raw


def _read_csv_arrow(data: bytes, width: int) -> pa.Table:
    names = [f"c{i}" for i in range(width)]
    bad: list[tuple[int, str]] = []

    def on_invalid(row: Any) -> str:
        if row.number is None:  # no reliable position: let the careful reader do it
            return "error"
        bad.append((int(row.number) - 1, str(row.text)))
        return "skip"

    table = pacsv.read_csv(
        io.BytesIO(data),
        read_options=pacsv.ReadOptions(
            use_threads=False,
            block_size=max(1 << 24, min(len(data) + 1, 1 << 28)),
            skip_rows=1,
            column_names=names,
        ),
        parse_options=pacsv.ParseOptions(newlines_in_values=True, invalid_row_handler=on_invalid),
        convert_options=pacsv.ConvertOptions(
            column_types={n: pa.string() for n in names},
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    )
    n_good = table.num_rows
    if not bad:
        return _well_formed(table, pa.array(range(1, n_good + 1), type=pa.int64()))
    # Ragged rows: re-read just those lines, and give every row its number.
    bad_numbers = {n for n, _ in bad}
    total = n_good + len(bad)
    good_rows = [r for r in range(1, total + 1) if r not in bad_numbers]
    if len(good_rows) != n_good:  # numbering disagrees: read it the slow, careful way
        raise pa.ArrowInvalid("row numbering mismatch")
    good = _well_formed(table, pa.array(good_rows, type=pa.int64()))
    cols: list[list[str | None]] = [[] for _ in range(width)]
    shapes: list[str | None] = []
    for _number, text in bad:
        fields = next(csv.reader(io.StringIO(text)), [])
        shapes.append(_shape_message(len(fields), width))
        for i in range(width):
            cols[i].append(fields[i] if i < len(fields) else "")
    ragged = _columns_table(cols, [n for n, _ in bad], shapes, [t for _, t in bad])
    return pa.concat_tables([good, ragged]).sort_by(ROW)


def _read_csv_python(text: str, width: int) -> pa.Table:
    csv.field_size_limit(1 << 30)
    reader = csv.reader(io.StringIO(text, newline=""), strict=False)
    next(reader, None)  # header
    cols: list[list[str | None]] = [[] for _ in range(width)]
    rows: list[int] = []
    shapes: list[str | None] = []
    lines: list[str | None] = []
    number = 0
    for fields in reader:
        if not fields:
            continue  # a blank line is not a data row (a quoted "" is: one empty field)
        number += 1
        rows.append(number)
        ok = len(fields) == width
        shapes.append(None if ok else _shape_message(len(fields), width))
        lines.append(None if ok else _joined(fields))
        for i in range(width):
            cols[i].append(fields[i] if i < len(fields) else "")
    return _columns_table(cols, rows, shapes, lines)


# -------------------------------------------------------------------------- XLSX


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        if value.time() == time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "Y" if value else "N"
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer():
            return str(int(value))
        return repr(value)
    return str(value)


def read_xlsx(path: Path) -> RawFile:
    import zipfile

    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as exc:
        raise FileUnreadable(f"not a readable XLSX workbook ({exc.__class__.__name__})") from None
    try:
        sheet = book.worksheets[0]
        it = sheet.iter_rows(values_only=True)
        first = next(it, None)
        if first is None or not any(c not in (None, "") for c in first):
            raise FileUnreadable("the first sheet has no header row")
        header = _header_names(list(first))
        while header and header[-1] == "":
            header.pop()
        width = len(header)
        cols: list[list[str | None]] = [[] for _ in range(width)]
        rows: list[int] = []
        shapes: list[str | None] = []
        lines: list[str | None] = []
        number = 0
        for cells in it:
            texts = [_cell_text(v) for v in cells]
            while texts and texts[-1] == "":
                texts.pop()
            if not texts:
                continue  # an empty sheet row is not a data row
            number += 1
            rows.append(number)
            ok = len(texts) <= width
            shapes.append(None if ok else _shape_message(len(texts), width))
            lines.append(None if ok else _joined(texts))
            for i in range(width):
                cols[i].append(texts[i] if i < len(texts) else "")
    finally:
        book.close()
    return RawFile(header, _columns_table(cols, rows, shapes, lines))


# ----------------------------------------------------------------------- Parquet


def _as_text(col: pa.ChunkedArray) -> pa.ChunkedArray:
    t = col.type
    if pa.types.is_timestamp(t):
        midnight = pc.all(pc.equal(pc.cast(pc.cast(col, pa.date32()), t), col)).as_py()
        col = pc.cast(col, pa.date32()) if midnight in (True, None) else col
    elif pa.types.is_floating(t):
        whole = pc.all(pc.and_(pc.equal(pc.floor(col), col), pc.less(pc.abs(col), 2**53))).as_py()
        if whole in (True, None):
            col = pc.cast(col, pa.int64(), safe=False)
    elif pa.types.is_boolean(t):
        col = pc.if_else(col, "Y", "N")
    if not pa.types.is_string(col.type) and not pa.types.is_large_string(col.type):
        col = pc.cast(col, pa.string())
    return pc.fill_null(pc.cast(col, pa.string()), "")


def read_parquet(path: Path) -> RawFile:
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except (pa.ArrowException, OSError) as exc:
        raise FileUnreadable(f"not a readable Parquet file ({str(exc).splitlines()[0]})") from None
    header = _header_names(table.column_names)
    arrays: dict[str, Any] = {}
    for i, name in enumerate(table.column_names):
        try:
            arrays[f"c{i}"] = _as_text(table.column(name))
        except (pa.ArrowException, ValueError):
            kind = table.column(name).type
            raise FileUnreadable(f"column {name!r} of type {kind} cannot be read as text") from None
    n = table.num_rows
    arrays[ROW] = pa.array(range(1, n + 1), type=pa.int64())
    arrays[SHAPE] = pa.nulls(n, type=pa.string())
    arrays[LINE] = pa.nulls(n, type=pa.string())
    return RawFile(header, pa.table(arrays))


def read_file(path: Path, fmt: str) -> RawFile:
    """Read `path` as `fmt`; FileUnreadable if the file as a whole is unusable."""
    if fmt == "csv":
        return read_csv(path)
    if fmt == "xlsx":
        return read_xlsx(path)
    return read_parquet(path)
