"""Statutory returns from the case database: `returns cin-census`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from wholefamily.cli.common import DEFAULT_WORKSPACE, WorkspaceOption, app, fail, out
from wholefamily.cli.web import open_cases

returns_app = typer.Typer(help="Statutory returns from the case database (the CIN census).")


app.add_typer(returns_app, name="returns")


@returns_app.command("cin-census")
def cin_census(
    year: Annotated[str, typer.Option("--year", help="The collection year, such as 2025-26.")],
    out_file: Annotated[Path, typer.Option("--out", help="The census XML file to write.")],
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
) -> None:
    """The Children in Need census for a collection year (1 April to 31 March), written
    from the case database and checked with the DfE's own rules (csc-validator-be-cin).
    Exit status 0 when no ERROR-level rule fails (QUERYs are listed for the analyst), 1
    when one does (the file is still written, to correct and send again), 2 for bad
    input (nothing written)."""
    from wholefamily.returns.cin import ValidatorError, parse_year

    try:
        chosen = parse_year(year)
    except ValueError as exc:
        fail(str(exc))
    if out_file.suffix.lower() != ".xml":
        fail(f"--out must name a .xml file, not {out_file}")
    if not out_file.parent.is_dir():
        fail(f"--out's folder {out_file.parent} does not exist")
    open_cases(workspace)
    from wholefamily.web.returns.services import make_return

    try:
        made = make_return(chosen, out_file, workspace)
    except (ValueError, ValidatorError) as exc:
        fail(str(exc))
    r = made.report
    out.print(
        f"CIN census {chosen} for LA {made.la_code}: {made.children:,} children, "
        f"{made.episodes:,} episodes, {made.cp_plans:,} child protection plans. "
        f"Written: {out_file}",
        highlight=False,
    )
    out.print(
        f"The DfE's rules ({r.ruleset}, csc-validator-be-cin {r.validator}, {r.rules_run} "
        f"rules): {len(r.errors):,} ERROR, {len(r.queries):,} QUERY"
        + (f", {len(r.crashed)} rules could not run" if r.crashed else "")
        + ("; the return can be sent." if r.accepted else "; the DfE would not accept it."),
        highlight=False,
    )
    if r.failures():
        t = Table(title="Failing rules (ERROR first)")
        for col in ("rule", "level", "message", "child", "fields"):
            t.add_column(col)
        for f in r.failures():
            fields = "; ".join(f"{x.name}={x.value or ''}" for x in f.fields)
            t.add_row(f.rule, f.level, f.message, f.child or "(the return)", fields)
        out.print(t)
    for rule, error in r.crashed:
        out.print(f"Rule {rule} could not run: {error}", highlight=False, markup=False)
    if not r.accepted:
        sys.exit(1)
