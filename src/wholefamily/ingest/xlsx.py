"""Read the first sheet of an XLSX workbook into the loader's all-text shape (`RawFile`,
see `read.py`).

The sheet is read by calamine, which ignores the sheet's declared `<dimension>`, and
its XML is scanned separately for the last row holding a value (`scan_sheet`), so a
sheet that understates its size loses nothing and a reader that stopped early is
caught. Dates are written as a CSV would carry them; a time of day is kept in the
row's flags, and a formula with no saved value is flagged.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import pyarrow as pa

from wholefamily.ingest.read import (
    FLAGS,
    FileUnreadable,
    RawFile,
    columns_table,
    header_names,
    joined,
    shape_message,
)


def _time_note(t: time) -> str:
    return f"time of day {t.isoformat()} dropped"


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()  # a time of day is noted by the caller
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.isoformat()
    if isinstance(value, bool):
        return "Y" if value else "N"
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer():
            return str(int(value))
        return repr(value)
    return str(value)


@dataclass
class SheetScan:
    """What the first sheet's XML holds, found without trusting what it declares."""

    declared: str | None = None
    """The `<dimension ref>` the sheet declares, if any."""
    last_row: int = 0
    """The last sheet row (1-based) with a cell holding a value."""
    unsaved_formulas: list[tuple[int, int, str]] = field(default_factory=list)
    """(sheet row, 0-based column, formula) of formula cells with no saved value."""


def _first_sheet_part(book: Any) -> str:
    import posixpath
    import xml.etree.ElementTree as ET

    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    wb = ET.fromstring(book.read("xl/workbook.xml"))
    sheet = wb.find(f"{{{main}}}sheets/{{{main}}}sheet")
    if sheet is None:
        raise FileUnreadable("the workbook has no sheet")
    rid = sheet.get(f"{{{rel}}}id")
    rels = ET.fromstring(book.read("xl/_rels/workbook.xml.rels"))
    for r in rels:
        if r.get("Id") == rid:
            target = r.get("Target") or ""
            return (
                target.lstrip("/")
                if target.startswith("/")
                else posixpath.normpath(posixpath.join("xl", target))
            )
    raise FileUnreadable("the workbook names no part for its first sheet")


_PREFIX = re.compile(rb"<(?:([A-Za-z_][\w.-]*):)?sheetData\b")
_DIMENSION = re.compile(rb'<(?:[A-Za-z_][\w.-]*:)?dimension\b[^>]*\bref="([^"]*)"')
_R_ATTR = re.compile(rb'\br="([A-Z]*)(\d+)"')


def _column_index(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ch - 64)
    return n - 1


def scan_sheet(path: Path) -> SheetScan:
    """Stream the first sheet's XML: the declared dimension, the real last row, formulas.

    The XML is cut at each `</row>` (a C-speed split); a row is looked at in
    Python only when its chunk holds a formula, or to find the last row with a
    value, searched from the end of each chunk.
    """
    import zipfile
    import zlib
    from html import unescape

    out = SheetScan()
    try:
        with zipfile.ZipFile(path) as book:
            part = _first_sheet_part(book)
            with book.open(part) as fh:
                buf = fh.read(1 << 16)
                found = _PREFIX.search(buf)
                if (m := _DIMENSION.search(buf)) is not None:
                    out.declared = m.group(1).decode("ascii", "replace")
                prefix = found.group(1) + b":" if found and found.group(1) else b""
                p = re.escape(prefix)
                cell_re = re.compile(rb"<" + p + rb"c\b([^>]*?)(?:/>|>(.*?)</" + p + rb"c>)", re.S)
                value = re.compile(rb"<" + p + rb"v\b[^>]*>[^<]|<" + p + rb"is\b")
                formula = re.compile(rb"<" + p + rb"f\b[^>]*?(?:/>|>(.*?)</" + p + rb"f>)", re.S)
                row_open, row_close, f_open = (
                    b"<" + prefix + b"row",
                    b"</" + prefix + b"row>",
                    (b"<" + prefix + b"f"),
                )
                rows_before = 0  # <row> elements in the chunks already done
                number = 0  # the last row number seen (for rows without an r attribute)

                def row_number(piece: bytes, ordinal: int) -> tuple[int, bytes]:
                    at = piece.rfind(row_open)
                    tag_end = piece.find(b">", at)
                    r = _R_ATTR.search(piece, at, tag_end) if at >= 0 else None
                    return (int(r.group(2)) if r else ordinal), piece[tag_end + 1 :]

                while True:
                    chunk = fh.read(1 << 22)
                    buf += chunk
                    end = buf.rfind(row_close)
                    if end >= 0:
                        done, buf = buf[:end], buf[end + len(row_close) :]
                        pieces = done.split(row_close)
                        if f_open in done:
                            for piece in pieces:
                                rows_before += piece.count(row_open)
                                number, body = row_number(piece, max(number + 1, rows_before))
                                if value.search(body):
                                    out.last_row = number
                                if f_open in body:
                                    _formulas(out, number, body, cell_re, value, formula, unescape)
                        else:
                            counts = [piece.count(row_open) for piece in pieces]
                            total = rows_before + sum(counts)
                            ordinal = total
                            for i in range(len(pieces) - 1, -1, -1):
                                n, body = row_number(pieces[i], ordinal)
                                if value.search(body):
                                    out.last_row = max(out.last_row, n)
                                    break
                                ordinal -= counts[i]
                            rows_before = total
                            last_n, _ = row_number(pieces[-1], total)
                            number = last_n
                    if not chunk:
                        break
    except (zipfile.BadZipFile, KeyError, OSError, EOFError, zlib.error, SyntaxError) as exc:
        raise FileUnreadable(f"not a readable XLSX workbook ({exc.__class__.__name__})") from None
    return out


def _formulas(
    out: SheetScan,
    number: int,
    body: bytes,
    cell_re: re.Pattern[bytes],
    value: re.Pattern[bytes],
    formula: re.Pattern[bytes],
    unescape: Any,
) -> None:
    for c in cell_re.finditer(body):
        inner = c.group(2) or b""
        f = formula.search(inner)
        if f is None or value.search(inner):
            continue
        r = _R_ATTR.search(c.group(1))
        col = _column_index(r.group(1)) if r else -1
        text = unescape((f.group(1) or b"").decode("utf-8", "replace"))
        out.unsaved_formulas.append((number, col, f"={text}" if text else "a shared formula"))


def read_xlsx(path: Path) -> RawFile:
    from python_calamine import CalamineError, CalamineWorkbook

    scan = scan_sheet(path)
    try:
        book = CalamineWorkbook.from_path(str(path))
        sheet = book.get_sheet_by_index(0)
    except (CalamineError, OSError, ValueError) as exc:
        raise FileUnreadable(f"not a readable XLSX workbook ({exc.__class__.__name__})") from None
    try:
        first_at = sheet.start
        it = sheet.iter_rows()
        if first_at is None or first_at[0] != 0:
            raise FileUnreadable("the first sheet has no header row (row 1 is empty)")
        col0 = first_at[1]  # calamine starts at the first column holding a value
        first = next(it, None)
        if first is None or not any(c not in (None, "") for c in first):
            raise FileUnreadable("the first sheet has no header row")
        header = header_names(list(first))
        while header and header[-1] == "":
            header.pop()
        width = len(header)
        data: list[list[str]] = []
        rows: list[int] = []
        sheet_rows: list[int] = []
        shapes: list[str | None] = []
        lines: list[str | None] = []
        notes: dict[int, list[str]] = {}
        number = 0
        sheet_row = 1
        for cells in it:
            sheet_row += 1
            texts = [v if type(v) is str else cell_text(v) for v in cells]
            if not any(texts):
                continue  # an empty sheet row is not a data row
            number += 1
            rows.append(number)
            sheet_rows.append(sheet_row)
            for j, v in enumerate(cells):
                if type(v) is datetime and v.time() != time(0, 0) and j < width:
                    notes.setdefault(number, []).append(f"{header[j]}: {_time_note(v.time())}")
            used = len(texts)
            while used and texts[used - 1] == "":
                used -= 1
            if used <= width:
                shapes.append(None)
                lines.append(None)
            else:
                shapes.append(shape_message(used, width))
                lines.append(joined(texts[:used]))
            if len(texts) < width:
                texts.extend([""] * (width - len(texts)))
            data.append(texts[:width])
    except CalamineError as exc:
        raise FileUnreadable(f"not a readable XLSX workbook ({exc.__class__.__name__})") from None
    finally:
        book.close()
    if scan.last_row > sheet_row:
        raise FileUnreadable(
            f"the sheet holds values down to row {scan.last_row:,} but the reader stopped at "
            f"row {sheet_row:,}; not loaded"
        )
    columns: list[tuple[str, ...]] = (
        list(zip(*data, strict=True)) if data else [() for _ in range(width)]
    )
    raw = RawFile(header, columns_table(columns, rows, shapes, lines))
    if scan.declared and scan.last_row:
        declared_last = re.search(r"(\d+)$", scan.declared)
        if declared_last and int(declared_last.group(1)) != scan.last_row:
            raw.warnings.append(
                f"the sheet declares its size as {scan.declared} but holds values down to row "
                f"{scan.last_row:,}; every row was read"
            )
    if scan.unsaved_formulas:
        by_sheet_row = {r: i for i, r in enumerate(sheet_rows)}
        for srow, col, text in scan.unsaved_formulas:
            i = by_sheet_row.get(srow)
            j = col - col0
            if i is None or not 0 <= j < width:
                continue
            name = header[j] or f"column {j + 1}"
            notes.setdefault(rows[i], []).append(
                f"{name}: formula {text} has no saved value; read as empty"
            )
        raw.warnings.append(
            f"{len(scan.unsaved_formulas):,} formula cell(s) have no saved value (the workbook "
            "was not recalculated before saving); read as empty and flagged on their rows"
        )
    if notes:
        flags = [("; ".join(notes[n]) if n in notes else None) for n in rows]
        raw.table = raw.table.set_column(
            raw.table.schema.get_field_index(FLAGS), FLAGS, pa.array(flags, pa.string())
        )
    return raw
