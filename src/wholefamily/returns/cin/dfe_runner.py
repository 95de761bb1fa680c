"""Runs the DfE's Children in Need rules on one census file and prints the result as JSON.

Not imported by wholefamily: validate.py runs this file with the python of the
validator's own virtual environment (`.venv-cin`, which has `csc-validator-be-cin`,
pandas 1.5 and numpy < 2), in isolated mode (`python -I`), so nothing of wholefamily's
environment reaches it:

    .venv-cin/bin/python -I dfe_runner.py FILE --year 2026

`--year` is the census <Year> (2026 for 2025-26); the rule set is the validator's for it
(cin2025_26), every rule in it is run. Standard output is one JSON object:

    {"validator": "0.1.13", "ruleset": "cin2025_26", "rules_run": 107, "children": 12000,
     "failures": [{"rule": "1105", "level": "ERROR", "message": "...", "child": "C1",
                   "fields": [{"table": "ChildProtectionPlans", "field": "CPPstartDate",
                               "value": "2025-05-01"}, ...]}, ...],
     "crashed": [{"rule": "8840", "error": "..."}], "seconds": {"read": 1.2, "rules": 30.5}}

or, when the file cannot be checked at all, {"error": "one line"} with exit status 2.

Reading the file. The validator's own reader (`ingress.XMLtoCSV`) appends each child to
its ten tables with a `pandas.concat` per child, which grows with the square of the
children: 11 s for 1,000 children, 58 s for 3,000, far more for a county's 12,000. This
runner builds the same tables in one pass: the same element look-ups (the validator's
`get_values`), the same columns (the validator's `XMLtoCSV` tables), the same ids
(CINdetailsID counted per child, AssessmentID and CPPID per episode), the same values
(the element's text, `pd.NA` when absent) and the same final `pd.concat` with the
validator's empty table, once per table rather than once per child. `--compare-readers`
reads the file both ways and reports whether every table is identical; the tests run it
on a file with every module in it.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import io
import json
import re
import sys
import time
import warnings
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from typing import Any

TABLES = (
    "Header",
    "ChildIdentifiers",
    "ChildCharacteristics",
    "ChildProtectionPlans",
    "CINdetails",
    "CINplanDates",
    "Reviews",
    "Section47",
    "Assessments",
    "AssessmentFactorsList",
    "Disabilities",
)
_CRASH = re.compile(r"^Error with rule (\S+): (.*)$")


class Refusal(Exception):
    """The file cannot be checked: reported as {"error": ...}, exit status 2."""


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description="Run the DfE's CIN census rules on a file.")
    parser.add_argument("file")
    parser.add_argument("--year", required=True, help="the census <Year>, e.g. 2026")
    parser.add_argument("--compare-readers", action="store_true")
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore")
    try:
        if args.compare_readers:
            result = compare_readers(args.file)
        else:
            result = validate(args.file, args.year)
    except Refusal as e:
        print(json.dumps({"error": str(e)}))
        return 2
    print(json.dumps(result))
    return 0


def _validator() -> Any:
    try:
        from cin_validator import cin_validator
    except ImportError as e:
        raise Refusal(
            f"the DfE validator (csc-validator-be-cin) is not installed in {sys.prefix}: {e}"
        ) from e
    return cin_validator


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("csc-validator-be-cin")
    except PackageNotFoundError:
        return "unknown"


def _ruleset(year: str) -> tuple[str, dict[str, Any]]:
    if re.fullmatch(r"\d{4}", year) is None:
        raise Refusal(f"the census year must be four digits, such as 2026, not {year!r}")
    name = f"cin{int(year) - 1}_{year[2:4]}"
    try:
        module = importlib.import_module(f"cin_validator.rules.{name}")
    except ModuleNotFoundError as e:
        raise Refusal(
            f"the DfE validator {_version()} has no rules for the census year "
            f"{int(year) - 1}-{year[2:4]} ({name})"
        ) from e
    registry: dict[str, Any] = module.registry
    return name, registry


def _parse(path: str) -> Iterator[tuple[str, ET.Element]]:
    """The file's <Header> and each <Child>, streamed; each child cleared once read."""
    try:
        stack: list[ET.Element] = []
        for event, elem in ET.iterparse(path, events=("start", "end")):
            if event == "start":
                stack.append(elem)
                continue
            stack.pop()
            if elem.tag == "Header" and len(stack) == 1:
                yield "Header", elem
            elif elem.tag == "Child" and len(stack) == 2 and stack[-1].tag == "Children":
                yield "Child", elem
                stack[-1].remove(elem)
    except ET.ParseError as e:
        raise Refusal(f"{path} is not well-formed XML: {e}") from e
    except OSError as e:
        raise Refusal(f"{path} cannot be read: {e.strerror or e}") from e


def read_tables(path: str) -> dict[str, Any]:
    """The validator's ten tables and header for the file, built in one pass."""
    import pandas as pd
    from cin_validator.ingress import XMLtoCSV
    from cin_validator.utils import get_values

    ids = set(XMLtoCSV.id_cols)
    cols = {t: list(getattr(XMLtoCSV, t).columns) for t in TABLES}
    own = {t: list(set(cols[t]).difference(ids)) for t in TABLES}
    rows: dict[str, list[dict[str, Any]]] = {t: [] for t in TABLES if t != "Header"}
    header: dict[str, Any] | None = None

    for kind, elem in _parse(path):
        if kind == "Header":
            header = {}
            header = get_values(
                ["Collection", "Year", "ReferenceDate"], header, elem.find("CollectionDetails")
            )
            header = get_values(
                ["SourceLevel", "LEA", "SoftwareCode", "Release", "SerialNo", "DateTime"],
                header,
                elem.find("Source"),
            )
            continue
        child = elem
        ident = get_values(cols["ChildIdentifiers"], {}, child.find("ChildIdentifiers"))
        la = ident.get("LAchildID", pd.NA)
        rows["ChildIdentifiers"].append(ident)
        chars = child.find("ChildCharacteristics")
        rows["ChildCharacteristics"].append(
            get_values(own["ChildCharacteristics"], {"LAchildID": la}, chars)
        )
        disabilities = chars.find("Disabilities") if chars is not None else None
        if disabilities is not None:
            for d in disabilities:
                row = get_values(own["Disabilities"], {"LAchildID": la}, d)
                row["Disability"] = d.text
                rows["Disabilities"].append(row)
        for n, cin in enumerate(child.findall("CINdetails"), start=1):
            key = {"LAchildID": la, "CINdetailsID": n}
            rows["CINdetails"].append(get_values(own["CINdetails"], dict(key), cin))
            for a_n, a in enumerate(cin.findall("Assessments"), start=1):
                a_key = {**key, "AssessmentID": a_n}
                a_row = get_values(own["Assessments"], dict(a_key), a)
                factors = a.find("FactorsIdentifiedAtAssessment")
                if factors is not None and len(factors) != 0:
                    texts: list[str | None] = []
                    for f in factors:
                        f_row = get_values(own["AssessmentFactorsList"], dict(a_key), f)
                        f_row["AssessmentFactor"] = f.text
                        rows["AssessmentFactorsList"].append(f_row)
                        texts.append(f.text)
                    a_row["AssessmentFactors"] = texts
                rows["Assessments"].append(a_row)
            for plan in cin.findall("CINPlanDates"):
                rows["CINplanDates"].append(get_values(own["CINplanDates"], dict(key), plan))
            for s47 in cin.findall("Section47"):
                rows["Section47"].append(get_values(own["Section47"], dict(key), s47))
            for p_n, cpp in enumerate(cin.findall("ChildProtectionPlans"), start=1):
                p_key = {**key, "CPPID": p_n}
                rows["ChildProtectionPlans"].append(
                    get_values(own["ChildProtectionPlans"], dict(p_key), cpp)
                )
                for review in cpp.findall("Reviews[CPPreviewDate]"):
                    rows["Reviews"].append(get_values(own["Reviews"], dict(p_key), review))

    if header is None:
        raise Refusal(f"{path} has no <Header>: it is not a CIN census return")
    tables: dict[str, Any] = {"Header": pd.DataFrame.from_dict([header])}
    for name, table_rows in rows.items():
        empty = getattr(XMLtoCSV, name)
        tables[name] = pd.concat([empty, pd.DataFrame(table_rows)], ignore_index=True)
    return {t: tables[t] for t in TABLES}


def compare_readers(path: str) -> dict[str, Any]:
    """Read the file with the validator's reader and with read_tables; are they the same?"""
    import pandas as pd

    cin_validator = _validator()
    ours = read_tables(path)
    theirs = cin_validator.convert_data(ET.parse(path).getroot())
    differences = []
    for name in TABLES:
        try:
            pd.testing.assert_frame_equal(ours[name], theirs[name])
        except AssertionError as e:
            differences.append(f"{name}: {' '.join(str(e).split())}")
    return {
        "same": not differences,
        "differences": differences,
        "rows": {name: len(ours[name]) for name in TABLES},
    }


def _text(value: Any) -> str | None:
    text = str(value)
    return None if text in ("nan", "<NA>", "None", "NaT", "") else text


def validate(path: str, year: str) -> dict[str, Any]:
    cin_validator = _validator()
    name, registry = _ruleset(year)
    started = time.perf_counter()
    tables = read_tables(path)
    read_seconds = time.perf_counter() - started
    data = cin_validator.process_data(tables)
    captured = io.StringIO()
    with contextlib.redirect_stdout(captured):
        result = cin_validator.CinValidator(data, registry)
    rules_seconds = time.perf_counter() - started - read_seconds

    crashed = []
    for line in captured.getvalue().splitlines():
        m = _CRASH.match(line)
        if m:
            crashed.append({"rule": m.group(1), "error": m.group(2)})

    def level(code: str) -> str:
        rule = registry.get(str(code))
        return "QUERY" if rule is not None and rule.rule_type.name == "QUERY" else "ERROR"

    failures: dict[tuple[str, ...], dict[str, Any]] = {}
    report = result.user_report
    if len(report):
        for row in report.itertuples(index=False):
            code = str(row.rule_code)
            child = _text(row.LAchildID)
            instance = _text(row.ERROR_ID) or f"{row.tables_affected}:{row.ROW_ID}"
            key = (code, child or "", instance)
            failure = failures.setdefault(
                key,
                {
                    "rule": code,
                    "level": level(code),
                    "message": " ".join(str(row.rule_description).split()),
                    "child": child,
                    "fields": [],
                },
            )
            field = {
                "table": str(row.tables_affected),
                "field": str(row.columns_affected),
                "value": _text(row.value_flagged),
            }
            if field not in failure["fields"]:
                failure["fields"].append(field)
    return_level = result.la_rule_issues
    if len(return_level):
        for row in return_level.itertuples(index=False):
            code = str(row.rule_code)
            failures.setdefault(
                (code, "", "return"),
                {
                    "rule": code,
                    "level": level(code),
                    "message": " ".join(str(row.rule_description).split()),
                    "child": None,
                    "fields": [],
                },
            )
    return {
        "validator": _version(),
        "ruleset": name,
        "rules_run": len(registry),
        "children": len(tables["ChildIdentifiers"]),
        "failures": list(failures.values()),
        "crashed": crashed,
        "seconds": {"read": round(read_seconds, 2), "rules": round(rules_seconds, 2)},
    }


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
