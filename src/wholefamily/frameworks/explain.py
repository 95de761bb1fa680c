"""Explaining a family's needs in plain English, and comparing two frameworks.

`explain_family` lists each need a family meets under a framework at T,
with the people and the rows behind it: "Jade Smith (14): 3 or more
suspensions: school_exclusions rows 812, 1040, 1311 (2024-09-10 to
2025-01-20)". `compare` runs two frameworks on the same linked drop and
counts the families each identifies, the overlap, and the differences by
need and district: the effect of a rule change before a council adopts it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from wholefamily import warehouse as W
from wholefamily.frameworks.engine import EngineError, eligible, evidence
from wholefamily.frameworks.files import check
from wholefamily.frameworks.identify import framework_file, open_linked


@dataclass
class FamilyExplanation:
    family_id: str
    framework: str
    as_of: date
    uprn: str | None
    members: list[str]
    lines: dict[str, list[str]] = field(default_factory=dict)
    eligible: bool = False


def _age(dob: Any, when: date) -> str:
    d = W.as_date(dob)
    if d is None:
        return "age unknown"
    years = when.year - d.year - ((when.month, when.day) < (d.month, d.day))
    return str(years)


def explain_family(
    workspace: Path, family_id: str, framework: str, as_of: date
) -> FamilyExplanation:
    fw = check(framework_file(framework)).data
    con, drop_id = open_linked(workspace, as_of)
    try:
        people = con.table("link_people")
        members = people.filter(people.family_id == family_id).execute()
        if members.empty:
            raise EngineError(f"no family {family_id!r} in the last linkage run")
        ev = evidence(con, fw, drop_id, as_of)
        ev = ev.filter(ev.family_id == family_id).execute()
        needs = con.create_table(
            "explain_needs", ev[["family_id", "need"]].drop_duplicates(), temp=True, overwrite=True
        )
        ok = not eligible(fw, needs).execute().empty
    finally:
        con.disconnect()
    who = {
        r["person_id"]: (
            f"{r['forename'] or ''} {r['surname'] or ''}".strip() or r["person_id"],
            _age(r["dob"], as_of),
            r["role"],
        )
        for r in members.to_dict("records")
    }
    out = FamilyExplanation(
        family_id,
        str(fw["framework"]),
        as_of,
        str(members["uprn"].iloc[0]) if members["uprn"].iloc[0] else None,
        [f"{name} ({age}, {role.lower()})" for name, age, role in who.values()],
        eligible=ok,
    )
    for need in fw["needs"]:
        rows = ev[ev["need"] == need]
        if rows.empty:
            continue
        lines = []
        for (pid, indicator, source), g in rows.groupby(["person_id", "indicator", "source"]):
            name, age, _ = who.get(pid, (pid, "?", ""))
            numbers = ", ".join(str(n) for n in sorted(g["row"].astype(int)))
            first, last = g["date"].min(), g["date"].max()
            span = f"{_day(first)}" if first == last else f"{_day(first)} to {_day(last)}"
            noun = "row" if len(g) == 1 else "rows"
            lines.append(f"{name} ({age}): {indicator}: {source} {noun} {numbers} ({span})")
        out.lines[need] = lines
    return out


def _day(v: Any) -> str:
    return str(W.as_date(v))


@dataclass
class Comparison:
    a: str
    b: str
    as_of: date
    families: int
    eligible_a: int
    eligible_b: int
    both: int
    by_district: dict[str, tuple[int, int]] = field(default_factory=dict)
    by_need_a: dict[str, int] = field(default_factory=dict)
    by_need_b: dict[str, int] = field(default_factory=dict)


def compare(workspace: Path, a: str, b: str, as_of: date) -> Comparison:
    fws = [check(framework_file(x)).data for x in (a, b)]
    con, drop_id = open_linked(workspace, as_of)
    try:
        people = con.table("link_people")
        fam = people.filter(people.family_id.notnull())
        homes = fam.group_by("family_id").aggregate(uprn=fam.uprn.min())
        gaz = con.table("src_gazetteer") if "src_gazetteer" in con.list_tables() else None
        if gaz is not None:
            d = gaz.group_by(uprn=gaz.uprn).aggregate(district=gaz.district.max())
            homes = homes.left_join(d, "uprn")
        home_df = homes.execute()
        district = dict(
            zip(home_df["family_id"], home_df.get("district", home_df["uprn"]), strict=True)
        )
        sets: list[set[str]] = []
        needs_of: list[dict[str, int]] = []
        for k, fw in enumerate(fws):
            ev = evidence(con, fw, drop_id, as_of)
            needs = con.create_table(
                f"compare_needs_{k}",
                ev.select("family_id", "need").distinct(),
                temp=True,
                overwrite=True,
            )
            ok = set(eligible(fw, needs).execute()["family_id"])
            sets.append(ok)
            nd = needs.execute()
            nd = nd[nd["family_id"].isin(ok)]
            needs_of.append({str(n): int(c) for n, c in nd["need"].value_counts().items()})
    finally:
        con.disconnect()
    by_district: dict[str, tuple[int, int]] = {}
    for k, s in enumerate(sets):
        for f in s:
            d = str(district.get(f) or "unknown")
            pair = list(by_district.get(d, (0, 0)))
            pair[k] += 1
            by_district[d] = (pair[0], pair[1])
    return Comparison(
        str(fws[0]["framework"]),
        str(fws[1]["framework"]),
        as_of,
        len(home_df),
        len(sets[0]),
        len(sets[1]),
        len(sets[0] & sets[1]),
        dict(sorted(by_district.items())),
        needs_of[0],
        needs_of[1],
    )
