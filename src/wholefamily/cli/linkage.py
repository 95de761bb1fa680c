"""Linking people: `link`, the clerical review queue (`review`), `explain-person`."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from wholefamily.cli.common import (
    DEFAULT_WORKSPACE,
    EngineOption,
    T,
    WorkspaceOption,
    app,
    engine_of,
    fail,
    open_warehouse,
    out,
    parse_date,
    with_progress,
)


def run_link(
    workspace: Path,
    drop_id: str | None,
    as_of: str | None,
    out_dir: Path | None,
    retrain: bool,
    threshold: float | None = None,
    precedence: str | None = None,
    engine: str = "duckdb",
    councils: list[tuple[str | None, str]] | None = None,
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
        report = with_progress(
            lambda tick: link(
                workspace,
                drop_id,
                day,
                out_dir,
                retrain,
                tick,
                settings,
                engine=engine,
                councils=councils,
            )
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
    engine: EngineOption = None,
) -> None:
    """Link people across sources, then form households and families."""
    chosen = engine_of(engine)
    run_link(workspace, drop_id, as_of, out_dir, retrain, threshold, precedence, chosen)


review_app = typer.Typer(
    help="The clerical review queue: pairs the model is unsure about.",
    invoke_without_command=True,
)


app.add_typer(review_app, name="review")


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
    con = open_warehouse(workspace, True)
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

    con = open_warehouse(workspace, False)
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
    con = open_warehouse(workspace, True)
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
