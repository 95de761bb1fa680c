"""Read one extract file (CSV, XLSX or Parquet) into an all-text Arrow table.

Whatever the format, the result is the same shape: one text column per
header cell (header names lower-cased and stripped), a `__row` column with
the 1-based data-row number, and a `__shape` column that is null for a
well-formed row or says what is wrong with its shape (too many or too few
fields), and a `__flags` column that is null or notes what the reader had to
change or could not find (a time of day dropped from a timestamp, a formula
with no saved value). XLSX is read in `xlsx.py`, on this module's shapes.
No row is dropped here: a malformed row is kept with
its fields, padded, so that the loader can quarantine it with a reason.

Rows are counted from what the file holds, never from what it claims: an
XLSX sheet is read by calamine, which ignores the sheet's declared
`<dimension>`, and the sheet's XML is scanned for the last row holding a
value, so a reader that stopped early is caught. A CSV quote that is never
closed is reported at the line it opened, and every physical line from there
to the end of the file becomes a row of its own (shape error) rather than one
field. UTF-8, UTF-16 and UTF-32 are recognised by their byte-order marks.

Native values (dates in XLSX or Parquet, numbers) are written as text the
same way a CSV would carry them (`2024-03-01`, `12`), so one set of rules
validates every format. A timestamp is its date; a time of day other than
midnight is kept in the row's flags. A nested Parquet value (struct, list,
map) is written as JSON text and its column named in `RawFile.nested`.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

ROW = "__row"
SHAPE = "__shape"
LINE = "__line"  # the whole raw row, for a row whose shape is wrong
FLAGS = "__flags"  # what the reader changed or could not find in the row, or null
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
    attention: str = ""
    """Non-empty when the file was read but needs a person to look at it (why)."""
    nested: list[str] = field(default_factory=list)
    """Header names of Parquet columns whose values are nested (kept as JSON text)."""

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


def header_names(cells: list[Any]) -> list[str]:
    """Lower case, surrounding spaces and a BOM removed, control characters as `?`."""
    names = ["" if c is None else str(c).replace("\ufeff", "").strip().lower() for c in cells]
    return [_CONTROL.sub("?", n) for n in names]


def columns_table(
    columns: Sequence[Sequence[str | None]],
    rows: list[int],
    shapes: list[str | None],
    lines: list[str | None],
    flags: list[str | None] | None = None,
) -> pa.Table:
    arrays = {f"c{i}": pa.array(col, type=pa.string()) for i, col in enumerate(columns)}
    arrays[ROW] = pa.array(rows, type=pa.int64())
    arrays[SHAPE] = pa.array(shapes, type=pa.string())
    arrays[LINE] = pa.array(lines, type=pa.string())
    arrays[FLAGS] = (
        pa.nulls(len(rows), type=pa.string()) if flags is None else pa.array(flags, pa.string())
    )
    return pa.table(arrays)


def _well_formed(table: pa.Table, rows: pa.Array) -> pa.Table:
    n = table.num_rows
    return (
        table.append_column(ROW, rows)
        .append_column(SHAPE, pa.nulls(n, type=pa.string()))
        .append_column(LINE, pa.nulls(n, type=pa.string()))
        .append_column(FLAGS, pa.nulls(n, type=pa.string()))
    )


def joined(fields: list[str]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="").writerow(fields)
    return buf.getvalue()


def shape_message(found: int, expected: int) -> str:
    return f"row has {found} fields, the header has {expected}"


# --------------------------------------------------------------------------- CSV


# Byte-order marks, longest first (a UTF-32-LE mark begins with the UTF-16-LE one).
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def _utf16_without_bom(data: bytes) -> str | None:
    """'utf-16-le'/'-be' when the first line is plain ASCII with a zero byte beside each."""
    head = data[:256]
    head = head[: len(head) // 2 * 2]
    if len(head) < 8:
        return None
    even, odd = head[0::2], head[1::2]
    if not odd.strip(b"\x00") and even.isascii() and b"\x00" not in even:
        return "utf-16-le"
    if not even.strip(b"\x00") and odd.isascii() and b"\x00" not in odd:
        return "utf-16-be"
    return None


def _decode(data: bytes) -> tuple[bytes, str, list[str]]:
    """UTF-8, UTF-16 or UTF-32 as marked; else UTF-8; else cp1252 (with a warning).

    The result is always UTF-8 without a byte-order mark.
    """
    for bom, name in _BOMS:
        if data.startswith(bom):
            data = data[len(bom) :]
            if name == "utf-8":
                break
            return _decode_wide(data, name, f"{name.upper()} (by its byte-order mark)"), name, []
    else:
        wide = _utf16_without_bom(data)
        if wide:
            note = f"{wide.upper()} without a byte-order mark"
            return _decode_wide(data, wide, note), wide, [f"read as {note}"]
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


def _decode_wide(data: bytes, encoding: str, what: str) -> bytes:
    try:
        return data.decode(encoding).encode("utf-8")
    except UnicodeError as exc:
        at = getattr(exc, "start", None)
        where = f" at byte {at}" if isinstance(at, int) else ""
        raise FileUnreadable(
            f"the file is {what} but not valid {encoding.upper()}{where}: "
            "save it again as UTF-8 CSV"
        ) from None


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
    header = header_names(first)
    hint = _delimiter_hint(first)
    try:
        table = _read_csv_arrow(data, len(header))
    except (pa.ArrowInvalid, pa.ArrowException, OverflowError):
        table = _read_csv_python(data.decode("utf-8"), len(header))
    raw = RawFile(header, table, encoding, warnings)
    if _may_end_in_quote(data, table):
        _split_unclosed_quote(raw, data.decode("utf-8"))
    if hint:
        raw.warnings.append(hint)
    return raw


def _may_end_in_quote(data: bytes, table: pa.Table) -> bool:
    """Cheap test: could the last row be a quote that was never closed?

    A quote left open swallows everything after it into the last row's last
    field, so that row then holds a line break; an open quote on the very
    last line leaves an odd number of quote marks.
    """
    if table.num_rows == 0:
        return data.count(b'"') % 2 == 1
    if data.count(b'"') % 2 == 1:
        return True
    last = table.slice(table.num_rows - 1, 1).to_pylist()[0]
    return any(
        isinstance(v, str) and ("\n" in v or "\r" in v)
        for k, v in last.items()
        if k != ROW and k != SHAPE
    )


def _split_unclosed_quote(raw: RawFile, text: str) -> None:
    """If the file ends inside a quoted field, give each line from the quote on its own row.

    The rows before the open quote stand as read. The record holding the quote
    and every non-blank physical line after it become one row each, with the
    line's text, its fields as far as they can be told apart, and a shape
    error naming the line where the quote opened, so rows read counts the
    lines the agency sent, and none of them is loaded on a guess.
    """
    csv.field_size_limit(1 << 30)
    reader = csv.reader(io.StringIO(text, newline=""), strict=False)
    lines_before = 0  # physical lines consumed before the current record
    start = 0  # the last record's first physical line (1-based), 0: none yet
    fields: list[str] = []
    records = 0  # data records before the last one
    for n, rec in enumerate(reader):
        if rec:
            if n > 0 and start:
                records += 1
            if n > 0:
                start, fields = lines_before + 1, rec
        lines_before = reader.line_num
    if not start:
        return
    # A field still open at the end of the file holds everything after its
    # quote, with only doubled quotes in it (a single one would have closed it):
    # so the text ends with that quote, the field's value re-escaped, and the
    # quote stands at the start of a field.
    if not fields:
        return
    ending = '"' + fields[-1].replace('"', '""')
    at = len(text) - len(ending)
    if not text.endswith(ending) or (at > 0 and text[at - 1] not in ",\r\n"):
        return  # the last record closes every quote it opens
    physical = io.StringIO(text, newline="").readlines()
    opened = start + sum(f.count("\n") for f in fields[:-1])
    width = len(raw.header)
    lines = [ln.rstrip("\r\n") for ln in physical[opened - 1 :]]
    lines = [ln for ln in lines if ln != ""] or [""]
    first_row = records + 1
    # Read the rows before it the careful way, so their numbering is the one used here.
    before = _read_csv_python(text, width)
    kept = before.filter(pc.less(before.column(ROW), first_row))
    if kept.num_rows != first_row - 1:
        raise AssertionError("row numbering disagrees between the readers")  # a bug
    # Lines of the record before the one where the quote opened belong to that row.
    head = "".join(physical[start - 1 : opened - 1]).rstrip("\r\n")
    if head:
        lines[0] = head + "\n" + lines[0]
    after = len(lines) - 1
    cols: list[list[str | None]] = [[] for _ in range(width)]
    shapes: list[str | None] = []
    for i, line in enumerate(lines):
        parts = next(csv.reader(io.StringIO(line), strict=False), [])
        for j in range(width):
            cols[j].append(parts[j] if j < len(parts) else "")
        shapes.append(
            f"a quote opened on line {opened} is never closed: this line and the "
            f"{after:,} after it were not read as rows"
            if i == 0
            else f"line inside the quote opened on line {opened}, which is never closed"
        )
    rows = list(range(first_row, first_row + len(lines)))
    split = columns_table(cols, rows, shapes, list(lines))
    raw.table = pa.concat_tables([kept, split])
    raw.attention = (
        f"a quote opened on line {opened} is never closed: that line and the {after:,} "
        "after it are quarantined, one row each; correct the quote and send the file again"
    )


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
        shapes.append(shape_message(len(fields), width))
        for i in range(width):
            cols[i].append(fields[i] if i < len(fields) else "")
    ragged = columns_table(cols, [n for n, _ in bad], shapes, [t for _, t in bad])
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
        shapes.append(None if ok else shape_message(len(fields), width))
        lines.append(None if ok else joined(fields))
        for i in range(width):
            cols[i].append(fields[i] if i < len(fields) else "")
    return columns_table(cols, rows, shapes, lines)


# -------------------------------------------------------------------------- XLSX


# ----------------------------------------------------------------------- Parquet


def _is_nested(t: pa.DataType) -> bool:
    return bool(
        pa.types.is_struct(t)
        or pa.types.is_list(t)
        or pa.types.is_large_list(t)
        or pa.types.is_fixed_size_list(t)
        or pa.types.is_map(t)
        or pa.types.is_union(t)
        or (hasattr(pa.types, "is_list_view") and pa.types.is_list_view(t))
        or (hasattr(pa.types, "is_large_list_view") and pa.types.is_large_list_view(t))
    )


def _as_json(col: pa.ChunkedArray) -> pa.ChunkedArray:
    """A nested column as JSON text, in row order (DuckDB's to_json)."""
    con = duckdb.connect()
    try:
        con.register("nested", pa.table({"v": col}))
        out = con.execute("SELECT to_json(v)::VARCHAR AS v FROM nested").arrow().read_all()
    finally:
        con.close()
    return out.column("v")


def _timestamp_date(col: pa.ChunkedArray, name: str) -> tuple[pa.ChunkedArray, pa.Array | None]:
    """(the dates, a note per row whose time of day is not midnight, else None)."""
    if col.type.tz is not None:
        col = pc.local_timestamp(col)  # the wall-clock time where it was recorded
    day = pc.cast(col, pa.date32())
    midnight = pc.equal(pc.cast(day, col.type), col)
    if pc.all(pc.fill_null(midnight, True)).as_py():
        return day, None
    clock = pc.replace_substring_regex(pc.strftime(col, format="%H:%M:%S"), r"\.0+$", "")
    note = pc.binary_join_element_wise(f"{name}: time of day ", clock, " dropped", "")
    return day, pc.if_else(pc.fill_null(midnight, True), None, note).combine_chunks()


def _as_text(col: pa.ChunkedArray) -> pa.ChunkedArray:
    t = col.type
    if pa.types.is_floating(t):
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
    header = header_names(table.column_names)
    arrays: dict[str, Any] = {}
    notes: list[pa.Array] = []
    nested: list[str] = []
    warnings: list[str] = []
    for i, name in enumerate(table.column_names):
        col = table.column(name)
        kind = col.type
        try:
            if _is_nested(kind):
                col = _as_json(col)
                nested.append(header[i])
                warnings.append(f"column {name!r} holds nested values ({kind}); read as JSON text")
            elif pa.types.is_timestamp(kind):
                col, note = _timestamp_date(col, header[i])
                if note is not None:
                    notes.append(note)
            arrays[f"c{i}"] = _as_text(col)
        except (pa.ArrowException, ValueError, duckdb.Error):
            raise FileUnreadable(f"column {name!r} of type {kind} cannot be read as text") from None
    n = table.num_rows
    arrays[ROW] = pa.array(range(1, n + 1), type=pa.int64())
    arrays[SHAPE] = pa.nulls(n, type=pa.string())
    arrays[LINE] = pa.nulls(n, type=pa.string())
    if notes:
        flags = notes[0]
        for more in notes[1:]:  # "a; b" where both are noted, else whichever is
            both = pc.binary_join_element_wise(flags, more, "; ")
            flags = pc.coalesce(both, flags, more)
        arrays[FLAGS] = flags
    else:
        arrays[FLAGS] = pa.nulls(n, type=pa.string())
    raw = RawFile(header, pa.table(arrays), warnings=warnings, nested=nested)
    if notes:
        timed = sum(int(pc.sum(pc.is_valid(a)).as_py() or 0) for a in notes)
        raw.warnings.append(
            f"{timed:,} timestamp value(s) carry a time of day: the date is used and the time "
            "kept in the row's quality flags"
        )
    return raw


_MAGIC = (
    (b"PK\x03\x04", "a ZIP archive (as XLSX is)"),
    (b"PK\x05\x06", "a ZIP archive (as XLSX is)"),
    (b"PAR1", "a Parquet file"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an Excel 97-2003 (.xls) or password-protected workbook"),
    (b"%PDF", "a PDF document"),
)


def _sniffed(head: bytes) -> str | None:
    return next((what for magic, what in _MAGIC if head.startswith(magic)), None)


def wrong_format(path: Path, fmt: str) -> str | None:
    """Why the bytes of `path` are not a `fmt` file, judged by its first bytes; None if they may be.

    Checked before anything else (the content hash included), so a file is
    never taken for another it happens to equal.
    """
    with path.open("rb") as fh:
        head = fh.read(8)
        size = fh.seek(0, 2)
        tail = b""
        if size >= 8:
            fh.seek(size - 4)
            tail = fh.read(4)
    found = _sniffed(head)
    if fmt == "xlsx":
        if head.startswith(b"PK\x03\x04"):
            return None
        return (
            f"not an XLSX workbook: the file is {found}"
            if found
            else "not an XLSX workbook: an XLSX file is a ZIP archive, and this is not one"
        )
    if fmt == "parquet":
        if head.startswith(b"PAR1") and tail == b"PAR1":
            return None
        if head.startswith(b"PAR1"):
            return "not a complete Parquet file: its closing PAR1 marker is missing (cut short?)"
        return (
            f"not a Parquet file: the file is {found}"
            if found
            else "not a Parquet file: it does not begin with the PAR1 marker"
        )
    if head.startswith(b"PAR1") and tail != b"PAR1":
        found = None  # a text file may begin with these letters; a Parquet file ends with them
    if found:
        return f"not a CSV text file: the file is {found}"
    return None


def read_file(path: Path, fmt: str) -> RawFile:
    """Read `path` as `fmt`; FileUnreadable if the file as a whole is unusable."""
    from wholefamily.ingest.xlsx import read_xlsx  # xlsx.py builds on this module

    if fmt == "csv":
        return read_csv(path)
    if fmt == "xlsx":
        return read_xlsx(path)
    return read_parquet(path)
