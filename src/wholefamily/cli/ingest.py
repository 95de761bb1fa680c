"""Loading a drop and its data-quality report: `load`, `quality`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from wholefamily.cli.common import (
    DEFAULT_WORKSPACE,
    EngineOption,
    WorkspaceOption,
    app,
    engine_of,
    fail,
    out,
    with_progress,
)


def run_load(drop: Path, workspace: Path, drop_id: str | None, la_code: str | None = None) -> None:
    from wholefamily.ingest import LoadError, load_drop

    try:
        report = with_progress(lambda tick: load_drop(drop, workspace, drop_id, tick, la_code))
    except LoadError as exc:
        fail(str(exc))
    council = f" (council {la_code})" if la_code else ""
    t = Table(title=f"Drop {report.drop_id}{council} loaded into {workspace}")
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
    engine: EngineOption = None,
) -> None:
    """Load a drop of extracts: validate, quarantine bad rows, resolve addresses. With
    --engine spark, the drop is read and checked as on DuckDB, and then the warehouse
    Spark reads (its Parquet copy) is written, ready for `link --engine spark`."""
    chosen = engine_of(engine)
    run_load(drop, workspace, drop_id)
    if chosen == "spark":
        from wholefamily import spark_warehouse
        from wholefamily.warehouse import WarehouseError

        try:
            names = spark_warehouse.export(workspace)
        except (WarehouseError, OSError) as exc:
            fail(f"cannot write the Parquet copy for Spark: {exc}")
        out.print(
            f"The warehouse for Spark: {spark_warehouse.folder(workspace)} "
            f"({len(names)} tables). Next: wholefamily link --engine spark"
        )


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
