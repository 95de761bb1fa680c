"""Benchmarks: `bench synth|load|link|outcomes`."""

from __future__ import annotations

import os
import shutil
import sys
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from wholefamily.cli.common import DEFAULT_WORKSPACE, WorkspaceOption, app, console, fail, out
from wholefamily.cli.frameworks import frameworks_call

bench_app = typer.Typer(
    help="Benchmarks: measured figures for docs/benchmarks.md.", no_args_is_help=True
)


app.add_typer(bench_app, name="bench")


_PEAK_WRAPPER = (
    "import resource, subprocess, sys\n"
    "done = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
    "sys.stdout.write(done.stdout)\n"
    "sys.stderr.write(done.stderr)\n"
    "print(f'@@peak {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}', file=sys.stderr)\n"
    "sys.exit(done.returncode)\n"
)


def _timed_child(cmd: list[str], what: str) -> tuple[float, int, str]:
    """Run `cmd`; (wall seconds, its own peak RSS in KiB, stdout); fail if it fails.

    A small wrapper process runs the command, so the peak is this command's
    alone, not the largest of every child this process has had.
    """
    import subprocess
    import time

    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", _PEAK_WRAPPER, *cmd], capture_output=True, text=True, check=False
    )
    wall = time.perf_counter() - start
    peak_kb = 0
    lines = []
    for line in done.stderr.splitlines():
        if line.startswith("@@peak "):
            peak_kb = int(line.split()[1])
        else:
            lines.append(line)
    if done.returncode != 0:
        fail(f"{what} failed: {lines[-1:] or done.returncode}")
    return wall, peak_kb, done.stdout


@bench_app.command("synth")
def bench_synth(
    people: Annotated[int, typer.Option("--people")] = 1_000_000,
    seed: Annotated[int, typer.Option("--seed")] = 1,
    fmt: Annotated[str, typer.Option("--format")] = "csv",
) -> None:
    """Time `synth` in a child process and report wall time and peak memory."""
    import platform
    import tempfile

    with tempfile.TemporaryDirectory(prefix="wholefamily-bench-") as tmp:
        cmd = [
            sys.executable,
            "-m",
            "wholefamily",
            "synth",
            "--people",
            str(people),
            "--seed",
            str(seed),
            "--format",
            fmt,
            "--out",
            str(Path(tmp) / "county"),
        ]
        wall, peak_kb, _ = _timed_child(cmd, "synth")
        size = sum(f.stat().st_size for f in Path(tmp).rglob("*") if f.is_file())
    out.print(
        f"synth --people {people:,} --format {fmt}: {wall:.1f} s wall, "
        f"{peak_kb / 1024:.0f} MiB peak RSS, {size / 2**20:.0f} MiB written "
        f"({platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()})"
    )


# DuckDB's own parse-write-commit of a drop: the limit `load` is measured against.
_DUCKDB_LOAD = (
    "import sys, duckdb\n"
    "from pathlib import Path\n"
    "con = duckdb.connect(sys.argv[1])\n"
    "con.execute('BEGIN TRANSACTION')\n"
    "for i, name in enumerate(sys.argv[2:]):\n"
    "    f = Path(name)\n"
    "    read = ('read_parquet(?)' if f.suffix.lower() == '.parquet'\n"
    "            else 'read_csv(?, header = true, all_varchar = true)')\n"
    "    con.execute(f'CREATE TABLE t{i} AS SELECT * FROM {read}', [str(f)])\n"
    "con.execute('COMMIT')\n"
    "con.close()\n"
)


def _reference_files(drop: Path) -> tuple[list[Path], list[Path]]:
    """(the drop's CSV and Parquet files, its XLSX files): DuckDB reads the first kind
    itself; an XLSX file needs its excel extension, so it is left out of the reference."""
    from wholefamily.ingest.read import FORMATS
    from wholefamily.sources.schema import SOURCES

    files = [
        f
        for f in sorted(drop.iterdir())
        if f.is_file() and f.stem.lower() in SOURCES and f.suffix.lower() in FORMATS
    ]
    return (
        [f for f in files if f.suffix.lower() != ".xlsx"],
        [f for f in files if f.suffix.lower() == ".xlsx"],
    )


@bench_app.command("load")
def bench_load(
    people: Annotated[int, typer.Option("--people")] = 1_000_000,
    seed: Annotated[int, typer.Option("--seed")] = 1,
    drop: Annotated[
        Path | None,
        typer.Option("--drop", help="Time the load of this drop instead of a generated one."),
    ] = None,
    runs: Annotated[int, typer.Option("--runs", min=1)] = 3,
) -> None:
    """Time `load` of a drop (generated with --people unless --drop) against DuckDB's own
    parse-write-commit of the same files, each in a child process, interleaved."""
    import platform
    import statistics
    import tempfile

    with tempfile.TemporaryDirectory(prefix="wholefamily-bench-") as tmp:
        if drop is None:
            # Generated in this process, so the child's peak memory is the load's alone.
            from wholefamily.synth import SynthConfig, generate

            county = Path(tmp) / "county"
            console.print(f"generating a county of {people:,} people…")
            generate(SynthConfig(people=people, seed=seed, as_of=date(2026, 9, 30), out=county))
            drop = county / "drop"
            what = f"{people:,} people"
        elif not drop.is_dir():
            fail(f"--drop {drop} is not a folder")
        else:
            what = str(drop)
        plain, xlsx = _reference_files(drop)
        ours: list[float] = []
        theirs: list[float] = []
        peaks: list[int] = []
        rows = ""
        for i in range(runs):
            console.print(f"run {i + 1} of {runs}: ours…")
            cmd = [sys.executable, "-m", "wholefamily", "load", str(drop)]
            cmd += ["--workspace", str(Path(tmp) / f"ws{i}")]
            wall, peak_kb, rows = _timed_child(cmd, "load")
            ours.append(wall)
            peaks.append(peak_kb)
            console.print(f"run {i + 1} of {runs}: DuckDB…")
            ref = [sys.executable, "-c", _DUCKDB_LOAD, str(Path(tmp) / f"ref{i}.duckdb")]
            wall, _, _ = _timed_child([*ref, *map(str, plain)], "DuckDB's load")
            theirs.append(wall)
            for ws in (Path(tmp) / f"ws{i}", Path(tmp) / f"ref{i}.duckdb"):  # keep the disk free
                if ws.is_dir():
                    shutil.rmtree(ws, ignore_errors=True)
                else:
                    ws.unlink(missing_ok=True)
        size = sum(f.stat().st_size for f in drop.iterdir() if f.is_file())
    a, b = statistics.median(ours), statistics.median(theirs)
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    load_avg = " ".join(f"{x:.1f}" for x in os.getloadavg())
    out.print(f"load of {size / 2**20:.0f} MiB ({what}; {machine}; load average {load_avg})")
    out.print(
        f"ours: median {a:.1f} s of {runs} ({', '.join(f'{x:.1f}' for x in ours)}), "
        f"peak RSS {max(peaks) / 1024:.0f} MiB"
    )
    out.print(
        f"DuckDB parse-write-commit: median {b:.1f} s ({', '.join(f'{x:.1f}' for x in theirs)})"
        f" of {len(plain)} CSV/Parquet files"
    )
    if xlsx:
        out.print(
            f"  ({len(xlsx)} XLSX file(s) loaded by ours but not by DuckDB, which reads XLSX only"
            " through its excel extension: the ratio flatters DuckDB)"
        )
    out.print(f"ratio ours/DuckDB: {a / b:.1f}")
    total = [ln for ln in rows.splitlines() if ln.strip("│ ").startswith("total")]
    if total:
        out.print(" ".join(total[0].replace("│", " ").split()))


@bench_app.command("link")
def bench_link(
    people: Annotated[int, typer.Option("--people")] = 1_000_000,
    seed: Annotated[int, typer.Option("--seed")] = 1,
    plain: Annotated[
        bool, typer.Option("--plain/--no-plain", help="Also run the plain Splink baseline.")
    ] = True,
) -> None:
    """Time `link` against a plain Splink pipeline on one generated county, side by side."""
    import json
    import platform
    import tempfile

    with tempfile.TemporaryDirectory(prefix="wholefamily-bench-") as tmp:
        from wholefamily.synth import SynthConfig, generate

        county, ws = Path(tmp) / "county", Path(tmp) / "ws"
        console.print(f"generating a county of {people:,} people…")
        generate(SynthConfig(people=people, seed=seed, as_of=date(2026, 9, 30), out=county))
        wf = [sys.executable, "-m", "wholefamily"]
        console.print("loading it…")
        load_s, load_kb, _ = _timed_child(
            [*wf, "load", str(county / "drop"), "--workspace", str(ws)], "load"
        )
        console.print("linking (ours)…")
        ours_s, ours_kb, _ = _timed_child(
            [*wf, "link", "--workspace", str(ws), "--as-of", "2026-09-30"], "link"
        )
        _, _, ev = _timed_child(
            [*wf, "evaluate", "linkage", "--truth", str(county), "--workspace", str(ws)],
            "evaluate",
        )
        machine = (
            f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
        )
        out.print(f"county of {people:,} people ({machine})")
        out.print(f"load: {load_s:.1f} s, {load_kb / 1024:.0f} MiB peak RSS")
        out.print(
            f"ours: {ours_s:.1f} s, {ours_kb / 1024:.0f} MiB peak RSS; {' '.join(ev.split())}"
        )
        if plain:
            console.print("linking (plain Splink, no deterministic step)…")
            code = (
                "import json, sys, dataclasses\n"
                "from pathlib import Path\n"
                "import wholefamily.linkage\n"
                "from wholefamily.linkage.plain import run_plain\n"
                "s = run_plain(Path(sys.argv[1]), Path(sys.argv[2]))\n"
                "print(json.dumps(dataclasses.asdict(s)))\n"
            )
            plain_s, plain_kb, res = _timed_child(
                [sys.executable, "-c", code, str(ws), str(county)], "plain Splink"
            )
            p = json.loads(res.strip().splitlines()[-1])
            out.print(
                f"plain Splink: {plain_s:.1f} s, {plain_kb / 1024:.0f} MiB peak RSS; "
                f"{p['records']:,} named records: precision {p['precision']:.4f} "
                f"recall {p['recall']:.4f} F1 {p['f1']:.4f}"
            )


@bench_app.command("outcomes")
def bench_outcomes(
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
    families: Annotated[int, typer.Option("--families", min=1)] = 10_000,
    framework: Annotated[str, typer.Option("--framework")] = "tf-2015",
) -> None:
    """Time outcome evaluation for N families of a linked workspace (target: 10,000 families
    of a 1,000,000-person county in 60 s)."""
    import platform
    import resource

    from wholefamily.outcomes.evaluate import evaluate_programme

    r = frameworks_call(evaluate_programme, workspace, framework, families)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out.print(
        f"outcomes for {r.families:,} families ({framework}, {r.start} to {r.claim}): "
        f"{r.seconds:.1f} s, {peak:.0f} MiB peak RSS, {r.met:,} met "
        f"({platform.machine()}, {os.cpu_count()} cores)"
    )
