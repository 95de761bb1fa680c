"""The employment route: an adult on an out-of-work benefit at the start S who is in
continuous employment at the claim date C.

`claimants(con, drop_id, S)` names the adults of each family with an out-of-work
benefit open at S and the weeks of work they need: 26 when one of their claims
open at S is JSA or UC_SEARCHING, 13 otherwise (frameworks.md). The baseline
keeps this list, so the route does not depend on later corrections.

`employed(con, drop_id, C, weeks_by_person)` says who is in continuous
employment at C: employment spells joined where the next starts within 7 days
of the end of the one before, and the joined spell covers every day of the
last N weeks (C - N weeks < d <= C; a spell ending on C covers C; no end date
means ongoing). Set-based: gaps and islands with window functions.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import ibis
import ibis.expr.types as ir

from wholefamily.frameworks.engine import linked_people
from wholefamily.frameworks.files import NAMED_SETS
from wholefamily.linkage.records import current_files

JOB_SEEKING = ("JSA", "UC_SEARCHING")
JOIN_GAP_DAYS = 7
FAR = date(9999, 12, 31)


def _rows(con: Any, source: str, drop_id: str, who: tuple[ir.Table, ir.Table] | None) -> Any:
    files = current_files(con, drop_id)
    if source not in files:
        return None
    rows_people, people = who or linked_people(con)
    t = con.table(f"src_{source}")
    t = t.filter(t.file_id == files[source])
    rp = rows_people.filter(rows_people.source == source)
    return t.join(rp, t.row == rp.row), people


def claimants(
    con: Any, drop_id: str, start: date, who: tuple[ir.Table, ir.Table] | None = None
) -> dict[str, dict[str, int]]:
    """family_id -> {person_id: weeks of work needed} for adults claiming at `start`."""
    got = _rows(con, "dwp_benefits", drop_id, who)
    if got is None:
        return {}
    t, people = got
    oow = sorted(NAMED_SETS["OUT_OF_WORK_BENEFITS"])
    t = t.filter(
        t.benefit.isin(oow) & (t.start_date <= start) & (t.end_date.isnull() | (t.end_date > start))
    )
    adults = people.filter(people.family_id.notnull() & (people.role == "ADULT"))
    j = t.join(adults, "person_id")
    per = j.group_by(["family_id", "person_id"]).aggregate(
        seeking=j.benefit.isin(list(JOB_SEEKING)).cast("int8").max()
    )
    out: dict[str, dict[str, int]] = {}
    for r in per.to_pyarrow().to_pylist():
        out.setdefault(r["family_id"], {})[r["person_id"]] = 26 if r["seeking"] else 13
    return out


def employed(
    con: Any,
    drop_id: str,
    at: date,
    weeks: dict[str, int],
    who: tuple[ir.Table, ir.Table] | None = None,
) -> set[str]:
    """The people (of `weeks`) in continuous employment for their weeks up to `at`."""
    if not weeks:
        return set()
    got = _rows(con, "employment", drop_id, who)
    if got is None:
        return set()
    t, _ = got
    need = ibis.memtable(
        {"person_id": list(weeks), "weeks": list(weeks.values())},
        schema={"person_id": "string", "weeks": "int64"},
    )
    s = t.filter((t.start_date <= at) & t.person_id.isin(list(weeks))).select(
        "person_id", start=t.start_date, end=t.end_date.fill_null(FAR)
    )
    before = ibis.window(group_by="person_id", order_by=["start", "end"], rows=(None, -1))
    s = s.mutate(reach=s.end.max().over(before))
    s = s.mutate(
        new=(s.reach.isnull() | (s.start > s.reach + ibis.interval(days=JOIN_GAP_DAYS))).cast(
            "int64"
        )
    )
    run = ibis.window(group_by="person_id", order_by=["start", "end"], rows=(None, 0))
    s = s.mutate(island=s.new.sum().over(run))
    islands = s.group_by(["person_id", "island"]).aggregate(first=s.start.min(), last=s.end.max())
    j = islands.join(need, "person_id")
    # Covered: every day d with at - weeks < d <= at.
    ok = j.filter(
        (j.last >= at) & (j.first <= ibis.literal(at) - (j.weeks * 7 - 1).as_interval("D"))
    )
    return set(ok.select("person_id").distinct().to_pyarrow().column(0).to_pylist())
