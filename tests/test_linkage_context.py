"""The review band's second look at the households (`linkage/context.py`), on built
pairs: a mover whose household moved with them goes to a match; a namesake whose
housemates are other people leaves the band downwards; one living alone stays."""

from __future__ import annotations

from typing import Any

import ibis
import pytest

from wholefamily.linkage import review as R
from wholefamily.linkage.clusters import merge
from wholefamily.linkage.context import APART, MOVED, household_context
from wholefamily.linkage.stores import DuckStore

LOW, THRESHOLD = 0.5, 0.9

# identity -> (its person at the threshold, the UPRNs it was seen at)
IDENTITIES = {
    # A mover (nhs:1 at the old address X, nino:1 at the new Y) whose wife moved with
    # him: her two identities are one person, seen at X and at Y.
    "nhs:1": ("P1", ["X"]),
    "nino:1": ("P2", ["Y"]),
    "nhs:2": ("P3", ["X"]),
    "nino:2": ("P3", ["Y"]),
    # Two namesakes, each with a housemate of their own (no one seen at both addresses);
    # each namesake has a second identity at home, and that pair is in the band too.
    "nhs:3": ("P4", ["X2"]),
    "nino:3": ("P4", ["X2"]),
    "nhs:4": ("P5", ["Y2"]),
    "nino:4": ("P5", ["Y2"]),
    "nhs:5": ("P6", ["X2"]),
    "nhs:6": ("P7", ["Y2"]),
    # One who lives alone at each address: nothing to go on.
    "nhs:7": ("P8", ["X3"]),
    "nino:7": ("P9", ["Y3"]),
    # A pair at one address: not the context's question.
    "nhs:8": ("P10", ["X4"]),
    "nino:8": ("P11", ["X4"]),
    "nhs:9": ("P12", ["X4"]),
}
PAIRS = [
    ("nhs:1", "nino:1", 0.7),  # the mover
    ("nhs:2", "nino:2", 0.97),  # his wife, matched
    ("nhs:3", "nhs:4", 0.6),  # the namesakes
    ("nino:3", "nino:4", 0.8),  # their other identities, also in the band
    ("nhs:7", "nino:7", 0.75),  # alone
    ("nhs:8", "nino:8", 0.65),  # one address
]


def _weight(p: float) -> float:
    import math

    return math.log2(p / (1 - p))


@pytest.fixture
def con() -> Any:
    con = ibis.duckdb.connect()
    con.create_table(
        "link_identities",
        ibis.memtable(
            {"identity_id": list(IDENTITIES), "uprns": [u for _, u in IDENTITIES.values()]}
        ),
    )
    con.create_table(
        "link_clusters",
        ibis.memtable(
            {"identity_id": list(IDENTITIES), "cluster_id": [c for c, _ in IDENTITIES.values()]}
        ),
        temp=True,
    )
    con.create_table(
        "link_pairs",
        ibis.memtable(
            {
                "identity_id_l": [a for a, _, _ in PAIRS],
                "identity_id_r": [b for _, b, _ in PAIRS],
                "match_probability": [p for _, _, p in PAIRS],
                "match_weight": [_weight(p) for _, _, p in PAIRS],
                "gamma_forename": [4] * len(PAIRS),
            }
        ),
    )
    return con


def _scored(con: Any) -> dict[tuple[str, str], dict[str, Any]]:
    rows = con.table("link_pairs").to_pyarrow().to_pylist()
    return {(r["identity_id_l"], r["identity_id_r"]): r for r in rows}


def test_a_mover_whose_household_moved_with_them_is_a_match(con: Any) -> None:
    counts = household_context(DuckStore.over(con), LOW, THRESHOLD)
    pair = _scored(con)[("nhs:1", "nino:1")]
    assert pair["context"] == MOVED
    assert pair["match_probability"] >= THRESHOLD
    assert pair["match_weight"] == pytest.approx(_weight(0.7) + pair["context_weight"])
    assert counts["moved"] == 1


def test_namesakes_with_housemates_of_their_own_leave_the_band_downwards(con: Any) -> None:
    counts = household_context(DuckStore.over(con), LOW, THRESHOLD)
    scored = _scored(con)
    for pair in (("nhs:3", "nhs:4"), ("nino:3", "nino:4")):
        # Each namesake's other identity is themselves, not a housemate who moved.
        assert scored[pair]["context"] == APART, pair
        assert scored[pair]["match_probability"] < LOW, pair
    assert counts["apart"] == 2


def test_no_context_alone_at_one_address_or_outside_the_band(con: Any) -> None:
    household_context(DuckStore.over(con), LOW, THRESHOLD)
    scored = _scored(con)
    for pair, p in (
        (("nhs:7", "nino:7"), 0.75),  # each lives alone: a person decides
        (("nhs:8", "nino:8"), 0.65),  # an address in common
        (("nhs:2", "nino:2"), 0.97),  # a match already
    ):
        assert scored[pair]["context"] is None, pair
        assert scored[pair]["context_weight"] == 0, pair
        assert scored[pair]["match_probability"] == pytest.approx(p), pair
    assert set(scored) == {(a, b) for a, b, _ in PAIRS}  # no pair lost or added
    assert "gamma_forename" in con.table("link_pairs").columns  # the waterfall's levels kept


def test_the_reviewer_reads_the_context_in_words(con: Any) -> None:
    household_context(DuckStore.over(con), LOW, THRESHOLD)
    pair = _scored(con)[("nhs:3", "nhs:4")]
    steps = R.waterfall(pair, prior=-16.6, by_level={"forename": {4: ("exact", 5.0)}})
    names = [name for name, _, _ in steps]
    assert R.CONTEXT_STEP in names and "name frequency" in names
    label = next(label for name, label, _ in steps if name == R.CONTEXT_STEP)
    assert "none of those was seen at the other address" in R.LEVEL_WORDS[label]
    assert round(sum(w for _, _, w in steps), 1) == round(pair["match_weight"], 1)
    assert "moved together" in R.LEVEL_WORDS[MOVED]


def _clusters(con: Any) -> dict[str, str]:
    rows = con.table("link_clusters").to_pyarrow().to_pylist()
    return {r["identity_id"]: r["cluster_id"] for r in rows}


def test_the_lifted_pairs_join_their_clusters_unless_a_person_decided(con: Any) -> None:
    R.ensure_decisions(con)
    household_context(DuckStore.over(con), LOW, THRESHOLD)
    pairs = con.table("link_pairs")
    lifted = pairs.filter(pairs.context == MOVED)
    before = _clusters(con)
    # A reviewer said the mover's pair is two people: the decision stands.
    R.decide(con, "nhs:1", "nino:1", "no_match", "", "tester")
    assert merge(DuckStore.over(con), lifted) == 0
    assert _clusters(con) == before
    R.undo(con, "nhs:1", "nino:1", "tester")
    assert merge(DuckStore.over(con), lifted) == 1
    after = _clusters(con)
    assert after["nhs:1"] == after["nino:1"] == min(before["nhs:1"], before["nino:1"])
    assert {k: v for k, v in after.items() if k != "nino:1" and k != "nhs:1"} == {
        k: v for k, v in before.items() if k != "nino:1" and k != "nhs:1"
    }
