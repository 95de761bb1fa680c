"""`wholefamily evaluate outcomes`: are the families the generator made improve the ones
whose outcomes the rules find met?

On a synthetic county whose drop reaches the claim date C (its history covers
the start S a year or so before), with the generator's people and households
as the membership (so linkage errors do not blur the rules):

- the families are those eligible under the framework at S;
- predicted: their outcome met at C (every need's tests, or the employment route);
- truth: the generator improved the household (truth_trouble.csv improved_on)
  early enough that every record the family's outcome tests read at C comes
  after it: on or before the earliest day those tests reach back to (6 months
  before C for most; the first day of the oldest of the last three terms for
  school attendance). A family improved later cannot show it yet, whatever
  the rules; one improved before S that was still eligible at S (the
  identification looks back 12 months) has improved all the same.

Precision, recall and F1 of "met" over the families eligible at S.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from wholefamily import warehouse as W
from wholefamily.frameworks.engine import EngineError, eligible, evidence, reaches_back_to
from wholefamily.frameworks.evaluate import truth_people
from wholefamily.frameworks.files import check
from wholefamily.frameworks.identify import framework_file
from wholefamily.ingest.load import latest_drop
from wholefamily.linkage.evaluate import scores
from wholefamily.outcomes.employment import claimants, employed
from wholefamily.outcomes.progress import judge, measure, result
from wholefamily.sources.calendar import months_before


@dataclass
class OutcomeScores:
    framework: str
    start: date
    claim: date
    families: int
    predicted: int
    improved: int
    both: int
    precision: float
    recall: float
    f1: float


def improvements(truth: Path) -> dict[str, date]:
    """household_id -> the day the generator ended its trouble (improved households)."""
    path = truth / "truth_trouble.csv"
    if not path.is_file():
        raise EngineError(f"{truth} holds no truth_trouble.csv: --truth is a synth folder")
    with path.open(newline="") as f:
        return {
            r["household_id"]: date.fromisoformat(r["improved_on"])
            for r in csv.DictReader(f)
            if r["improved_on"]
        }


def clean_from(framework: dict[str, Any], needs: set[str], claim: date) -> date:
    """The earliest day the outcome tests of these needs read at the claim date."""
    rules = framework.get("outcomes") or {}
    days = [
        reaches_back_to(test, claim)
        for need in needs
        for test in (rules.get(need) or {}).get("all_of", [])
    ]
    return min(days, default=months_before(claim, 6) + timedelta(days=1))


def improved_households(
    truth: Path, framework: dict[str, Any], needs: dict[str, set[str]], claim: date
) -> set[str]:
    """The families (of `needs`, family_id -> needs at S) the generator improved in
    time for their outcome tests at the claim date to see it."""
    done = improvements(truth)
    return {
        f for f, its in needs.items() if f in done and done[f] <= clean_from(framework, its, claim)
    }


def evaluate_outcomes(
    workspace: Path, truth: Path, framework: str, start: date, claim: date
) -> OutcomeScores:
    if not start < claim:
        raise EngineError("--start must be before --claim")
    fw = check(framework_file(framework)).data
    if not W.warehouse_path(workspace).exists():
        raise EngineError(f"no warehouse in {workspace}: run `wholefamily load` first")
    con = W.connect(workspace, read_only=True)
    try:
        drop_id = latest_drop(con)
        if drop_id is None:
            raise EngineError(f"nothing loaded in {workspace} yet")
        who = truth_people(con, truth)
        ev = evidence(con, fw, drop_id, start, who)
        needs_t = con.create_table(
            "eval_outcome_needs",
            ev.select("family_id", "need").distinct(),
            temp=True,
            overwrite=True,
        )
        families = set(eligible(fw, needs_t).to_pyarrow().column(0).to_pylist())
        needs: dict[str, set[str]] = {}
        for r in needs_t.to_pyarrow().to_pylist():
            if r["family_id"] in families:
                needs.setdefault(r["family_id"], set()).add(r["need"])
        base, now = measure(con, fw, drop_id, start, who), measure(con, fw, drop_id, claim, who)
        claiming = claimants(con, drop_id, start, who)
        weeks = {p: w for fam in families for p, w in claiming.get(fam, {}).items()}
        working = employed(con, drop_id, claim, weeks, who)
    finally:
        con.disconnect()
    jobs = {f for f in families if any(p in working for p in claiming.get(f, {}))}
    judged = judge(fw, needs, base, now, jobs)
    predicted = {f for f in families if result(fw, f, judged[f], f in jobs).met}
    improved = improved_households(truth, fw, {f: needs.get(f, set()) for f in families}, claim)
    both = len(predicted & improved)
    p, r, f1 = scores(len(improved), len(predicted), both)
    return OutcomeScores(
        str(fw["framework"]),
        start,
        claim,
        len(families),
        len(predicted),
        len(improved),
        both,
        p,
        r,
        f1,
    )


@dataclass
class ProgrammeRun:
    families: int
    met: int
    start: date
    claim: date
    seconds: float


def evaluate_programme(
    workspace: Path, framework: str, families: int, start: date | None = None
) -> ProgrammeRun:
    """The benchmark's unit of work: outcome evaluation for `families` families of the
    last linkage, from S (default a year before its as-of date) to C (its as-of date):
    every test counted at S and at C, claimants and continuous employment, the verdicts.
    Every need with a rule is taken as a need at S (the most work a family can cost)."""
    import time

    from wholefamily.frameworks.engine import linked_people
    from wholefamily.frameworks.identify import linked_as_of, open_linked
    from wholefamily.outcomes.progress import only

    fw = check(framework_file(framework)).data
    con, drop_id = open_linked(workspace, None)
    try:
        claim = linked_as_of(con)
        begin = start or months_before(claim, 12)
        t0 = time.perf_counter()
        people = con.table("link_people")
        ids = (
            people.filter(people.family_id.notnull())
            .select("family_id")
            .distinct()
            .order_by("family_id")
            .limit(families)
            .to_pyarrow()
            .column(0)
            .to_pylist()
        )
        who = only(linked_people(con), ids)
        base, now = measure(con, fw, drop_id, begin, who), measure(con, fw, drop_id, claim, who)
        claiming = claimants(con, drop_id, begin, who)
        weeks = {p: w for fam in claiming.values() for p, w in fam.items()}
        working = employed(con, drop_id, claim, weeks, who)
    finally:
        con.disconnect()
    rules = set(fw.get("outcomes") or {})
    jobs = {f for f in ids if any(p in working for p in claiming.get(f, {}))}
    judged = judge(fw, {f: rules for f in ids}, base, now, jobs)
    met = sum(1 for f in ids if result(fw, f, judged[f], f in jobs).met)
    return ProgrammeRun(len(ids), met, begin, claim, time.perf_counter() - t0)
