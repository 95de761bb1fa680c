"""Clusters: identities joined by the pairs at or above the match threshold (and by the
clerical decisions, which override the model), as Splink's connected components, in the
temporary table `link_clusters` (`link.py` builds them, and again after the band's
second look, `context.py`, lifts pairs to matches)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from wholefamily import warehouse as W
from wholefamily.linkage import review as R
from wholefamily.linkage.model import splink_db


def cluster(con: Any, idents: ir.Table, threshold: float, spill: Path) -> None:
    """`link_clusters`: identities joined by the pairs of `link_pairs` at or above the
    threshold and by the clerical decisions (they override the model)."""
    decisions = R.current_decisions(con).select("identity_id_l", "identity_id_r", "decision")
    p = con.table("link_pairs").left_join(decisions, ["identity_id_l", "identity_id_r"])
    linked = p.filter(
        (p.decision == "match") | (p.decision.isnull() & (p.match_probability >= threshold))
    ).select("identity_id_l", "identity_id_r")
    # Decisions for pairs the model no longer proposes still count.
    forced = decisions.filter(decisions.decision == "match").select(
        "identity_id_l", "identity_id_r"
    )
    known = idents.identity_id
    forced = forced.filter(forced.identity_id_l.isin(known) & forced.identity_id_r.isin(known))

    def ids(t: ir.Table) -> ir.Table:
        return t.select(
            identity_id_l=t.identity_id_l.cast("!string"),
            identity_id_r=t.identity_id_r.cast("!string"),
        )

    edges = ibis.union(ids(linked), ids(forced), distinct=True).to_pyarrow()
    W.temp_table(
        con, "link_clusters", components(idents.select("identity_id").to_pyarrow(), edges, spill)
    )


def components(nodes: pa.Table, edges: pa.Table, spill: Path) -> pa.Table:
    """Connected components (Splink's clustering) of identities joined by edges."""
    from splink.clustering import cluster_pairwise_predictions_at_threshold

    db = splink_db(spill)
    result = cluster_pairwise_predictions_at_threshold(
        nodes, edges, db_api=db, node_id_column_name="identity_id"
    )
    df = result.as_pandas_dataframe()[["identity_id", "cluster_id"]]  # type: ignore[no-untyped-call]
    return pa.Table.from_pandas(df.astype({"cluster_id": str}), preserve_index=False)


def merge(con: Any, pairs: ir.Table) -> int:
    """Join in `link_clusters` the clusters that `pairs` (identity_id_l, identity_id_r: a
    few, the pairs the band's second look lifted to matches) connect, as `cluster` would
    from scratch; pairs with a clerical decision are left to it. Returns the clusters
    merged away."""
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

    for e in edges:
        a, b = root(e["cl"]), root(e["cr"])
        if a != b:
            parent[max(a, b)] = min(a, b)  # the smaller id names the merged cluster
    moves = {old: root(old) for old in parent}
    if moves:
        W.temp_table(
            con,
            "link_cluster_moves",
            pa.table({"old": list(moves), "new": list(moves.values())}),
        )
        con.con.execute(
            "UPDATE link_clusters SET cluster_id = m.new FROM link_cluster_moves m "
            "WHERE link_clusters.cluster_id = m.old"
        )
        con.con.execute("DROP TABLE IF EXISTS link_cluster_moves")
    return len(moves)
