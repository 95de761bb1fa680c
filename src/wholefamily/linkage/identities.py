"""The deterministic step: records that share a source's identifier are one identity.

A record's identity key is, in order: its source identifier (`upn:`,
`nino:`, ...; a NINO joins benefits and employment), else for sources with no
identifier the exact same name keys and date of birth within the source,
else the record itself. Each identity carries what the model compares:
its most frequent forename, surname, dob and sex (ties: the smallest), its latest postcode and
UPRN, every UPRN it was seen at, and the UPRNs that propose pairs for it
(`block_uprns`). One group-by over the records gives them all; only the few
identities whose records disagree on a compared value are counted value by value.
"""

from __future__ import annotations

import functools
import operator
from typing import Any

import ibis
import ibis.expr.types as ir

from wholefamily.linkage.nicknames import canonical


def identity_keys(rec: ir.Table) -> ir.Table:
    exact = (
        "exact:"
        + rec.source
        + ":"
        + rec.forename
        + "|"
        + rec.surname
        + "|"
        + rec.dob.cast("string")
    )
    usable = rec.forename.notnull() & rec.surname.notnull() & rec.dob.notnull()
    key = ibis.coalesce(
        rec.id_key, ibis.ifelse(usable, exact, ibis.null("string")), "record:" + rec.record_id
    )
    return rec.mutate(identity_id=key)


def most_frequent(
    t: ir.Table,
    by: str,
    columns: list[str],
    where: ir.BooleanValue | None = None,
    **also: Any,
) -> ir.Table:
    """Per `by`, each column's most frequent non-missing value (ties: the smallest),
    so the same records always give the same answer; and the aggregates `also`
    (over the same rows), computed in the same pass. Only the rows `where` holds.

    One group-by gives each column's smallest and largest value: where they are the
    same (almost every group: its records agree) that is the answer, and only the
    groups whose records disagree on some column are counted value by value."""
    rows = [] if where is None else [where]
    bounds: dict[str, ir.Scalar] = {}
    for col in columns:
        bounds[f"{col}__lo"] = t[col].min()
        bounds[f"{col}__hi"] = t[col].max()
    groups = (t.filter(*rows) if rows else t).group_by(by).aggregate(**bounds, **also)
    disagree = functools.reduce(
        operator.or_, [groups[f"{c}__lo"] != groups[f"{c}__hi"] for c in columns]
    )
    mixed = groups.filter(disagree)
    # One filter of `t`, not a filter of a filter: the database reads `t` where it
    # is, rather than first copying the rows `where` holds.
    votes = _counted(t.filter(*rows, t[by].isin(mixed[by])), by, columns)
    out = groups.left_join(votes, by)
    return out.select(
        by,
        *[ibis.coalesce(out[c], out[f"{c}__lo"]).name(c) for c in columns],
        *also,
    ).view()  # a relation of its own, so callers can join it again


def _counted(t: ir.Table, by: str, columns: list[str]) -> ir.Table:
    """`most_frequent` by counting: each (group, value) counted, the first by count
    then value."""
    out = t.select(by).distinct()
    for col in columns:
        counts = t.filter(t[col].notnull()).group_by([by, col]).aggregate(n=ibis._.count())
        ranked = counts.mutate(
            k=ibis.row_number().over(
                ibis.window(group_by=counts[by], order_by=[ibis.desc(counts.n), counts[col]])
            )
        )
        best = ranked.filter(ranked.k == 0).select(by, col)
        out = out.left_join(best, by).select(*out.columns, col)
    return out.view()


def pupils_uprns(keyed: ir.Table, named: ir.BooleanValue, seen: ir.Table) -> ir.Table:
    """(identity_id, theirs): for a school's contact, every UPRN its pupils were seen
    at (a parent is often recorded at an old address, and lives where the child
    lives); `seen` holds each identity's own `uprns`."""
    pk = keyed.filter(named, keyed.pupil_key.notnull()).select("identity_id", pupil="pupil_key")
    pupil = seen.select(pupil="identity_id", us="uprns")
    theirs = pk.distinct().join(pupil, "pupil").select("identity_id", u=ibis._.us.unnest())
    return theirs.group_by("identity_id").aggregate(theirs=theirs.u.collect(distinct=True))


def _latest(keyed: ir.Table, col: ir.Column) -> ir.Scalar:
    """The value of the identity's latest record (a missing value too); on the same day,
    of the record that sorts last (repeatable: record ids are unique). Spark has no
    ordered `first`: there, the value at the largest (date, record id), which is the
    same row."""
    when = keyed.address_date.fill_null(ibis.date(1900, 1, 1))
    backends, _ = keyed._find_backends()  # none for a memtable (DuckDB's, by default)
    if any(b.name == "pyspark" for b in backends):
        return col.argmax(ibis.struct({"when": when, "record_id": keyed.record_id}))
    return col.first(order_by=[ibis.desc(when), ibis.desc(keyed.record_id)], include_null=True)


def identities(keyed: ir.Table) -> ir.Table:
    """One row per identity with the columns the model compares; `block_uprns` (used
    only to propose pairs, never to score them) are its own `uprns` and, for a
    school's contact, those of its pupils."""
    named = keyed.forename.notnull() | keyed.surname.notnull()
    agg = most_frequent(
        keyed,
        "identity_id",
        ["forename", "surname", "dob", "sex"],
        where=named,
        postcode=_latest(keyed, keyed.postcode),
        uprn=_latest(keyed, keyed.uprn),
        uprns=keyed.uprn.collect().unique(),
        born_by=keyed.born_by.max(),
        records=ibis._.count(),
    )
    theirs = pupils_uprns(keyed, named, agg)
    joined = agg.left_join(theirs, "identity_id")
    none = ibis.literal([], "array<string>")
    block = ibis.ifelse(
        joined.theirs.isnull(), joined.uprns, joined.uprns.fill_null(none).union(joined.theirs)
    )
    agg = joined.select(*agg.columns, block_uprns=block)
    return agg.mutate(forename_canon=canonical(agg.forename))
