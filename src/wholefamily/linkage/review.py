"""Clerical review and explanation of the links.

The review queue holds the pairs of identities the model is unsure about
(match probability from REVIEW_LOW up to the match threshold). A reviewer's
decision (match or no_match) is kept in `review_decisions` and overrides the
model in every later run, whatever the model then says.

`explain(person_id, model)` lists a person's records and, for every pair of
their identities the model scored, the weight each comparison added: the
prior, then forename, surname, dob, address and sex (log2 m/u of the level
the pair reached, from the saved model), and what term frequencies added,
summing to the pair's match weight.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import ibis

from wholefamily import warehouse as W

DECISIONS = ("match", "no_match")
SHOWN = ("forename", "surname", "dob", "sex", "postcode", "uprn")


class ReviewError(Exception):
    """No such pair or person, or nothing linked yet."""


def _need(con: Any, table: str) -> None:
    if not W.has_table(con, table):
        raise ReviewError("nothing linked in this workspace yet: run `wholefamily link`")


def queue(con: Any, limit: int = 20) -> list[dict[str, Any]]:
    """The pairs waiting for a decision, most uncertain first, side by side."""
    _need(con, "review_queue")
    q = con.table("review_queue")
    ids = con.table("link_identities").select("identity_id", *SHOWN)
    left = ids.rename({f"{c}_l": c for c in ("identity_id", *SHOWN)})
    right = ids.rename({f"{c}_r": c for c in ("identity_id", *SHOWN)})
    j = q.join(left, "identity_id_l").join(right, "identity_id_r")
    j = j.order_by([(j.match_probability - 0.5).abs(), j.identity_id_l, j.identity_id_r])
    return list(j.limit(limit).to_pyarrow().to_pylist())


def decide(con: Any, left: str, right: str, decision: str, note: str, who: str) -> None:
    if decision not in DECISIONS:
        raise ReviewError(f"decision must be one of {', '.join(DECISIONS)}, not {decision!r}")
    _need(con, "link_identities")
    ids = set(
        con.table("link_identities")
        .filter(ibis._.identity_id.isin([left, right]))
        .identity_id.to_pyarrow()
        .to_pylist()
    )
    for ident in (left, right):
        if ident not in ids:
            raise ReviewError(f"no identity {ident!r} in the last linkage run")
    if left == right:
        raise ReviewError("a pair needs two different identities")
    lo, hi = sorted((left, right))
    now = datetime.now(UTC).replace(tzinfo=None)
    raw = con.con
    raw.execute(
        "DELETE FROM review_decisions WHERE (identity_id_l = ? AND identity_id_r = ?) "
        "OR (identity_id_l = ? AND identity_id_r = ?)",
        [lo, hi, hi, lo],
    )
    # The pair is stored both ways round, so it meets Splink's pairs in either order.
    for a, b in ((lo, hi), (hi, lo)):
        raw.execute(
            "INSERT INTO review_decisions VALUES (?, ?, ?, ?, ?, ?)",
            [a, b, decision, note, who, now],
        )


@dataclass
class Explanation:
    person: dict[str, Any]
    records: list[dict[str, Any]]
    pairs: list[dict[str, Any]] = field(default_factory=list)


def level_weights(model: dict[str, Any]) -> tuple[float, dict[str, dict[int, float]]]:
    """The prior and, per comparison, each level's weight (log2 m/u) by its gamma value."""
    lam = float(model.get("probability_two_random_records_match", 1e-5))
    prior = math.log2(lam / (1 - lam))
    out: dict[str, dict[int, float]] = {}
    for comp in model.get("comparisons", []):
        levels = [lv for lv in comp["comparison_levels"] if not lv.get("is_null_level")]
        weights: dict[int, float] = {-1: 0.0}
        for i, lv in enumerate(levels):
            m, u = lv.get("m_probability"), lv.get("u_probability")
            if m and u:
                weights[len(levels) - 1 - i] = math.log2(m / u)
        out[comp["output_column_name"]] = weights
    return prior, out


def explain(con: Any, person_id: str, model: dict[str, Any] | None = None) -> Explanation:
    _need(con, "link_people")
    people = con.table("link_people")
    found = people.filter(people.person_id == person_id).to_pyarrow().to_pylist()
    if not found:
        raise ReviewError(f"no person {person_id!r} in the last linkage run")
    keys = con.table("mpi_keys").filter(ibis._.person_id == person_id)
    rec = con.table("link_records")
    mine = rec.semi_join(keys, rec.identity_id == keys.key)
    records = (
        mine.select(
            "source", "row", "identity_id", "forename", "surname", "dob", "sex", "postcode", "uprn"
        )
        .order_by(["identity_id", "source", "row"])
        .to_pyarrow()
        .to_pylist()
    )
    idents = {r["identity_id"] for r in records}
    pairs_t = con.table("link_pairs")
    pairs = (
        pairs_t.filter(
            pairs_t.identity_id_l.isin(list(idents)) | pairs_t.identity_id_r.isin(list(idents))
        )
        .to_pyarrow()
        .to_pylist()
    )
    prior, by_level = level_weights(model) if model else (0.0, {})
    out = []
    for p in pairs:
        steps = [("prior", round(prior, 2))]
        for col, value in p.items():
            if col.startswith("gamma_") and value is not None:
                steps.append((col[6:], round(by_level.get(col[6:], {}).get(value, 0.0), 2)))
        rest = p["match_weight"] - sum(w for _, w in steps)
        if abs(rest) >= 0.01:  # term-frequency adjustments of rare or common names
            steps.append(("name frequency", round(rest, 2)))
        out.append(
            {
                "identity_id_l": p["identity_id_l"],
                "identity_id_r": p["identity_id_r"],
                "match_probability": p["match_probability"],
                "match_weight": p["match_weight"],
                "within": p["identity_id_l"] in idents and p["identity_id_r"] in idents,
                "weights": steps,
            }
        )
    out.sort(key=lambda p: (not p["within"], -p["match_weight"]))
    return Explanation(found[0], records, out)
