"""Family Network Support Package payments from the case database: `payments export`
(the finance file of a financial year) and `payments record` (the payments due up to a
day, each written once)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from wholefamily.cli.common import DEFAULT_WORKSPACE, WorkspaceOption, app, fail, out, parse_date
from wholefamily.cli.web import open_cases

payments_app = typer.Typer(help="Support package payments: the finance export, payments due.")


app.add_typer(payments_app, name="payments")

COLUMNS = ["payment_reference", "date", "payee", "purpose", "budget", "amount", "approver"]


@payments_app.command("export")
def export(
    year: Annotated[str, typer.Option("--year", help="The financial year, such as 2026/27.")],
    out_file: Annotated[Path, typer.Option("--out", help="The CSV file to write.")],
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
) -> None:
    """Every payment (and reversed payment) against the year's budgets, one row each:
    payment reference, date, payee, purpose, budget, amount (pounds, 2 decimal places)
    and approver. No reference appears twice."""
    from wholefamily.web.payments.money import parse_year

    try:
        chosen = parse_year(year)
    except ValueError as exc:
        fail(f"--year: {exc}")
    if out_file.suffix.lower() != ".csv":
        fail(f"--out must name a .csv file, not {out_file}")
    if not out_file.parent.is_dir():
        fail(f"--out's folder {out_file.parent} does not exist")
    open_cases(workspace)
    import pyarrow as pa

    from wholefamily.safecsv import write_table
    from wholefamily.web.payments.services import export_rows

    rows = export_rows(chosen)
    refs = [r["payment_reference"] for r in rows]
    if len(set(refs)) != len(refs):  # the database's unique index makes this impossible
        fail("a payment reference appears twice in the ledger: nothing written")
    table = pa.table({c: pa.array([r[c] for r in rows], pa.string()) for c in COLUMNS})
    write_table(table, out_file)
    from decimal import Decimal

    from wholefamily.web.payments.money import pounds

    total = int(sum((Decimal(r["amount"]) for r in rows), Decimal(0)) * 100)

    out.print(
        f"Payments {chosen}: {len(rows):,} rows, {pounds(total)}. Written: {out_file}",
        highlight=False,
        markup=False,
    )


@payments_app.command("record")
def record(
    up_to: Annotated[
        str, typer.Option("--up-to", help="Payments due up to this day (YYYY-MM-DD).")
    ],
    username: Annotated[str, typer.Option("--by", help="The user recording them.")],
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
) -> None:
    """Record every approved package's payments due up to a day (today or before), each
    due date once: running it again pays nothing twice."""
    day = parse_date(up_to, "--up-to")
    open_cases(workspace)
    from django.contrib.auth import get_user_model

    from wholefamily.web.familyhelp.services import Refused
    from wholefamily.web.payments import access
    from wholefamily.web.payments.money import pounds
    from wholefamily.web.payments.services import record_payments

    who = get_user_model().objects.filter(username=username, is_active=True).first()
    if who is None or not access.may_record_payments(who):
        fail(f"--by: {username!r} is not a head of service or programme analyst who can sign in")
    try:
        made = record_payments(day, who)
    except Refused as exc:
        fail(exc.message)
    out.print(
        f"{len(made):,} payments recorded, {pounds(sum(e.pence for e in made))}", highlight=False
    )
