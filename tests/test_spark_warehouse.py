"""The warehouse's Parquet copy for Spark (`wholefamily.spark_warehouse`), written and
read here without Spark: every table under its own name with its columns, types and
rows, made again when the DuckDB file changes, replaced whole."""

from __future__ import annotations

import json
import os
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from enginekit import ADULT, Warehouse
from wholefamily import spark_warehouse as S
from wholefamily import warehouse as W


def _warehouse(ws: Path) -> None:
    w = Warehouse(ws)
    w.add("housing", ADULT, event_date="2025-01-02", tenancy_ref="T1")
    w.db.execute("CREATE TABLE drops (drop_id VARCHAR, loaded_at TIMESTAMP)")
    w.db.execute("INSERT INTO drops VALUES ('d', TIMESTAMP '2025-03-31 10:11:12')")
    w.db.execute("CREATE TABLE link_identities (identity_id VARCHAR, keys VARCHAR[])")
    w.db.execute("INSERT INTO link_identities VALUES ('i1', ['a', 'b'])")
    w.db.close()


def test_every_table_under_its_name_with_its_columns_and_rows(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    _warehouse(ws)
    assert not S.is_fresh(ws)
    names = S.export(ws)
    db = duckdb.connect(str(W.warehouse_path(ws)), read_only=True)
    try:
        tables = sorted(r[0] for r in db.execute("SHOW TABLES").fetchall())
        assert names == tables
        assert S.tables(ws) == tables
        for name in tables:
            copy = pq.read_table(S.folder(ws) / name)
            original = db.execute(f'SELECT * FROM "{name}"').fetch_arrow_table()
            assert copy.schema.names == original.schema.names, name
            assert (
                copy.sort_by(copy.schema.names[0]).to_pylist()
                == original.sort_by(original.schema.names[0]).to_pylist()
            ), name
    finally:
        db.close()
    lineage = pq.read_table(S.folder(ws) / "src_housing").schema.names
    assert {"file_id", "row"} <= set(lineage)
    assert S.is_fresh(ws)


def test_made_again_when_the_duckdb_file_changes(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    _warehouse(ws)
    S.export(ws)
    db = duckdb.connect(str(W.warehouse_path(ws)))
    db.execute("INSERT INTO drops VALUES ('e', TIMESTAMP '2025-04-01 00:00:00')")
    db.execute("CREATE TABLE extra (x BIGINT)")
    db.close()
    st = W.warehouse_path(ws).stat()  # a change within the clock's tick still counts
    os.utime(W.warehouse_path(ws), ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))
    assert not S.is_fresh(ws)
    S.export(ws)
    assert S.is_fresh(ws)
    assert "extra" in S.tables(ws)
    assert pq.read_table(S.folder(ws) / "drops").num_rows == 2
    # Replaced whole: nothing of the old copy, and nothing beside it, is left.
    assert sorted(p.name for p in ws.iterdir() if p.name.startswith(S.FOLDER)) == [S.FOLDER]
    stamp = json.loads((S.folder(ws) / S.STAMP).read_text())
    assert stamp["tables"] == S.tables(ws)


def test_no_warehouse_no_copy(tmp_path: Path) -> None:
    with pytest.raises(W.WarehouseError, match="run `wholefamily load` first"):
        S.export(tmp_path / "empty")
    assert not (tmp_path / "empty" / S.FOLDER).exists()
    assert not S.is_fresh(tmp_path / "empty")


def _as_if_linked_on_spark(ws: Path) -> None:
    """The copy as a Spark link leaves it: `link_identities` its own (other rows than
    the DuckDB file's) and listed under `linked_on_spark`."""
    S.export(ws)
    table = S.folder(ws) / "link_identities"
    for p in table.iterdir():
        p.unlink()
    db = duckdb.connect()
    target = str(table / "part-0.parquet")
    db.execute(
        f"COPY (SELECT 'spark1' AS identity_id, ['x'] AS keys) TO '{target}' (FORMAT parquet)"
    )
    db.close()
    stamp = S.folder(ws) / S.STAMP
    body = json.loads(stamp.read_text())
    stamp.write_text(json.dumps({**body, "linked_on_spark": ["link_identities"]}))


def test_a_new_copy_keeps_a_spark_links_tables_until_a_duckdb_link(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    _warehouse(ws)
    _as_if_linked_on_spark(ws)
    # A new load changes the DuckDB file: the copy is made again, the Spark link kept.
    st = W.warehouse_path(ws).stat()
    os.utime(W.warehouse_path(ws), ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    assert not S.is_fresh(ws)
    S.export(ws)
    rows = pq.read_table(S.folder(ws) / "link_identities").to_pylist()
    assert rows == [{"identity_id": "spark1", "keys": ["x"]}]
    assert S.spark_linked(ws) == ["link_identities"]
    assert pq.read_table(S.folder(ws) / "drops").num_rows == 1  # the rest from DuckDB
    # A link on DuckDB takes the linkage back: the next copy is the DuckDB file's.
    S.forget_spark_link(ws)
    assert S.spark_linked(ws) == []
    S.export(ws)
    rows = pq.read_table(S.folder(ws) / "link_identities").to_pylist()
    assert rows == [{"identity_id": "i1", "keys": ["a", "b"]}]
