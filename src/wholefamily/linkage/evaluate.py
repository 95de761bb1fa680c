"""`wholefamily evaluate linkage`: the linkage measured against ground truth.

Pairwise, over the records that name a person: a pair of records is a true
match when the truth names the same person for both. Precision is the share
of the pairs we linked that are true, recall the share of true pairs we
linked, F1 their harmonic mean. Counted from cluster sizes (no pair list).

Households: a linked person is placed right when their address (UPRN) is the
one the truth gives their true person at the as-of date; the share is over
linked persons whose true person is in `truth_households.csv`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir

from wholefamily.linkage.identities import most_frequent


class EvaluationError(Exception):
    """Missing truth files or nothing linked yet."""


@dataclass
class LinkageScores:
    records: int
    true_pairs: int
    linked_pairs: int
    correct_pairs: int
    precision: float
    recall: float
    f1: float
    persons: int
    households_right: float | None
    blocking_recall: float | None = None
    """Share of true pairs of identities that at least one blocking rule proposes."""


def _pairs(t: ir.Table, by: list[str]) -> int:
    sizes = t.group_by(by).aggregate(n=ibis._.count())
    total = sizes.aggregate(p=(sizes.n * (sizes.n - 1) / 2).sum()).execute()["p"][0]
    return 0 if total is None or total != total else int(total)


def pairwise(pred_truth: ir.Table) -> tuple[int, int, int]:
    """(true pairs, linked pairs, correct pairs) of a (pred, truth) table."""
    return (
        _pairs(pred_truth, ["truth"]),
        _pairs(pred_truth, ["pred"]),
        _pairs(pred_truth, ["pred", "truth"]),
    )


def scores(true_pairs: int, linked: int, correct: int) -> tuple[float, float, float]:
    p = correct / linked if linked else 1.0
    r = correct / true_pairs if true_pairs else 1.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f1


def evaluate_linkage(con: Any, truth: Path) -> LinkageScores:
    files = {n: truth / f"truth_{n}.csv" for n in ("records", "households")}
    for name, path in files.items():
        if not path.is_file():
            raise EvaluationError(f"{path} not found: --truth must hold truth_{name}.csv")
    if "link_records" not in con.list_tables():
        raise EvaluationError("nothing linked in this workspace yet: run `wholefamily link`")
    tr = con.read_csv(str(files["records"]), all_varchar=True)
    tr = tr.select(source=tr.source, row=tr.row.cast("int64"), truth=tr.person_id)
    rec = con.table("link_records")
    keys = con.table("mpi_keys")
    linked = rec.join(keys, rec.identity_id == keys.key).select("source", "row", pred="person_id")
    j = linked.join(tr, ["source", "row"])
    true_pairs, linked_pairs, correct = pairwise(j)
    p, r, f1 = scores(true_pairs, linked_pairs, correct)
    # households: each linked person's true person is the most frequent truth
    who = most_frequent(j, "pred", ["truth"])
    th = con.read_csv(str(files["households"]), all_varchar=True)
    people = con.table("link_people")
    placed = who.join(th, who.truth == th.person_id).join(people, who.pred == people.person_id)
    res = (
        placed.aggregate(
            n=placed.count(), right=(placed.uprn_right == placed.uprn).cast("int64").sum()
        ).execute()
        if "uprn_right" in placed.columns
        else None
    )
    share = None
    if res is not None and int(res["n"][0]):
        share = float(res["right"][0]) / int(res["n"][0])
    blocking = _blocking_recall(con, j)
    return LinkageScores(
        records=int(j.count().execute()),
        true_pairs=true_pairs,
        linked_pairs=linked_pairs,
        correct_pairs=correct,
        precision=p,
        recall=r,
        f1=f1,
        persons=int(who.count().execute()),
        households_right=share,
        blocking_recall=blocking,
    )


def _blocking_recall(con: Any, j: ir.Table) -> float | None:
    """Of the pairs of identities that are truly one person, the share the blocking
    rules put side by side (a pair no rule proposes can never be linked by the model)."""
    from wholefamily.linkage.model import BLOCKING_RULES, blocking_sql

    rec = con.table("link_records")
    tr = j.select("source", "row", "truth")
    it = rec.join(tr, ["source", "row"]).select("identity_id", "truth").distinct()
    con.create_table("eval_identity_truth", it, temp=True, overwrite=True)
    rules = " OR ".join(f"({blocking_sql(r)})" for r in BLOCKING_RULES)
    sql = (
        "SELECT count(*) AS n, count(*) FILTER (WHERE " + rules + ") AS covered "
        "FROM eval_identity_truth a JOIN eval_identity_truth b "
        "ON a.truth = b.truth AND a.identity_id < b.identity_id "
        "JOIN link_identities l ON l.identity_id = a.identity_id "
        "JOIN link_identities r ON r.identity_id = b.identity_id"
    )
    n, covered = con.con.execute(sql).fetchone()
    return None if not n else float(covered) / float(n)
