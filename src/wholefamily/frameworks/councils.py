"""Identification over several councils linked together (`wholefamily run --council`).

The linkage is one over every council's records (`link(..., councils=...)`): a
person keeps one `person_id` whichever council's records name them, and each
person and family is the council's where they live at the as-of date (the
council whose gazetteer holds their address). Then, per council, `OUT/<la>/`
holds the four contract files (and family_profile.csv, run.json) with only that
council's part:

- person_records.csv: the council's own source rows (a family that moved away
  still has its old rows here, linked to the same person ids as in its new council);
- people.csv: the people living in the council (no address: the council most of
  their records come from);
- families.csv: the council's families, with an extra `la_code` column;
- family_needs.csv: every piece of evidence for those families, from any council's
  records (a family that moved in brings the needs its old council's records
  show), with an extra `record_la_code` column naming whose row `source,row` is.

`OUT/councils.csv` is the per-council summary: people, families, eligible
families, and people linked across councils (people of the council whose
records come from more than one council).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import ibis
import pyarrow as pa

from wholefamily.atomic import FolderError, check_replaceable, staged_folder
from wholefamily.frameworks.engine import EngineError, evidence
from wholefamily.frameworks.files import check
from wholefamily.frameworks.identify import (
    EVIDENCE_ORDER,
    OUTPUT_FILES,
    PROFILE,
    close,
    family_table,
    framework_file,
    kept,
    open_linked,
    release,
)
from wholefamily.linkage.link import write_outputs

SUMMARY_FILE = "councils.csv"
SUMMARY_COLUMNS = ("la_code", "drop_id", "people", "families", "eligible", "linked_across")


@dataclass
class CouncilSummary:
    la_code: str
    drop_id: str
    people: int
    families: int
    eligible: int
    linked_across: int
    out: str


def check_out(out: Path, councils: list[tuple[str, str]]) -> None:
    """Refuse (FolderError) an OUT holding anything a several-council run did not write."""
    if not out.exists():
        return
    if not out.is_dir():
        raise FolderError(f"{out} exists and is not a folder")
    ours = {la for la, _ in councils} | {SUMMARY_FILE}
    for entry in sorted(out.iterdir(), key=lambda p: p.name):
        if entry.name not in ours and not entry.name.startswith(f"{SUMMARY_FILE}.tmp"):
            raise FolderError(
                f"{out} holds {entry.name}, which no wholefamily run wrote there; nothing was "
                "replaced (choose a new or empty folder)"
            )
    for la, _ in councils:
        check_replaceable(out / la, OUTPUT_FILES)


def _evidence(con: Any, fw: dict[str, Any], councils: list[tuple[str, str]], as_of: date) -> Any:
    """The evidence of every council's rows, for whichever family their person is in,
    each row with the council it is from (`record_la_code`)."""
    rec, keys = con.table("link_records"), con.table("mpi_keys")
    people = con.table("link_people").select("person_id", "family_id", "role", "dob")
    parts = []
    for la, drop_id in councils:
        mine = rec.filter(rec.la_code == la)
        rows = mine.join(keys, mine.identity_id == keys.key).select("source", "row", "person_id")
        ev = evidence(con, fw, drop_id, as_of, (rows, people))
        parts.append(ev.mutate(record_la_code=ibis.literal(la, "string")))
    return ibis.union(*parts, distinct=False)


def identify_councils(
    workspace: Path,
    framework: str,
    as_of: date,
    out: Path,
    councils: list[tuple[str, str]],
    engine: str = "duckdb",
) -> list[CouncilSummary]:
    """Write OUT/<la>/ for each council and OUT/councils.csv (see the module docstring),
    on DuckDB or Spark (`engine`)."""
    fw = check(framework_file(framework)).data
    check_out(out, councils)
    con, _ = open_linked(workspace, as_of, engine=engine, councils=True)
    cached: list[Any] = []
    try:
        meta = con.table("link_meta").execute().to_dict("records")[0]
        tagged = ",".join(f"{la}={d}" for la, d in councils)
        if meta.get("councils") != tagged:
            raise EngineError(
                f"the last linkage was not of these councils ({tagged}): link them first"
            )
        ev = kept(con, "identify_evidence", _evidence(con, fw, councils, as_of), cached)
        families = kept(
            con, "identify_families", family_table(con, fw, ev, more=("la_code",)), cached
        )
        people = con.table("link_people")
        # Each read once per council: computed once for them all.
        prof = kept(con, "identify_profile", _profile(con, councils, as_of, families), cached)
        across = kept(con, "identify_across", _linked_across(con), cached)
        summaries = []
        for la, drop_id in councils:
            folder = out / la
            mine = families.filter(families.la_code == la)
            run = {
                "framework": str(fw["framework"]),
                "title": str(fw.get("title", "")),
                "as_of": as_of.isoformat(),
                "drop_id": drop_id,
                "la_code": la,
                "councils": tagged,
            }
            fam_t = mine.order_by("family_id").to_pyarrow()
            with staged_folder(folder, run=run, names=OUTPUT_FILES) as staged:
                write_outputs(con, staged, la)
                staged.write_csv(fam_t, "families.csv")
                theirs = ev.semi_join(mine, "family_id")
                order = [*EVIDENCE_ORDER, "record_la_code"]
                staged.write_csv(theirs.order_by(order).to_pyarrow(), "family_needs.csv")
                staged.write_csv(
                    prof.semi_join(mine, "family_id").order_by("family_id").to_pyarrow(),
                    "family_profile.csv",
                )
            who = people.filter(people.la_code == la)
            summaries.append(
                CouncilSummary(
                    la,
                    drop_id,
                    int(who.count().execute()),
                    fam_t.num_rows,
                    sum(1 for e in fam_t.column("eligible").to_pylist() if e == "Y"),
                    int(who.semi_join(across, "person_id").count().execute()),
                    str(folder),
                )
            )
    finally:
        release(cached)
        close(con)
    write_summary(out, summaries)
    return summaries


def _profile(con: Any, councils: list[tuple[str, str]], as_of: date, families: Any) -> Any:
    """family_profile.csv's rows for every family, from every council's records."""
    rows = _evidence(con, PROFILE, councils, as_of).select("family_id", "need").distinct()
    out = families.select("family_id")
    for flag in PROFILE["needs"]:
        has = rows.filter(rows.need == flag).select("family_id").mutate(**{f"_{flag}": True})
        out = out.left_join(has, "family_id").select(
            *out.columns, ibis.ifelse(ibis._[f"_{flag}"].fill_null(False), "Y", "N").name(flag)
        )
    return out


def _linked_across(con: Any) -> Any:
    """person_id of the people whose records come from more than one council."""
    rec, keys = con.table("link_records"), con.table("mpi_keys")
    j = rec.join(keys, rec.identity_id == keys.key)
    n = j.group_by("person_id").aggregate(k=j.la_code.nunique())
    return n.filter(n.k > 1).select("person_id")


def write_summary(out: Path, summaries: list[CouncilSummary]) -> Path:
    """OUT/councils.csv: one row per council, then the total (people linked across
    councils counted in each council they are a person of)."""
    from wholefamily import safecsv

    cols: dict[str, list[Any]] = {c: [] for c in SUMMARY_COLUMNS}
    for s in summaries:
        for c in SUMMARY_COLUMNS:
            cols[c].append(getattr(s, c))
    cols["la_code"].append("total")
    cols["drop_id"].append("")
    for c in SUMMARY_COLUMNS[2:]:
        cols[c].append(sum(getattr(s, c) for s in summaries))
    path = out / SUMMARY_FILE
    tmp = out / f"{SUMMARY_FILE}.tmp-{os.getpid()}"
    safecsv.write_table(pa.table(cols), tmp)
    os.replace(tmp, path)
    return path
