"""Checking a written return with the DfE's own rules, in the validator's own environment.

The DfE publishes its CIN census validation rules as the package `csc-validator-be-cin`,
which needs pandas 1.5 and numpy < 2, where wholefamily uses pandas 2. So it lives in a
virtual environment of its own, `.venv-cin` at the root of the repository (`make setup`
builds it; the environment variable WHOLEFAMILY_CIN_VENV names another), and runs in a
subprocess: that environment's python runs `dfe_runner.py` (beside this module), which
runs every rule of the year's rule set and prints JSON, parsed here into `Failure`s.

Each failure is one instance of a rule failing: the rule's code, its level (ERROR: the
DfE will not accept the return; QUERY: the analyst must check it, and explain it to the
DfE if it is right), its message, the child (None for a rule about the whole return) and
the fields with the values it flagged.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from wholefamily.returns.cin.model import Child
from wholefamily.returns.cin.xml import write_return
from wholefamily.returns.cin.year import CollectionYear, parse_year
from wholefamily.sources.lacode import check_la_code

VENV_ENV = "WHOLEFAMILY_CIN_VENV"
RUNNER = Path(__file__).with_name("dfe_runner.py")
REPO_ROOT = Path(__file__).resolve().parents[4]
DEFAULT_VENV = REPO_ROOT / ".venv-cin"

Level = Literal["ERROR", "QUERY"]


class ValidatorError(Exception):
    """The DfE's rules could not be run on the file; the message is one line."""


@dataclass(frozen=True)
class Field:
    """A field a rule flagged: its table in the validator's terms, its element, its value."""

    table: str
    name: str
    value: str | None


@dataclass(frozen=True)
class Failure:
    rule: str
    level: Level
    message: str
    child: str | None
    fields: tuple[Field, ...]


@dataclass(frozen=True)
class Report:
    """The DfE's rules on one return: its failures split by level."""

    path: Path
    year: CollectionYear
    children: int
    validator: str  # the validator's version, e.g. "0.1.13"
    ruleset: str  # e.g. "cin2025_26"
    rules_run: int
    errors: tuple[Failure, ...]
    queries: tuple[Failure, ...]
    crashed: tuple[tuple[str, str], ...]  # (rule, error): rules that failed to run at all
    seconds: float

    @property
    def accepted(self) -> bool:
        """No ERROR-level rule failed and every rule ran."""
        return not self.errors and not self.crashed

    def failures(self) -> tuple[Failure, ...]:
        return self.errors + self.queries


def venv_path() -> Path:
    configured = os.environ.get(VENV_ENV)
    return Path(configured) if configured else DEFAULT_VENV


def venv_python(venv: Path | None = None) -> Path:
    """The validator environment's python, or ValidatorError saying how to install it."""
    venv = venv or venv_path()
    python = venv / "bin" / "python"
    if not python.exists():
        where = f" ({VENV_ENV})" if os.environ.get(VENV_ENV) else ""
        raise ValidatorError(
            f"the DfE validator's environment {venv}{where} is missing: `make setup` installs it"
        )
    return python


def _run(args: list[str], venv: Path | None, timeout: float | None) -> dict[str, Any]:
    python = venv_python(venv)
    try:
        done = subprocess.run(
            [str(python), "-I", str(RUNNER), *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as e:
        raise ValidatorError(f"the DfE validator took longer than {timeout:.0f} s") from e
    except OSError as e:
        raise ValidatorError(f"the DfE validator could not be started ({python}): {e}") from e
    try:
        result: dict[str, Any] = json.loads(done.stdout)
    except json.JSONDecodeError:
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        last = lines[-1].strip() if lines else f"exit status {done.returncode}"
        raise ValidatorError(f"the DfE validator failed: {last}") from None
    if "error" in result:
        raise ValidatorError(str(result["error"]))
    return result


def _failure(item: dict[str, Any]) -> Failure:
    return Failure(
        rule=str(item["rule"]),
        level="QUERY" if item["level"] == "QUERY" else "ERROR",
        message=str(item["message"]),
        child=None if item["child"] is None else str(item["child"]),
        fields=tuple(
            Field(str(f["table"]), str(f["field"]), None if f["value"] is None else str(f["value"]))
            for f in item["fields"]
        ),
    )


def _order(f: Failure) -> tuple[str, str, str]:
    return (f.child or "", f.rule, f.fields[0].name if f.fields else "")


def validate_file(
    path: Path,
    year: CollectionYear | str,
    *,
    venv: Path | None = None,
    timeout: float | None = 1800,
) -> Report:
    """Run every DfE rule for `year` on the return at `path`."""
    year = parse_year(year) if isinstance(year, str) else year
    venv_python(venv)
    path = Path(path)
    if not path.is_file():
        raise ValidatorError(f"there is no census return at {path}")
    result = _run([str(path.resolve()), "--year", year.xml_year], venv, timeout)
    failures = [_failure(item) for item in result["failures"]]
    return Report(
        path=path,
        year=year,
        children=int(result["children"]),
        validator=str(result["validator"]),
        ruleset=str(result["ruleset"]),
        rules_run=int(result["rules_run"]),
        errors=tuple(sorted((f for f in failures if f.level == "ERROR"), key=_order)),
        queries=tuple(sorted((f for f in failures if f.level == "QUERY"), key=_order)),
        crashed=tuple((str(c["rule"]), str(c["error"])) for c in result["crashed"]),
        seconds=float(result["seconds"]["read"]) + float(result["seconds"]["rules"]),
    )


def compare_readers(path: Path, *, venv: Path | None = None) -> dict[str, Any]:
    """Whether the runner's reader and the validator's own build the same tables (tests)."""
    return _run([str(Path(path).resolve()), "--year", "0000", "--compare-readers"], venv, None)


def write_and_validate(
    children: Iterable[Child],
    la_code: str,
    year: CollectionYear | str,
    out_path: Path,
    *,
    venv: Path | None = None,
) -> Report:
    """Write the census return for `year` to `out_path`, then run the DfE's rules on it.

    Bad input (a year like 2025-27, an LA code that is not three digits) is refused with
    a ValueError before anything is written; a missing validator environment with a
    ValidatorError, also before anything is written.
    """
    year = parse_year(year) if isinstance(year, str) else year
    check_la_code(la_code)
    venv_python(venv)
    write_return(children, la_code, year, Path(out_path))
    return validate_file(Path(out_path), year, venv=venv)
