"""Step 5 of `wholefamily link` (`link.py`): each person's current address,
households, roles at the as-of date and whether they are in a family, and for
several councils each person's council.

A person's current address is the latest dated evidence with a UPRN (on or
before the as-of date; open spells count as current; ties broken by source
precedence); with none, the address of the person they are tied to (a pupil and
a parent with parental responsibility, the partners of a joint claim). A child
is under 16, or under 19 and on a school roll at the latest census; a family is
a household with a child.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import ibis
import ibis.expr.types as ir

from wholefamily.linkage.identities import most_frequent
from wholefamily.linkage.records import Councils, current_files


def people_at(
    store: Any,
    keyed: ir.Table,
    persons: ir.Table,
    as_of: date,
    councils: Councils,
    precedence: tuple[str, ...],
) -> ir.Table:
    """One row per person: identity, current address, role, whether in a family, and
    council (that of the address: the council whose gazetteer its UPRN was found in;
    with no address, the council most of the person's records come from). `store` is
    the linkage's (`stores.py`): either engine."""
    con = store.con
    rec = keyed.join(persons, keyed.identity_id == persons.identity_id)
    # Names as the agencies wrote them (the most frequent spelling), not the match keys.
    ident = most_frequent(rec, "person_id", ["given_forename", "given_surname", "dob", "sex"])
    ident = ident.rename(forename="given_forename", surname="given_surname")
    # Current address: the latest dated evidence on or before the as-of date
    # (open spells count as current), ties broken by source precedence.
    order = {s: i for i, s in enumerate(precedence)}
    dated = rec.filter(rec.uprn.notnull())
    dated = dated.mutate(
        when=ibis.ifelse(
            dated.address_date > as_of, ibis.literal(as_of), dated.address_date
        ).fill_null(ibis.date(1900, 1, 1)),
        rank=dated.source.substitute(order, else_=99),
    )
    best = dated.mutate(
        k=ibis.row_number().over(
            ibis.window(
                group_by=dated.person_id,
                order_by=[ibis.desc(dated.when), dated.rank, dated.record_id],
            )
        )
    )
    address = best.filter(best.k == 0).select("person_id", household_uprn=best.uprn)
    address = _with_ties(store, rec, address, councils)
    people = ident.left_join(address, "person_id")
    # Who is on a school roll at the latest census on or before the as-of date.
    on_roll = _on_roll(con, councils, as_of)
    census = keyed.filter(keyed.source == "school_census")
    roll_people = census.semi_join(
        on_roll,
        (census.row == on_roll.row) & (census.la_code.fill_null("") == on_roll.la),
    )
    roll_people = roll_people.join(persons, roll_people.identity_id == persons.identity_id)
    roll = roll_people.select(rp=roll_people.person_id).distinct()
    people = people.left_join(roll, people.person_id == roll.rp)
    age = age_at(people.dob, as_of)
    dependent = (age >= 0) & ((age <= 15) | ((age <= 18) & people.rp.notnull()))
    people = people.mutate(role=ibis.ifelse(dependent.fill_null(False), "CHILD", "ADULT"))
    has_child = (
        people.filter(people.role == "CHILD")
        .select(u=people.household_uprn)
        .filter(ibis._.u.notnull())
        .distinct()
    )
    people = people.left_join(has_child, people.household_uprn == has_child.u)
    people = people.select(
        "person_id",
        "forename",
        "surname",
        "dob",
        "sex",
        "household_uprn",
        "role",
        in_family=people.u.notnull(),
    )
    if not councils[0][0]:
        return people.mutate(la_code=ibis.null("string"))
    placed = keyed.filter(keyed.uprn.notnull())
    where = placed.group_by(w_uprn=placed.uprn).aggregate(w_la=placed.la_code.min())
    most = most_frequent(rec, "person_id", ["la_code"]).rename(r_la="la_code")
    people = people.left_join(where, people.household_uprn == where.w_uprn)
    people = people.left_join(most, "person_id")
    return people.select(
        *(c for c in people.columns if c not in ("w_uprn", "w_la", "r_la", "person_id_right")),
        la_code=ibis.coalesce(people.w_la, people.r_la),
    )


def ties(store: Any, rec: ir.Table, councils: Councils) -> ir.Table:
    """(person_id, tied_to): a parent with parental responsibility recorded by a
    school and the pupil; the partners of a joint benefit claim (within a council's
    drop: a claim reference is one council's)."""
    parts: list[ir.Table] = []
    # Materialised: both sides of the joins below come from the same records.
    con = store.con
    every = store.temp(
        "link_ties_who", rec.select("source", "row", "person_id", "id_key", "la_code")
    )
    for la_code, drop_id in councils:
        files = current_files(con, drop_id)
        who = every if la_code is None else every.filter(every.la_code == la_code)
        parts += _ties_of(con, every, who, files)
    if not parts:
        return ibis.memtable(
            {"person_id": [], "tied_to": []}, schema={"person_id": "string", "tied_to": "string"}
        )
    return ibis.union(*parts, distinct=True)


def _ties_of(con: Any, every: ir.Table, who: ir.Table, files: dict[str, str]) -> list[ir.Table]:
    """`ties` of one drop: `who` its records, `every` every council's (a pupil's UPN
    is national)."""
    parts: list[ir.Table] = []
    if "school_contacts" in files:
        c = con.table("src_school_contacts")
        c = c.filter((c.file_id == files["school_contacts"]) & (c.parental_responsibility == "Y"))
        w = who.filter(who.source == "school_contacts")
        # .view(): a join's result joined again needs its own relation in Ibis
        parent = (
            c.join(w, c.row == w.row).select(upn=c.upn.strip().upper(), parent=w.person_id).view()
        )
        pupil = (
            every.filter(every.id_key.startswith("upn:"))
            .select(upn=every.id_key.substr(4), child=every.person_id)
            .distinct()
            .view()
        )
        pc = parent.join(pupil, "upn")
        parts.append(pc.select(person_id=pc.parent, tied_to=pc.child))
        parts.append(pc.select(person_id=pc.child, tied_to=pc.parent))
    if "dwp_benefits" in files:
        b = con.table("src_dwp_benefits")
        b = b.filter(b.file_id == files["dwp_benefits"])
        w = who.filter(who.source == "dwp_benefits")
        claim = b.join(w, b.row == w.row).select(claim=b.claim_ref, person_id=w.person_id)
        claim = claim.distinct().view()
        other = claim.select(claim="claim", tied_to="person_id").view()
        pairs = claim.join(other, "claim")
        pairs = pairs.filter(pairs.person_id != pairs.tied_to)
        parts.append(pairs.select("person_id", "tied_to"))
    return parts


def _with_ties(store: Any, rec: ir.Table, address: ir.Table, councils: Councils) -> ir.Table:
    """A person with no address evidence lives where the person they are tied to lives."""
    t = ties(store, rec, councils)
    known = address.select(tied_to="person_id", u="household_uprn")
    borrowed = t.join(known, "tied_to").group_by("person_id").aggregate(u=ibis._.u.min())
    everyone = rec.select("person_id").distinct()
    out = everyone.left_join(address, "person_id").left_join(borrowed, "person_id")
    return out.select("person_id", household_uprn=ibis.coalesce(out.household_uprn, out.u))


def _on_roll(con: Any, councils: Councils, as_of: date) -> ir.Table:
    """(la, row): the census rows of each council's latest census on or before the
    as-of date (la '' for an untagged drop)."""
    parts = []
    for la_code, drop_id in councils:
        census_file = current_files(con, drop_id).get("school_census")
        if census_file is None:
            continue
        c = con.table("src_school_census")
        c = c.filter((c.file_id == census_file) & (c.census_date <= as_of))
        latest = c.census_date.max().as_scalar()
        c = c.filter(c.census_date == latest)
        parts.append(c.select(la=ibis.literal(la_code or "", "string"), row=c.row))
    if not parts:
        return ibis.memtable({"la": [], "row": []}, schema={"la": "string", "row": "int64"})
    return ibis.union(*parts, distinct=False)


def age_at(dob: ir.DateValue, when: date | ir.DateValue) -> ir.IntegerValue:
    """Whole years at `when` (a date, or a date column of the same rows)."""
    at = ibis.literal(when) if isinstance(when, date) else when
    years = at.year() - dob.year()
    before_birthday = (dob.month() > at.month()) | (
        (dob.month() == at.month()) & (dob.day() > at.day())
    )
    return years - ibis.ifelse(before_birthday, 1, 0)
