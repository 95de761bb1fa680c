"""Making the Children in Need census return from the case database, for the command
line, the analyst's page and the benchmark alike (`make_return`).

The council's census settings are a file `census.yaml` in the workspace, all of it
optional:

    la_code: "838"                  # the council's three-digit DfE LA code
    referral_sources:               # the council's names for who referred → census code
      School nurse team: "3C"
      MASH police desk: "6"
    closure_reasons:                # closure wording from other records → census code
      Family moved away: "RC5"

`la_code` there wins over the Django setting WHOLEFAMILY_LA_CODE (the environment
variable of the same name; 838, the demo county's, when neither is set). A file that is
not YAML, a key not listed here, or a code the census does not have is refused in one
line naming the file (`CensusSettingsError`), before anything is written.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings
from django.utils import timezone

from wholefamily.returns.cin import Child, CollectionYear, Report, parse_year, write_and_validate
from wholefamily.returns.cin import codes as census_codes
from wholefamily.returns.cin.validate import venv_python
from wholefamily.sources.lacode import check_la_code
from wholefamily.web.familyhelp.census import Names, children_for_year

SETTINGS_FILE = "census.yaml"
RETURNS_DIR = "returns"
_KEYS = {
    "la_code": None,
    "referral_sources": "referral source",
    "closure_reasons": "reason for closure",
}


class CensusSettingsError(ValueError):
    """The council's census settings cannot be used; the message is one line."""


@dataclass(frozen=True)
class CensusSettings:
    la_code: str
    names: Names
    path: Path | None  # the file read, or None when the workspace has none


def _workspace(workspace: Path | None) -> Path:
    return Path(workspace) if workspace is not None else Path(settings.WORKSPACE)


def _text(value: object) -> str | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | str):
        return str(value).strip()
    return None


def _mapping(path: Path, key: str, value: object) -> dict[str, str]:
    kind = _KEYS[key]
    assert kind is not None
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise CensusSettingsError(
            f"{path}: {key} must map the council's names to census codes, "
            f'such as {key}: {{"Our name": "CODE"}}'
        )
    out = {}
    for name, code in value.items():
        name_text, code_text = _text(name), _text(code)
        if not name_text or code_text is None:
            raise CensusSettingsError(f"{path}: {key} has an entry that is not a name and a code")
        if code_text not in census_codes.LISTS[kind]:
            raise CensusSettingsError(
                f"{path}: {key} maps {name_text!r} to {code_text!r}, which is not a census "
                f"{kind} code (the codes are {', '.join(census_codes.LISTS[kind])})"
            )
        out[name_text] = code_text
    return out


def load_settings(workspace: Path | None = None) -> CensusSettings:
    """The LA code and the council's names for census codes (see the module's docstring)."""
    path = _workspace(workspace) / SETTINGS_FILE
    la_code = str(getattr(settings, "WHOLEFAMILY_LA_CODE", "") or "")
    if not path.is_file():
        return CensusSettings(_la(la_code, "WHOLEFAMILY_LA_CODE"), Names(), None)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        where = getattr(exc, "problem_mark", None)
        line = f" (line {where.line + 1})" if where is not None else ""
        raise CensusSettingsError(f"{path} is not a YAML file of census settings{line}") from None
    if data is None:
        data = {}
    if not isinstance(data, Mapping):
        raise CensusSettingsError(f'{path} must hold settings such as la_code: "838"')
    unknown = sorted(str(k) for k in data if k not in _KEYS)
    if unknown:
        raise CensusSettingsError(
            f"{path}: {unknown[0]!r} is not a census setting (they are {', '.join(_KEYS)})"
        )
    if "la_code" in data:
        la_code = _text(data["la_code"]) or ""
    names = Names(
        referral_sources=_mapping(path, "referral_sources", data.get("referral_sources")),
        closure_reasons=_mapping(path, "closure_reasons", data.get("closure_reasons")),
    )
    return CensusSettings(_la(la_code, f"{path}'s la_code"), names, path)


def _la(code: str, where: str) -> str:
    try:
        return check_la_code(code)
    except ValueError as exc:
        raise CensusSettingsError(f"{where}: {exc}") from None


@dataclass(frozen=True)
class Made:
    """A return written and checked: the DfE's report and what went into it."""

    report: Report
    la_code: str
    children: int
    episodes: int
    cp_plans: int
    people: dict[str, int]  # LAchildID → the Person's primary key

    @property
    def exit_code(self) -> int:
        """0 when the DfE would take the return (QUERYs allowed), 1 otherwise."""
        return 0 if self.report.accepted else 1


def make_return(
    year: CollectionYear | str,
    out_path: Path,
    workspace: Path | None = None,
    *,
    venv: Path | None = None,
) -> Made:
    """Write the CIN census for `year` from the case database to `out_path` and run the
    DfE's rules on it. Bad input (the year, the census settings, the validator missing)
    raises ValueError or ValidatorError before anything is written."""
    chosen = parse_year(year) if isinstance(year, str) else year
    census = load_settings(workspace)
    venv_python(venv)
    people: dict[str, int] = {}
    counts = {"episodes": 0, "cp_plans": 0}

    def counted() -> Iterator[Child]:
        for child in children_for_year(chosen, names=census.names, people=people):
            counts["episodes"] += len(child.episodes)
            counts["cp_plans"] += sum(len(e.cp_plans) for e in child.episodes)
            yield child

    report = write_and_validate(counted(), census.la_code, chosen, Path(out_path), venv=venv)
    return Made(
        report=report,
        la_code=census.la_code,
        children=report.children,
        episodes=counts["episodes"],
        cp_plans=counts["cp_plans"],
        people=people,
    )


# --- The workspace's returns, for the page -------------------------------------------


def return_path(year: CollectionYear, workspace: Path | None = None) -> Path:
    return _workspace(workspace) / RETURNS_DIR / f"cin-{year}.xml"


def report_path(year: CollectionYear, workspace: Path | None = None) -> Path:
    return return_path(year, workspace).with_suffix(".json")


def _write_atomically(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def make_in_workspace(
    year: CollectionYear | str, made_by: str, workspace: Path | None = None
) -> dict[str, Any]:
    """Make the return into the workspace (returns/cin-2025-26.xml, its report beside it
    as .json), each put in place whole; the stored report."""
    chosen = parse_year(year) if isinstance(year, str) else year
    final = return_path(chosen, workspace)
    final.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=final.parent, prefix=f".{final.name}.", suffix=".tmp")
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        made = make_return(chosen, tmp, workspace)
        stored = _stored(made, chosen, made_by)
        os.replace(tmp, final)
    finally:
        tmp.unlink(missing_ok=True)
    _write_atomically(report_path(chosen, workspace), json.dumps(stored, indent=1))
    return stored


def _stored(made: Made, year: CollectionYear, made_by: str) -> dict[str, Any]:
    r = made.report
    failing = {f.child for f in r.failures() if f.child}
    return {
        "year": str(year),
        "made_at": timezone.now().isoformat(),
        "made_by": made_by,
        "la_code": made.la_code,
        "children": made.children,
        "episodes": made.episodes,
        "cp_plans": made.cp_plans,
        "validator": r.validator,
        "ruleset": r.ruleset,
        "rules_run": r.rules_run,
        "errors": [asdict(f) for f in r.errors],
        "queries": [asdict(f) for f in r.queries],
        "crashed": [list(c) for c in r.crashed],
        "people": {k: v for k, v in made.people.items() if k in failing},
    }


def stored_report(year: CollectionYear, workspace: Path | None = None) -> dict[str, Any] | None:
    """The report of the return last made into the workspace for `year`, if there is one
    and its return is there."""
    path = report_path(year, workspace)
    if not path.is_file() or not return_path(year, workspace).is_file():
        return None
    try:
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    data["made_at"] = datetime.fromisoformat(data["made_at"])
    return data
