"""The deterministic step: records that share a source's identifier are one identity.

A record's identity key is, in order: its source identifier (`upn:`,
`nino:`, ...; a NINO joins benefits and employment), else for sources with no
identifier the exact same name keys and date of birth within the source,
else the record itself. Each identity carries what the model compares:
its most frequent forename, surname, dob and sex (ties: the smallest), its latest postcode and
UPRN, every UPRN it was seen at, and the UPRNs that propose pairs for it
(`block_uprns`).
"""

from __future__ import annotations

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


def most_frequent(t: ir.Table, by: str, columns: list[str]) -> ir.Table:
    """Per `by`, each column's most frequent non-missing value (ties: the smallest),
    so the same records always give the same answer."""
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
    return out.view()  # a relation of its own, so callers can join it again


def block_uprns(named: ir.Table) -> ir.Table:
    """(identity_id, block_uprns): every UPRN the identity was seen at and, for a school's
    contact, every UPRN its pupils were seen at (a parent is often recorded at an old
    address, and lives where the child lives). Used only to propose pairs, never to
    score them."""
    seen = named.filter(named.uprn.notnull())
    own = seen.select("identity_id", u=seen.uprn)
    pk = named.filter(named.pupil_key.notnull()).select("identity_id", pupil=named.pupil_key)
    pupil = seen.select(pupil=seen.identity_id, u=seen.uprn)
    theirs = pk.distinct().join(pupil, "pupil").select("identity_id", "u")
    every = ibis.union(own, theirs, distinct=True)
    return every.group_by("identity_id").aggregate(block_uprns=every.u.collect())


def identities(keyed: ir.Table) -> ir.Table:
    """One row per identity with the columns the model compares."""
    named = keyed.filter(keyed.forename.notnull() | keyed.surname.notnull())
    # The latest address; on the same day, the record that sorts last (repeatable).
    latest = named.address_date.fill_null(ibis.date(1900, 1, 1)).cast("string") + named.record_id
    agg = named.group_by("identity_id").aggregate(
        postcode=named.postcode.argmax(latest),
        uprn=named.uprn.argmax(latest),
        uprns=named.uprn.collect(distinct=True),
        born_by=named.born_by.max(),
        records=named.count(),
    )
    agg = most_frequent(named, "identity_id", ["forename", "surname", "dob", "sex"]).join(
        agg, "identity_id"
    )
    agg = agg.left_join(block_uprns(named), "identity_id").select(*agg.columns, "block_uprns")
    return agg.mutate(forename_canon=canonical(agg.forename))
