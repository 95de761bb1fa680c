"""`wholefamily load DROP`: a drop of extracts into the warehouse, as one unit of work.

Tables (all in the workspace's warehouse):

    src_<source>          loaded rows: lineage (drop_id, file_id, source, row),
                          raw_<column> as given, <column> typed and normalised,
                          name keys, postcode validity, resolved address
    quarantine_<source>   rows that broke a rule: lineage, raw_<column>, raw_line
                          (both: quality_flags, what the reader changed or could
                          not find in the row, e.g. a time of day dropped)
    quarantine_reasons    one row per broken rule: column, value, rule, message
    extra_values          values of columns the spec does not name (kept, ignored)
    load_files            one row per distinct file content (sha256): counts, status
    drop_manifest         per drop, what each file in the folder was and became

Only regular files directly in the drop folder are read: a symbolic link, a
device or a pipe is refused by name and never opened. A file whose bytes are
not of its extension's format (an `.xlsx` that is no ZIP archive) is rejected
before anything else, its content hash included.

A file is identified by its content hash: the same content is read once,
whichever drop it arrives in; a drop's manifest then points at it. Every
write of one load happens in one transaction, so an error, Ctrl-C or a
killed process leaves the warehouse exactly as it was. The manifest file
(`drops/<id>/manifest.json`) is recorded in that transaction too and written
before the commit, beside its place; it is put in place after the commit, or
by the next opening of the warehouse when the process died in between.

A drop that cannot be loaded at all is refused in one sentence naming the
file or setting: a drop id that is not a plain name, a folder with no extract
file, a file too large for the loader's memory (naming the file), a full
disk (naming the file being written).
"""

from __future__ import annotations

import errno
import json
import os
import re
import sys
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import suppress
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb
import ibis
import ibis.expr.types as ir
import pyarrow as pa
import pyarrow.compute as pc
from ibis.backends.sql.datatypes import DuckDBType

from wholefamily import __version__
from wholefamily import warehouse as W
from wholefamily.ingest import address as A
from wholefamily.ingest import normalise as N
from wholefamily.ingest import rules as R
from wholefamily.ingest.drop import (
    COVERAGE_FILE,
    FileResult,
    LoadError,
    check_drop_id,
    classify,
    default_drop_id,
    sha256,
)
from wholefamily.ingest.read import (
    FLAGS,
    LINE,
    ROW,
    SHAPE,
    FileUnreadable,
    RawFile,
    read_file,
)
from wholefamily.sources.calendar import term_bounds
from wholefamily.sources.schema import SOURCES

Tick = Callable[[str, int, int], None]
LINEAGE = ("drop_id", "file_id", "source", "row")
MEMORY_LIMIT = "1GB"  # DuckDB's share; Arrow holds one file besides
THREADS = 1  # DuckDB's threads for the load
# A file this size or smaller is read (on a thread of its own) while the file before it
# is loaded: reading and DuckDB's work overlap on two cores; larger files are read when
# their turn comes, so that two large files are never in memory together.
PREFETCH_BYTES = 64 << 20
MAX_COLUMNS = 1_000  # a source has at most 20; a header this wide is not an extract
MAX_CELL_BYTES = 16 << 20  # no value of an extract is longer than 16 MB
PAUSE_ENV = "WHOLEFAMILY_PAUSE_AT"

# Where each source carries its address, if it does: (line1, postcode, town, uprn).
ADDRESS_COLUMNS: dict[str, tuple[str, str, str | None, str | None]] = {
    name: ("address_line1", "postcode", "town", "uprn")
    for name, s in SOURCES.items()
    if s.has_person
}
ADDRESS_COLUMNS["school_contacts"] = ("contact_address_line1", "contact_postcode", None, None)


class TooLarge(Exception):
    """A file is larger, in one dimension, than any extract: the load stops."""


@dataclass
class LoadReport:
    drop_id: str
    drop_path: str
    files: list[FileResult]
    manifest_path: str = ""
    la_code: str | None = None

    @property
    def rows_read(self) -> int:
        return sum(f.rows_read for f in self.files)


# ------------------------------------------------------------------ schema


def _ensure_bookkeeping(con: Any) -> None:
    raw = con.con
    raw.execute(
        """CREATE TABLE IF NOT EXISTS load_files (
            file_id VARCHAR PRIMARY KEY, source VARCHAR, format VARCHAR, file_name VARCHAR,
            first_drop_id VARCHAR, status VARCHAR, message VARCHAR, rows_read BIGINT,
            rows_loaded BIGINT, rows_quarantined BIGINT, encoding VARCHAR, warnings VARCHAR,
            loaded_at TIMESTAMP)"""
    )
    raw.execute(
        """CREATE TABLE IF NOT EXISTS drop_manifest (
            drop_id VARCHAR, file_name VARCHAR, source VARCHAR, file_id VARCHAR,
            status VARCHAR, message VARCHAR, coverage_start DATE, coverage_end DATE,
            coverage_from VARCHAR, loaded_at TIMESTAMP)"""
    )
    raw.execute(
        """CREATE TABLE IF NOT EXISTS drops (
            drop_id VARCHAR PRIMARY KEY, drop_path VARCHAR, loaded_at TIMESTAMP,
            version VARCHAR)"""
    )
    raw.execute(
        """CREATE TABLE IF NOT EXISTS quarantine_reasons (
            drop_id VARCHAR, file_id VARCHAR, source VARCHAR, "row" BIGINT,
            "column" VARCHAR, value VARCHAR, rule VARCHAR, message VARCHAR)"""
    )
    raw.execute(
        """CREATE TABLE IF NOT EXISTS extra_values (
            drop_id VARCHAR, file_id VARCHAR, source VARCHAR, "row" BIGINT,
            "column" VARCHAR, value VARCHAR)"""
    )


def _append(con: Any, name: str, expr: ir.Table) -> None:
    if W.has_table(con, name):
        have = set(con.table(name).columns)
        for col, kind in expr.schema().items():
            if col not in have:  # a warehouse written before the column existed
                sql_type = DuckDBType.to_string(kind)
                con.con.execute(f'ALTER TABLE "{name}" ADD COLUMN "{col}" {sql_type}')
        W.insert(con, name, expr)
    else:
        W.create_table(con, name, expr)


# ---------------------------------------------------------------- staging


def _stage(con: Any, source: str, raw: RawFile, drop_id: str, file_id: str) -> tuple[ir.Table, str]:
    """The raw rows with `raw_<col>` named columns, as a view over the Arrow table (no
    copy); (table, missing col). The lineage columns are constants of the query."""
    spec = SOURCES[source].columns
    _check_size(raw)
    positions: dict[str, int] = {}
    duplicated: str | None = None
    for i, name in enumerate(raw.header):
        if name in positions and name in spec:
            duplicated = name
        positions.setdefault(name, i)
    t = raw.table
    cols: dict[str, Any] = {"row": t.column(ROW)}
    missing = ""
    for col in spec:
        if col in positions:
            cols[f"raw_{col}"] = t.column(f"c{positions[col]}")
        else:
            missing = missing or col
            cols[f"raw_{col}"] = pa.nulls(t.num_rows, pa.string())
    cols["raw_line"] = t.column(LINE)
    cols["shape"] = t.column(SHAPE)
    cols["quality_flags"] = t.column(FLAGS)
    extra = [(name, i) for i, name in enumerate(raw.header) if name not in spec]
    for k, (_, i) in enumerate(extra):
        cols[f"extra_{k}"] = t.column(f"c{i}")
    mem = ibis.memtable(pa.table(cols))
    lineage = {
        "drop_id": ibis.literal(drop_id, "string"),
        "file_id": ibis.literal(file_id, "string"),
        "source": ibis.literal(source, "string"),
        "row": mem.row,
    }
    staged = mem.select(**lineage, **{c: mem[c] for c in mem.columns if c != "row"})
    if duplicated:
        missing = f"!{duplicated}"
    if extra:
        names = {f"extra_{k}": name for k, (name, _) in enumerate(extra)}
        long = staged.select(*LINEAGE, *names).pivot_longer(
            list(names), names_to="column", values_to="value"
        )
        long = long.filter(long.value != "").mutate(column=long.column.substitute(names))
        W.insert(con, "extra_values", long.select(*LINEAGE, "column", "value"))
    return staged, missing


def _check_size(raw: RawFile) -> None:
    """TooLarge when the file is wider, or holds a longer value, than any extract."""
    if len(raw.header) > MAX_COLUMNS:
        raise TooLarge(
            f"the header has {len(raw.header):,} columns (a source has at most"
            f" {max(len(s.columns) for s in SOURCES.values())}; more than {MAX_COLUMNS:,}"
            " is not an extract)"
        )
    for name in raw.table.column_names:
        col = raw.table.column(name)
        if not pa.types.is_string(col.type) or not len(col):
            continue
        longest = pc.max(pc.binary_length(col)).as_py() or 0
        if longest > MAX_CELL_BYTES:
            row = int(pc.index(pc.binary_length(col), longest).as_py())
            number = raw.table.column(ROW)[row].as_py()
            raise TooLarge(
                f"row {number} holds a value of {longest / (1 << 20):,.0f} MB"
                f" (more than {MAX_CELL_BYTES >> 20} MB is not an extract value)"
            )


# Working columns of the staged table, never stored: the rules a row breaks, whether
# it is quarantined, and the address keys it is resolved by.
BROKEN, BAD = "__broken", "__bad"
KEYS = A.KEYS


def _reasons(con: Any, source: str, t: ir.Table, rules: list[Any]) -> None:
    """One row in `quarantine_reasons` for each rule each bad row of the stage `t`
    breaks (its shape, its rules' bits, a gazetteer's duplicate UPRN)."""
    found = [
        t.filter(t.shape.notnull()).select(
            *LINEAGE,
            column=ibis.null("string"),
            value=t.raw_line,
            rule=ibis.literal("shape"),
            message=t.shape,
        )
    ]
    if rules:
        by_k = ibis.memtable(
            {
                "k": list(range(len(rules))),
                "bit": [1 << i for i in range(len(rules))],
                "column": [r.column for r in rules],
                "rule": [r.rule for r in rules],
                "message": [r.message for r in rules],
            },
            schema={
                "k": "int16",
                "bit": "int64",
                "column": "string",
                "rule": "string",
                "message": "string",
            },
        )
        flagged = t.filter(t[BROKEN] != 0)
        hit = flagged.cross_join(by_k)
        hit = hit.filter((hit[BROKEN] & hit.bit) != 0).order_by("row", "k")
        value = ibis.cases(
            *[(hit.k == i, hit[f"raw_{r.column}"]) for i, r in enumerate(rules)],
            else_=ibis.null("string"),
        )
        found.append(
            hit.select(*LINEAGE, column=hit.column, value=value, rule=hit.rule, message=hit.message)
        )
    if source == "gazetteer":
        d = t.filter(t["__dup"])
        found.append(
            d.select(
                *LINEAGE,
                column=ibis.literal("uprn"),
                value=d.raw_uprn,
                rule=ibis.literal("duplicate"),
                message=ibis.literal("the same UPRN appears on an earlier row"),
            )
        )
    W.insert(con, "quarantine_reasons", ibis.union(*found, distinct=False))


def _load_source(
    con: Any,
    source: str,
    raw: RawFile,
    drop_id: str,
    file_id: str,
    gaz: A.Gazetteer | None,
    refusal: tuple[str, str] | None = None,
) -> tuple[int, int, str]:
    """Stage, validate and store one file; (loaded, quarantined, rejection message).

    One pass over the file computes every typed column, the rules each row breaks and
    its address keys, into one temporary table (never committed); the reasons, the
    quarantined rows and the loaded rows are then one insert each, read from it.
    `refusal` (column, message) rejects the file as a whole, its rows quarantined.
    """
    staged, missing = _stage(con, source, raw, drop_id, file_id)
    spec = SOURCES[source].columns
    raw_cols = [f"raw_{c}" for c in spec]
    rejection = ""
    if refusal:
        missing, rejection = refusal
    elif missing.startswith("!"):
        rejection = f"column {missing[1:]!r} appears more than once in the header"
    elif missing:
        rejection = f"required column {missing!r} is missing"
    if rejection:
        # Rejected: every row is quarantined with the file's reason, so none is lost.
        bad = staged.select(
            *LINEAGE,
            column=ibis.literal(missing.lstrip("!")),
            value=ibis.null("string"),
            rule=ibis.literal("file_rejected"),
            message=ibis.literal(rejection),
        )
        W.insert(con, "quarantine_reasons", bad)
        _append(
            con,
            f"quarantine_{source}",
            staged.select(*LINEAGE, *raw_cols, "raw_line", "quality_flags"),
        )
        return 0, raw.rows, rejection

    clean = staged.mutate(**R.cleaned(source, staged))
    values = [R.value(c) for c in spec]
    typed = clean.mutate(**R.typed(source, clean))
    # Every rule a row breaks, as the bits of one number (rules apply to well-shaped
    # rows): arithmetic in one pass, no list per row.
    rules = R.reasons(source, typed, date.today())
    assert len(rules) < 63
    mask: Any = ibis.literal(0, "int64")
    for i, r in enumerate(rules):
        mask = mask + ibis.ifelse(r.broken.fill_null(False), ibis.literal(1 << i, "int64"), 0)
    broken = ibis.ifelse(typed.shape.isnull(), mask, ibis.literal(0, "int64"))
    checked = typed.mutate(**{BROKEN: broken})
    if source == "gazetteer":
        first = typed.uprn.isnull() | (
            ibis.row_number().over(ibis.window(group_by=typed.uprn, order_by=typed.row)) == 0
        )
        checked = checked.mutate(__dup=~first)
    elif source in ADDRESS_COLUMNS and gaz is not None:
        line1, pcol, town, uprn = ADDRESS_COLUMNS[source]
        checked = A.match_known(A.with_address_keys(checked, line1, pcol, town, uprn), gaz)
    checked = checked.mutate(
        **{
            BAD: checked.shape.notnull()
            | (checked[BROKEN] != 0)
            | (checked["__dup"] if source == "gazetteer" else ibis.literal(False))
        }
    )
    name = f"stage_{source}"
    # The stage holds what varies by row: the lineage's constants (a file id is 64
    # characters), the extra columns (stored already) and the address keys (recomputed
    # for the few rows steps 3 and 4 need) are not written into it.
    keys = [k for k in KEYS if k in checked.columns]
    staged_cols = [
        c
        for c in checked.columns
        if c not in (*values, *keys, *LINEAGE[:3]) and not c.startswith("extra_")
    ]
    t = W.temp_table(con, name, checked.select(*staged_cols))
    t = t.select(
        drop_id=ibis.literal(drop_id, "string"),
        file_id=ibis.literal(file_id, "string"),
        source=ibis.literal(source, "string"),
        **{c: t[c] for c in staged_cols},
    )

    n_bad = int(t.filter(t[BAD]).count().execute())
    if n_bad:  # else no row has a reason (a file of good rows, the usual case)
        _reasons(con, source, t, rules)
    if n_bad or not W.has_table(con, f"quarantine_{source}"):
        quarantined = t.filter(t[BAD])
        _append(
            con,
            f"quarantine_{source}",
            quarantined.select(*LINEAGE, *raw_cols, "raw_line", "quality_flags"),
        )
    good = t.filter(~t[BAD])
    stored = [c for c in typed.columns if c not in ("raw_line", "shape")]
    stored = [c for c in stored if not c.startswith("extra_") and c not in values]
    if source == "gazetteer":
        key = N.address_key(good.address_line1)
        good = good.select(*stored).mutate(
            address_key=key, number_key=N.number_key(key), town_key=N.name_key(good.town)
        )
    elif source in ADDRESS_COLUMNS:
        if gaz is None:
            good = good.select(*stored).mutate(
                address_uprn=ibis.null("string"),
                address_method=ibis.literal("no_gazetteer"),
                address_confidence=ibis.literal(0.0),
            )
        else:
            left = good.filter(A.unmatched(good))
            # Every address found by its UPRN or exactly: steps 3 and 4 have no row.
            rest = A.no_rest()
            if int(left.count().execute()):
                left = A.with_address_keys(left, line1, pcol, town, uprn).select("row", *KEYS)
                found = A.resolve_rest(left, gaz, town is not None)
                rest = W.temp_table(con, f"rest_{source}", found)
            good = A.attach(good, rest, stored)
    else:
        good = good.select(*stored)
    _append(con, f"src_{source}", good)
    con.drop_table(name, force=True)
    con.drop_table(f"rest_{source}", force=True)
    return raw.rows - n_bad, n_bad, ""


# ---------------------------------------------------------------- coverage


def _read_coverage(path: Path) -> tuple[dict[str, tuple[date, date]], list[str]]:
    out: dict[str, tuple[date, date]] = {}
    problems: list[str] = []
    try:
        raw = read_file(path, "csv")
    except (FileUnreadable, OSError) as exc:
        return out, [f"{COVERAGE_FILE} unreadable: {exc}"]
    pos = {name: i for i, name in enumerate(raw.header)}
    need = ("source", "coverage_start", "coverage_end")
    if any(n not in pos for n in need):
        return out, [f"{COVERAGE_FILE} lacks one of the columns {', '.join(need)}"]
    rows = raw.table.to_pylist()
    for r in rows:
        source = (r[f"c{pos['source']}"] or "").strip().lower()
        try:
            start = _parse_day(r[f"c{pos['coverage_start']}"])
            end = _parse_day(r[f"c{pos['coverage_end']}"])
        except ValueError:
            problems.append(f"{COVERAGE_FILE} row {r[ROW]}: dates not readable")
            continue
        if source not in SOURCES:
            problems.append(f"{COVERAGE_FILE} row {r[ROW]}: unknown source {source!r}")
        elif end < start:
            problems.append(f"{COVERAGE_FILE} row {r[ROW]}: coverage ends before it starts")
        elif start < R.EARLIEST_DATE:
            problems.append(f"{COVERAGE_FILE} row {r[ROW]}: coverage starts before 1900")
        else:
            out[source] = (start, end)
    return out, problems


def _parse_day(text: str | None) -> date:
    t = (text or "").strip()
    if re.fullmatch(r"\d{1,2}/\d{1,2}/\d{4}", t):
        d, m, y = t.split("/")
        return date(int(y), int(m), int(d))
    return date.fromisoformat(t)


def _inferred_coverage(con: Any, source: str, file_id: str) -> tuple[date | None, date | None]:
    name = f"src_{source}"
    if not W.has_table(con, name):
        return None, None
    t = con.table(name)
    t = t.filter(t.file_id == file_id)
    if source == "school_attendance":
        terms = t.select("academic_year", "term").distinct().execute()
        spans = [
            term_bounds(int(str(y)[:4]), str(k))
            for y, k in zip(terms["academic_year"], terms["term"], strict=True)
        ]
        if not spans:
            return None, None
        return min(s for s, _ in spans), max(e for _, e in spans)
    cols = R.event_dates(source)
    if not cols:
        return None, None
    lo = ibis.least(*[t[c] for c in cols]) if len(cols) > 1 else t[cols[0]]
    hi = ibis.greatest(*[t[c] for c in cols]) if len(cols) > 1 else t[cols[0]]
    res = t.aggregate(lo=lo.min(), hi=hi.max()).execute()
    first, last = res["lo"][0], res["hi"][0]
    return W.as_date(first), W.as_date(last)


# ---------------------------------------------------------------- the load


def load_drop(
    drop: Path,
    workspace: Path,
    drop_id: str | None = None,
    progress: Tick | None = None,
    la_code: str | None = None,
) -> LoadReport:
    """Load every source file of `drop`; all or nothing. See the module docstring.
    `la_code`: the council whose drop it is (recorded in `drops` and the manifest)."""
    if not drop.exists():
        raise LoadError(f"drop folder {drop} does not exist")
    if not drop.is_dir():
        raise LoadError(f"{drop} is not a folder: a drop is a folder of extract files")
    drop_id = default_drop_id(drop) if drop_id is None else drop_id
    check_drop_id(drop_id)
    tick = progress or (lambda _m, _d, _t: None)
    sources, problems, coverage_file = classify(drop)
    if not sources and not any(p.source for p in problems):
        others = f" (it holds {len(problems)} other files)" if problems else ""
        raise LoadError(
            f"{drop} holds no extract file named for a source, such as school_census.csv"
            f"{others}: nothing loaded"
        )
    steps = len(sources) + 2
    try:
        con = W.connect(workspace)  # first: a busy warehouse is reported before any work
    except W.WarehouseError as exc:
        raise LoadError(str(exc)) from None
    results: list[FileResult] = []
    now = datetime.now(UTC).replace(tzinfo=None)
    doing = str(W.warehouse_path(workspace))  # the file at work when an error came
    try:
        _remove_unrecorded_manifests(workspace)
        tick("hashing files", 0, steps)
        try:
            hashes = {s: sha256(p) for s, (p, _) in sources.items()}
        except OSError as exc:
            raise LoadError(f"cannot read {exc.filename}: {exc.strerror}") from None
        con.con.execute(f"SET memory_limit = '{MEMORY_LIMIT}'")
        # One thread: on this shared 2-core machine a second one cost more than it
        # gave (a 200,000-person drop: 42.8 s wall and 31.9 s CPU with two, 19.5 s and
        # 19.1 s with one; docs/benchmarks.md), and memory stays lower.
        con.con.execute(f"SET threads = {THREADS}")
        with W.transaction(con), ThreadPoolExecutor(1, "wholefamily-read") as pool:
            _ensure_bookkeeping(con)
            known = {
                r["file_id"]: r
                for r in con.table("load_files")
                .select(
                    "file_id",
                    "first_drop_id",
                    "rows_read",
                    "rows_loaded",
                    "rows_quarantined",
                    "status",
                    "message",
                    "encoding",
                )
                .to_pyarrow()
                .to_pylist()
            }
            gaz: ir.Table | None = None
            lookups: A.Gazetteer | None = None
            reads = _Reads([pf for s, pf in sources.items() if hashes[s] not in known], pool)
            for k, (source, (path, fmt)) in enumerate(sources.items(), start=1):
                tick(f"loading {source}", k, steps)
                doing = str(path)
                fid = hashes[source]
                res = FileResult(path.name, source, "loaded", file_id=fid)
                if fid in known:
                    prev = known[fid]
                    res.status = (
                        "unchanged" if prev["first_drop_id"] == drop_id else "already_loaded"
                    )
                    res.message = (
                        "same content as already loaded"
                        if res.status == "unchanged"
                        else f"same content already loaded with drop {prev['first_drop_id']}"
                    )
                    res.rows_read = prev["rows_read"]
                    res.rows_loaded = prev["rows_loaded"]
                    res.rows_quarantined = prev["rows_quarantined"]
                    res.encoding = prev["encoding"]
                else:
                    _load_file(con, res, reads.of(path), fmt, drop_id, lookups, now)
                if source == "gazetteer" and res.rows_loaded:
                    g = con.table("src_gazetteer")
                    gaz = g.filter(g.file_id == fid)
                    lookups = A.prepare(con, gaz)
                results.append(res)
                if source != "gazetteer" and gaz is None:
                    gaz = _latest_gazetteer(con)
                    lookups = None if gaz is None else A.prepare(con, gaz)
            tick("coverage and manifest", steps - 1, steps)
            doing = str(coverage_file) if coverage_file else doing
            declared, cov_problems = _read_coverage(coverage_file) if coverage_file else ({}, [])
            for res in results:
                if res.source is None or res.source == "gazetteer":
                    continue
                if res.source in declared:
                    res.coverage_start, res.coverage_end = declared[res.source]
                    res.coverage_from = COVERAGE_FILE
                elif res.file_id and res.rows_loaded:
                    res.coverage_start, res.coverage_end = _inferred_coverage(
                        con, res.source, res.file_id
                    )
                    res.coverage_from = "inferred" if res.coverage_start else None
            if coverage_file:
                results.append(
                    FileResult(
                        coverage_file.name,
                        None,
                        "coverage",
                        "; ".join(cov_problems) or f"coverage for {len(declared)} sources",
                    )
                )
            results.extend(problems)
            _write_manifest(con, drop_id, drop, results, now, la_code)
            report = LoadReport(drop_id, str(drop), results, la_code=la_code)
            where = manifest_relpath(drop_id)
            doing = str(workspace / where)
            path = W.record_file(con, workspace, where, _manifest_text(report, now))
            report.manifest_path = str(path)
            _pause("before-commit")
            doing = str(W.warehouse_path(workspace))  # the commit
        _pause("after-commit")
        W.restore_files(con, workspace)  # the manifest, now that the warehouse vouches for it
        tick("done", steps, steps)
    except duckdb.InterruptException:
        raise KeyboardInterrupt from None  # Ctrl-C inside a query: rolled back
    except TooLarge as exc:
        raise LoadError(f"{doing}: {exc}; nothing loaded, the warehouse is unchanged") from None
    except (duckdb.OutOfMemoryException, MemoryError) as exc:
        if _disk_full(exc):
            raise LoadError(_disk_full_message(exc, doing, workspace)) from None
        raise LoadError(
            f"{doing}: too large to load within the loader's memory ({MEMORY_LIMIT});"
            " nothing loaded, the warehouse is unchanged"
        ) from None
    except duckdb.Error as exc:
        if _disk_full(exc):
            raise LoadError(_disk_full_message(exc, doing, workspace)) from None
        first = str(exc).splitlines()[0]
        raise LoadError(
            f"the load stopped at {doing} and the warehouse is unchanged: {first}"
        ) from None
    except OSError as exc:
        if _disk_full(exc):
            raise LoadError(_disk_full_message(exc, doing, workspace)) from None
        raise LoadError(
            f"cannot write {exc.filename or doing}: {exc.strerror or exc};"
            " the warehouse is unchanged"
        ) from None
    finally:
        con.disconnect()
    return report


def manifest_relpath(drop_id: str) -> str:
    """Where a drop's manifest lives, relative to the workspace."""
    return f"drops/{drop_id}/manifest.json"


def _remove_unrecorded_manifests(workspace: Path) -> None:
    """Temp manifests of loads that never committed (the warehouse's own are restored
    on opening, so what is left is stale), and the folders they alone made."""
    for pending in (workspace / "drops").glob(f"*/manifest.json*{W.PENDING}"):
        pending.unlink(missing_ok=True)
        with suppress(OSError):  # not empty: an earlier drop's folder
            pending.parent.rmdir()


def _pause(point: str) -> None:
    """A hook for the tests that kill a load at a chosen moment: with
    WHOLEFAMILY_PAUSE_AT=<point>, say so on stderr and wait to be killed."""
    if os.environ.get(PAUSE_ENV) == point:
        print(f"paused at {point}", file=sys.stderr, flush=True)
        time.sleep(600)


def _disk_full(exc: BaseException) -> bool:
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        return True
    text = str(exc)
    return "No space left on device" in text or "disk is full" in text.lower()


def _disk_full_message(exc: BaseException, doing: str, workspace: Path) -> str:
    """Names the file that could not be written: the error's, else the one at work
    when it is the workspace's (the manifest, the warehouse), else the workspace."""
    target = getattr(exc, "filename", None)
    if not target:
        found = re.search(r'file "([^"]+)"', str(exc))
        target = found.group(1) if found else None
    inside = Path(doing).is_relative_to(workspace)
    target = target or (doing if inside else str(workspace))
    during = "" if inside or doing == target else f" while loading {doing}"
    return (
        f"the disk is full: cannot write {target}{during}; nothing loaded, the warehouse"
        " is unchanged (free some space and load again)"
    )


def latest_drop(con: Any) -> str | None:
    """The drop loaded last into this warehouse, or None if nothing was loaded."""
    if not W.has_table(con, "drops"):
        return None
    d = con.table("drops")
    res = d.order_by(ibis.desc(d.loaded_at)).limit(1).execute()
    return None if res.empty else str(res["drop_id"][0])


def _latest_gazetteer(con: Any) -> ir.Table | None:
    if not W.has_table(con, "src_gazetteer"):
        return None
    files = con.table("load_files")
    latest = (
        files.filter((files.source == "gazetteer") & (files.rows_loaded > 0))
        .order_by(ibis.desc(files.loaded_at))
        .limit(1)
        .execute()
    )
    if latest.empty:
        return None
    g = con.table("src_gazetteer")
    return g.filter(g.file_id == str(latest["file_id"][0]))


class _Reads:
    """The files to read, in order; each read, when small enough, on `pool`'s thread
    while the one before it loads (`PREFETCH_BYTES`). A read's error is raised when its
    file's turn comes, as if it had been read then."""

    def __init__(self, todo: list[tuple[Path, str]], pool: ThreadPoolExecutor) -> None:
        self.todo, self.pool = todo, pool
        self.started: dict[Path, Future[RawFile]] = {}

    def of(self, path: Path) -> Callable[[], RawFile]:
        """What reads `path` (read already, or being read); starts reading the next."""
        here = next(i for i, (p, _) in enumerate(self.todo) if p == path)
        fmt = self.todo[here][1]
        mine = self.started.pop(path, None)
        if here + 1 < len(self.todo):
            nxt, nfmt = self.todo[here + 1]
            with suppress(OSError):  # unreadable: its own turn says so
                if nxt.stat().st_size <= PREFETCH_BYTES:
                    self.started[nxt] = self.pool.submit(read_file, nxt, nfmt)
        return mine.result if mine is not None else lambda: read_file(path, fmt)


def _load_file(
    con: Any,
    res: FileResult,
    read: Callable[[], RawFile],
    fmt: str,
    drop_id: str,
    gaz: A.Gazetteer | None,
    now: datetime,
) -> None:
    assert res.source and res.file_id
    try:
        raw = read()
        res.encoding = raw.encoding if fmt == "csv" else None
        res.warnings = raw.warnings
        res.rows_read = raw.rows
        rejection = ""
        spec = SOURCES[res.source].columns
        nested = [name for name in raw.nested if name in spec]
        refusal = (
            (
                nested[0],
                f"column {nested[0]!r} holds nested values (lists or records), not one value "
                "per row: send it flat",
            )
            if nested
            else None
        )
        attention = raw.attention
        # The whole file in one pass: DuckDB spills to the workspace's temporary folder
        # beyond its memory limit, so memory does not grow with the file.
        n_loaded, n_bad, rejection = _load_source(
            con, res.source, raw, drop_id, res.file_id, gaz, refusal
        )
        res.rows_loaded += n_loaded
        res.rows_quarantined += n_bad
        del raw
        if rejection:
            res.status, res.message = "rejected", rejection
            hint = [w for w in res.warnings if "comma-separated" in w]
            if hint:
                res.message += f" ({hint[0]})"
        elif attention:
            res.status, res.message = "needs_attention", attention
    except FileUnreadable as exc:
        res.status, res.message = "rejected", str(exc)
    except OSError as exc:
        res.status, res.message = "rejected", f"cannot read the file: {exc.strerror or exc}"
    if res.rows_loaded + res.rows_quarantined != res.rows_read:
        raise AssertionError(f"{res.file_name}: loaded + quarantined != read")  # a bug
    con.con.execute(
        "INSERT INTO load_files VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
        [
            res.file_id,
            res.source,
            fmt,
            res.file_name,
            drop_id,
            res.status,
            res.message,
            res.rows_read,
            res.rows_loaded,
            res.rows_quarantined,
            res.encoding,
            "\n".join(res.warnings),
            now,
        ],
    )


def _write_manifest(
    con: Any,
    drop_id: str,
    drop: Path,
    results: list[FileResult],
    now: datetime,
    la_code: str | None = None,
) -> None:
    raw = con.con
    raw.execute("DELETE FROM drop_manifest WHERE drop_id = ?", [drop_id])
    raw.execute("DELETE FROM drops WHERE drop_id = ?", [drop_id])
    values = [drop_id, str(drop.resolve()), now, __version__]
    if la_code:
        # The council whose drop it is (its DfE LA code), for a run over several
        # councils: a column only warehouses that hold such a drop have.
        raw.execute("ALTER TABLE drops ADD COLUMN IF NOT EXISTS la_code VARCHAR")
        raw.execute(
            "INSERT INTO drops (drop_id, drop_path, loaded_at, version, la_code)"
            " VALUES (?,?,?,?,?)",
            [*values, la_code],
        )
    else:
        raw.execute(
            "INSERT INTO drops (drop_id, drop_path, loaded_at, version) VALUES (?,?,?,?)", values
        )
    for r in results:
        raw.execute(
            "INSERT INTO drop_manifest VALUES (?,?,?,?,?,?,?,?,?,?)",
            [
                drop_id,
                r.file_name,
                r.source,
                r.file_id,
                r.status,
                r.message,
                r.coverage_start,
                r.coverage_end,
                r.coverage_from,
                now,
            ],
        )


def _manifest_text(report: LoadReport, now: datetime) -> str:
    """The manifest's JSON: what each file of the drop was and became."""
    body = {
        "drop_id": report.drop_id,
        "drop_path": report.drop_path,
        **({"la_code": report.la_code} if report.la_code else {}),
        "loaded_at": now.isoformat(timespec="seconds"),
        "wholefamily": __version__,
        "files": [
            {k: (v.isoformat() if isinstance(v, date) else v) for k, v in asdict(f).items()}
            for f in report.files
        ],
    }
    return json.dumps(body, indent=2) + "\n"
