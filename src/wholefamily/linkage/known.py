"""Is a nominated person already known? The linkage model scores them against people.

`score_pairs(pairs, model)` puts each (named person, known person) pair through
the same comparisons the linkage uses (`model.comparisons()`: the same name
keys, nicknames, Jaro-Winkler levels and date-of-birth levels) and adds up the
trained weights of the levels reached (the saved Splink model), giving the
match probability Splink would give. Address and sex are not asked on a
nomination, so they add nothing. Without a trained model (no linkage run
yet) the weights are the model's starting values: exact agreement counts.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import ibis

from wholefamily.ingest.normalise import name_key
from wholefamily.linkage.link import MODEL_FILE
from wholefamily.linkage.model import comparisons
from wholefamily.linkage.nicknames import canonical
from wholefamily.linkage.review import level_weights

# Weights used before any model is trained (log2 m/u): rough, and on the safe side.
DEFAULT_WEIGHTS = {
    "forename": {4: 6.0, 3: 5.0, 2: 3.0, 1: 0.0, 0: -4.0},
    "surname": {3: 8.0, 2: 5.0, 1: 2.0, 0: -5.0},
    "dob": {6: -20.0, 5: 11.0, 4: 6.0, 3: 5.0, 2: -2.0, 1: -8.0},
}
DEFAULT_PRIOR = -16.0
USED = ("forename", "surname", "dob")


def saved_model(workspace: Path) -> dict[str, Any] | None:
    path = workspace / MODEL_FILE
    if not path.is_file():
        return None
    loaded: dict[str, Any] = json.loads(path.read_text())
    return loaded


def score_pairs(pairs: list[dict[str, Any]], model: dict[str, Any] | None) -> list[float]:
    """Match probability of each pair (keys forename_l/_r, surname_l/_r, dob_l/_r)."""
    return [prob for prob, _ in score_levels(pairs, model)]


def score_levels(
    pairs: list[dict[str, Any]], model: dict[str, Any] | None
) -> list[tuple[float, dict[str, str]]]:
    """Each pair's match probability, and the level each comparison reached, by its
    label (`model.comparisons()`: "exact", "Jaro-Winkler >= 0.92", ..., "null" when a
    side is missing), so that a person can be told why two people were matched."""
    if not pairs:
        return []
    prior, weights = level_weights(model) if model else (DEFAULT_PRIOR, DEFAULT_WEIGHTS)
    con = ibis.duckdb.connect()
    try:
        t = ibis.memtable(
            {
                "i": list(range(len(pairs))),
                **{
                    f"{c}_{s}": [p.get(f"{c}_{s}") for p in pairs]
                    for c in ("forename", "surname")
                    for s in ("l", "r")
                },
                **{f"dob_{s}": [p.get(f"dob_{s}") for p in pairs] for s in ("l", "r")},
            },
            schema={
                "i": "int64",
                "forename_l": "string",
                "forename_r": "string",
                "surname_l": "string",
                "surname_r": "string",
                "dob_l": "date",
                "dob_r": "date",
            },
        )
        t = t.mutate(
            **{f"{c}_{s}": name_key(t[f"{c}_{s}"]) for c in ("forename", "surname") for s in "lr"}
        )
        t = t.mutate(
            forename_canon_l=canonical(t.forename_l),
            forename_canon_r=canonical(t.forename_r),
            born_by_l=ibis.null("date"),
            born_by_r=ibis.null("date"),
        )
        con.create_table("pairs", t)
        cases = []
        labels: dict[str, dict[int, str]] = {}
        for comp in comparisons():
            name = comp["output_column_name"]
            if name not in USED:
                continue
            levels = [lv for lv in comp["comparison_levels"] if not lv.get("is_null_level")]
            labels[name] = {-1: "null"} | {
                len(levels) - 1 - k: str(lv["label_for_charts"]) for k, lv in enumerate(levels)
            }
            whens = []
            for k, lv in enumerate(levels):
                gamma = len(levels) - 1 - k
                cond = lv["sql_condition"]
                whens.append(f"ELSE {gamma}" if cond == "ELSE" else f"WHEN {cond} THEN {gamma}")
            nulls = [
                lv["sql_condition"] for lv in comp["comparison_levels"] if lv.get("is_null_level")
            ]
            null_when = f"WHEN {nulls[0]} THEN -1 " if nulls else ""
            cases.append(f"CASE {null_when}{' '.join(whens)} END AS {name}")
        rows = con.raw_sql(f"SELECT i, {', '.join(cases)} FROM pairs ORDER BY i").fetchall()
    finally:
        con.disconnect()
    out = []
    for row in rows:
        w = prior + sum(
            weights.get(name, {}).get(gamma, 0.0) for name, gamma in zip(USED, row[1:], strict=True)
        )
        prob = 1.0 / (1.0 + 2.0 ** (-w)) if w > -60 else 0.0
        reached = {
            name: labels[name].get(gamma, "") for name, gamma in zip(USED, row[1:], strict=True)
        }
        out.append((prob, reached))
    return out
