"""Parity: several councils in one run (`run --council LA=DROP ...`) on Spark write what
they write on DuckDB: one small pair of counties with families who moved between them,
run through the command line on DuckDB in one workspace and on Spark in another (each
loading the drops, training its own model, linking and identifying), every file of
OUT/<la>/ and OUT/councils.csv compared row for row after sorting.

Marked `spark`, skipped (saying why) where PySpark or Java is missing, as
tests/test_spark_parity.py is; a failure under .ci/run (WHOLEFAMILY_REQUIRE_SPARK=1).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from sparkkit import spark_or_skip
from test_councils import A, B, pair_of, run_pair
from wholefamily import spark_warehouse as S
from wholefamily import warehouse as W
from wholefamily.frameworks.councils import SUMMARY_FILE
from wholefamily.frameworks.identify import OUTPUT_FILES
from wholefamily.linkage.movers import movers_score

spark_or_skip()

pytestmark = pytest.mark.spark


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Small: Spark's cost here is per query, not per row."""
    return pair_of(tmp_path_factory.mktemp("pair") / "p", 1500, 60)


def _run(pair: Path, base: Path, engine: str) -> tuple[Path, Path]:
    ws, out = base / "ws", base / "out"
    res = run_pair(pair, ws, out, "--engine", engine)
    assert res.returncode == 0, res.stderr
    assert "Traceback" not in res.stderr
    return ws, out


@pytest.fixture(scope="module")
def on_duckdb(pair: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return _run(pair, tmp_path_factory.mktemp("duckdb"), "duckdb")


@pytest.fixture(scope="module")
def on_spark(
    pair: Path, on_duckdb: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, Path]:
    return _run(pair, tmp_path_factory.mktemp("spark"), "spark")


def _rows(path: Path) -> tuple[str, list[str]]:
    header, *rows = path.read_text(encoding="utf-8").splitlines()
    return header, sorted(rows)


def test_councils_on_spark_write_what_duckdb_writes(
    on_duckdb: tuple[Path, Path], on_spark: tuple[Path, Path]
) -> None:
    duck, spark = on_duckdb[1], on_spark[1]
    names = [f"{la}/{name}" for la in (A, B) for name in OUTPUT_FILES] + [SUMMARY_FILE]
    assert sorted(str(p.relative_to(spark)) for p in spark.rglob("*.csv")) == sorted(names)
    for name in names:
        duck_header, duck_rows = _rows(duck / name)
        spark_header, spark_rows = _rows(spark / name)
        assert spark_header == duck_header, name
        assert len(spark_rows) == len(duck_rows) > 0, name
        assert spark_rows == duck_rows, name
    for la in (A, B):  # the comparison says something: families, and needs in each
        assert len(_rows(duck / la / "families.csv")[1]) > 50, la
        assert _rows(duck / la / "family_needs.csv")[1], la


def test_the_spark_run_linked_on_spark(on_spark: tuple[Path, Path]) -> None:
    """The linkage is the Parquet copy's (a Spark link), not the DuckDB file's."""
    ws, _ = on_spark
    assert sorted(S.spark_linked(ws)) == sorted(S.LINK_TABLES)
    con = W.connect(ws, read_only=True)
    try:
        assert not W.has_table(con, "link_people")
    finally:
        con.disconnect()


def test_movers_keep_one_person_id_on_spark(
    pair: Path, on_duckdb: tuple[Path, Path], on_spark: tuple[Path, Path]
) -> None:
    spark = movers_score(pair, on_spark[1] / A, on_spark[1] / B)
    assert spark.people > 100
    assert spark.share >= 0.9, spark
    assert spark == movers_score(pair, on_duckdb[1] / A, on_duckdb[1] / B)
