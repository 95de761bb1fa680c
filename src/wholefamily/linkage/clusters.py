"""The few clusters a second look joins: after the band's second look (`context.py`)
lifts pairs to matches, their two clusters become one in `link_clusters`, as clustering
from scratch would make them, without clustering everything again (19.6 s at 1,000,000
people). The clusters themselves are Splink's connected components (`stores.py`)."""

from __future__ import annotations

from typing import Any

import ibis.expr.types as ir
import pyarrow as pa

from wholefamily.linkage import review as R


def merge(store: Any, pairs: ir.Table) -> int:
    """Join in `link_clusters` the clusters that `pairs` (identity_id_l, identity_id_r: a
    few, the pairs the band's second look lifted to matches) connect; pairs with a
    clerical decision are left to it. Returns the clusters merged away."""
    con = store.con
    decided = R.current_decisions(con).select("identity_id_l", "identity_id_r")
    pairs = pairs.anti_join(decided, ["identity_id_l", "identity_id_r"])
    c = con.table("link_clusters")
    left = c.select(identity_id_l=c.identity_id, cl=c.cluster_id)
    right = c.select(identity_id_r=c.identity_id, cr=c.cluster_id)
    joined = pairs.join(left, "identity_id_l").join(right, "identity_id_r")
    edges = joined.select("cl", "cr").to_pyarrow().to_pylist()
    parent: dict[str, str] = {}

    def root(x: str) -> str:
        while parent.get(x, x) != x:
            x = parent[x]
        return x

    for e in sorted(edges, key=lambda e: (e["cl"], e["cr"])):
        a, b = root(e["cl"]), root(e["cr"])
        if a != b:
            parent[max(a, b)] = min(a, b)  # the smaller id names the merged cluster
    moves = {old: root(old) for old in parent}
    if moves:
        store.move_clusters(pa.table({"old": list(moves), "new": list(moves.values())}))
    return len(moves)
