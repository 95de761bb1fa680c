"""`bench engines`: load, link and identify on DuckDB and on Apache Spark (local mode),
stage by stage, at one or more sizes, each stage's ratio taken in the same run; with two
sizes or more, a projection of every stage to larger populations from its measured
growth, and the Spark cluster that projection implies (docs/benchmarks.md)."""

from __future__ import annotations

import math
import os
import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from wholefamily.cli.bench import _machine, _ours_pairs, _table_count, _timed_child, bench_app
from wholefamily.cli.common import console, fail, out

# The Parquet copy of the warehouse Spark reads: the part of a Spark run's load that a
# DuckDB run does not have (the load itself is DuckDB's on both engines, docs/spark.md).
_EXPORT = (
    "import sys\n"
    "from pathlib import Path\n"
    "from wholefamily import spark_warehouse\n"
    "spark_warehouse.export(Path(sys.argv[1]))\n"
)
# Compared after sorting: the same rows on both engines, or the bench says which differ.
COMPARED = ("person_records.csv", "people.csv", "families.csv", "family_needs.csv")
STAGES = ("load", "link", "identify")
ENGINES = ("duckdb", "spark")
# The cluster a projection implies: Spark's work in core-seconds, shared by this many
# cores for a run of this length (Spark is assumed to scale with its cores; see the docs).
TARGET_HOURS = 1.0


@dataclass
class Size:
    """One size's figures: wall seconds per (engine, stage), peaks in MiB, counts."""

    people: int
    seconds: dict[tuple[str, str], float] = field(default_factory=dict)
    peaks: dict[tuple[str, str], float] = field(default_factory=dict)
    pairs: int | None = None
    eligible: dict[str, int] = field(default_factory=dict)
    review: dict[str, int | None] = field(default_factory=dict)
    differ: list[str] = field(default_factory=list)


def _csv_rows(path: Path) -> str:
    return f"read_csv('{str(path).replace(chr(39), chr(39) * 2)}', all_varchar = true)"


def differing(a: Path, b: Path, names: tuple[str, ...] = COMPARED) -> list[str]:
    """The files of `names` whose rows differ between folders a and b (as multisets: the
    order of rows is not compared), or that one folder lacks."""
    import duckdb

    con = duckdb.connect()
    try:
        bad = []
        for name in names:
            fa, fb = a / name, b / name
            if not fa.is_file() or not fb.is_file():
                bad.append(name)
                continue
            ra, rb = _csv_rows(fa), _csv_rows(fb)
            diff = con.execute(
                f"SELECT (SELECT count(*) FROM (SELECT * FROM {ra} EXCEPT ALL SELECT * FROM {rb}))"
                f" + (SELECT count(*) FROM (SELECT * FROM {rb} EXCEPT ALL SELECT * FROM {ra}))"
            ).fetchone()
            if diff is None or diff[0]:
                bad.append(name)
        return bad
    finally:
        con.close()


def eligible_families(folder: Path) -> int:
    import duckdb

    con = duckdb.connect()
    try:
        row = con.execute(
            f"SELECT count(*) FROM {_csv_rows(folder / 'families.csv')} WHERE eligible = 'Y'"
        ).fetchone()
        return int(row[0]) if row else 0
    finally:
        con.close()


def growth(n1: int, t1: float, n2: int, t2: float) -> float:
    """The exponent b of t = a * n^b through two measured points."""
    return math.log(t2 / t1) / math.log(n2 / n1)


def projected(n2: int, t2: float, b: float, n: int) -> float:
    return float(t2 * (n / n2) ** b)


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 2 * 3600:
        return f"{seconds / 60:.0f} min"
    if seconds < 3 * 86400:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} days"


def _one_size(people: int, seed: int, county: Path, tmp: Path, framework: str, as_of: str) -> Size:
    wf = [sys.executable, "-m", "wholefamily"]
    if not (county / "drop").is_dir():
        from wholefamily.synth import SynthConfig, SynthError, generate

        console.print(f"generating a county of {people:,} people in {county}…")
        county.parent.mkdir(parents=True, exist_ok=True)
        try:
            cfg = SynthConfig(people=people, seed=seed, as_of=date.fromisoformat(as_of), out=county)
            generate(cfg)
        except SynthError as exc:
            fail(str(exc))
    size = Size(people)
    ws = {e: tmp / f"ws-{e}" for e in ENGINES}
    outs = {e: tmp / f"out-{e}" for e in ENGINES}

    def timed(engine: str, stage: str, cmd: list[str]) -> str:
        console.print(f"{people:,} people: {stage} on {engine}…")
        wall, kb, said = _timed_child(cmd, f"{stage} on {engine}")
        size.seconds[(engine, stage)] = size.seconds.get((engine, stage), 0.0) + wall
        size.peaks[(engine, stage)] = max(size.peaks.get((engine, stage), 0.0), kb / 1024)
        return said

    # The load is DuckDB's on both engines; Spark's run then makes its Parquet copy.
    timed("duckdb", "load", [*wf, "load", str(county / "drop"), "--workspace", str(ws["duckdb"])])
    day = ["--as-of", as_of]
    # One model for both engines, trained once (not timed): training runs on DuckDB in
    # the driver on either engine (docs/spark.md), and two trainings can differ in the
    # last digits of a weight, which would make the outputs differ for a reason that is
    # not the engine's. Both links below then reuse it.
    trained = tmp / "ws-train"
    shutil.copytree(ws["duckdb"], trained)
    console.print(f"{people:,} people: training the model once, for both engines…")
    _timed_child([*wf, "link", "--workspace", str(trained), *day], "training")
    model = trained / "models" / "linkage.json"
    (ws["duckdb"] / "models").mkdir(exist_ok=True)
    shutil.copy2(model, ws["duckdb"] / "models" / "linkage.json")
    shutil.rmtree(trained, ignore_errors=True)
    shutil.copytree(ws["duckdb"], ws["spark"])
    size.seconds[("spark", "load")] = size.seconds[("duckdb", "load")]
    size.peaks[("spark", "load")] = size.peaks[("duckdb", "load")]
    timed("spark", "load", [sys.executable, "-c", _EXPORT, str(ws["spark"])])

    def link(e: str) -> None:
        said = timed(e, "link", [*wf, "link", "--engine", e, "--workspace", str(ws[e]), *day])
        size.review[e] = _table_count(said, "pairs waiting for review")

    def identify(e: str) -> None:
        cmd = [*wf, "identify", "--engine", e, "--workspace", str(ws[e]), *day]
        timed(e, "identify", [*cmd, "--framework", framework, "--out", str(outs[e])])

    # A B B A: what drifts on the machine during the run falls on both engines.
    link("duckdb")
    link("spark")
    identify("spark")
    identify("duckdb")
    console.print(f"{people:,} people: counting candidate pairs and comparing the outputs…")
    size.pairs = _ours_pairs(ws["duckdb"])
    size.differ = differing(outs["duckdb"], outs["spark"])
    size.eligible = {e: eligible_families(outs[e]) for e in ENGINES}
    if size.differ:  # kept for a person to look at
        kept = Path.cwd() / f"bench-engines-{people}-outputs"
        shutil.rmtree(kept, ignore_errors=True)
        kept.mkdir()
        for e in ENGINES:
            shutil.move(str(outs[e]), kept / e)
        console.print(f"the outputs differ: both kept in {kept}")
    for e in ENGINES:  # keep the disk free for the next size
        shutil.rmtree(ws[e], ignore_errors=True)
    return size


def _print_size(s: Size) -> None:
    t = Table(title=f"{s.people:,} people: wall seconds (peak RSS of the largest process, MiB)")
    for col in ("stage", "DuckDB", "Spark", "Spark / DuckDB"):
        t.add_column(col, justify="left" if col == "stage" else "right")
    for stage in (*STAGES, "all"):
        if stage == "all":
            a = sum(s.seconds[("duckdb", x)] for x in STAGES)
            b = sum(s.seconds[("spark", x)] for x in STAGES)
            t.add_row("all three", f"{a:.1f}", f"{b:.1f}", f"{b / a:.2f}")
            continue
        a, b = s.seconds[("duckdb", stage)], s.seconds[("spark", stage)]
        pa, pb = s.peaks[("duckdb", stage)], s.peaks[("spark", stage)]
        label = "load (Spark: + the Parquet copy)" if stage == "load" else stage
        t.add_row(label, f"{a:.1f} ({pa:,.0f})", f"{b:.1f} ({pb:,.0f})", f"{b / a:.2f}")
    out.print(t)
    pairs = f"{s.pairs:,}" if s.pairs is not None else "not counted"
    same = (
        "identical on both engines after sorting"
        if not s.differ
        else "DIFFERENT on the two engines: " + ", ".join(s.differ)
    )
    review = ", ".join(
        f"{name} {s.review[e]:,}" if s.review.get(e) is not None else f"{name} not read"
        for e, name in (("duckdb", "DuckDB"), ("spark", "Spark"))
    )
    out.print(
        f"pairs waiting for review: {review}; "
        f"candidate pairs of the blocking rules: {pairs}; eligible families: "
        f"DuckDB {s.eligible['duckdb']:,}, Spark {s.eligible['spark']:,}; "
        f"{', '.join(COMPARED)}: {same}"
    )


def _print_projection(sizes: list[Size], to: list[int], cores: int) -> None:
    """Each stage's time at the sizes `to`, from its growth between the two largest
    measured sizes; the blocking rules' pairs likewise; and the Spark cluster for a
    one-hour link and identify.

    A stage is never projected to grow more slowly than its work: the load and identify
    with the records (exponent 1), the link with the candidate pairs. A measured growth
    below that is a fixed cost (Spark's JVM, planning every query, DuckDB's start) being
    spread over more rows, which cannot go on."""
    s1, s2 = sizes[-2], sizes[-1]
    n1, n2 = s1.people, s2.people
    pairs_k = growth(n1, s1.pairs, n2, s2.pairs) if s1.pairs and s2.pairs else 1.0
    t = Table(
        title=f"Projected from {n1:,} and {n2:,} people "
        "(growth exponent measured, and used, in brackets)"
    )
    t.add_column("stage, engine")
    for n in to:
        t.add_column(f"{n:,} people", justify="right")
    spark_work = {n: 0.0 for n in to}
    for e in ENGINES:
        for stage in STAGES:
            a, b = s1.seconds[(e, stage)], s2.seconds[(e, stage)]
            measured = growth(n1, a, n2, b)
            k = max(measured, pairs_k if stage == "link" else 1.0)
            cells = [_duration(projected(n2, b, k, n)) for n in to]
            name = "DuckDB" if e == "duckdb" else "Spark"
            t.add_row(f"{stage}, {name} ({measured:.2f}, {k:.2f})", *cells)
            if e == "spark" and stage != "load":
                for n in to:
                    spark_work[n] += projected(n2, b, k, n)
    if s1.pairs and s2.pairs:
        t.add_row(
            f"candidate pairs ({pairs_k:.2f})",
            *[f"{projected(n2, s2.pairs, pairs_k, n):,.0f}" for n in to],
        )
    out.print(t)
    from wholefamily.engine import driver_memory

    gib = float(driver_memory().rstrip("gG"))  # what sufficed at the largest size
    for n in to:
        core_s = spark_work[n] * cores
        need = max(1, math.ceil(core_s / (TARGET_HOURS * 3600)))
        memory = ""
        if s1.pairs and s2.pairs:
            grown = projected(n2, s2.pairs, pairs_k, n) / s2.pairs
            memory = (
                f"; memory in all at most about {gib * grown:,.0f} "
                f"GiB (the {gib:.0f} GiB that sufficed at {n2:,} people, grown with the pairs)"
            )
        out.print(
            f"{n:,} people: Spark's link and identify are about {core_s / 3600:,.1f} "
            f"core-hours at this machine's speed ({cores} cores here), so about {need:,} "
            f"{'core' if need == 1 else 'cores'} for a run of {TARGET_HOURS:.0f} hour, if "
            f"Spark's time falls in proportion to its cores{memory}"
        )


@bench_app.command("engines")
def bench_engines(
    people: Annotated[
        list[int] | None,
        typer.Option(
            "--people",
            min=1000,
            help="A county's size; give it twice or more for the projection (default 200,000).",
        ),
    ] = None,
    seed: Annotated[int, typer.Option("--seed")] = 1,
    counties: Annotated[
        Path | None,
        typer.Option(
            "--counties",
            help="Keep the generated counties here (FOLDER/<people>/drop), and reuse them.",
        ),
    ] = None,
    framework: Annotated[str, typer.Option("--framework")] = "tf-2015",
    project: Annotated[
        list[int] | None,
        typer.Option("--project", help="Project to these sizes (default 10 and 56 million)."),
    ] = None,
) -> None:
    """Load, link and identify on DuckDB and on Spark in local mode, stage by stage, in
    child processes on the same county, both links with one model trained beforehand
    (not timed); each stage's ratio in the same run, the outputs compared after sorting,
    and with two sizes or more each stage projected from its growth."""
    from wholefamily import engine as E

    try:
        E.require("spark", "bench engines")
    except E.EngineChoiceError as exc:
        fail(str(exc))
    sizes_asked = sorted(set(people or [200_000]))
    to = sorted(set(project or [10_000_000, 56_000_000]))
    if counties is not None and counties.exists() and not counties.is_dir():
        fail(f"--counties {counties} is not a folder")
    sizes: list[Size] = []
    cores = os.cpu_count() or 1  # local mode's `local[2]` on this 2-core machine
    with tempfile.TemporaryDirectory(prefix="wholefamily-bench-") as tmp:
        for n in sizes_asked:
            county = (counties / str(n)) if counties else Path(tmp) / f"county-{n}"
            work = Path(tmp) / f"run-{n}"
            work.mkdir()
            sizes.append(_one_size(n, seed, county, work, framework, "2026-09-30"))
            shutil.rmtree(work, ignore_errors=True)
    out.print(
        f"engines: DuckDB and Spark ({E.LOCAL_MASTER}, driver memory {E.driver_memory()}) "
        f"on {_machine()} (at the end); {framework} as of 2026-09-30"
    )
    for s in sizes:
        _print_size(s)
    if len(sizes) >= 2:
        _print_projection(sizes, to, cores)
    if any(s.differ for s in sizes):
        fail("the two engines' outputs differ (above)")
