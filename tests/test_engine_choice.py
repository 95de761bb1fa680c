"""The engine choice (`--engine`, WHOLEFAMILY_ENGINE): DuckDB by default, Spark when asked
for and installed; every bad choice one line on stderr, exit status 2."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from test_cli import WF, assert_one_line_error, user_env
from wholefamily.engine import ENV_VAR, EngineChoiceError, choose, driver_memory

IDENTIFY = ["identify", "--as-of", "2025-03-31", "--framework", "tf-2015"]


def _run(
    args: list[str], tmp_path: Path, env: dict[str, str] | None = None, prelude: str = ""
) -> subprocess.CompletedProcess[str]:
    """The command line in a user's environment, changed by `env` (a value of None
    removes the variable); `prelude` runs in the process before the command."""
    full = user_env()
    full.pop(ENV_VAR, None)
    for k, v in (env or {}).items():
        if v is None:
            full.pop(k, None)
        else:
            full[k] = v
    argv = f"sys.argv = ['wholefamily', *{args!r}]"
    code = "\n".join([prelude, "import sys", "from wholefamily.cli import main", argv, "main()"])
    cmd = [sys.executable, "-c", code] if prelude else [*WF, *args]
    return subprocess.run(
        cmd, capture_output=True, text=True, cwd=tmp_path, env=full, check=False, timeout=120
    )


def test_driver_memory_is_the_variable_or_half_the_machine() -> None:
    assert driver_memory({"SPARK_DRIVER_MEMORY": " 3g "}) == "3g"
    half = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2 // 2**30
    chosen = driver_memory({"SPARK_DRIVER_MEMORY": ""})
    assert chosen == f"{max(2, min(16, half))}g"
    assert chosen.endswith("g") and 2 <= int(chosen[:-1]) <= 16


def test_duckdb_unless_told_otherwise_and_the_option_wins() -> None:
    assert choose(None, {}) == "duckdb"
    assert choose(None, {ENV_VAR: ""}) == "duckdb"
    assert choose(None, {ENV_VAR: "spark"}) == "spark"
    assert choose(None, {ENV_VAR: " Spark "}) == "spark"
    assert choose("duckdb", {ENV_VAR: "spark"}) == "duckdb"
    assert choose("spark", {ENV_VAR: "duckdb"}) == "spark"
    with pytest.raises(EngineChoiceError, match="--engine must be duckdb or spark, not 'oracle'"):
        choose("oracle", {})
    with pytest.raises(EngineChoiceError, match=f"{ENV_VAR} must be duckdb or spark"):
        choose(None, {ENV_VAR: "postgres"})


@pytest.mark.parametrize("command", [["load", "drop"], ["link"], [*IDENTIFY, "--out", "o"]])
def test_an_unknown_engine_names_the_two(command: list[str], tmp_path: Path) -> None:
    res = _run([*command, "--engine", "oracle"], tmp_path)
    assert_one_line_error(res, "--engine must be duckdb or spark, not 'oracle'")


def test_an_unknown_engine_in_the_environment_names_the_variable(tmp_path: Path) -> None:
    res = _run([*IDENTIFY, "--out", "o"], tmp_path, {ENV_VAR: "oracle"})
    assert_one_line_error(res, f"{ENV_VAR} must be duckdb or spark, not 'oracle'")


@pytest.mark.parametrize(
    "java_home", [None, "/nowhere/jdk"], ids=["no java on the PATH", "JAVA_HOME empty"]
)
def test_spark_without_java_says_how_to_install_it(java_home: str | None, tmp_path: Path) -> None:
    empty = tmp_path / "bin"
    empty.mkdir()
    env = {"PATH": str(empty), "JAVA_HOME": java_home}
    res = _run([*IDENTIFY, "--out", "o", "--engine", "spark"], tmp_path, env)
    assert_one_line_error(res, "apt-get install openjdk-17-jre-headless")
    assert "needs Java 17" in res.stderr
    # The environment's choice is checked the same way.
    res = _run([*IDENTIFY, "--out", "o"], tmp_path, {**env, ENV_VAR: "spark"})
    assert_one_line_error(res, "apt-get install openjdk-17-jre-headless")
    assert f"{ENV_VAR}=spark needs Java 17" in res.stderr
    assert not (tmp_path / "o").exists()


def test_spark_without_pyspark_names_the_extra(tmp_path: Path) -> None:
    jdk = tmp_path / "jdk"
    (jdk / "bin").mkdir(parents=True)
    (jdk / "bin" / "java").write_text("#!/bin/sh\nexit 0\n")
    (jdk / "bin" / "java").chmod(0o755)
    hide = "import sys\nsys.modules['pyspark'] = None  # as if PySpark were not installed"
    res = _run(
        [*IDENTIFY, "--out", "o", "--engine", "spark"], tmp_path, {"JAVA_HOME": str(jdk)}, hide
    )
    assert_one_line_error(res, "pip install 'wholefamily[spark]'")


RUN = ["run", "drop", "--as-of", "2025-03-31", "--framework", "tf-2015"]


@pytest.mark.parametrize("command", [["load", "drop"], ["link"], RUN], ids=["load", "link", "run"])
def test_load_link_and_run_on_spark_check_for_java_before_any_work(
    command: list[str], tmp_path: Path
) -> None:
    """They run on Spark (the load itself on DuckDB, then the Parquet copy Spark reads):
    a machine without Java is told so before anything is loaded or linked."""
    empty = tmp_path / "bin"
    empty.mkdir()
    res = _run([*command, "--engine", "spark"], tmp_path, {"PATH": str(empty), "JAVA_HOME": None})
    assert_one_line_error(res, "apt-get install openjdk-17-jre-headless")
    assert "does not run on Spark" not in res.stderr
    assert not (tmp_path / "workspace").exists()
