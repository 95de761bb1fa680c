"""The `wholefamily` command line.

Bad input never shows a traceback: it is reported in one line on stderr,
and the command exits with status 2.
"""

from __future__ import annotations

import os
import sys
from datetime import date
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from wholefamily import __version__

app = typer.Typer(
    name="wholefamily",
    help="Find, support and track families for a Supporting Families programme.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
bench_app = typer.Typer(
    help="Benchmarks: measured figures for docs/benchmarks.md.", no_args_is_help=True
)
app.add_typer(bench_app, name="bench")

console = Console(stderr=True)
out = Console()

DEMO_WORKSPACE = Path("demo-workspace")


class UserError(Exception):
    """Bad input: printed as one line, exit status 2."""


def fail(message: str) -> NoReturn:
    raise UserError(message)


def parse_date(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(f"{option} must be a date as YYYY-MM-DD, not {value!r}")


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description:<32}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    )


def run_synth(
    people: int,
    seed: int,
    as_of: str,
    dest: Path,
    fmt: str,
    force: bool,
    epoch: int,
    noise_scale: float,
    noise_file: Path | None,
) -> None:
    from wholefamily.synth import NoiseConfigError, SynthConfig, SynthError, generate
    from wholefamily.synth.generate import validate
    from wholefamily.synth.noise import load_overrides, rates_for

    try:
        overrides = load_overrides(noise_file) if noise_file else None
        cfg = SynthConfig(
            people=people,
            seed=seed,
            as_of=parse_date(as_of, "--as-of"),
            out=dest,
            fmt=fmt,
            force=force,
            epoch=epoch,
            noise_scale=noise_scale,
            noise_overrides=overrides,
        )
        validate(cfg)  # before any output, so a bad argument prints one line only
        rates_for(noise_scale, overrides)
        with _progress() as bar:
            task = bar.add_task("synth", total=1)

            def tick(msg: str, done: int, total: int) -> None:
                bar.update(task, description=msg, completed=done, total=total)

            summary = generate(cfg, tick)
    except (SynthError, NoiseConfigError) as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"cannot write {dest}: {exc.strerror or exc}")

    t = Table(title=f"Synthetic county written to {summary.out}")
    t.add_column("")
    t.add_column("count", justify="right")
    t.add_row("people (at the county's reference date)", f"{summary.people:,}")
    t.add_row(f"people at the as-of date {cfg.as_of}", f"{summary.people_at_as_of:,}")
    t.add_row("households", f"{summary.households:,}")
    t.add_row("families with dependent children", f"{summary.families:,}")
    t.add_row("households that moved (in the drop's span)", f"{summary.moved_households:,}")
    t.add_row("troubled families that improved in the last year", f"{summary.improving_families:,}")
    for name, n in summary.rows.items():
        t.add_row(f"  {name} ({summary.formats[name]})", f"{n:,}")
    out.print(t)


@app.command()
def synth(
    people: Annotated[int, typer.Option("--people", help="People in the county.")] = 10_000,
    seed: Annotated[int, typer.Option("--seed", help="Same seed, same county.")] = 1,
    as_of: Annotated[
        str, typer.Option("--as-of", help="As-of date of the drop, YYYY-MM-DD.")
    ] = "2026-09-30",
    dest: Annotated[Path, typer.Option("--out", help="Folder to write (drop/ and truth).")] = Path(
        "synthetic-county"
    ),
    fmt: Annotated[str, typer.Option("--format", help="csv, xlsx, parquet or mixed.")] = "csv",
    force: Annotated[bool, typer.Option("--force", help="Replace a non-empty --out.")] = False,
    epoch: Annotated[
        int,
        typer.Option("--epoch", help="The county's reference year; drops of one county share it."),
    ] = 2025,
    noise_scale: Annotated[
        float, typer.Option("--noise-scale", help="Multiply every identity-noise rate.")
    ] = 1.0,
    noise_file: Annotated[
        Path | None,
        typer.Option("--noise", help="JSON or YAML {source: {kind: rate}} overriding noise rates."),
    ] = None,
) -> None:
    """Generate a synthetic county: a drop of all 14 sources, with ground truth beside it."""
    run_synth(people, seed, as_of, dest, fmt, force, epoch, noise_scale, noise_file)


@app.command()
def demo(
    workspace: Annotated[
        Path, typer.Option("--workspace", help="Where the demo writes.")
    ] = DEMO_WORKSPACE,
    people: Annotated[int, typer.Option("--people")] = 20_000,
) -> None:
    """The whole product on a small synthetic county, as far as it goes."""
    workspace.mkdir(parents=True, exist_ok=True)
    console.print(f"[bold]wholefamily {__version__} demo[/] in {workspace}/")
    run_synth(people, 1, "2026-09-30", workspace / "county", "csv", True, 2025, 1.0, None)
    out.print(f"Drop: {workspace / 'county' / 'drop'}; ground truth beside it.")


@bench_app.command("synth")
def bench_synth(
    people: Annotated[int, typer.Option("--people")] = 1_000_000,
    seed: Annotated[int, typer.Option("--seed")] = 1,
    fmt: Annotated[str, typer.Option("--format")] = "csv",
) -> None:
    """Time `synth` in a child process and report wall time and peak memory."""
    import platform
    import resource
    import subprocess
    import tempfile
    import time

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
        start = time.perf_counter()
        done = subprocess.run(cmd, capture_output=True, text=True, check=False)
        wall = time.perf_counter() - start
        peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        if done.returncode != 0:
            fail(f"synth failed: {done.stderr.strip().splitlines()[-1:]}")
        size = sum(f.stat().st_size for f in Path(tmp).rglob("*") if f.is_file())
    out.print(
        f"synth --people {people:,} --format {fmt}: {wall:.1f} s wall, "
        f"{peak_kb / 1024:.0f} MiB peak RSS, {size / 2**20:.0f} MiB written "
        f"({platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()})"
    )


def main() -> None:
    """Entry point: usage errors and ours become one line and exit status 2."""
    try:
        code = app(standalone_mode=False)
    except UserError as exc:
        _one_line_error(str(exc))
    except typer.Abort:
        console.print("wholefamily: interrupted", markup=False)
        sys.exit(130)
    except typer.TyperException as exc:  # usage errors: bad option, bad value, missing value
        if type(exc).__name__ == "NoArgsIsHelpError":
            getattr(exc, "show")()  # noqa: B009 - prints the help
            sys.exit(2)
        fmt = getattr(exc, "format_message", None)
        _one_line_error(fmt() if callable(fmt) else str(exc))
    sys.exit(code if isinstance(code, int) else 0)


def _one_line_error(message: str) -> NoReturn:
    text = " ".join(message.split())
    console.print(f"wholefamily: error: {text}", markup=False, highlight=False, soft_wrap=True)
    sys.exit(2)


if __name__ == "__main__":
    main()
