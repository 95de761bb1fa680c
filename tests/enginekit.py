"""A tiny hand-built warehouse for engine and outcome tests: one family, an adult and a child."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import duckdb

from wholefamily import warehouse as W
from wholefamily.frameworks.engine import evidence

T = date(2025, 3, 31)
ADULT, CHILD = "P1", "P2"


class Warehouse:
    def __init__(self, ws: Path) -> None:
        self.ws = ws
        ws.mkdir(parents=True, exist_ok=True)
        self.db = duckdb.connect(str(W.warehouse_path(ws)))
        self.db.execute(
            "CREATE TABLE drop_manifest (drop_id VARCHAR, source VARCHAR, file_id VARCHAR)"
        )
        self.db.execute("CREATE TABLE load_files (file_id VARCHAR, rows_loaded BIGINT)")
        self.db.execute(
            "CREATE TABLE link_records (source VARCHAR, row BIGINT, identity_id VARCHAR)"
        )
        self.db.execute("CREATE TABLE mpi_keys (key VARCHAR, person_id VARCHAR)")
        self.db.execute(
            "CREATE TABLE link_people "
            "(person_id VARCHAR, family_id VARCHAR, role VARCHAR, dob DATE)"
        )
        self.db.execute(
            "INSERT INTO link_people VALUES ('P1', 'F1', 'ADULT', '1985-06-01'), "
            "('P2', 'F1', 'CHILD', '2012-05-05')"
        )
        self.db.execute("INSERT INTO mpi_keys VALUES ('i1', 'P1'), ('i2', 'P2')")
        self.rows: dict[str, int] = {}

    def add(self, source: str, person: str, **cols: Any) -> int:
        """A row of `source` for `person`; creates the table on first use."""
        names = ["file_id", "row", *cols]
        if source not in self.rows:
            types = ", ".join(
                f'"{n}" {"BIGINT" if n == "row" else _type(n, cols.get(n))}' for n in names
            )
            self.db.execute(f"CREATE TABLE src_{source} ({types})")
            self.db.execute("INSERT INTO drop_manifest VALUES ('d', ?, ?)", [source, f"f_{source}"])
            self.db.execute("INSERT INTO load_files VALUES (?, 1)", [f"f_{source}"])
            self.rows[source] = 0
        self.rows[source] += 1
        row = self.rows[source]
        marks = ", ".join("?" for _ in names)
        cols_sql = ", ".join(f'"{n}"' for n in names)
        self.db.execute(
            f"INSERT INTO src_{source} ({cols_sql}) VALUES ({marks})",
            [f"f_{source}", row, *cols.values()],
        )
        ident = "i1" if person == ADULT else "i2"
        self.db.execute("INSERT INTO link_records VALUES (?, ?, ?)", [source, row, ident])
        return row

    def evidence(self, need: dict[str, Any], as_of: date = T) -> set[tuple[str, int]]:
        self.db.close()
        con = W.connect(self.ws, read_only=True)
        try:
            fw = {"needs": {"N": {"description": "x", "any_of": [need]}}}
            got = evidence(con, fw, "d", as_of).execute()
        finally:
            con.disconnect()
        self.db = duckdb.connect(str(W.warehouse_path(self.ws)))
        return set(zip(got["source"], got["row"].astype(int), strict=True))


def _type(name: str, value: Any) -> str:
    if isinstance(value, date) or name.endswith("date"):
        return "DATE"
    if isinstance(value, int):
        return "BIGINT"
    if isinstance(value, float):
        return "DOUBLE"
    return "VARCHAR"
