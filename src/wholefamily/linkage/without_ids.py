"""Ours without the identifier step: an ablation for `bench link --without-identifiers`.

Every named record is its own input row (no identities built from UPNs,
NINOs, ...), with our model's comparisons, training, blocking rules and
threshold, so `bench link` can show what the deterministic step buys. It
writes `person_records.csv` as `wholefamily link` and the peer do, and is
scored by the same scorer on the same records (`peer.score_outputs`).

At 1,000,000 people it does not finish on the 2-core machine (a school
census holds a pupil about nine times, so its blocks are nine times larger:
see docs/benchmarks.md); it is not in `make bench`.

Run as a process of its own: `python -m wholefamily.linkage.without_ids
--workspace W --out DIR`.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import ibis
import pyarrow as pa

from wholefamily import warehouse as W
from wholefamily.linkage import model as M
from wholefamily.linkage.link import MATCH_THRESHOLD, _latest_drop
from wholefamily.linkage.nicknames import canonical
from wholefamily.linkage.peer import OUTPUT, command_line
from wholefamily.linkage.records import records


def inputs(workspace: Path, drop_id: str | None = None) -> pa.Table:
    """Every named record, shaped as our model's identities (one record each)."""
    con: Any = W.connect(workspace, read_only=True)
    try:
        drop_id = drop_id or _latest_drop(con)
        rec = records(con, drop_id)
        rec = rec.filter(rec.forename.notnull() | rec.surname.notnull())
        return rec.select(
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


def run(workspace: Path, out: Path, drop_id: str | None = None) -> dict[str, Any]:
    import pyarrow.compute as pc

    from wholefamily.atomic import check_replaceable, staged_folder

    check_replaceable(out, (OUTPUT,))
    start = time.perf_counter()
    table = inputs(workspace, drop_id)
    spill = Path(tempfile.mkdtemp(prefix="wholefamily-noids-spill-"))
    try:
        linker = M.train(table, spill / "model.json", spill=spill)
        pred = linker.inference.predict(threshold_match_probability=MATCH_THRESHOLD)
        clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
            pred, threshold_match_probability=MATCH_THRESHOLD
        )
        got = clusters.as_duckdbpyrelation().select("identity_id", "cluster_id").arrow()
        got = got.read_all()
    finally:
        shutil.rmtree(spill, ignore_errors=True)
    keys = table.select(["identity_id", "source", "row"])
    joined = keys.join(got, "identity_id", join_type="left outer")
    person = pc.coalesce(joined["cluster_id"], joined["identity_id"])
    result = pa.table({"source": joined["source"], "row": joined["row"], "person_id": person})
    result = result.sort_by([("source", "ascending"), ("row", "ascending")])
    with staged_folder(out, run={"step": "link without identifiers"}, names=(OUTPUT,)) as staged:
        staged.write_csv(result, OUTPUT)
    return {"records": table.num_rows, "seconds": time.perf_counter() - start}


def main(argv: list[str] | None = None) -> None:
    command_line(run, __doc__ or "", argv)


if __name__ == "__main__":
    main()
