"""What every command shares: the app, the consoles, one-line errors, dates, progress bars,
the workspace option and opening the warehouse."""

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

T = TypeVar("T")


app = typer.Typer(
    name="wholefamily",
    help="Find, support and track families for a Supporting Families programme.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


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


EngineOption = Annotated[
    str | None,
    typer.Option(
        "--engine",
        help="duckdb (the embedded warehouse, the default) or spark; env WHOLEFAMILY_ENGINE.",
        show_default=False,
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


def engine_of(option: str | None) -> str:
    """The engine a command runs on (`wholefamily.engine.choose`), checked before any work:
    Spark needs PySpark and Java."""
    from wholefamily.engine import ENV_VAR, EngineChoiceError, choose, require

    try:
        engine = choose(option)
        require(engine, "--engine spark" if option is not None else f"{ENV_VAR}=spark")
    except EngineChoiceError as exc:
        fail(str(exc))
    return engine


def progress_bar() -> Progress:
    return Progress(
        TextColumn("{task.description:<32}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    )


def _ticker(bar: Progress | None, task: object) -> Callable[[str, int, int], None]:
    """Progress: a bar on a terminal, one plain line per step otherwise (logs, cron)."""

    def tick(msg: str, done: int, total: int) -> None:
        if bar is not None:
            bar.update(task, description=msg, completed=done, total=total)  # type: ignore[arg-type]
        else:
            print(f"[{done}/{total}] {msg}", file=sys.stderr, flush=True)

    return tick


def with_progress(work: Callable[[Callable[[str, int, int], None]], T]) -> T:
    """Run `work(tick)` with a progress bar on a terminal, plain lines otherwise."""
    if not console.is_terminal:
        return work(_ticker(None, None))
    with progress_bar() as bar:
        return work(_ticker(bar, bar.add_task("", total=1)))


def open_warehouse(workspace: Path, read_only: bool) -> Any:
    from wholefamily import warehouse as W

    try:
        return W.connect(workspace, read_only=read_only)
    except W.WarehouseError as exc:
        fail(str(exc))


def one_line_error(message: str) -> NoReturn:
    text = " ".join(message.split())
    console.print(f"wholefamily: error: {text}", markup=False, highlight=False, soft_wrap=True)
    sys.exit(2)
