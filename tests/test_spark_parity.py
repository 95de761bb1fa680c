"""Parity: `identify` on Spark (Ibis's PySpark backend over the workspace's Parquet copy)
writes the same files as on DuckDB, for all four frameworks, on one small county.

Marked `spark`: `make test` leaves it out, .ci/run runs it after `make setup-spark`.
Skipped, saying why, where PySpark or Java is missing (a failure under .ci/run). One
Spark session for the module.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from test_cli import WF, user_env
from wholefamily import spark_warehouse as S
from wholefamily import warehouse as W
from wholefamily.engine import java, spark_session
from wholefamily.frameworks.identify import OUTPUT_FILES, identify
from wholefamily.ingest import load_drop
from wholefamily.linkage import link
from wholefamily.synth import SynthConfig, generate

# .ci/run sets WHOLEFAMILY_REQUIRE_SPARK=1 after `make setup-spark`: there a missing
# PySpark or Java is a failure, not a skip.
_MISSING = (
    "PySpark is not installed (make setup-spark)"
    if importlib.util.find_spec("pyspark") is None
    else "no Java for Spark (make setup-spark)"
    if java() is None
    else None
)
if _MISSING and os.environ.get("WHOLEFAMILY_REQUIRE_SPARK", "") == "1":
    pytest.fail(f"WHOLEFAMILY_REQUIRE_SPARK=1 but {_MISSING}", pytrace=False)
if _MISSING:
    pytest.skip(_MISSING, allow_module_level=True)

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
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("spark")
    generate(SynthConfig(people=3000, seed=11, as_of=AS_OF, out=root / "c"))
    load_drop(root / "c" / "drop", root / "ws", "d")
    link(root / "ws", "d", AS_OF)
    return root / "ws"


def _rows(path: Path) -> tuple[str, list[str]]:
    header, *rows = path.read_text(encoding="utf-8").splitlines()
    return header, sorted(rows)


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_identify_on_spark_writes_what_duckdb_writes(
    framework: str, workspace: Path, session: Any, tmp_path: Path
) -> None:
    on_duckdb = identify(workspace, framework, AS_OF, tmp_path / "duckdb")
    on_spark = identify(workspace, framework, AS_OF, tmp_path / "spark", engine="spark")
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


def test_identify_engine_spark_on_the_command_line(workspace: Path, tmp_path: Path) -> None:
    """The whole command in its own process (southampton-2013): its own Spark session,
    Spark's logging kept off stderr (but for the one line the JVM itself prints at
    start), the same files as DuckDB's."""
    args = ["--workspace", str(workspace), "--as-of", AS_OF.isoformat()]
    args += ["--framework", "southampton-2013", "--out", str(tmp_path / "spark")]
    res = subprocess.run(
        [*WF, "identify", *args, "--engine", "spark"],
        capture_output=True,
        text=True,
        env=user_env(),
        check=False,
        timeout=300,
    )
    assert res.returncode == 0, res.stderr
    said = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert [ln for ln in said if not ln.startswith(JVM_NOTICE)] == [], res.stderr
    s = identify(workspace, "southampton-2013", AS_OF, tmp_path / "duckdb")
    assert s.families > 100
    assert "eligible" in res.stdout
    for name in OUTPUT_FILES:
        assert _rows(tmp_path / "spark" / name) == _rows(tmp_path / "duckdb" / name), name
