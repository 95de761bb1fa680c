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

Load runs on DuckDB, so the Parquet copy is made from the DuckDB file: `export`
writes it, and `connect` (what `link` and `identify --engine spark` open) writes it
first whenever the DuckDB file has changed since the copy was made (its size and
modification time are recorded in the copy's `_source.json`).

`link --engine spark` writes its tables (`LINK_TABLES`) into the Parquet copy only,
and `_source.json` then lists them under `linked_on_spark`: from then on the copy is
their source of truth. A later export (a new load on DuckDB) takes every other table
from the DuckDB file and carries those over from the copy as they are, so the Spark
link (and its stable ids) is never thrown away; the DuckDB file's own `link_*` and
`mpi_*` tables are then older than the copy's, and a command that reads them on
DuckDB (`explain`, `review`, `web sync`) sees the last DuckDB link.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

from wholefamily import warehouse as W
from wholefamily.atomic import staged_folder

FOLDER = "spark-warehouse"
STAMP = "_source.json"
# What `link --engine spark` writes (the linkage's tables and the kept id tables).
LINK_TABLES = (
    "link_records",
    "link_identities",
    "link_pairs",
    "review_queue",
    "link_people",
    "link_meta",
    "mpi_keys",
    "mpi_families",
    "mpi_events",
)


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
    kept = spark_linked(workspace)
    con = W.connect(workspace, read_only=True)
    try:
        names = sorted(set(con.list_tables()) | set(kept))
        with staged_folder(folder(workspace), names=None) as staged:
            for name in names:
                if name in kept:  # the Spark link's: carried over, not copied from DuckDB
                    link_table(folder(workspace) / name, staged.path / name)
                    continue
                (staged.path / name).mkdir()
                target = str(staged.path / name / "part-0.parquet").replace("'", "''")
                con.con.execute(
                    f"COPY (SELECT * FROM \"{name}\") TO '{target}' "
                    "(FORMAT parquet, COMPRESSION zstd)"
                )
            write_stamp(staged.path, stamp, names, kept)
    finally:
        con.disconnect()
    return names


def write_stamp(
    where: Path, source: dict[str, Any], names: list[str], linked_on_spark: list[str]
) -> None:
    body: dict[str, Any] = {"source": source, "tables": sorted(names)}
    if linked_on_spark:
        body["linked_on_spark"] = sorted(linked_on_spark)
    (where / STAMP).write_text(json.dumps(body, indent=2) + "\n", encoding="utf-8")


def spark_linked(workspace: Path) -> list[str]:
    """The tables a Spark link wrote into the copy (its source of truth for them)."""
    rec = _recorded(workspace) or {}
    return [
        str(t) for t in rec.get("linked_on_spark", []) if os.path.isdir(folder(workspace) / str(t))
    ]


def forget_spark_link(workspace: Path) -> None:
    """A link on DuckDB has replaced the Spark link: the copy's tables are no longer the
    source of truth for it (the copy is stale and made again from the DuckDB file)."""
    rec = _recorded(workspace)
    if not rec or "linked_on_spark" not in rec:
        return
    rec.pop("linked_on_spark")
    stamp = folder(workspace) / STAMP
    tmp = stamp.with_name(STAMP + ".tmp")
    tmp.write_text(json.dumps(rec, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, stamp)


def link_table(src: Path, dst: Path) -> None:
    """A table's folder into another copy of the warehouse: its files hard-linked
    (copied where the file system cannot link)."""
    dst.mkdir()
    for p in sorted(src.iterdir()):
        if p.is_file():
            try:
                os.link(p, dst / p.name)
            except OSError:
                shutil.copy2(p, dst / p.name)


def recorded(workspace: Path) -> dict[str, Any]:
    return _recorded(workspace) or {}


def register(session: Any, workspace: Path) -> None:
    """Each table of the copy as a temporary view of its folder."""
    for name in recorded(workspace).get("tables", []):
        session.read.parquet(str(folder(workspace) / name)).createOrReplaceTempView(name)


def connect(workspace: Path) -> Any:
    """An Ibis connection on Spark's backend whose tables are the workspace's Parquet
    tables (each a temporary view of its folder); the copy is written first when it
    is missing or older than the DuckDB file."""
    import ibis

    from wholefamily.engine import spark_session

    if not is_fresh(workspace):
        export(workspace)
    session = spark_session()
    register(session, workspace)
    return ibis.pyspark.connect(session)


def tables(workspace: Path) -> list[str]:
    rec = _recorded(workspace) or {}
    return [str(t) for t in rec.get("tables", []) if os.path.isdir(folder(workspace) / str(t))]
