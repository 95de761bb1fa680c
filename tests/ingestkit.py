"""Helpers for the ingest tests: small drops written by hand, warehouse queries."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import duckdb

from wholefamily.sources.schema import SOURCES
from wholefamily.warehouse import warehouse_path


def write_csv(
    path: Path, header: list[str], rows: list[list[str]], encoding: str = "utf-8"
) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding=encoding) as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


def row_of(source: str, **values: str) -> list[str]:
    """A row in spec column order; unnamed columns empty."""
    return [values.get(c, "") for c in SOURCES[source].columns]


def header(source: str) -> list[str]:
    return list(SOURCES[source].columns)


def query(workspace: Path, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    con = duckdb.connect(str(warehouse_path(workspace)), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def tables(workspace: Path) -> list[str]:
    return [r[0] for r in query(workspace, "SELECT table_name FROM information_schema.tables")]


def snapshot(workspace: Path) -> dict[str, tuple[int, Any]]:
    """Each table's row count and a content checksum: equal snapshots, equal warehouse."""
    out: dict[str, tuple[int, Any]] = {}
    con = duckdb.connect(str(warehouse_path(workspace)), read_only=True)
    try:
        names = [
            r[0]
            for r in con.execute(
                "SELECT table_name FROM information_schema.tables ORDER BY 1"
            ).fetchall()
        ]
        for name in names:
            row = con.execute(
                f'SELECT count(*), coalesce(sum(hash(t::VARCHAR)), 0) FROM "{name}" AS t'
            ).fetchone()
            assert row is not None
            out[name] = (int(row[0]), row[1])
    finally:
        con.close()
    return out


def file_counts(workspace: Path) -> dict[str, tuple[int, int, int]]:
    """file_id -> (read, loaded, quarantined) from the bookkeeping."""
    rows = query(
        workspace, "SELECT file_id, rows_read, rows_loaded, rows_quarantined FROM load_files"
    )
    return {r[0]: (r[1], r[2], r[3]) for r in rows}


def stored_counts(workspace: Path, source: str, file_id: str) -> tuple[int, int]:
    """(rows in src_<source>, rows in quarantine_<source>) for one file."""
    names = tables(workspace)
    loaded = quarantined = 0
    if f"src_{source}" in names:
        loaded = query(
            workspace, f"SELECT count(*) FROM src_{source} WHERE file_id = ?", [file_id]
        )[0][0]
    if f"quarantine_{source}" in names:
        quarantined = query(
            workspace, f"SELECT count(*) FROM quarantine_{source} WHERE file_id = ?", [file_id]
        )[0][0]
    return int(loaded), int(quarantined)
