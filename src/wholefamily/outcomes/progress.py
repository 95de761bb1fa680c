"""Outcome rules: each need's tests measured at S and at C, and the verdict.

A framework's `outcomes:` section gives, per need, tests that must all pass
(see `frameworks/data/tf-2015.yaml`). A test is an indicator (the same
grammar as identification) whose rows are counted per family at a date:

- `none: true` passes when the count at C is 0;
- `fewer_by_at_least: x` passes when count(C) <= (1 - x) * count(S), compared
  exactly (x as a fraction, integers on both sides); a count of 0 at S needs
  0 at C;
- `only_if_at_start: true` makes a test pass whenever its count at S was 0
  (it applies only to families it described at the start).

Counts are per family, over the family's members as the linkage (or the
truth) places them; the caller decides which membership (today's, for a
claim) by the `who` it passes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction
from typing import Any

import ibis
import ibis.expr.types as ir

from wholefamily.frameworks.engine import indicator_rows, linked_people
from wholefamily.linkage.records import current_files

# (family_id, need, index of the test in the need's all_of) -> rows counted
Counts = dict[tuple[str, str, int], int]


def only(who: tuple[ir.Table, ir.Table], families: list[str]) -> tuple[ir.Table, ir.Table]:
    """`who` narrowed to some families (a baseline, the families in the programme)."""
    rows_people, people = who
    return rows_people, people.filter(people.family_id.isin(families or [""]))


def measure(
    con: Any,
    framework: dict[str, Any],
    drop_id: str,
    at: date,
    who: tuple[ir.Table, ir.Table] | None = None,
) -> Counts:
    """Every outcome test of the framework, counted per family at `at` (families with
    no row are absent: their count is 0)."""
    who = who or linked_people(con)
    files = current_files(con, drop_id)
    parts = []
    for need, rule in (framework.get("outcomes") or {}).items():
        for i, test in enumerate(rule["all_of"]):
            rows = indicator_rows(con, need, test, at, files, who)
            if rows is None:
                continue
            n = rows.group_by("family_id").aggregate(n=rows.count())
            parts.append(n.mutate(need=ibis.literal(need), test=ibis.literal(i)))
    if not parts:
        return {}
    got = ibis.union(*parts).to_pyarrow().to_pylist()
    return {(r["family_id"], r["need"], int(r["test"])): int(r["n"]) for r in got}


def rows_behind(
    con: Any,
    framework: dict[str, Any],
    drop_id: str,
    at: date,
    who: tuple[ir.Table, ir.Table],
) -> list[dict[str, Any]]:
    """The records each outcome test counts at `at` (for an evidence pack): family, need,
    person, source, row, date and the test's name."""
    files = current_files(con, drop_id)
    parts = []
    for need, rule in (framework.get("outcomes") or {}).items():
        for test in rule["all_of"]:
            rows = indicator_rows(con, need, test, at, files, who)
            if rows is not None:
                parts.append(rows)
    if not parts:
        return []
    t = ibis.union(*parts)
    got: list[dict[str, Any]] = (
        t.order_by(["family_id", "need", "indicator", "date", "source", "row"])
        .to_pyarrow()
        .to_pylist()
    )
    return got


@dataclass
class Measured:
    name: str
    at_start: int
    now: int
    passed: bool


@dataclass
class NeedOutcome:
    """`met` is None when the framework has no outcome rule for the need (tf-2012's
    WORK and LOCAL: route 1 judges crime, ASB and education only)."""

    need: str
    met: bool | None
    tests: list[Measured] = field(default_factory=list)


def family_met(results: list[NeedOutcome]) -> bool:
    """Every need with a rule met, and at least one need judged."""
    judged = [r.met for r in results if r.met is not None]
    return bool(judged) and all(judged)


def passes(test: dict[str, Any], at_start: int, now: int, employed: bool = False) -> bool:
    if test.get("only_if_at_start") and at_start == 0:
        return True
    if test.get("or_employed") and employed:
        return True
    if test.get("none"):
        return now == 0
    x = Fraction(str(test["fewer_by_at_least"]))
    # now <= (1 - x) * at_start, in integers
    return now * x.denominator <= at_start * (x.denominator - x.numerator)


def judge(
    framework: dict[str, Any],
    needs_at_start: dict[str, set[str]],
    start: Counts,
    now: Counts,
    employed: set[str] | None = None,
) -> dict[str, list[NeedOutcome]]:
    """family_id -> the outcome of each need it had at the start (a need without an
    outcome rule in the framework is not judged: met None, no tests)."""
    rules = framework.get("outcomes") or {}
    out: dict[str, list[NeedOutcome]] = {}
    for family, needs in needs_at_start.items():
        results = []
        for need in sorted(needs):
            rule = rules.get(need)
            if rule is None:
                results.append(NeedOutcome(need, None))
                continue
            tests = []
            for i, test in enumerate(rule["all_of"]):
                s, c = start.get((family, need, i), 0), now.get((family, need, i), 0)
                ok = passes(test, s, c, family in (employed or set()))
                tests.append(Measured(str(test["test"]), s, c, ok))
            results.append(NeedOutcome(need, all(t.passed for t in tests), tests))
        out[family] = results
    return out


@dataclass
class FamilyResult:
    """A family's outcome at C: each need's, and by which route it is met (if it is)."""

    family_id: str
    needs: list[NeedOutcome]
    employed: bool
    route: str  # "progress", "employment" or "" (not met)

    @property
    def met(self) -> bool:
        return bool(self.route)


def result(
    framework: dict[str, Any], family_id: str, needs: list[NeedOutcome], employed: bool
) -> FamilyResult:
    if family_met(needs):
        route = "progress"
    elif employed and framework.get("employment_route"):
        route = "employment"
    else:
        route = ""
    return FamilyResult(family_id, needs, employed, route)
