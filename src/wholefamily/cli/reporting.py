"""Reports: the committee report and the national return."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from wholefamily.cli.common import DEFAULT_WORKSPACE, WorkspaceOption, app, fail, out, with_progress
from wholefamily.cli.web import open_cases


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
    open_cases(workspace)
    from wholefamily.web.reporting.periods import PeriodError, parse_period
    from wholefamily.web.reporting.report import ReportError, write

    try:
        chosen = parse_period(period)
    except PeriodError as exc:
        fail(str(exc))
    if out_file.suffix.lower() != ".pdf":
        fail(f"--out must name a .pdf file, not {out_file}")
    try:
        r = with_progress(lambda tick: write(chosen, out_file, district, framework, tick))
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
    open_cases(workspace)
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
