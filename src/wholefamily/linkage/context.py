"""A second look at the review band: the households of the two sides.

The five comparisons cannot tell one person who moved from two people of one name
and date of birth at two addresses (namesakes: in a county of a million there are
thousands). The people they live with can. For a pair in the review band whose two
identities were seen at no address in common:

- **moved with their household**: someone else (another person of the clustering at
  the match threshold, or a pair of identities the model scored at least
  `REVIEW_LOW`) was seen at an address of each side: the household moved together,
  so the pair is one person who moved with them, and is lifted to a match;
- **housemates who did not move with them**: each side lives with other people, and
  none of those was seen at the other side's address: two households that share no
  one, so the pair is two people (namesakes), and leaves the band downwards;
- otherwise (one side lives alone: a person who moved alone, or left home) the pair
  stays in the band for a person to decide.

Set-based (a few Ibis joins over the band's addresses, the same on DuckDB and
Spark); a clerical decision still overrides it. Measured in docs/benchmarks.md
("The review band at 1,000,000").
"""

from __future__ import annotations

from typing import Any

import ibis
import ibis.expr.types as ir
import pyarrow as pa

# The weight the context adds to the pair's match weight. The band spans log2(0.9/0.1)
# = 3.17 bits (from 0.5 to 0.9), so 4 bits takes any band pair out of it: up to a
# match, or down below the band.
MOVED_WEIGHT = 4.0
APART_WEIGHT = -4.0
MOVED = "moved with their household"
APART = "housemates who did not move with them"
# The context in words, for the reviewer's page and `explain-person`.
CONTEXT_WORDS = {
    MOVED: "someone they lived with was seen at both addresses: moved together",
    APART: "both live with others, and none of those was seen at the other address",
}


BAND_TABLES = ("link_band_x", "link_band_y", "link_band_seen")


def household_context(store: Any, low: float, threshold: float) -> dict[str, int]:
    """Weigh the household context of the band's pairs in `link_pairs` (scored pairs;
    `link_identities`; `link_clusters`, this run's clusters at the threshold): adds
    `context` and `context_weight` to `link_pairs` and moves the pairs it decides (the
    store writes them: in place on DuckDB, a new table on Spark). Returns how many pairs
    went each way."""
    ctx = band_context(store, low, threshold)
    store.adjust_pairs(ctx)
    kinds = ctx.column("context").to_pylist()
    return {"moved": kinds.count(MOVED), "apart": kinds.count(APART)}


def band_context(store: Any, low: float, threshold: float) -> pa.Table:
    """The band's pairs the households decide: `a`, `b` (the pair), `context` (MOVED or
    APART) and `w` (the weight it adds). Ibis joins, the same on either engine."""
    con = store.con
    pairs = con.table("link_pairs")
    ids = con.table("link_identities")
    cl = con.table("link_clusters")
    seen_all = ids.select(identity_id=ids.identity_id, u=ids.uprns.unnest())
    band = pairs.filter(
        (pairs.match_probability >= low) & (pairs.match_probability < threshold)
    ).select(a=pairs.identity_id_l, b=pairs.identity_id_r)
    band = band.join(cl.select(a=cl.identity_id, pa=cl.cluster_id), "a").join(
        cl.select(b=cl.identity_id, pb=cl.cluster_id), "b"
    )
    xs = band.join(seen_all.select(a=seen_all.identity_id, u=seen_all.u), "a")
    ys = band.join(seen_all.select(b=seen_all.identity_id, u=seen_all.u), "b")
    # Pairs whose two sides were both seen somewhere, and never at one address.
    common = xs.semi_join(ys, ["a", "b", "u"]).select("a", "b")
    keep = band.semi_join(xs, ["a", "b"]).semi_join(ys, ["a", "b"]).anti_join(common, ["a", "b"])
    x = store.temp("link_band_x", xs.semi_join(keep, ["a", "b"]))
    y = store.temp("link_band_y", ys.semi_join(keep, ["a", "b"]))
    # Who was seen where (only at the band's addresses), with their person.
    wanted = ibis.union(x.select("u"), y.select("u"), distinct=True)
    seen = store.temp(
        "link_band_seen",
        seen_all.semi_join(wanted, "u").join(
            cl.select(identity_id=cl.identity_id, person=cl.cluster_id), "identity_id"
        ),
    )
    # Links between two identities: each scored pair both ways, and each identity with
    # itself (an identity seen at both addresses).
    hi = pairs.filter(pairs.match_probability >= low)
    ties = ibis.union(
        hi.select(c=hi.identity_id_l, d=hi.identity_id_r),
        hi.select(c=hi.identity_id_r, d=hi.identity_id_l),
        seen.select(c=seen.identity_id, d=seen.identity_id).distinct(),
        distinct=False,
    )

    def others(side: ir.Table) -> ir.Table:
        """Someone else (not either side's person) seen at the side's addresses."""
        j = side.join(seen, "u")
        return j.filter((j.person != j.pa) & (j.person != j.pb))

    here = others(x).select("a", "b", "pa", "pb", c=ibis._.identity_id)
    there = here.join(ties, "c").join(
        seen.select(d=seen.identity_id, u=seen.u, person_d=seen.person), "d"
    )
    there = there.filter((there.person_d != there.pa) & (there.person_d != there.pb))
    moved = there.join(y.select("a", "b", "u"), ["a", "b", "u"]).select("a", "b").distinct()
    apart = ibis.difference(
        ibis.intersect(
            others(x).select("a", "b").distinct(), others(y).select("a", "b").distinct()
        ),
        moved,
    )
    ctx = ibis.union(
        moved.mutate(context=ibis.literal(MOVED), w=ibis.literal(MOVED_WEIGHT, "float64")),
        apart.mutate(context=ibis.literal(APART), w=ibis.literal(APART_WEIGHT, "float64")),
        distinct=False,
    ).to_pyarrow()
    for name in BAND_TABLES:
        store.drop_temp(name)
    return ctx.sort_by([("a", "ascending"), ("b", "ascending")])
