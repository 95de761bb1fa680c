"""The peer of `bench link`: Splink 5 used the way its documentation shows.

Nothing of ours but the records: every named record of the loaded drop (the
rows `wholefamily link` links, read by `records.py`), one input row each, no
deterministic step. Splink's own comparison library (forename and surname
together with term frequencies on the whole name, date of birth, UK
postcode, sex, and each source identifier as an exact match), blocking
rules written with `block_on`, each keyed on two things so no block grows
with the square of the county, and Splink's own training: the prior from
deterministic rules, u by random sampling, m by expectation maximisation on
two blocks that leave out each other's columns. Then predict, cluster at our
threshold, and write `person_records.csv` (source, row, person_id) as ours
does.

`score_outputs` scores any number of `person_records.csv` files on the
records they all hold, against `truth_records.csv`, pairwise, with the same
counting as `evaluate linkage`.

Run as a process of its own (`python -m wholefamily.linkage.peer --workspace
W --out DIR`), so `bench link` times it from the loaded warehouse to its
output file, as it times `wholefamily link`.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ibis
import pyarrow as pa

from wholefamily.linkage.records import ID_KEYS

THRESHOLD = 0.9  # the same match probability that links a pair in ours
OUTPUT = "person_records.csv"
SPLINK_MEMORY = "3GB"  # the same cap as ours
# `bench link --peer-memory` raises the peer's cap through this variable, for a size at
# which the by-the-book blocking does not fit under ours (1,000,000 people).
MEMORY_ENV = "WHOLEFAMILY_PEER_MEMORY"
U_PAIRS = 2e6  # as ours (Splink's examples say 1e7 or more: see docs/benchmarks.md)
EM_PAIRS = 1e7
# Each source identifier is its own column: a UPN and a NINO that differ say nothing.
ID_NAMESPACES = tuple(sorted({p for p, _ in ID_KEYS.values()} | {"contact"}))


def id_column(namespace: str) -> str:
    return f"id_{namespace}"


def blocking_rules() -> list[Any]:
    from splink import block_on

    return [
        block_on("id_key"),
        block_on("forename", "dob"),
        block_on("surname", "dob"),
        block_on("postcode", "forename"),
        block_on("postcode", "surname"),
        block_on("uprn", "forename"),
        block_on("substr(forename, 1, 2)", "substr(surname, 1, 2)", "year(dob)"),
    ]


def settings() -> Any:
    import splink.comparison_library as cl
    from splink import SettingsCreator

    comparisons: list[Any] = [
        cl.ForenameSurnameComparison(
            "forename", "surname", forename_surname_concat_col_name="forename_surname"
        ),
        cl.DateOfBirthComparison("dob", input_is_string=False),
        # One address comparison: a UPRN and its postcode are the same evidence, and
        # counting both links siblings (same surname, same home, dates within 10 years).
        cl.PostcodeComparison("postcode"),
        cl.ExactMatch("sex"),
        *(cl.ExactMatch(id_column(ns)) for ns in ID_NAMESPACES),
    ]
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        comparisons=comparisons,
        blocking_rules_to_generate_predictions=blocking_rules(),
        retain_intermediate_calculation_columns=False,
        retain_matching_columns=False,
    )


def peer_records(workspace: Path, drop_id: str | None = None) -> pa.Table:
    """Every named record of the drop, in the peer's input shape (an Arrow table)."""
    from wholefamily import warehouse as W
    from wholefamily.ingest.load import latest_drop
    from wholefamily.linkage.records import records

    con: Any = W.connect(workspace, read_only=True)
    try:
        drop_id = drop_id or latest_drop(con)
        if drop_id is None:
            raise SystemExit("no drop loaded in this workspace")
        rec = records(con, drop_id)
        rec = rec.filter(rec.forename.notnull() | rec.surname.notnull())
        ids = {
            id_column(ns): ibis.ifelse(
                rec.id_key.startswith(f"{ns}:"), rec.id_key, ibis.null("string")
            )
            for ns in ID_NAMESPACES
        }
        return rec.select(
            unique_id=rec.record_id,
            source=rec.source,
            row=rec.row,
            forename=rec.forename,
            surname=rec.surname,
            forename_surname=rec.forename.concat(" ", rec.surname),
            dob=rec.dob,
            sex=ibis.ifelse(rec.sex == "U", ibis.null("string"), rec.sex),
            postcode=rec.postcode,
            uprn=rec.uprn,
            id_key=rec.id_key,
            **ids,
        ).to_pyarrow()
    finally:
        con.disconnect()


def _db(spill: Path) -> Any:
    import duckdb
    from splink import DuckDBAPI

    # Spill rather than fail, but never fill the disk: at most half its free space.
    free_gb = max(1, shutil.disk_usage(spill).free // 2**30 // 2)
    config: dict[str, str | bool | int | float | list[str]] = {
        "memory_limit": os.environ.get(MEMORY_ENV) or SPLINK_MEMORY,
        "temp_directory": str(spill),
        "max_temp_directory_size": f"{free_gb}GB",
    }
    connection = duckdb.connect(config=config)
    connection.execute("SET enable_progress_bar = false")
    return DuckDBAPI(connection=connection)


def link_records(inputs: pa.Table, spill: Path, seed: int = 1) -> pa.Table:
    """(unique_id, cluster_id) for every input record, by the book."""
    from splink import Linker, block_on

    db = _db(spill)
    linker = Linker(db.register(inputs, table_name="records"), settings())
    linker.training.estimate_probability_two_random_records_match(
        [block_on("id_key"), block_on("forename", "surname", "dob")], recall=0.7
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=U_PAIRS, seed=seed)
    # Two EM passes that leave out each other's columns (Splink's examples block on
    # the whole name, then on the date of birth), each on at most EM_PAIRS pairs.
    for rule in (block_on("forename", "surname"), block_on("dob")):
        linker.training.estimate_parameters_using_expectation_maximisation(
            rule, estimate_without_term_frequencies=True, max_pairs=EM_PAIRS
        )
    pred = linker.inference.predict(threshold_match_probability=THRESHOLD)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
        pred, threshold_match_probability=THRESHOLD
    )
    rel = clusters.as_duckdbpyrelation()
    return rel.select("unique_id", "cluster_id").arrow().read_all()


def run(workspace: Path, out: Path, drop_id: str | None = None) -> dict[str, Any]:
    """Read the records, link them, write `out/person_records.csv`; seconds per step."""
    import pyarrow.compute as pc

    from wholefamily.atomic import check_replaceable, staged_folder

    check_replaceable(out, (OUTPUT,))  # before the work, not after it
    start = time.perf_counter()
    inputs = peer_records(workspace, drop_id)
    read = time.perf_counter()
    spill = Path(tempfile.mkdtemp(prefix="wholefamily-peer-spill-"))
    try:
        got = link_records(inputs, spill)
    finally:
        shutil.rmtree(spill, ignore_errors=True)
    linked = time.perf_counter()
    keys = inputs.select(["unique_id", "source", "row"])
    joined = keys.join(got, "unique_id", join_type="left outer")
    person = pc.coalesce(joined["cluster_id"], joined["unique_id"])
    table = pa.table({"source": joined["source"], "row": joined["row"], "person_id": person})
    table = table.sort_by([("source", "ascending"), ("row", "ascending")])
    with staged_folder(out, run={"step": "peer link"}, names=(OUTPUT,)) as staged:
        staged.write_csv(table, OUTPUT)
    return {
        "records": inputs.num_rows,
        "read_s": read - start,
        "splink_s": linked - read,
        "write_s": time.perf_counter() - linked,
    }


@dataclass
class OutputScores:
    records: int
    true_pairs: int
    linked_pairs: int
    correct_pairs: int
    precision: float
    recall: float
    f1: float


def score_outputs(outputs: list[Path], truth: Path) -> list[OutputScores]:
    """Each `person_records.csv` scored on the records every one of them holds."""
    from wholefamily.linkage.evaluate import pairwise, scores

    con = ibis.duckdb.connect()
    try:
        tr = con.read_csv(str(truth / "truth_records.csv"), all_varchar=True)
        tr = tr.select(source=tr.source, row=tr.row.cast("int64"), truth=tr.person_id)
        tables = []
        for k, path in enumerate(outputs):
            t = con.read_csv(str(path), all_varchar=True, table_name=f"out_{k}")
            tables.append(t.select(source=t.source, row=t.row.cast("int64"), pred=t.person_id))
        common = tr.select("source", "row")
        for t in tables:
            common = common.join(t.select("source", "row"), ["source", "row"])
        common = con.create_table("common", common, temp=True)
        result = []
        for t in tables:
            j = t.join(common, ["source", "row"]).join(tr, ["source", "row"])
            j = j.select("pred", "truth")
            true_pairs, linked, correct = pairwise(j)
            p, r, f1 = scores(true_pairs, linked, correct)
            n = int(j.count().execute())
            result.append(OutputScores(n, true_pairs, linked, correct, p, r, f1))
        return result
    finally:
        con.disconnect()


def candidate_pairs(table: pa.Table, rules: list[Any], unique_id: str) -> int:
    """The pairs the blocking rules propose, all rules together, counted exactly."""
    import duckdb
    from splink import DuckDBAPI
    from splink.blocking_analysis import count_comparisons_from_blocking_rules

    db = DuckDBAPI(connection=duckdb.connect(config={"memory_limit": SPLINK_MEMORY}))
    counts = count_comparisons_from_blocking_rules(
        db.register(table, table_name="counted"),
        blocking_rules=rules,
        link_type="dedupe_only",
        unique_id_column_name=unique_id,
        record_sample_proportion=1.0,
    )
    return int(counts[-1]["cumulative_comparison_count"]) if counts else 0


def command_line(
    runner: Callable[[Path, Path, str | None], dict[str, Any]], doc: str, argv: list[str] | None
) -> None:
    """A pipeline run as `bench link` runs it, in a process of its own: `--workspace W
    --out DIR [--drop ID]`; its figures as JSON on stdout, a failure in one line."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--workspace", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--drop")
    args = parser.parse_args(argv)
    try:
        print(json.dumps(runner(args.workspace, args.out, args.drop)))
    except Exception as exc:  # Splink's errors: their first and last lines, last on stderr
        lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()] or [""]
        said = lines[0] if len(lines) == 1 else f"{lines[0]} ... {lines[-1]}"
        raise SystemExit(f"{type(exc).__name__}: {said[:600]}") from None


def main(argv: list[str] | None = None) -> None:
    command_line(run, __doc__ or "", argv)


if __name__ == "__main__":
    main()
