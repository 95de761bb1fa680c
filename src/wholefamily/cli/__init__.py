"""The `wholefamily` command line, one module per stage of the flow (Typer sub-apps
for the command groups).

Bad input never shows a traceback: it is reported in one line on stderr,
and the command exits with status 2.
"""

from __future__ import annotations

import sys

import typer

# Each module registers its commands on `app` when imported, in the order of the flow.
from wholefamily.cli import (  # noqa: F401
    bench,
    bench_engines,
    demo,
    evaluate,
    frameworks,
    ingest,
    linkage,
    outcomes,
    payments,
    reporting,
    returns,
    synth,
    web,
)
from wholefamily.cli.common import UserError, app, console, one_line_error

# The help lists the commands in the order of the flow, whatever the order of imports.
COMMANDS = [
    "synth",
    "synth-pair",
    "demo",
    "load",
    "quality",
    "link",
    "explain-person",
    "identify",
    "run",
    "explain",
    "compare",
    "serve",
    "movement",
    "report",
    "national-return",
]
GROUPS = [
    "review",
    "evaluate",
    "frameworks",
    "web",
    "audit",
    "claims",
    "funding",
    "returns",
    "payments",
    "bench",
]


def _name(info: typer.models.CommandInfo) -> str:
    callback = info.callback
    return info.name or (callback.__name__.replace("_", "-") if callback else "")


app.registered_commands.sort(key=lambda c: COMMANDS.index(_name(c)))
app.registered_groups.sort(key=lambda g: GROUPS.index(g.name or ""))


def main() -> None:
    """Entry point: usage errors and ours become one line and exit status 2."""
    try:
        code = app(standalone_mode=False)
    except UserError as exc:
        one_line_error(str(exc))
    except typer.Abort:
        console.print("wholefamily: interrupted", markup=False)
        sys.exit(130)
    except typer.TyperException as exc:  # usage errors: bad option, bad value, missing value
        if type(exc).__name__ == "NoArgsIsHelpError":
            getattr(exc, "show")()  # noqa: B009 - prints the help
            sys.exit(2)
        fmt = getattr(exc, "format_message", None)
        one_line_error(fmt() if callable(fmt) else str(exc))
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    main()
