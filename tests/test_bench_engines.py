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


def test_the_projection_and_the_cluster_it_implies(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each stage doubles in time when the county is five times larger (exponent 0.43),
    the pairs grow with the county (1.00): a stage is projected no slower than its work
    grows, so with exponent 1; the cores are Spark's link and identify in core-seconds
    over one hour."""
    import sys

    from wholefamily.cli import common
    from wholefamily.cli.bench_engines import ENGINES, STAGES, Size, _print_projection

    small, large = Size(200_000, pairs=1_000), Size(1_000_000, pairs=5_000)
    for e in ENGINES:
        for stage in STAGES:
            small.seconds[(e, stage)] = 100.0
            large.seconds[(e, stage)] = 200.0
    monkeypatch.setattr(common.out, "file", sys.stdout)  # the console predates capsys
    _print_projection([small, large], [10_000_000], cores=2)
    said = capsys.readouterr().out
    assert "link, Spark (0.43, 1.00)" in said and "load, DuckDB (0.43, 1.00)" in said
    assert "candidate pairs (1.00)" in said and "50,000" in said  # the pairs at 10 million
    assert "33 min" in said  # 200 s at 1 million, ten times the work
    # Spark's link and identify, 2,000 s each, on 2 cores: 8,000 core-seconds.
    assert "about 2.2 core-hours" in said and "about 3 cores for a run of 1 hour" in said
