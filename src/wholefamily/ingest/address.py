"""Resolve each row's address to a gazetteer UPRN, with the method and a confidence.

In order, the first that succeeds:

1. `uprn`      the row's own UPRN is in the gazetteer (confidence 1.0);
2. `exact`     postcode + the normalised first address line (house number or
               name and street) match one gazetteer address (0.98);
3. `fuzzy`     within the postcode, same house numbers, the closest street by
               Jaro-Winkler similarity of at least 0.85 (0.9 x similarity);
4. `no_postcode`  when the postcode is invalid or not in the gazetteer: the
               first line + town (or the first line alone when the source has no
               town) matches exactly one address in the county (0.8, 0.7);
5. otherwise unresolved (`none`, confidence 0).

Everything is a join or a window over whole tables, never a loop over rows.
"""

from __future__ import annotations

from typing import Any

import ibis
import ibis.expr.types as ir

from wholefamily.ingest import normalise as N

METHODS = ("uprn", "exact", "fuzzy", "no_postcode", "none")
FUZZY_MIN = 0.85


def gazetteer_keys(g: ir.Table) -> ir.Table:
    """The gazetteer with the keys used to match: address, numbers, town.

    The loaded gazetteer stores its keys (computed once at load); a bare
    gazetteer table gets them computed here.
    """
    if "address_key" in g.columns:
        return g.select(
            g_uprn=g.uprn,
            g_key=g.address_key,
            g_num=g.number_key,
            g_postcode=g.postcode,
            g_town=g.town_key,
        )
    key = N.address_key(g.address_line1)
    return g.select(
        g_uprn=g.uprn,
        g_key=key,
        g_num=N.number_key(key),
        g_postcode=g.postcode,
        g_town=N.name_key(g.town),
    )


def _unique(t: ir.Table, by: list[str]) -> ir.Table:
    """Rows of `t` whose `by` values name exactly one gazetteer UPRN."""
    counts = t.group_by(by).aggregate(n=t.g_uprn.nunique(), g_uprn=t.g_uprn.min())
    return counts.filter(counts.n == 1).drop("n")


def resolve(
    rows: ir.Table,
    gaz: ir.Table,
    line1: str,
    postcode: str,
    town: str | None,
    uprn: str | None,
) -> ir.Table:
    """(row, address_uprn, address_method, address_confidence) for every row of `rows`."""
    key = N.address_key(rows[line1])
    base = rows.select(
        row=rows.row,
        a_key=key,
        a_num=N.number_key(key),
        a_postcode=rows[postcode],
        a_town=N.name_key(rows[town]) if town else ibis.null("string"),
        a_uprn=rows[uprn].strip() if uprn else ibis.null("string"),
    )
    g = gazetteer_keys(gaz)
    found: list[ir.Table] = []

    def result(t: ir.Table, method: str, confidence: Any) -> ir.Table:
        return t.select(
            row=t.row,
            address_uprn=t.g_uprn,
            address_method=ibis.literal(method),
            address_confidence=ibis.literal(1.0) * confidence,
        )

    # 1. the UPRN as given
    known = g.select("g_uprn").distinct()
    by_uprn = base.inner_join(known, base.a_uprn == known.g_uprn)
    found.append(result(by_uprn, "uprn", 1.0))
    rest = base.anti_join(by_uprn, "row")

    # 2. postcode + first line, exactly
    exact_keys = _unique(g, ["g_postcode", "g_key"])
    exact = rest.inner_join(
        exact_keys,
        [rest.a_postcode == exact_keys.g_postcode, rest.a_key == exact_keys.g_key],
    )
    found.append(result(exact, "exact", 0.98))
    rest = rest.anti_join(exact, "row")

    # 3. within the postcode, same numbers, closest street
    pairs = rest.inner_join(g, rest.a_postcode == g.g_postcode)
    pairs = pairs.filter(
        (pairs.a_num == pairs.g_num) | (pairs.a_num.isnull() & pairs.g_num.isnull())
    )
    pairs = pairs.mutate(score=N.jaro_winkler_similarity(pairs.a_key, pairs.g_key))
    pairs = pairs.filter(pairs.score >= FUZZY_MIN)
    ranked = pairs.mutate(
        rank=ibis.row_number().over(
            ibis.window(group_by=pairs.row, order_by=[ibis.desc(pairs.score), pairs.g_uprn])
        )
    )
    best = ranked.filter(ranked.rank == 0)
    found.append(result(best, "fuzzy", (best.score * 0.9).round(3)))
    rest = rest.anti_join(best, "row")

    # 4. postcode unusable: the first line (and town) alone, when unambiguous
    in_gaz = g.select(p=g.g_postcode).distinct()
    nopc = rest.anti_join(in_gaz, rest.a_postcode == in_gaz.p)
    if town:
        by_town = _unique(g, ["g_key", "g_town"])
        m = nopc.inner_join(by_town, [nopc.a_key == by_town.g_key, nopc.a_town == by_town.g_town])
        found.append(result(m, "no_postcode", 0.8))
    else:
        by_line = _unique(g, ["g_key"])
        m = nopc.inner_join(by_line, nopc.a_key == by_line.g_key)
        found.append(result(m, "no_postcode", 0.7))

    resolved = ibis.union(*found, distinct=False)
    out = base.select("row").left_join(resolved, "row")
    return out.select(
        row=out.row,
        address_uprn=out.address_uprn,
        address_method=out.address_method.fill_null("none"),
        address_confidence=out.address_confidence.fill_null(0.0),
    )
