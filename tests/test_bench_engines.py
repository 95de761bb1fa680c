"""`bench engines`: the comparison of the two engines' outputs and the projection's
arithmetic (the benchmark itself runs Spark, so it is run by hand: docs/benchmarks.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

from test_cli import WF, assert_one_line_error, user_env
from wholefamily.cli.bench_engines import differing, eligible_families, growth, projected


def _write(folder: Path, name: str, rows: list[str]) -> None:
    folder.mkdir(exist_ok=True)
    (folder / name).write_text("\n".join(["a,b", *rows]) + "\n", encoding="utf-8")


def test_rows_in_another_order_are_the_same_and_a_changed_row_is_not(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    _write(a, "people.csv", ["1,x", "2,y", "2,y"])
    _write(b, "people.csv", ["2,y", "1,x", "2,y"])
    assert differing(a, b, ("people.csv",)) == []
    _write(b, "people.csv", ["2,y", "1,x", "1,x"])  # same set, other multiset
    assert differing(a, b, ("people.csv",)) == ["people.csv"]
    _write(b, "people.csv", ["1,x", "2,y"])  # one row fewer
    assert differing(a, b, ("people.csv",)) == ["people.csv"]
    assert differing(a, b, ("families.csv",)) == ["families.csv"]  # in neither folder


def test_eligible_families_counts_the_y_rows(tmp_path: Path) -> None:
    (tmp_path / "families.csv").write_text(
        "family_id,eligible\nF1,Y\nF2,N\nF3,Y\n", encoding="utf-8"
    )
    assert eligible_families(tmp_path) == 2


def test_growth_and_projection_go_through_both_points() -> None:
    b = growth(200_000, 30.0, 1_000_000, 150.0 * 5**0.2)
    assert b == pytest.approx(1.2)
    assert projected(1_000_000, 100.0, 1.0, 10_000_000) == pytest.approx(1000.0)
    assert projected(1_000_000, 100.0, b, 1_000_000) == pytest.approx(100.0)


def test_without_spark_it_says_how_to_install_it(tmp_path: Path) -> None:
    import subprocess

    env = {**user_env(), "JAVA_HOME": str(tmp_path / "no-jdk")}
    res = subprocess.run(
        [*WF, "bench", "engines", "--people", "1000"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        check=False,
        timeout=120,
    )
    assert_one_line_error(res, "bench engines needs Java 17")
