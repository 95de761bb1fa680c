"""The warehouse on Spark: a folder of Parquet tables beside the DuckDB file.

`W/spark-warehouse/<table>/part-0.parquet`, one folder per table of the DuckDB
warehouse, with the same names, columns and types (the lineage columns `drop_id,
file_id, source, row` among them). Plain Parquet rather than Delta Lake or Iceberg:
Spark reads a folder of Parquet files with nothing else installed (Delta and Iceberg
each need a JVM package of their own, fetched at start-up or shipped beside Spark,
and a matching Python package), DuckDB writes it in one statement, and any engine
reads it. What Delta or Iceberg would add, transactions and time travel over tables
written in place, the copy does not need: it is written whole and exchanged into
place whole (`wholefamily.atomic`), so a reader sees the old copy or the new one.

In this step load and link still run on DuckDB, so the Parquet copy is made from the
DuckDB file: `export` writes it, and `connect` (what `identify --engine spark` opens)
writes it first whenever the DuckDB file has changed since the copy was made (its
size and modification time are recorded in the copy's `_source.json`).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from wholefamily import warehouse as W
from wholefamily.atomic import staged_folder

FOLDER = "spark-warehouse"
STAMP = "_source.json"


def folder(workspace: Path) -> Path:
    return workspace / FOLDER


def _source_stamp(workspace: Path) -> dict[str, int]:
    st = W.warehouse_path(workspace).stat()
    return {"size": st.st_size, "mtime_ns": st.st_mtime_ns}


def _recorded(workspace: Path) -> dict[str, Any] | None:
    try:
        data = json.loads((folder(workspace) / STAMP).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def is_fresh(workspace: Path) -> bool:
    """The Parquet copy was made from the DuckDB file as it is now."""
    rec = _recorded(workspace)
    if rec is None or not W.warehouse_path(workspace).exists():
        return False
    return bool(rec.get("source") == _source_stamp(workspace))


def export(workspace: Path) -> list[str]:
    """Write every table of the DuckDB warehouse as Parquet (the whole folder replaced
    at once); returns the tables' names."""
    if not W.warehouse_path(workspace).exists():
        raise W.WarehouseError(f"no warehouse in {workspace}: run `wholefamily load` first")
    stamp = _source_stamp(workspace)
    con = W.connect(workspace, read_only=True)
    try:
        names = sorted(con.list_tables())
        with staged_folder(folder(workspace), names=None) as staged:
            for name in names:
                (staged.path / name).mkdir()
                target = str(staged.path / name / "part-0.parquet").replace("'", "''")
                con.con.execute(
                    f"COPY (SELECT * FROM \"{name}\") TO '{target}' "
                    "(FORMAT parquet, COMPRESSION zstd)"
                )
            body = {"source": stamp, "tables": names}
            (staged.path / STAMP).write_text(json.dumps(body, indent=2) + "\n", encoding="utf-8")
    finally:
        con.disconnect()
    return names


def connect(workspace: Path) -> Any:
    """An Ibis connection on Spark's backend whose tables are the workspace's Parquet
    tables (each a temporary view of its folder); the copy is written first when it
    is missing or older than the DuckDB file."""
    import ibis

    from wholefamily.engine import spark_session

    if not is_fresh(workspace):
        export(workspace)
    rec = _recorded(workspace) or {}
    session = spark_session()
    for name in rec.get("tables", []):
        path = folder(workspace) / name
        session.read.parquet(str(path)).createOrReplaceTempView(name)
    return ibis.pyspark.connect(session)


def tables(workspace: Path) -> list[str]:
    rec = _recorded(workspace) or {}
    return [str(t) for t in rec.get("tables", []) if os.path.isdir(folder(workspace) / str(t))]
