"""The synthetic county: `wholefamily synth`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from wholefamily.cli.common import app, fail, out, parse_date, progress_bar


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
        with progress_bar() as bar:
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


@app.command("synth-pair")
def synth_pair(
    movers: Annotated[
        int, typer.Option("--movers", help="Families who moved from the first to the second.")
    ] = 100,
    councils: Annotated[
        str, typer.Option("--councils", help="The two LA codes, A,B (A: where they came from).")
    ] = "838,839",
    people: Annotated[int, typer.Option("--people", help="People in each county.")] = 10_000,
    seed: Annotated[int, typer.Option("--seed", help="Same seed, same pair.")] = 1,
    as_of: Annotated[
        str, typer.Option("--as-of", help="As-of date of the drops, YYYY-MM-DD.")
    ] = "2026-09-30",
    dest: Annotated[
        Path, typer.Option("--out", help="Folder to write (A/, B/, truth_movers.csv).")
    ] = Path("synthetic-pair"),
    force: Annotated[bool, typer.Option("--force", help="Replace a non-empty --out.")] = False,
) -> None:
    """Two synthetic counties with distinct addresses, and families who moved between them."""
    from wholefamily.sources.lacode import LaCodeError, check_la_code
    from wholefamily.synth import SynthConfig, SynthError
    from wholefamily.synth.generate import validate
    from wholefamily.synth.pair import generate_pair

    codes = [c.strip() for c in councils.split(",")]
    try:
        if len(codes) != 2 or codes[0] == codes[1]:
            raise LaCodeError(f"--councils {councils!r}: give two different LA codes, as 838,839")
        for c in codes:
            check_la_code(c)
    except LaCodeError as exc:
        fail(str(exc))
    if movers < 1:
        fail("--movers must be at least 1")
    try:
        cfg = SynthConfig(people=people, seed=seed, as_of=parse_date(as_of, "--as-of"), out=dest)
        cfg.force = force
        validate(cfg)
        summary = generate_pair(cfg, movers, codes[0], codes[1])
    except SynthError as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"cannot write {dest}: {exc.strerror or exc}")
    out.print(
        f"Two counties written to {summary.out}: {summary.la_a}/ ({summary.people_a:,} people) "
        f"and {summary.la_b}/ ({summary.people_b:,} people); {summary.movers:,} families "
        f"({summary.moved_people:,} people) moved from {summary.la_a} to {summary.la_b} "
        "(truth_movers.csv)."
    )
