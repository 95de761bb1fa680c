"""Parity: `link` and `identify` on Spark (Ibis's PySpark backend over the workspace's
Parquet copy, Splink's Spark linker) write the same files as on DuckDB, for all four
frameworks, on one small county: one drop loaded once, linked on DuckDB in one
workspace and on Spark (a model trained afresh there) in a copy of it.

Marked `spark`: `make test` leaves it out, .ci/run runs it after `make setup-spark`.
Skipped, saying why, where PySpark or Java is missing (a failure under .ci/run). One
Spark session for the module.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from sparkkit import spark_or_skip
from test_cli import WF, user_env
from wholefamily import spark_warehouse as S
from wholefamily import warehouse as W
from wholefamily.engine import spark_session
from wholefamily.frameworks.identify import OUTPUT_FILES, identify
from wholefamily.ingest import load_drop
from wholefamily.linkage import LinkError, LinkReport, link
from wholefamily.linkage.link import OUTPUT_FILES as LINK_FILES
from wholefamily.synth import SynthConfig, generate

spark_or_skip()

pytestmark = pytest.mark.spark

AS_OF = date(2025, 3, 31)
# The fourth framework, southampton-2013, is compared through the command line below
# (a Spark session of its own costs a JVM's start: once is enough).
FRAMEWORKS = ("tf-2012", "tf-2015", "sf-2022")
# Java's own line when Spark 4 starts it with the vector module; not Spark's logging.
JVM_NOTICE = "WARNING: Using incubator modules"


@pytest.fixture(scope="module")
def session() -> Iterator[Any]:
    s = spark_session()
    yield s
    s.stop()


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("spark")
    generate(SynthConfig(people=3000, seed=11, as_of=AS_OF, out=root / "c"))
    load_drop(root / "c" / "drop", root / "loaded", "d")
    return root / "loaded"


@pytest.fixture(scope="module")
def workspace(loaded: Path) -> Path:
    """Linked on DuckDB."""
    ws = loaded.with_name("ws")
    shutil.copytree(loaded, ws)
    link(ws, "d", AS_OF)
    return ws


@pytest.fixture(scope="module")
def spark_linked(loaded: Path, workspace: Path, session: Any) -> tuple[Path, LinkReport]:
    """The same drop linked on Spark (no model yet: trained in this link)."""
    ws = loaded.with_name("ws-spark")
    shutil.copytree(loaded, ws)
    return ws, link(ws, "d", AS_OF, engine="spark")


def test_link_on_spark_writes_what_duckdb_writes(
    workspace: Path, spark_linked: tuple[Path, LinkReport]
) -> None:
    ws, report = spark_linked
    duck = workspace / "runs" / "d"
    assert report.model == "trained"
    assert report.persons > 2000 and report.families > 100
    for name in LINK_FILES:
        duck_rows, spark_rows = _rows(duck / name), _rows(ws / "runs" / "d" / name)
        assert len(spark_rows[1]) == len(duck_rows[1]) > 1000, name
        assert spark_rows == duck_rows, name
    # Its tables are the Parquet copy's, not the DuckDB file's (which holds no link).
    assert sorted(S.spark_linked(ws)) == sorted(S.LINK_TABLES)
    duckdb_file = W.connect(ws, read_only=True)
    try:
        assert not W.has_table(duckdb_file, "link_people")
    finally:
        duckdb_file.disconnect()


def test_a_new_copy_from_duckdb_keeps_the_spark_link(
    spark_linked: tuple[Path, LinkReport], session: Any
) -> None:
    ws, report = spark_linked
    before = S.connect(ws).table("mpi_keys").count().execute()
    st = W.warehouse_path(ws).stat()  # the DuckDB file changes (a new load, say)
    os.utime(W.warehouse_path(ws), ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    spark = S.connect(ws)
    assert S.is_fresh(ws)
    assert sorted(S.spark_linked(ws)) == sorted(S.LINK_TABLES)
    assert spark.table("mpi_keys").count().execute() == before > 0
    assert spark.table("link_people").count().execute() == report.persons


def _rows(path: Path) -> tuple[str, list[str]]:
    header, *rows = path.read_text(encoding="utf-8").splitlines()
    return header, sorted(rows)


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_identify_on_spark_writes_what_duckdb_writes(
    framework: str, workspace: Path, spark_linked: tuple[Path, LinkReport], tmp_path: Path
) -> None:
    """Linked and identified on DuckDB against linked and identified on Spark."""
    on_duckdb = identify(workspace, framework, AS_OF, tmp_path / "duckdb")
    on_spark = identify(spark_linked[0], framework, AS_OF, tmp_path / "spark", engine="spark")
    assert on_spark == replace(on_duckdb, out=str(tmp_path / "spark"))
    assert on_duckdb.families > 100
    assert on_duckdb.eligible > 0
    for name in OUTPUT_FILES:
        duck_header, duck_rows = _rows(tmp_path / "duckdb" / name)
        spark_header, spark_rows = _rows(tmp_path / "spark" / name)
        assert spark_header == duck_header, name
        assert len(spark_rows) == len(duck_rows), name
        assert spark_rows == duck_rows, name
    need_rows = _rows(tmp_path / "duckdb" / "family_needs.csv")[1]
    assert need_rows, "the county shows no need at all: the comparison would say nothing"


def test_the_parquet_copy_has_the_warehouses_tables_and_follows_it(
    workspace: Path, session: Any
) -> None:
    S.export(workspace)
    assert S.is_fresh(workspace)
    con = W.connect(workspace, read_only=True)
    try:
        duck = {t: con.table(t).schema() for t in con.list_tables()}
        people = con.table("link_people").count().execute()
    finally:
        con.disconnect()
    spark = S.connect(workspace)
    assert sorted(S.tables(workspace)) == sorted(duck)
    for name, schema in duck.items():
        assert list(spark.table(name).columns) == list(schema.names), name
    for lineage in ("drop_id", "file_id", "source", "row"):
        assert lineage in spark.table("src_housing").columns
    assert spark.table("link_people").count().execute() == people > 0
    # The DuckDB file changes (a new load, a new linkage): the copy is made again.
    st = W.warehouse_path(workspace).stat()
    os.utime(W.warehouse_path(workspace), ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    assert not S.is_fresh(workspace)
    S.connect(workspace)
    assert S.is_fresh(workspace)


def _wholefamily(*args: str) -> subprocess.CompletedProcess[str]:
    """The command line in a process of its own, in a user's environment."""
    return subprocess.run(
        [*WF, *args], capture_output=True, text=True, env=user_env(), check=False, timeout=300
    )


def test_load_on_spark_writes_the_warehouse_spark_reads(loaded: Path, tmp_path: Path) -> None:
    """`load --engine spark`: the drop read and checked as on DuckDB, then its Parquet
    copy, fresh, so the Spark link that follows reads it as it is."""
    ws = tmp_path / "ws"
    drop = loaded.with_name("c") / "drop"
    res = _wholefamily("load", str(drop), "--workspace", str(ws), "--engine", "spark")
    assert res.returncode == 0, res.stderr
    assert "The warehouse for Spark" in res.stdout and "link --engine spark" in res.stdout
    assert S.is_fresh(ws)
    con = W.connect(ws, read_only=True)
    try:
        assert sorted(S.tables(ws)) == sorted(con.list_tables())
    finally:
        con.disconnect()
    assert "src_housing" in S.tables(ws)


def test_identify_engine_spark_on_the_command_line(
    workspace: Path, spark_linked: tuple[Path, LinkReport], tmp_path: Path
) -> None:
    """The whole command in its own process (southampton-2013, on the Spark link): its
    own Spark session, Spark's logging kept off stderr (but for the one line the JVM
    itself prints at start), the same files as DuckDB's."""
    args = ["--workspace", str(spark_linked[0]), "--as-of", AS_OF.isoformat()]
    args += ["--framework", "southampton-2013", "--out", str(tmp_path / "spark")]
    res = _wholefamily("identify", *args, "--engine", "spark")
    assert res.returncode == 0, res.stderr
    said = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert [ln for ln in said if not ln.startswith(JVM_NOTICE)] == [], res.stderr
    s = identify(workspace, "southampton-2013", AS_OF, tmp_path / "duckdb")
    assert s.families > 100
    assert "eligible" in res.stdout
    for name in OUTPUT_FILES:
        assert _rows(tmp_path / "spark" / name) == _rows(tmp_path / "duckdb" / name), name


def test_a_failed_spark_job_is_one_line_and_names_the_memory_settings() -> None:
    from pyspark.errors import PySparkException

    from wholefamily.linkage.stores import SparkStore

    store = SparkStore.__new__(SparkStore)  # no session: only its error wording
    with pytest.raises(LinkError) as caught, store.failures(LinkError):
        raise PySparkException("[UNABLE_TO_ACQUIRE_MEMORY] Unable to acquire memory\n\tat x")
    said = str(caught.value)
    assert "\n" not in said
    assert said.startswith("Spark failed: [UNABLE_TO_ACQUIRE_MEMORY]")
    assert "SPARK_DRIVER_MEMORY" in said and said.endswith("nothing was linked")
