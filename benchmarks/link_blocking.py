"""Candidate pairs of the linkage's blocking rules, per rule and in all, and their recall.

    PYTHONPATH=src .venv/bin/python benchmarks/link_blocking.py --workspace W [--truth DIR]

W must hold a loaded drop. The records and identities are built by the linkage's own
code (as `wholefamily link` builds them, in memory: the warehouse is opened read-only).
The counts are Splink's (`splink.blocking_analysis.count_comparisons_from_blocking_rules`,
exact: every record on each side): each rule's marginal pairs (those no rule before it
proposed) and the running total. With --truth, the share of true pairs of identities
that the rules propose (the blocking recall `wholefamily evaluate linkage` prints) and,
per rule, the true pairs only that rule proposes. --rules FILE tries the rules a Python
file defines as RULES (dicts as in `model.BLOCKING_RULES`).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from wholefamily import warehouse as W
from wholefamily.ingest.load import latest_drop
from wholefamily.linkage import model as M
from wholefamily.linkage.identities import identities, identity_keys
from wholefamily.linkage.records import records


def build(con: Any) -> None:
    """Temporary `it_records` and `it_identities` of the latest drop."""
    drop = latest_drop(con)
    con.create_table("it_records", identity_keys(records(con, drop)), temp=True)
    con.create_table("it_identities", identities(con.table("it_records")), temp=True)


def counts(con: Any, rules: tuple[dict[str, Any], ...], spill: Path) -> list[dict[str, Any]]:
    from splink.blocking_analysis import count_comparisons_from_blocking_rules

    db = M.splink_db(spill)
    df = db.register(con.table("it_identities").to_pyarrow(), table_name="identities")
    out = count_comparisons_from_blocking_rules(
        df,
        blocking_rules=list(rules),
        link_type="dedupe_only",
        unique_id_column_name="identity_id",
        record_sample_proportion=1.0,
    )
    return [dict(r) for r in out]


def recall(con: Any, truth: Path, rules: tuple[dict[str, Any], ...]) -> tuple[int, int, list[int]]:
    """(true pairs of identities, pairs any rule proposes, pairs only rule i proposes)."""
    raw = con.con
    raw.execute(
        "CREATE TEMP TABLE it AS SELECT DISTINCT r.identity_id, t.person_id AS truth "
        "FROM it_records r JOIN read_csv(?, all_varchar=true) t "
        "ON t.source = r.source AND CAST(t.row AS BIGINT) = r.row",
        [str(truth / "truth_records.csv")],
    )
    each = ", ".join(f"coalesce({M.blocking_sql(r)}, false) AS r{i}" for i, r in enumerate(rules))
    raw.execute(
        "CREATE TEMP TABLE tp AS SELECT " + each + " FROM it a JOIN it b "
        "ON a.truth = b.truth AND a.identity_id < b.identity_id "
        "JOIN it_identities l ON l.identity_id = a.identity_id "
        "JOIN it_identities r ON r.identity_id = b.identity_id"
    )
    anyof = " OR ".join(f"r{i}" for i in range(len(rules)))
    n, covered = raw.execute(f"SELECT count(*), count(*) FILTER ({anyof}) FROM tp").fetchone()
    only = []
    for i in range(len(rules)):
        others = " OR ".join(f"r{j}" for j in range(len(rules)) if j != i) or "false"
        q = f"SELECT count(*) FILTER (r{i} AND NOT ({others})) FROM tp"
        only.append(int(raw.execute(q).fetchone()[0]))
    return int(n), int(covered), only


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--workspace", type=Path, required=True)
    ap.add_argument("--truth", type=Path)
    ap.add_argument("--rules", type=Path, help="a Python file defining RULES (to try others)")
    args = ap.parse_args()
    rules = M.BLOCKING_RULES
    if args.rules:
        found: dict[str, Any] = {}
        exec(args.rules.read_text(), found)
        rules = tuple(r if isinstance(r, dict) else {"blocking_rule": r} for r in found["RULES"])
    t0 = time.perf_counter()
    con = W.connect(args.workspace, read_only=True)
    try:
        build(con)
        n_ids = int(con.table("it_identities").count().execute())
        rows = counts(con, rules, Path(f"/tmp/link-blocking-{id(con)}"))
        only = recall(con, args.truth, rules) if args.truth else None
    finally:
        con.disconnect()
    print(f"identities {n_ids:,}")
    print(f"{'marginal':>12} {'cumulative':>12} {'only-true':>10}  rule")
    for i, r in enumerate(rows):
        o = f"{only[2][i]:>10,}" if only else f"{'':>10}"
        print(
            f"{int(r['marginal_comparison_count']):>12,} "
            f"{int(r['cumulative_comparison_count']):>12,} {o}  {r['blocking_rule']}"
        )
    if only:
        n, covered, _ = only
        print(f"blocking recall {covered:,} / {n:,} = {covered / n:.4f}")
    print(f"({time.perf_counter() - t0:.1f} s)")


if __name__ == "__main__":
    main()
