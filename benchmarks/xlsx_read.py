"""Benchmark of reading one XLSX sheet: the loader's reader (calamine) against openpyxl.

Writes a synthetic 14-column `asb`-shaped sheet of N rows (default 200,000;
text, date and number cells, as `wholefamily synth --format xlsx` writes them)
with xlsxwriter, then times:

1. `read_xlsx` as the loader runs it (calamine, plus the scan of the sheet's
   XML that counts its rows and finds formulas with no saved value);
2. the same sheet through openpyxl in read-only mode, cells to text, as the
   loader read XLSX before issue 14.

Each is run in a fresh process, so peak memory is its own.

    .venv/bin/python benchmarks/xlsx_read.py [--rows 200000] [--dir /tmp/xlsx-bench]
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

from wholefamily.sources.schema import SOURCES

COLUMNS = list(SOURCES["asb"].columns)


def write_sheet(path: Path, rows: int) -> None:
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    ws = wb.add_worksheet("asb")
    day = wb.add_format({"num_format": "yyyy-mm-dd"})
    for j, name in enumerate(COLUMNS):
        ws.write_string(0, j, name)
    for r in range(1, rows + 1):
        ws.write_string(r, 0, f"I{r:07d}")
        ws.write_string(r, 1, "POLICE")
        ws.write_string(r, 2, "Ann")
        ws.write_string(r, 3, f"Smith{r % 997}")
        ws.write_datetime(r, 4, datetime(1990, 1, 1 + r % 28), day)
        ws.write_string(r, 5, "F")
        ws.write_string(r, 6, f"{r % 200} High Street")
        ws.write_string(r, 8, "Casterbridge")
        ws.write_string(r, 9, "WX1 1AA")
        ws.write_number(r, 10, 100_000_000 + r)
        ws.write_datetime(r, 11, datetime(2024, 3, 1 + r % 28), day)
        ws.write_string(r, 12, "NONE")
        ws.write_string(r, 13, "N")
    wb.close()


def read_openpyxl(path: Path) -> int:
    from openpyxl import load_workbook

    from wholefamily.ingest.xlsx import cell_text

    book = load_workbook(path, read_only=True, data_only=True)
    kept: list[list[str]] = []  # the texts are kept, as the loader keeps them
    try:
        it = book.worksheets[0].iter_rows(values_only=True)
        next(it)
        for cells in it:
            texts = [cell_text(v) for v in cells]
            if any(texts):
                kept.append(texts)
    finally:
        book.close()
    return len(kept)


def one(reader: str, path: Path) -> None:
    t = time.perf_counter()
    if reader == "calamine":
        from wholefamily.ingest.xlsx import read_xlsx

        n = read_xlsx(path).rows
    else:
        n = read_openpyxl(path)
    took = time.perf_counter() - t
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{reader:9s} {n:>9,} rows  {took:6.1f} s  peak RSS {peak:,.0f} MB")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=200_000)
    ap.add_argument("--dir", type=Path, default=Path("/tmp/xlsx-bench"))
    ap.add_argument("--one", choices=["calamine", "openpyxl"])
    args = ap.parse_args()
    path = args.dir / f"asb-{args.rows}.xlsx"
    if args.one:
        one(args.one, path)
        return
    args.dir.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        write_sheet(path, args.rows)
    print(f"{path} ({path.stat().st_size / 1e6:.1f} MB, {args.rows:,} rows x 14 columns)")
    took = {}
    for reader in ("calamine", "openpyxl"):
        cmd = [sys.executable, __file__, "--rows", str(args.rows), "--dir", str(args.dir)]
        done = subprocess.run([*cmd, "--one", reader], check=True, capture_output=True, text=True)
        print(done.stdout, end="")
        took[reader] = float(done.stdout.split(" rows ")[1].split(" s ")[0])
    ratio = took["calamine"] / took["openpyxl"]
    print(f"ratio: calamine/openpyxl {ratio:.2f} (the peer: openpyxl, the reader before)")


if __name__ == "__main__":
    main()
