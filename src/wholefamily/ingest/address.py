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

Everything is a join or a window over whole tables, never a loop over rows. When a
drop is loaded, the gazetteer's lookups are made once (`prepare`, temporary tables);
steps 1 and 2 are left joins in the pass that types the rows (`match_known`), and
only the few rows they leave go through steps 3 and 4 (`resolve_rest`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import ibis
import ibis.expr.types as ir

from wholefamily import warehouse as W
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


def with_address_keys(
    rows: ir.Table, line1: str, postcode: str, town: str | None, uprn: str | None
) -> ir.Table:
    """`rows` with the keys it is resolved by (`KEYS`), each computed once."""
    keyed = rows.mutate(
        a_key=N.address_key(rows[line1]),
        a_postcode=rows[postcode],
        a_town=N.name_key(rows[town]) if town else ibis.null("string"),
        a_uprn=rows[uprn].strip() if uprn else ibis.null("string"),
    )
    return keyed.mutate(a_num=N.number_key(keyed.a_key))


KEYS = ("a_key", "a_num", "a_postcode", "a_town", "a_uprn")


@dataclass(frozen=True)
class Gazetteer:
    """The gazetteer's lookups, made once for a load (temporary tables, never stored)."""

    keyed: ir.Table  # g_uprn, g_key, g_num, g_postcode, g_town
    known: ir.Table  # k_uprn: every UPRN
    exact: ir.Table  # e_postcode, e_key -> e_uprn, where one address has them
    by_town: ir.Table  # g_key, g_town -> g_uprn, where one address has them
    by_line: ir.Table  # g_key -> g_uprn, where one address has it
    postcodes: ir.Table  # p: every postcode


def prepare(con: Any, gaz: ir.Table, prefix: str = "gaz") -> Gazetteer:
    def temp(name: str, expr: ir.Table) -> ir.Table:
        return W.temp_table(con, f"{prefix}_{name}", expr)

    g = temp("keyed", gazetteer_keys(gaz))
    exact = _unique(g, ["g_postcode", "g_key"])
    return Gazetteer(
        keyed=g,
        known=temp("known", g.select(k_uprn=g.g_uprn).distinct()),
        exact=temp(
            "exact",
            exact.select(e_postcode=exact.g_postcode, e_key=exact.g_key, e_uprn=exact.g_uprn),
        ),
        by_town=temp("by_town", _unique(g, ["g_key", "g_town"])),
        by_line=temp("by_line", _unique(g, ["g_key"])),
        postcodes=temp("postcodes", g.select(p=g.g_postcode).distinct()),
    )


def match_known(rows: ir.Table, gz: Gazetteer) -> ir.Table:
    """`rows` (holding `KEYS`) with steps 1 and 2 as left joins: `k_uprn` (the row's own
    UPRN, when the gazetteer has it), `e_key` and `e_uprn` (the exact match, if any)."""
    k, e = gz.known, gz.exact
    j = rows.left_join(k, rows.a_uprn == k.k_uprn)
    j = j.left_join(e, [j.a_postcode == e.e_postcode, j.a_key == e.e_key])
    return j.select(*rows.columns, "k_uprn", "e_key", "e_uprn")


def unmatched(rows: ir.Table) -> ir.BooleanValue:
    """Rows of `match_known` that steps 1 and 2 leave for steps 3 and 4."""
    return rows.k_uprn.isnull() & rows.e_key.isnull()


# What `resolve_rest` gives, and `no_rest` when no row is left for it.
REST = ibis.schema(
    {"r_row": "int64", "r_uprn": "string", "r_method": "string", "r_confidence": "float64"}
)


def no_rest() -> ir.Table:
    """`resolve_rest`'s result for no rows, without building its joins."""
    return ibis.memtable(REST.to_pyarrow().empty_table())


def resolve_rest(rest: ir.Table, gz: Gazetteer, has_town: bool) -> ir.Table:
    """Steps 3 and 4 for `rest` (row and `KEYS`: the rows steps 1 and 2 leave):
    (r_row, r_uprn, r_method, r_confidence) for each that resolves."""
    g = gz.keyed
    found: list[ir.Table] = []

    def result(t: ir.Table, method: str, confidence: Any) -> ir.Table:
        return t.select(
            r_row=t.row.cast(REST["r_row"]),
            r_uprn=t.g_uprn.cast(REST["r_uprn"]),
            r_method=ibis.literal(method, REST["r_method"]),
            r_confidence=(ibis.literal(1.0) * confidence).cast(REST["r_confidence"]),
        )

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
    nopc = rest.anti_join(gz.postcodes, rest.a_postcode == gz.postcodes.p)
    if has_town:
        t = gz.by_town
        m = nopc.inner_join(t, [nopc.a_key == t.g_key, nopc.a_town == t.g_town])
        found.append(result(m, "no_postcode", 0.8))
    else:
        t = gz.by_line
        m = nopc.inner_join(t, nopc.a_key == t.g_key)
        found.append(result(m, "no_postcode", 0.7))
    return ibis.union(*found, distinct=False)


def attach(rows: ir.Table, rest: ir.Table, columns: list[str]) -> ir.Table:
    """`columns` of `rows` (from `match_known`) with address_uprn, address_method and
    address_confidence: steps 1 and 2 as matched, the rest from `resolve_rest`."""
    j = rows.left_join(rest, rows.row == rest.r_row)
    by_uprn, by_exact = j.k_uprn.notnull(), j.e_key.notnull()
    return j.select(
        *columns,
        address_uprn=ibis.cases((by_uprn, j.k_uprn), (by_exact, j.e_uprn), else_=j.r_uprn),
        address_method=ibis.cases(
            (by_uprn, "uprn"), (by_exact, "exact"), else_=j.r_method.fill_null("none")
        ),
        address_confidence=ibis.cases(
            (by_uprn, ibis.literal(1.0) * 1.0),
            (by_exact, ibis.literal(1.0) * 0.98),
            else_=j.r_confidence.fill_null(0.0),
        ),
    )
