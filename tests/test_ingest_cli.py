"""`wholefamily load` and `quality` on the command line: errors, interruption, a killed load."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ingestkit import snapshot
from test_cli import assert_one_line_error, run

WF = [sys.executable, "-m", "wholefamily"]


def test_load_and_quality(county: Path, tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    res = run("load", str(county / "drop"), "--workspace", str(ws), "--drop-id", "2025-Q1")
    assert res.returncode == 0, res.stderr
    assert "school_census.csv" in res.stdout and "total" in res.stdout
    assert (ws / "drops" / "2025-Q1" / "manifest.json").is_file()
    res = run("quality", "--workspace", str(ws))
    assert res.returncode == 0, res.stderr
    assert "Data quality: drop 2025-Q1" in res.stdout
    assert (ws / "reports" / "2025-Q1" / "quality.html").is_file()
    assert (ws / "reports" / "2025-Q1" / "quality.csv").is_file()


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["load", "no/such/folder"], "does not exist"),
        (["load", "pyproject.toml"], "not a folder"),
        (["load", ".", "--drop-id", "a b/c"], "drop id"),
        (["load"], "Missing argument 'drop'"),
        (["quality", "--workspace", "no-such-workspace"], "no warehouse"),
    ],
)
def test_bad_load_and_quality_arguments(args: list[str], needle: str) -> None:
    root = Path(__file__).parent.parent
    assert_one_line_error(run(*args, cwd=root), needle)


def test_quality_of_an_unknown_drop(county: Path, tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    assert run("load", str(county / "drop"), "--workspace", str(ws)).returncode == 0
    assert_one_line_error(
        run("quality", "--workspace", str(ws), "--drop", "nope"), "no drop 'nope'"
    )


def _start_load(drop: Path, ws: Path, drop_id: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*WF, "load", str(drop), "--workspace", str(ws), "--drop-id", drop_id],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_for(proc: subprocess.Popen[str], step: str) -> None:
    """Read the load's progress lines until `step` starts."""
    assert proc.stderr is not None
    deadline = time.time() + 240
    while time.time() < deadline:
        line = proc.stderr.readline()
        if not line:
            break
        if step in line:
            return
    proc.kill()
    raise AssertionError(f"the load never reached {step!r}")


@pytest.mark.heavy
@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGINT])
def test_interrupted_load_leaves_the_warehouse_as_it_was(
    county: Path, big_county: Path, tmp_path: Path, how: signal.Signals
) -> None:
    ws = tmp_path / "ws"
    assert (
        run("load", str(county / "drop"), "--workspace", str(ws), "--drop-id", "q1").returncode == 0
    )
    before = snapshot(ws)
    proc = _start_load(big_county / "drop", ws, "q2")
    # Well into the load: the gazetteer and the census already written in its transaction.
    _wait_for(proc, "loading school_attendance")
    os.kill(proc.pid, how)
    _, err = proc.communicate(timeout=120)
    if how == signal.SIGINT:
        assert proc.returncode == 130, err
        assert "Traceback" not in err
    else:
        assert proc.returncode == -signal.SIGKILL
    assert snapshot(ws) == before
    # And the warehouse is usable: the same drop loads completely afterwards.
    res = run("load", str(big_county / "drop"), "--workspace", str(ws), "--drop-id", "q2")
    assert res.returncode == 0, res.stderr
    assert snapshot(ws)["src_school_census"][0] > before["src_school_census"][0]


def test_busy_warehouse_is_one_line(county: Path, big_county: Path, tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    proc = _start_load(big_county / "drop", ws, "q2")
    _wait_for(proc, "loading school_census")
    try:
        res = run("load", str(county / "drop"), "--workspace", str(ws))
        assert_one_line_error(res, "in use by another wholefamily process")
    finally:
        proc.kill()
        proc.communicate(timeout=60)
