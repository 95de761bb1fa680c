"""Write a source table as CSV, XLSX or Parquet, exactly as the spec names them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from wholefamily.synth.render import Column, Table

FORMATS = ("csv", "xlsx", "parquet")
XLSX_MAX_ROWS = 1_048_575  # a worksheet's rows, less the header


class TooManyRowsForXlsx(ValueError):
    pass


def _iso(
    days: npt.NDArray[np.int64], missing: npt.NDArray[np.bool_], uk: npt.NDArray[np.bool_]
) -> npt.NDArray[np.object_]:
    safe = np.where(missing, 0, days).astype("datetime64[D]")
    iso = np.datetime_as_string(safe, unit="D").astype("U10")
    chars = iso.view("U1").reshape(-1, 10)
    if uk.any():
        ukc = chars[uk][:, [8, 9, 4, 5, 6, 7, 0, 1, 2, 3]].copy()
        ukc[:, 2] = "/"
        ukc[:, 5] = "/"
        chars[uk] = ukc
    text = np.ascontiguousarray(chars).view("U10").reshape(-1).astype(object)
    text[missing] = ""
    return np.asarray(text, dtype=object)


def as_text(col: Column, uk: npt.NDArray[np.bool_]) -> npt.NDArray[np.object_]:
    """A column as the strings a CSV holds (empty string = missing)."""
    n = len(col.values)
    missing = col.missing if col.missing is not None else np.zeros(n, dtype=bool)
    if col.kind == "str":
        return np.asarray(col.values, dtype=object)
    if col.kind == "date":
        return _iso(col.values, missing, uk)
    if col.kind == "int":
        out = col.values.astype(str).astype(object)
    elif col.kind == "num":
        out = np.char.mod("%.2f", np.where(missing, 0.0, col.values)).astype(object)
    else:  # pragma: no cover - kinds are closed
        raise ValueError(col.kind)
    out[missing] = ""
    return np.asarray(out, dtype=object)


def write_csv(table: Table, path: Path) -> None:
    arrays = [
        pa.array(as_text(col, table.uk_dates), type=pa.string()) for col in table.columns.values()
    ]
    t = pa.Table.from_arrays(arrays, names=list(table.columns))
    pacsv.write_csv(t, path, write_options=pacsv.WriteOptions(quoting_style="needed"))


def _arrow(col: Column) -> pa.Array:
    n = len(col.values)
    missing = col.missing if col.missing is not None else np.zeros(n, dtype=bool)
    if col.kind == "str":
        vals = np.asarray(col.values, dtype=object)
        return pa.array(vals, type=pa.string(), mask=vals == "")
    if col.kind == "date":
        return pa.array(
            np.where(missing, 0, col.values).astype(np.int32), type=pa.date32(), mask=missing
        )
    if col.kind == "int":
        return pa.array(col.values, type=pa.int64(), mask=missing)
    return pa.array(np.where(missing, 0.0, col.values), type=pa.float64(), mask=missing)


def write_parquet(table: Table, path: Path) -> None:
    """Parquet holds native types: dates as dates, missing values as nulls."""
    t = pa.Table.from_arrays([_arrow(c) for c in table.columns.values()], names=list(table.columns))
    pq.write_table(t, path, compression="zstd")


def write_xlsx(table: Table, path: Path) -> None:
    """XLSX: dates as date cells, except rows typed in UK order, which hold text."""
    import xlsxwriter

    n = table.n_rows
    if n > XLSX_MAX_ROWS:
        raise TooManyRowsForXlsx(
            f"{table.source} has {n:,} rows, more than an XLSX sheet holds "
            f"({XLSX_MAX_ROWS:,}); use --format csv or parquet"
        )
    wb = xlsxwriter.Workbook(
        str(path),
        {
            "constant_memory": True,
            "strings_to_numbers": False,
            "strings_to_formulas": False,
            "strings_to_urls": False,
        },
    )
    # Fixed document dates so the same seed gives the same bytes.
    wb.set_properties({"created": dt.datetime(2000, 1, 1)})
    ws = wb.add_worksheet(table.source[:31])
    date_fmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    for j, name in enumerate(table.columns):
        ws.write_string(0, j, name)
    uk = table.uk_dates
    cols: list[tuple[str, Any, Any, Any]] = []
    for col in table.columns.values():
        missing = col.missing if col.missing is not None else np.zeros(n, dtype=bool)
        text = as_text(col, uk) if col.kind == "date" else None
        cols.append((col.kind, col.values, missing, text))
    epoch = dt.date(1970, 1, 1)
    for r in range(n):
        row = r + 1
        for j, (kind, values, missing, text) in enumerate(cols):
            if missing[r]:
                continue
            if kind == "str":
                v = values[r]
                if v != "":
                    ws.write_string(row, j, v)
            elif kind == "date":
                if uk.size and uk[r]:
                    ws.write_string(row, j, text[r])
                else:
                    ws.write_datetime(
                        row,
                        j,
                        dt.datetime.combine(epoch + dt.timedelta(days=int(values[r])), dt.time()),
                        date_fmt,
                    )
            else:
                ws.write_number(row, j, float(values[r]) if kind == "num" else int(values[r]))
    wb.close()


def write_table(table: Table, folder: Path, fmt: str) -> Path:
    path = folder / f"{table.source}.{fmt}"
    if fmt == "csv":
        write_csv(table, path)
    elif fmt == "parquet":
        write_parquet(table, path)
    elif fmt == "xlsx":
        write_xlsx(table, path)
    else:
        raise ValueError(f"unknown format {fmt!r}")
    return path


class CsvAppender:
    """A CSV file written in pieces, all with one header."""

    def __init__(self, path: Path, names: list[str]) -> None:
        self.names = names
        self.schema = pa.schema([(n, pa.string()) for n in names])
        self.writer = pacsv.CSVWriter(
            str(path), self.schema, write_options=pacsv.WriteOptions(quoting_style="needed")
        )

    def append(self, **columns: Any) -> None:
        arrays = [
            pa.array(np.asarray(columns[n], dtype=object), type=pa.string()) for n in self.names
        ]
        self.writer.write_table(pa.Table.from_arrays(arrays, schema=self.schema))

    def close(self) -> None:
        self.writer.close()
