"""Framework files: the four shipped ones check clean; a bad copy names file, line, field."""

from __future__ import annotations

from pathlib import Path

import pytest

from test_cli import run
from wholefamily.frameworks.files import FrameworkError, check, shipped


def test_the_four_frameworks_ship_and_check_clean() -> None:
    assert set(shipped()) == {"tf-2012", "tf-2015", "sf-2022", "southampton-2013"}
    needs = {name: set(check(path).data["needs"]) for name, path in shipped().items()}
    assert needs["tf-2015"] == {
        "CRIME_ASB",
        "EDUCATION",
        "CHILDREN_NEED_HELP",
        "WORK_FINANCE",
        "DOMESTIC_ABUSE",
        "HEALTH",
    }
    assert len(needs["sf-2022"]) == 10
    assert needs["tf-2012"] == {"CRIME_ASB", "EDUCATION", "WORK", "LOCAL"}
    assert needs["southampton-2013"] == {"EDUCATION", "CRIME_ASB", "WORK"}


def _copy_with(tmp_path: Path, old: str, new: str) -> Path:
    text = shipped()["tf-2015"].read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "local.yaml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def _line_of(path: Path, needle: str) -> int:
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if needle in line:
            return n
    raise AssertionError(needle)


@pytest.mark.parametrize(
    ("old", "new", "field", "message"),
    [
        (
            "months: 12, column: outcome_date",
            "months: 12, column: offence_dat",
            "when.column",
            "'offence_dat' is not an event date column of police_offences",
        ),
        (
            "window: last_months, months: 12, column: incident_date}\n  EDUCATION",
            "window: last_weeks, months: 12, column: incident_date}\n  EDUCATION",
            "when.window",
            "must be one of",
        ),
        (
            "{category: SUSPENSION}",
            "{category: SUSPENDED}",
            "where.category",
            "'SUSPENDED' is not a code of category",
        ),
        ("who: adult", "who: grown-up", "who", "must be one of member, dependent_child, adult"),
        ("at_least: 0.10", "at_least: 10", "at_least", "a rate is a number from 0 to 1"),
        (
            "  - at_least: 2",
            "  - at_least: 7",
            "eligibility[0].at_least",
            "7 needs asked for, but only 6",
        ),
        ("source: domestic_abuse", "source: gazetteer", "source", "not a source whose rows"),
        ("count_at_least: 3", "count_at_leest: 3", "count_at_leest", "unknown field"),
        # Outcome rules.
        (
            "fewer_by_at_least: 0.33",
            "fewer_by_at_least: 33",
            "fewer_by_at_least",
            "a reduction is a number above 0, up to 1",
        ),
        (
            "      - test: ASB incidents in the last 6 months",
            "      - test: ASB incidents in the last 6 months\n        none: true",
            "all_of[1]",
            "give exactly one verdict",
        ),
        (
            "  DOMESTIC_ABUSE:\n    description: no domestic",
            "  DOMESTIC_ABUS:\n    description: no domestic",
            "outcomes.DOMESTIC_ABUS",
            "'DOMESTIC_ABUS' is not a need of this framework",
        ),
        (
            "        each_term: true",
            "        each_term: yes please",
            "each_term",
            "true or false, on an absence test only",
        ),
        (
            "employment_route: true",
            "needs_found_during_work: sometimes\nemployment_route: true",
            "needs_found_during_work",
            "must be true or false",
        ),
        (
            "      - test: domestic abuse incident",
            "      - tset: domestic abuse incident",
            "tset",
            "unknown field",
        ),
        ("title: Health problems", "title: [Health]", "HEALTH.title", "must be some text"),
    ],
)
def test_a_bad_copy_names_file_line_and_field(
    tmp_path: Path, old: str, new: str, field: str, message: str
) -> None:
    path = _copy_with(tmp_path, old, new)
    with pytest.raises(FrameworkError) as err:
        check(path)
    (problem,) = [p for p in err.value.problems if field in p]
    file_line, rest = problem.split(": ", 1)
    assert file_line == f"{path}:{_line_of(path, new.splitlines()[0].strip())}"
    assert message in rest


def test_not_yaml_and_missing_fields(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("framework: x\nneeds: [unclosed\n", encoding="utf-8")
    with pytest.raises(FrameworkError, match=r"broken.yaml:\d+: not valid YAML"):
        check(broken)
    empty = tmp_path / "empty.yaml"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(FrameworkError, match="empty"):
        check(empty)
    bare = tmp_path / "bare.yaml"
    bare.write_text("framework: Local Variant\n", encoding="utf-8")
    with pytest.raises(FrameworkError) as err:
        check(bare)
    text = "\n".join(err.value.problems)
    assert "'title' is required" in text and "'needs' is required" in text
    assert "framework: must be a short name" in text


def test_validate_command(tmp_path: Path) -> None:
    ok = run("frameworks", "validate", "sf-2022")
    assert ok.returncode == 0 and "sf-2022 is valid: 10 needs" in ok.stdout
    path = _copy_with(tmp_path, "who: adult", "who: grown-up")
    bad = run("frameworks", "validate", str(path))
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    lines = bad.stderr.strip().splitlines()
    assert lines and all(ln.startswith(f"wholefamily: error: {path}:") for ln in lines)
    missing = run("frameworks", "validate", str(tmp_path / "nope.yaml"))
    assert missing.returncode == 2 and "no such file" in missing.stderr
