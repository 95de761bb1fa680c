"""The rule engine: a checked framework, compiled to Ibis expressions.

Each indicator becomes one query over its source's rows in the drop,
joined to the person each row was linked to and the family that person is
in at the as-of date T. The union of those queries is the evidence: one row
per (family, need, person, source row, date, indicator). Needs met per
family and eligibility follow by grouping; nothing loops over rows.

Words as in `shared/spec/frameworks.md`: windows end at T and nothing dated
after T counts; months clamp to the month's end; the last N terms are the N
latest that ended on or before T; rates compare exactly (integer
arithmetic on the sums, the threshold as a fraction).
"""

from __future__ import annotations

from datetime import date, timedelta
from fractions import Fraction
from typing import Any

import ibis
import ibis.expr.types as ir

from wholefamily.frameworks.files import NAMED_SETS
from wholefamily.linkage.link import age_at
from wholefamily.linkage.records import current_files
from wholefamily.sources.calendar import last_terms, months_before

EVIDENCE_SCHEMA = {
    "family_id": "string",
    "need": "string",
    "person_id": "string",
    "source": "string",
    "row": "int64",
    "date": "date",
    "indicator": "string",
}


class EngineError(Exception):
    """The warehouse lacks what a framework needs (no linkage run, say)."""


def _condition(t: ir.Table, column: str, cond: Any) -> ir.BooleanValue:
    if not isinstance(cond, dict):
        cond = {"in": [cond]}
    op, value = next(iter(cond.items()))
    col = t[column]
    if op in ("in", "not_in"):
        values = sorted(NAMED_SETS[value]) if isinstance(value, str) else [str(v) for v in value]
        hit = col.isin(values)
        return hit if op == "in" else ~hit & col.notnull()
    if op == "contains":
        return col.split(";").contains(str(value))
    number = float(value)
    return {
        "at_least": col >= number,
        "at_most": col <= number,
        "above": col > number,
        "below": col < number,
    }[op]


def _window(t: ir.Table, when: dict[str, Any], as_of: date) -> tuple[ir.BooleanValue, ir.Value]:
    """(rows in the window at T, the date to show as evidence)."""
    kind = when["window"]
    if kind == "last_months":
        col = t[when["column"]]
        return (col > months_before(as_of, when["months"])) & (col <= as_of), col
    if kind == "last_terms":
        terms = last_terms(as_of, when["terms"])
        col = t[when["column"]]
        return col.between(terms[0].first_day, terms[-1].last_day), col
    start, end = t[when["start"]], t[when["end"]]
    open_at = (start <= as_of) & (end.isnull() | (end > as_of))
    if kind == "open_at":
        return open_at, start
    since = months_before(as_of, when["months"])
    if kind == "open_or_started":
        return open_at | ((start > since) & (start <= as_of)), start
    # overlaps: the episode touches the last N months
    return (start <= as_of) & (end.isnull() | (end > since)), start


def reaches_back_to(ind: dict[str, Any], as_of: date) -> date:
    """The earliest day whose records an indicator or outcome test reads at `as_of`
    (the first day of its oldest term, the day after its months began, or `as_of`
    itself for what is open on the day)."""
    if ind.get("kind") == "absence":
        return last_terms(as_of, ind["terms"])[0].first_day
    when = ind["when"]
    kind = when["window"]
    if kind == "last_terms":
        return last_terms(as_of, when["terms"])[0].first_day
    if kind == "open_at":
        return as_of
    return months_before(as_of, when["months"]) + timedelta(days=1)


def _who(ind: dict[str, Any], people: ir.Table) -> ir.Table:
    members = people.filter(people.family_id.notnull())
    if ind["who"] == "dependent_child":
        return members.filter(members.role == "CHILD")
    if ind["who"] == "adult":
        return members.filter(members.role == "ADULT")
    return members


def _records_indicator(
    con: Any,
    need: str,
    ind: dict[str, Any],
    as_of: date,
    files: dict[str, str],
    rows_people: ir.Table,
    people: ir.Table,
) -> ir.Table | None:
    source = ind["source"]
    if source not in files:
        return None  # this drop has no such file: the indicator shows nothing
    t = con.table(f"src_{source}")
    t = t.filter(t.file_id == files[source])
    for column, cond in (ind.get("where") or {}).items():
        t = t.filter(_condition(t, column, cond).fill_null(False))
    in_window, shown = _window(t, ind["when"], as_of)
    t = t.filter(in_window.fill_null(False)).mutate(evidence_date=shown)
    rp = rows_people.filter(rows_people.source == source)
    t = t.join(rp, t.row == rp.row).select(t.row, t.evidence_date, rp.person_id)
    who = _who(ind, people)
    t = t.join(who, "person_id").select("row", "evidence_date", "person_id", "family_id", "dob")
    if "age_under" in ind:
        rule = ind["age_under"]
        at = as_of if rule.get("at", "as_of") == "as_of" else None
        if at is None:  # the age on an event date of the row
            src = con.table(f"src_{source}").filter(ibis._.file_id == files[source])
            dated = src.select(r=src.row, at_date=src[rule["at"]])
            t = t.join(dated, t.row == dated.r).drop("r")
            t = t.filter(age_at(t.dob, t.at_date) < rule["years"]).drop("at_date")
        else:
            t = t.filter(age_at(t.dob, at) < rule["years"])
    if "count_at_least" in ind:
        counts = t.group_by("person_id").aggregate(n=ibis._.count())
        enough = counts.filter(counts.n >= ind["count_at_least"]).select("person_id")
        t = t.semi_join(enough, "person_id")
    return t.select(
        family_id=t.family_id,
        need=ibis.literal(need),
        person_id=t.person_id,
        source=ibis.literal(source),
        row=t.row,
        date=t.evidence_date.cast("date"),
        indicator=ibis.literal(_name(ind)),
    )


def _absence_indicator(
    con: Any,
    need: str,
    ind: dict[str, Any],
    as_of: date,
    files: dict[str, str],
    rows_people: ir.Table,
    people: ir.Table,
) -> ir.Table | None:
    if "school_attendance" not in files:
        return None
    terms = last_terms(as_of, ind["terms"])
    keys = [f"{t.academic_year}|{t.code}" for t in terms]
    ends = {f"{t.academic_year}|{t.code}": t.last_day for t in terms}
    a = con.table("src_school_attendance")
    a = a.filter(a.file_id == files["school_attendance"])
    a = a.mutate(k=a.academic_year + "|" + a.term).filter(ibis._.k.isin(keys))
    rp = rows_people.filter(rows_people.source == "school_attendance")
    a = a.join(rp, a.row == rp.row).select(
        a.row,
        a.k,
        rp.person_id,
        possible=a.sessions_possible,
        authorised=a.sessions_authorised_absence.fill_null(0),
        unauthorised=a.sessions_unauthorised_absence.fill_null(0),
    )
    who = _who(ind, people)
    a = a.join(who, "person_id").select(
        "row", "k", "person_id", "family_id", "possible", "authorised", "unauthorised"
    )
    # Over the terms together, or (each_term, for outcome tests) each term on its own.
    by = ["person_id", "k"] if ind.get("each_term") else ["person_id"]
    sums = a.group_by(by).aggregate(
        possible=a.possible.sum(),
        authorised=a.authorised.sum(),
        unauthorised=a.unauthorised.sum(),
    )
    sums = sums.filter(sums.possible > 0)
    measure = ind["measure"]
    part = {
        "overall_absence": sums.authorised + sums.unauthorised,
        "unauthorised_absence": sums.unauthorised,
        "attendance": sums.possible - sums.authorised - sums.unauthorised,
    }[measure]
    op = next(k for k in ("at_least", "at_most", "above", "below") if k in ind)
    limit = Fraction(str(ind[op]))
    lhs, rhs = part * limit.denominator, sums.possible * limit.numerator
    hit = {"at_least": lhs >= rhs, "at_most": lhs <= rhs, "above": lhs > rhs, "below": lhs < rhs}[
        op
    ]
    pupils = sums.filter(hit).select(*by)
    a = a.semi_join(pupils, by)
    return a.select(
        family_id=a.family_id,
        need=ibis.literal(need),
        person_id=a.person_id,
        source=ibis.literal("school_attendance"),
        row=a.row,
        date=a.k.substitute(ends, else_=ibis.null("date")),
        indicator=ibis.literal(_name(ind)),
    )


def _name(ind: dict[str, Any]) -> str:
    """An indicator's name (`test` in an outcome rule)."""
    return str(ind.get("indicator") or ind.get("test"))


def indicator_rows(
    con: Any,
    need: str,
    ind: dict[str, Any],
    as_of: date,
    files: dict[str, str],
    who: tuple[ir.Table, ir.Table],
) -> ir.Table | None:
    """The rows behind one indicator (or outcome test) at `as_of`; None when the drop
    has no file it reads."""
    build = _absence_indicator if ind.get("kind") == "absence" else _records_indicator
    return build(con, need, ind, as_of, files, *who)


def linked_people(con: Any) -> tuple[ir.Table, ir.Table]:
    """The linkage's answer: (source, row, person_id) and (person_id, family_id, role, dob)."""
    for table in ("link_people", "link_records", "mpi_keys"):
        if table not in con.list_tables():
            raise EngineError("no linkage in this workspace yet: run `wholefamily link` first")
    rec, keys = con.table("link_records"), con.table("mpi_keys")
    rows_people = rec.join(keys, rec.identity_id == keys.key).select("source", "row", "person_id")
    people = con.table("link_people").select("person_id", "family_id", "role", "dob")
    return rows_people, people


def evidence(
    con: Any,
    framework: dict[str, Any],
    drop_id: str,
    as_of: date,
    who: tuple[ir.Table, ir.Table] | None = None,
) -> ir.Table:
    """Every piece of evidence for every need of every family at T.

    `who` is whose rows are whose and who lives where: the linkage's answer
    by default; the evaluation passes the synthetic truth instead.
    """
    rows_people, people = who or linked_people(con)
    files = current_files(con, drop_id)
    parts: list[ir.Table] = []
    for need, spec in framework["needs"].items():
        for ind in spec["any_of"]:
            part = indicator_rows(con, need, ind, as_of, files, (rows_people, people))
            if part is not None:
                parts.append(part)
    if not parts:
        return ibis.memtable({k: [] for k in EVIDENCE_SCHEMA}, schema=EVIDENCE_SCHEMA)
    return ibis.union(*parts, distinct=True)


def eligible(framework: dict[str, Any], needs: ir.Table) -> ir.Table:
    """Families (family_id) that meet an eligibility alternative, from (family_id, need)."""
    all_needs = list(framework["needs"])
    headline = {n: str(s.get("headline", n)) for n, s in framework["needs"].items()}
    distinct = bool(framework.get("distinct_headlines", True))
    n = needs.mutate(headline=needs.need.substitute(headline))
    found: list[ir.Table] = []
    for alt in framework["eligibility"]:
        pool = alt.get("of", all_needs)
        chosen = n.filter(n.need.isin(pool))
        counted = chosen.headline if distinct else chosen.need
        ok = chosen.group_by("family_id").aggregate(k=counted.nunique())
        ok = ok.filter(ok.k >= alt["at_least"]).select("family_id")
        for required in alt.get("and", []):
            has = n.filter(n.need == required).select("family_id").distinct()
            ok = ok.semi_join(has, "family_id")
        found.append(ok)
    return ibis.union(*found, distinct=True)
