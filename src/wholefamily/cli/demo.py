"""The whole product on a small synthetic county: `wholefamily demo`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from wholefamily import __version__
from wholefamily.cli.common import DEMO_WORKSPACE, app, console, out
from wholefamily.cli.frameworks import identify
from wholefamily.cli.ingest import run_load, run_quality
from wholefamily.cli.linkage import run_link
from wholefamily.cli.synth import run_synth
from wholefamily.cli.web import (
    make_demo_accounts,
    print_accounts,
    run_demo_casework,
    run_serve,
    run_sync,
)


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
    staff = make_demo_accounts(workspace)
    family = run_demo_casework(workspace)
    print_accounts(staff, family)  # the family member's account right under the staff ones
    if serve_app:
        run_serve(workspace, "127.0.0.1", port, 8, allow_owner=True)  # synthetic data only
