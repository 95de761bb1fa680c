"""`wholefamily identify`: the identification run of `shared/spec/outputs.md`.

Writes person_records.csv and people.csv (from the linkage), families.csv
(every family at T: address, district, members, needs met, eligible),
family_needs.csv (every piece of evidence), family_profile.csv and run.json
(the run, and each file's SHA-256), and returns a summary. The folder is
written whole or not at all (`wholefamily.atomic`), every file in the order
of a total key.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import ibis

from wholefamily import warehouse as W
from wholefamily.atomic import check_replaceable, staged_folder
from wholefamily.frameworks.engine import EngineError, eligible, evidence
from wholefamily.frameworks.files import FrameworkError, check, shipped
from wholefamily.linkage.link import OUTPUT_FILES as LINK_FILES
from wholefamily.linkage.link import write_outputs


@dataclass
class IdentifySummary:
    framework: str
    as_of: date
    families: int
    eligible: int
    by_count: dict[int, int] = field(default_factory=dict)
    by_need: dict[str, int] = field(default_factory=dict)
    by_district: dict[str, int] = field(default_factory=dict)
    out: str = ""


def framework_file(name_or_path: str) -> Path:
    path = Path(name_or_path)
    if path.suffix in (".yaml", ".yml") or path.exists():
        return path
    known = shipped()
    if name_or_path not in known:
        raise FrameworkError(
            [f"no framework {name_or_path!r}: one of {', '.join(known)}, or a YAML file"]
        )
    return known[name_or_path]


def linked_as_of(con: Any) -> date:
    """The as-of date of the workspace's last linkage."""
    when = W.as_date(con.table("link_meta").execute().to_dict("records")[0]["as_of"])
    if when is None:
        raise EngineError("the last linkage has no as-of date: run `wholefamily link` again")
    return when


def open_linked(
    workspace: Path,
    as_of: date | None,
    drop_id: str | None = None,
    engine: str = "duckdb",
    councils: bool = False,
) -> tuple[Any, str]:
    """A read-only connection to a workspace whose last linkage was made at `as_of`
    (households and roles are taken then; None: whenever it was), and the linked
    drop's id. On Spark, the connection reads the workspace's Parquet copy
    (`wholefamily.spark_warehouse`), brought up to date with the DuckDB file first.
    A linkage of several councils is refused unless `councils` says so."""
    if not W.warehouse_path(workspace).exists():
        raise EngineError(f"no warehouse in {workspace}: run `wholefamily load` first")
    if engine == "spark":
        from wholefamily import spark_warehouse

        con: Any = spark_warehouse.connect(workspace)
    else:
        con = W.connect(workspace, read_only=True)
    try:
        if "link_meta" not in con.list_tables():
            raise EngineError("no linkage in this workspace yet: run `wholefamily link` first")
        meta = con.table("link_meta").execute().to_dict("records")[0]
        if meta.get("councils") and not councils:
            raise EngineError(
                f"the last linkage was of several councils ({meta['councils']}): identify "
                "them together with `wholefamily run --council LA=DROP ...`"
            )
        if drop_id and drop_id != meta["drop_id"]:
            raise EngineError(f"the last linkage was of drop {meta['drop_id']!r}, not {drop_id!r}")
        linked_at = W.as_date(meta["as_of"])
        if as_of is not None and linked_at != as_of:
            raise EngineError(
                f"the drop was linked as of {linked_at}; households and roles are taken at "
                f"the as-of date, so run `wholefamily link --as-of {as_of}` first"
            )
        return con, str(meta["drop_id"])
    except BaseException:
        close(con)
        raise


def close(con: Any) -> None:
    """Close a connection `open_linked` gave. Spark's session is left running: it is the
    process's own (or spark-submit's), and ends with it."""
    if con.name != "pyspark":
        con.disconnect()


def kept(con: Any, name: str, expr: Any, cached: list[Any]) -> Any:
    """`expr` computed once for the run: a temporary table on DuckDB, cached on Spark
    (Ibis's PySpark backend has no temporary tables), noted in `cached` for `release`."""
    if con.name != "pyspark":
        return con.create_table(name, expr, temp=True, overwrite=True)
    table = expr.cache()
    cached.append(table)
    return table


def release(cached: list[Any]) -> None:
    """Let go of what `kept` cached on Spark: the session outlives the run (a test's,
    spark-submit's)."""
    for table in cached:
        table.release()


# Circumstances reported about the cohort (not needs): each an indicator read like the
# frameworks' own, over the 12 months before T.
CHILDRENS_SERVICES = "childrens_services"
CHILDRENS_SERVICES_MONTHS = 24
PROFILE: dict[str, Any] = {
    "needs": {
        "council_tenant": {
            "any_of": [
                {
                    "indicator": "named on a council tenancy (a housing event with a tenancy)",
                    "source": "housing",
                    "who": "member",
                    "where": {"tenancy_ref": {"not_in": []}},
                    "when": {"window": "last_months", "months": 12, "column": "event_date"},
                }
            ]
        },
        "known_to_social_care": {
            "any_of": [
                {
                    "indicator": "a children's social care episode open or started",
                    "source": "social_care",
                    "who": "member",
                    "when": {
                        "window": "open_or_started",
                        "months": 12,
                        "start": "start_date",
                        "end": "end_date",
                    },
                }
            ]
        },
        "domestic_abuse": {
            "any_of": [
                {
                    "indicator": "in a domestic abuse incident",
                    "source": "domestic_abuse",
                    "who": "member",
                    "when": {"window": "last_months", "months": 12, "column": "incident_date"},
                }
            ]
        },
        # Not for the cohort's profile: which families children's services worked with
        # (`web sync` brings them into the case plane, eligible or not, for Family Help
        # and child protection). Two years back, so that the statutory return's last
        # whole collection year (1 April to 31 March) before T is always inside.
        CHILDRENS_SERVICES: {
            "any_of": [
                {
                    "indicator": "a child's early help, child in need, child protection or "
                    f"looked-after episode in the {CHILDRENS_SERVICES_MONTHS} months before T",
                    "source": "social_care",
                    "who": "member",
                    "where": {"episode": {"in": ["EARLY_HELP", "CIN", "CP", "CLA"]}},
                    "when": {
                        "window": "overlaps",
                        "months": CHILDRENS_SERVICES_MONTHS,
                        "start": "start_date",
                        "end": "end_date",
                    },
                }
            ]
        },
    }
}


def profile(con: Any, drop_id: str, as_of: date, families: Any) -> Any:
    """family_profile.csv: per family, Y or N for each circumstance in PROFILE."""
    rows = evidence(con, PROFILE, drop_id, as_of).select("family_id", "need").distinct()
    out = families
    for flag in PROFILE["needs"]:
        has = rows.filter(rows.need == flag).select("family_id").mutate(**{f"_{flag}": True})
        out = out.left_join(has, "family_id").select(
            *out.columns, ibis.ifelse(ibis._[f"_{flag}"].fill_null(False), "Y", "N").name(flag)
        )
    return out.order_by("family_id")


OUTPUT_FILES = (*LINK_FILES, "families.csv", "family_needs.csv", "family_profile.csv")
# family_needs.csv's order: every column, so that the order is total and identical runs
# write identical bytes (a record can show one need under two indicators).
EVIDENCE_ORDER = ("family_id", "need", "person_id", "source", "row", "date", "indicator")


def family_table(con: Any, fw: dict[str, Any], ev: Any, more: tuple[str, ...] = ()) -> Any:
    """`families.csv`'s rows: each family of `link_people` with its members, the needs
    its evidence `ev` shows and whether they make it eligible under `fw`; `more` names
    columns of `link_people` carried as they are (one value per family)."""
    needs = ev.select("family_id", "need").distinct()
    ok = eligible(fw, needs).mutate(ok=ibis.literal(True))
    people = con.table("link_people")
    fam = people.filter(people.family_id.notnull())
    families = fam.group_by("family_id").aggregate(
        uprn=fam.uprn.min(),
        members=fam.count(),
        adults=(fam.role == "ADULT").cast("int64").sum(),
        children=(fam.role == "CHILD").cast("int64").sum(),
        **{c: fam[c].min() for c in more},
    )
    # Collected, then sorted (Spark orders no aggregation's input).
    listed = needs.group_by("family_id").aggregate(needs=needs.need.collect().sort().join(";"))
    families = families.left_join(listed, "family_id").left_join(ok, "family_id")
    district = _districts(con)
    families = families.left_join(district, families.uprn == district.g_uprn)
    return families.select(
        family_id=families.family_id,
        uprn=families.uprn,
        district=families.district,
        members=families.members,
        adults=families.adults,
        children=families.children,
        needs=families.needs.fill_null(""),
        eligible=ibis.ifelse(families.ok.fill_null(False), "Y", "N"),
        **{c: families[c] for c in more},
    )


def identify(
    workspace: Path,
    framework: str,
    as_of: date,
    out: Path,
    drop_id: str | None = None,
    engine: str = "duckdb",
) -> IdentifySummary:
    fw = check(framework_file(framework)).data
    check_replaceable(out, OUTPUT_FILES)  # before the work, not after it
    con, drop_id = open_linked(workspace, as_of, drop_id, engine)
    cached: list[Any] = []
    try:
        ev = kept(con, "identify_evidence", evidence(con, fw, drop_id, as_of), cached)
        families = family_table(con, fw, ev).order_by("family_id")
        fam_t = families.to_pyarrow()
        # Not in the contract's files: what the run was, and each file's SHA-256, for
        # whoever reads the folder (`web sync` refuses a folder whose files do not match).
        run = {
            "framework": str(fw["framework"]),
            "title": str(fw.get("title", "")),
            "as_of": as_of.isoformat(),
            "drop_id": drop_id,
        }
        with staged_folder(out, run=run, names=OUTPUT_FILES) as staged:
            write_outputs(con, staged)
            staged.write_csv(fam_t, "families.csv")
            order = [*EVIDENCE_ORDER, *(c for c in ev.columns if c not in EVIDENCE_ORDER)]
            staged.write_csv(ev.order_by(order).to_pyarrow(), "family_needs.csv")
            staged.write_csv(
                profile(con, drop_id, as_of, families.select("family_id")).to_pyarrow(),
                "family_profile.csv",
            )
    finally:
        release(cached)
        close(con)
    rows = fam_t.to_pylist()
    summary = IdentifySummary(str(fw["framework"]), as_of, len(rows), 0, out=str(out))
    for r in rows:
        k = len(r["needs"].split(";")) if r["needs"] else 0
        summary.by_count[k] = summary.by_count.get(k, 0) + 1
        if r["eligible"] == "Y":
            summary.eligible += 1
            d = r["district"] or "unknown"
            summary.by_district[d] = summary.by_district.get(d, 0) + 1
            for need in r["needs"].split(";"):
                summary.by_need[need] = summary.by_need.get(need, 0) + 1
    return summary


def _districts(con: Any) -> Any:
    if "src_gazetteer" not in con.list_tables():
        return ibis.memtable(
            {"g_uprn": [], "district": []}, schema={"g_uprn": "string", "district": "string"}
        )
    g = con.table("src_gazetteer")
    return g.group_by(g_uprn=g.uprn).aggregate(district=g.district.max())
