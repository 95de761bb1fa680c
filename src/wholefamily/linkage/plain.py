"""The benchmark's baseline: a plain Splink pipeline, no deterministic step.

Every record is its own input row (no identities), with the same
comparisons, training, blocking rules and threshold as our model, so the
benchmark measures what the deterministic step buys. Scored the same way
(pairwise over records against `truth_records.csv`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ibis

from wholefamily import warehouse as W
from wholefamily.linkage import model as M
from wholefamily.linkage.evaluate import pairwise, scores
from wholefamily.linkage.link import MATCH_THRESHOLD, _latest_drop
from wholefamily.linkage.nicknames import canonical
from wholefamily.linkage.records import records


@dataclass
class PlainScores:
    records: int
    seconds: float
    precision: float
    recall: float
    f1: float


def run_plain(workspace: Path, truth: Path, drop_id: str | None = None) -> PlainScores:
    start = time.perf_counter()
    con: Any = W.connect(workspace, read_only=True)
    try:
        drop_id = drop_id or _latest_drop(con)
        rec = records(con, drop_id)
        rec = rec.filter(rec.forename.notnull() | rec.surname.notnull())
        inputs = rec.select(
            identity_id=rec.record_id,
            source=rec.source,
            row=rec.row,
            forename=rec.forename,
            forename_canon=canonical(rec.forename),
            surname=rec.surname,
            dob=rec.dob,
            sex=rec.sex,
            postcode=rec.postcode,
            uprn=rec.uprn,
            uprns=ibis.ifelse(
                rec.uprn.isnull(), ibis.literal([], "array<string>"), ibis.array([rec.uprn])
            ),
            born_by=rec.born_by,
        ).to_pyarrow()
    finally:
        con.disconnect()
    linker = M.train(inputs, workspace / "models" / "plain.json")
    pred = linker.inference.predict(threshold_match_probability=MATCH_THRESHOLD)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
        pred, threshold_match_probability=MATCH_THRESHOLD
    )
    got = clusters.as_pandas_dataframe()[["identity_id", "cluster_id"]]
    seconds = time.perf_counter() - start
    mem = ibis.duckdb.connect()
    try:
        tr = mem.read_csv(str(truth / "truth_records.csv"), all_varchar=True)
        tr = tr.select(record_id=tr.source + ":" + tr.row, truth=tr.person_id)
        cl = ibis.memtable(got.astype(str))
        j = tr.join(cl, tr.record_id == cl.identity_id).select(pred="cluster_id", truth="truth")
        p, r, f1 = scores(*pairwise(j))
        n = int(j.count().execute())
    finally:
        mem.disconnect()
    return PlainScores(n, seconds, p, r, f1)
