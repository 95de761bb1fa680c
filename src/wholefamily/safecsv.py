"""CSV files we export: safe to open in a spreadsheet.

A text value that starts with `=`, `+`, `-`, `@`, a tab or a carriage return
can run as a formula when the file is opened in Excel (CSV injection). Such
values are written with a leading apostrophe, which spreadsheets show as
text. Plain numbers (`-1`, `+44`, `-3.5`) are left as they are, since they
cannot run and an analyst needs them unchanged.
"""

from __future__ import annotations

import re
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

_DANGER = r"^[=+\-@\t\r]"
_NUMBER = r"^[+-]?[0-9]+(\.[0-9]+)?$"


def neutralise(value: str) -> str:
    """One value, as `write_table` writes it."""
    if re.match(_DANGER, value) and not re.match(_NUMBER, value):
        return "'" + value
    return value


def _neutralise_column(col: pa.ChunkedArray) -> pa.ChunkedArray:
    text = pc.cast(col, pa.string())
    risky = pc.and_(
        pc.match_substring_regex(text, _DANGER),
        pc.invert(pc.match_substring_regex(text, _NUMBER)),
    )
    return pc.if_else(risky, pc.binary_join_element_wise("'", text, ""), text)


def write_table(table: pa.Table, path: Path) -> None:
    """Write `table` as CSV with every text column neutralised (atomically)."""
    cols = []
    for name in table.column_names:
        col = table.column(name)
        if pa.types.is_string(col.type) or pa.types.is_large_string(col.type):
            col = _neutralise_column(col)
        cols.append(col)
    safe = pa.table(cols, names=table.column_names)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    pacsv.write_csv(safe, tmp, write_options=pacsv.WriteOptions(quoting_style="needed"))
    tmp.replace(path)
