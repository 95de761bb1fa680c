"""Bad input to the command line: one line on stderr, exit status 2, nothing half-written."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

WF = [sys.executable, "-m", "wholefamily"]


def user_env() -> dict[str, str]:
    """The environment of a user's shell: without the test suite's Django settings or
    DATABASE_URL (the PostgreSQL run sets it), so commands use their workspace's own
    case database and never the server's."""
    return {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE", "WHOLEFAMILY_WORKSPACE")
    }


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*WF, *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        check=False,
        timeout=300,
        env=user_env(),
    )


def assert_one_line_error(res: subprocess.CompletedProcess[str], needle: str) -> None:
    assert res.returncode == 2, res.stderr
    lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, res.stderr
    assert lines[0].startswith("wholefamily: error:")
    assert needle in lines[0]
    assert "Traceback" not in res.stderr


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--people", "-5"], "--people must be 1 or more"),
        (["--people", "0"], "--people must be 1 or more"),
        (["--people", "many"], "--people"),
        (["--as-of", "2025-02-30"], "--as-of must be a date"),
        (["--as-of", "31/03/2025"], "--as-of must be a date"),
        (["--as-of", "1999-03-31"], "outside the span"),
        (["--format", "docx"], "--format must be one of"),
        (["--seed", "-1"], "--seed"),
        (["--noise-scale", "-1"], "--noise-scale"),
        (["--bogus"], "bogus"),
    ],
)
def test_bad_arguments(tmp_path: Path, args: list[str], needle: str) -> None:
    out = tmp_path / "out"
    res = run("synth", "--people", "100", "--out", str(out), *args)
    assert_one_line_error(res, needle)
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []


def test_bad_noise_file(tmp_path: Path) -> None:
    bad = tmp_path / "noise.yaml"
    bad.write_text("police_offences: {typo: 3}\n")
    res = run("synth", "--people", "100", "--out", str(tmp_path / "o"), "--noise", str(bad))
    assert_one_line_error(res, "from 0 to 1")
    bad.write_text("nowhere: {typo: 0.1}\n")
    assert_one_line_error(
        run("synth", "--out", str(tmp_path / "o"), "--noise", str(bad)), "unknown source"
    )
    bad.write_text("[unclosed\n")
    assert_one_line_error(
        run("synth", "--out", str(tmp_path / "o"), "--noise", str(bad)), "not valid"
    )
    assert_one_line_error(
        run("synth", "--out", str(tmp_path / "o"), "--noise", str(tmp_path / "missing.json")),
        "cannot read",
    )


def test_unwritable_output(tmp_path: Path) -> None:
    a_file = tmp_path / "file"
    a_file.write_text("x")
    assert_one_line_error(
        run("synth", "--people", "50", "--out", str(a_file / "out")), "does not exist"
    )
    assert_one_line_error(run("synth", "--people", "50", "--out", str(a_file)), "not a folder")
    # /proc refuses new folders even to root.
    assert_one_line_error(
        run("synth", "--people", "50", "--out", "/proc/wholefamily-out"), "cannot write"
    )


def test_existing_folder_needs_force(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    assert_one_line_error(run("synth", "--people", "50", "--out", str(out)), "--force")
    assert (out / "keep.txt").read_text() == "mine"
    res = run("synth", "--people", "50", "--out", str(out), "--force")
    assert res.returncode == 0, res.stderr
    assert not (out / "keep.txt").exists()
    assert (out / "drop" / "school_census.csv").is_file()
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_interrupted_run_leaves_nothing(tmp_path: Path) -> None:
    out = tmp_path / "out"
    proc = subprocess.Popen(
        [*WF, "synth", "--people", "400000", "--out", str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    # Wait until the staging folder exists, then interrupt mid-write.
    deadline = time.time() + 60
    while time.time() < deadline and not any(tmp_path.glob("out.tmp-*/drop")):
        time.sleep(0.05)
    time.sleep(0.5)
    os.kill(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.heavy  # `wholefamily demo` end to end: .ci/run runs it
def test_synth_summary_and_demo(tmp_path: Path) -> None:
    res = run("synth", "--people", "300", "--out", str(tmp_path / "c"))
    assert res.returncode == 0, res.stderr
    assert "households" in res.stdout and "school_census" in res.stdout
    res = run("demo", "--people", "300", "--workspace", str(tmp_path / "ws"), "--no-serve")
    assert res.returncode == 0, res.stderr
    assert (tmp_path / "ws" / "county" / "drop" / "gazetteer.csv").is_file()
    assert "families in the case database" in res.stdout
    assert "Demo accounts" in res.stdout and "keyworker" in res.stdout
    # The family member's account right under the staff ones, or why there is none.
    assert "Demo family account" in res.stdout or "No demo family account" in res.stdout
    assert (tmp_path / "ws" / "cases.sqlite3").is_file()
    assert "Demo case work:" in res.stdout
    assert "Family Help" in res.stdout  # made, or why not, in a line
    assert (tmp_path / "ws" / "reports" / "committee-report.pdf").read_bytes()[:4] == b"%PDF"


def free_port() -> int:
    """A port nothing listens on now."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def sign_in_page(port: int, tries: int) -> str:
    """The sign-in page of a server starting on the port ('' if it never answers)."""
    import urllib.request

    for _ in range(tries):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/sign-in") as r:
                return str(r.read().decode())
        except OSError:
            time.sleep(0.2)
    return ""


def test_serve_answers_and_web_commands_refuse_bad_input(tmp_path: Path) -> None:
    import socket
    import urllib.request

    port = free_port()
    env = user_env()
    env["WHOLEFAMILY_SECRET_KEY"] = "key-for-this-test-only-0123456789abcdef"
    proc = subprocess.Popen(
        [*WF, "serve", "--workspace", str(tmp_path / "ws"), "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        # The first start of a workspace migrates and collects the static files.
        body = sign_in_page(port, tries=300)
        assert "Sign in" in body and "csrfmiddlewaretoken" in body
        # Static files under names with their content's hash, compressed, cached for good.
        css = re.findall(r'href="(/static/[^"]+\.css)"', body)
        assert len(css) == 3 and all(re.search(r"\.[0-9a-f]{12}\.css$", c) for c in css), css
        for path in css:
            ask = urllib.request.Request(
                f"http://127.0.0.1:{port}{path}", headers={"Accept-Encoding": "gzip"}
            )
            with urllib.request.urlopen(ask) as r:
                assert r.status == 200 and r.headers["Content-Encoding"] == "gzip"
                assert "immutable" in r.headers["Cache-Control"]
                age = int(re.search(r"max-age=(\d+)", r.headers["Cache-Control"])[1])  # type: ignore[index]
                assert age >= 365 * 24 * 3600
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    res = run("web", "sync", str(tmp_path / "nowhere"), "--workspace", str(tmp_path / "ws"))
    assert_one_line_error(res, "is not a folder")
    res = run("serve", "--workspace", str(tmp_path / "ws"), "--processes", "2")
    assert_one_line_error(res, "needs PostgreSQL")
    res = run("serve", "--workspace", str(tmp_path / "ws"), "--threads", "0")
    assert_one_line_error(res, "at least 1")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        res = run(
            "serve", "--workspace", str(tmp_path / "ws"), "--port", str(taken.getsockname()[1])
        )
    assert_one_line_error(res, "cannot listen on 127.0.0.1:")
    res = run("web", "accounts", "--workspace", str(tmp_path / "ws"))
    assert_one_line_error(res, "--demo")


def test_no_arguments_shows_help() -> None:
    res = run()
    assert res.returncode == 2
    assert "synth" in res.stdout + res.stderr
