"""The case-management web app: `web sync|accounts|manage|grant-app-role`, `audit verify`,
`serve`."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from wholefamily.cli.common import (
    DEFAULT_WORKSPACE,
    WorkspaceOption,
    app,
    console,
    fail,
    out,
    with_progress,
)

web_app = typer.Typer(help="The case-management web app: sync results in, accounts, admin.")


app.add_typer(web_app, name="web")


def open_cases(workspace: Path) -> None:
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
    open_cases(workspace)
    from wholefamily.web.families.sync import SyncError, sync

    try:
        r = with_progress(lambda tick: sync(folder, tick))
    except SyncError as exc:
        fail(str(exc))
    out.print(
        f"Synced {r.framework} as of {r.as_of}: {r.families:,} families in the case database "
        f"({r.created:,} new, {r.changed:,} changed; {r.childrens_services:,} not eligible, "
        f"there for children's services), {r.evidence:,} pieces of evidence; "
        f"{r.children:,} children in the county."
    )


@web_app.command("sync")
def web_sync(
    folder: Annotated[Path, typer.Argument(help="An identification run's output folder.")],
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
) -> None:
    """Bring identification results into the case database (safe to repeat)."""
    run_sync(folder, workspace)


def run_demo_casework(workspace: Path) -> tuple[str, str, str] | None:
    """A year of made-up case work, a claim and the committee report (demo only); returns
    the demo family account's row for the accounts table (None when there is none)."""

    from wholefamily.web.demo import demo_casework
    from wholefamily.web.reporting.periods import parse_period
    from wholefamily.web.reporting.report import ReportError, write

    start, claim_at = date(2025, 9, 30), date(2026, 9, 30)
    made = with_progress(lambda tick: demo_casework(start, claim_at))
    out.print(
        f"Demo case work: {made['allocated']:,} families worked with since {start} "
        f"({made['refused']:,} refused consent), {made['baselines']:,} baselines, "
        f"measured at {claim_at}; {made['claimed']:,} signed off in the 2026Q3 claim."
    )
    from wholefamily.web.familyhelp.demo import demo_family_help

    fhelp = with_progress(lambda tick: demo_family_help(workspace))
    if fhelp.get("families"):
        out.print(
            f"Demo Family Help and child protection: {fhelp['families']:,} families; in "
            f"{fhelp['year']}, {fhelp['census_children']:,} children for the Children in "
            f"Need census and {fhelp['census_cp_plans']:,} child protection plans."
        )
    else:
        out.print(f"No demo Family Help: {fhelp.get('why', 'no children in the extract')}")
    from wholefamily.web.places.demo import demo_support

    support = with_progress(lambda tick: demo_support())
    out.print(
        f"Demo support packages: {support.get('approved', 0):,} approved, "
        f"{support.get('refused_packages', 0):,} refused, {support.get('left_proposed', 0):,} "
        f"waiting for a decision, {support.get('payments', 0):,} payments recorded to 30 "
        f"September 2026; {support.get('referrals', 0):,} referrals to "
        f"{support.get('services', 0):,} services, {support.get('waiting', 0):,} waiting."
    )
    if fhelp.get("families"):
        from wholefamily.web.networks.demo import demo_networks

        nets = with_progress(lambda tick: demo_networks(fhelp["as_of"]))
        out.print(
            f"Demo family networks: {nets.get('families', 0):,} families "
            f"({nets.get('no_network', 0):,} with no network), "
            f"{nets.get('offers', 0):,} offers of family group decision making, "
            f"{nets.get('meetings', 0):,} meetings and {nets.get('plans', 0):,} family plans."
        )
    from wholefamily.web.familyview.demo import demo_family_view

    fview = with_progress(lambda tick: demo_family_view(fhelp.get("as_of", claim_at)))
    if fview.get("row"):
        out.print(
            f"Demo family's own view: family {fview.get('family_id', '')} has an account with "
            f"its plan filled in; {fview.get('others', 0):,} other families have accounts, "
            f"{fview.get('feedback', 0):,} pieces of feedback."
        )
    else:
        out.print(f"No demo family account: {fview.get('why', 'nothing to show')}")
    period = "2025-04-01..2026-09-30"
    path = workspace / "reports" / "committee-report.pdf"
    try:
        write(parse_period(period), path)
        out.print(f"Committee report for {period}: {path}")
    except ReportError as exc:
        out.print(f"No committee report: {exc}")
    row: tuple[str, str, str] | None = fview.get("row")
    return row


def make_demo_accounts(workspace: Path) -> list[tuple[str, str, str]]:
    """The staff demo accounts (new passwords each time): (username, role, password)."""
    open_cases(workspace)
    from wholefamily.web.demo import demo_accounts

    return demo_accounts()


def print_accounts(
    staff: list[tuple[str, str, str]], family: tuple[str, str, str] | None = None
) -> None:
    """The staff accounts' table and, right under it, the family member's."""
    t = Table(title="Demo accounts (passwords shown once)")
    for col in ("username", "role", "password"):
        t.add_column(col)
    for row in staff:
        t.add_row(*row)
    out.print(t)
    if family is not None:
        t = Table(title="Demo family account (password shown once; sign in at /my-family/sign-in)")
        for col in ("username", "who", "password"):
            t.add_column(col)
        t.add_row(*family)
        out.print(t)


def print_demo_accounts(workspace: Path) -> None:
    print_accounts(make_demo_accounts(workspace))


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
    from django.db import Error as DatabaseError

    from wholefamily.web import configure

    workspace.mkdir(parents=True, exist_ok=True)
    try:
        configure(workspace)
    except ImproperlyConfigured as exc:  # production settings without their environment
        fail(str(exc))
    try:
        execute_from_command_line(["wholefamily web manage", *ctx.args])
    except DatabaseError as exc:  # Django's own commands say the rest in one line
        fail(f"cannot open the case database: {str(exc).splitlines()[0]}")


@web_app.command("grant-app-role")
def web_grant_app_role(
    role: Annotated[str, typer.Argument(help="The PostgreSQL role the app serves as.")],
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
) -> None:
    """Migrate as the owner, then grant ROLE what serving needs: no UPDATE or DELETE of
    the audit log or of claim lines, no TRUNCATE, no ownership (PostgreSQL)."""
    open_cases(workspace)
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
    open_cases(workspace)
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
    open_cases(workspace)
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
