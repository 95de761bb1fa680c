"""Progress and payment by results: `movement`, `claims prepare|export|sample`, `funding`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from wholefamily.cli.common import (
    DEFAULT_WORKSPACE,
    T,
    WorkspaceOption,
    app,
    fail,
    out,
    parse_date,
    with_progress,
)
from wholefamily.cli.web import open_cases


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
    open_cases(workspace)
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
        made = with_progress(lambda tick: measure_movement(day, tick))
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
    open_cases(workspace)
    from wholefamily.web.claims.guard import claimable
    from wholefamily.web.claims.models import ClaimError
    from wholefamily.web.claims.services import pack_folder, period_end, prepare

    try:  # a quarter still to come, or ending before every family's work started
        claimable(period, period_end(period), framework)
    except ClaimError as exc:
        fail(f"--period: {exc}")
    claim, lines, held = _claims_call(
        lambda: with_progress(lambda tick: prepare(period, framework, tick))
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
    open_cases(workspace)
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
    open_cases(workspace)
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
    open_cases(workspace)
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
    open_cases(workspace)
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
    open_cases(workspace)
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
    open_cases(workspace)
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
