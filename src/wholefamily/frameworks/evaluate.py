"""`wholefamily evaluate identification`: how far linkage errors move eligibility.

The same engine runs twice on one drop at T: once over our linkage (people,
households, families), once over the synthetic truth (truth_records.csv,
truth_households.csv, truth_people.csv). Each of our eligible families is
named by the true household most of its members belong to; precision,
recall and F1 of `eligible` are then counted over households.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir

from wholefamily.frameworks.engine import EngineError, eligible, evidence, linked_people
from wholefamily.frameworks.files import check
from wholefamily.frameworks.identify import framework_file, open_linked
from wholefamily.linkage.evaluate import scores
from wholefamily.linkage.identities import most_frequent


@dataclass
class IdentificationScores:
    framework: str
    as_of: date
    ours: int
    truth: int
    both: int
    precision: float
    recall: float
    f1: float


def truth_people(con: Any, truth: Path) -> tuple[ir.Table, ir.Table]:
    """The truth in the engine's shape: rows to true people; people to true families."""
    for name in ("records", "households", "people"):
        if not (truth / f"truth_{name}.csv").is_file():
            raise EngineError(f"{truth} holds no truth_{name}.csv: --truth is a synth folder")
    tr = con.read_csv(str(truth / "truth_records.csv"), all_varchar=True)
    rows = tr.select(source=tr.source, row=tr.row.cast("int64"), person_id=tr.person_id)
    th = con.read_csv(str(truth / "truth_households.csv"), all_varchar=True)
    tp = con.read_csv(str(truth / "truth_people.csv"), all_varchar=True)
    families = th.filter(th.role == "CHILD").select(f=th.household_id).distinct()
    p = th.join(tp, "person_id").left_join(families, th.household_id == families.f)
    people = p.select(
        person_id=p.person_id,
        family_id=ibis.ifelse(p.f.notnull(), p.household_id, ibis.null("string")),
        role=p.role,
        dob=p.dob.cast("date"),
    )
    return rows, people


def evaluate_identification(
    workspace: Path, truth: Path, framework: str, as_of: date
) -> IdentificationScores:
    fw = check(framework_file(framework)).data
    con, drop_id = open_linked(workspace, as_of)
    try:
        ours_rows, ours_people = linked_people(con)
        rows, true_people = truth_people(con, truth)
        answers = []
        for k, who in enumerate(((ours_rows, ours_people), (rows, true_people))):
            ev = evidence(con, fw, drop_id, as_of, who)
            needs = con.create_table(
                f"eval_needs_{k}",
                ev.select("family_id", "need").distinct(),
                temp=True,
                overwrite=True,
            )
            answers.append(set(eligible(fw, needs).execute()["family_id"]))
        ours_fams, true_households = answers
        # Name each of our families by the true household most of its members are in.
        j = ours_rows.join(rows, ["source", "row"]).select(
            pid=ours_rows.person_id, truth=rows.person_id
        )
        best = most_frequent(j, "pid", ["truth"])
        th = con.read_csv(str(truth / "truth_households.csv"), all_varchar=True)
        home = best.join(th, best.truth == th.person_id).select("pid", hh=th.household_id)
        fam = ours_people.filter(ours_people.family_id.isin(list(ours_fams) or [""]))
        named = fam.join(home, fam.person_id == home.pid)
        ours = set(most_frequent(named, "family_id", ["hh"]).execute()["hh"])
    finally:
        con.disconnect()
    both = len(ours & true_households)
    p, r, f1 = scores(len(true_households), len(ours), both)
    return IdentificationScores(
        str(fw["framework"]), as_of, len(ours), len(true_households), both, p, r, f1
    )
