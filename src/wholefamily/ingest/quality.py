"""`wholefamily quality`: what is wrong with each source of a drop, and where.

For each source file of the drop (through its manifest): rows read, loaded
and quarantined by rule; the share of loaded rows missing each person
field; postcodes valid and found in the gazetteer; addresses resolved to a
UPRN; the range of event dates; the coverage period. Written as
`reports/<drop>/quality.csv` and `quality.html`, with one
`reports/<drop>/quarantine/<source>.csv` per source that has quarantined
rows: the agency's own columns and row numbers, and the reasons, ready to
send back.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import ibis
import pyarrow as pa

from wholefamily import safecsv
from wholefamily import warehouse as W
from wholefamily.ingest import rules as R
from wholefamily.ingest.load import ADDRESS_COLUMNS, latest_drop
from wholefamily.sources.schema import PERSON_COLUMNS, SOURCES

PERSON_FIELDS = tuple(c for c in PERSON_COLUMNS if c != "address_line2")


class QualityError(Exception):
    """No such drop, or nothing loaded yet."""


@dataclass
class SourceQuality:
    source: str
    file_name: str
    status: str
    message: str
    rows_read: int
    rows_loaded: int
    rows_quarantined: int
    by_rule: dict[str, int] = field(default_factory=dict)
    missing: dict[str, float | None] = field(default_factory=dict)
    postcode_valid: float | None = None
    postcode_in_gazetteer: float | None = None
    uprn_resolved: float | None = None
    first_date: date | None = None
    last_date: date | None = None
    coverage_start: date | None = None
    coverage_end: date | None = None
    coverage_from: str | None = None
    quarantine_csv: str | None = None


@dataclass
class QualityReport:
    drop_id: str
    sources: list[SourceQuality]
    other_files: list[tuple[str, str, str]]
    csv_path: str = ""
    html_path: str = ""


def _share(part: Any, whole: Any) -> float | None:
    whole = int(whole or 0)
    return None if whole == 0 else round(100.0 * int(part or 0) / whole, 1)


def quality(workspace: Path, drop_id: str | None = None) -> QualityReport:
    try:
        con = W.connect(workspace, read_only=True)
    except W.WarehouseError as exc:
        raise QualityError(str(exc)) from None
    try:
        drop_id = drop_id or latest_drop(con)
        if drop_id is None:
            raise QualityError("nothing has been loaded into this workspace yet")
        m = con.table("drop_manifest")
        manifest = m.filter(m.drop_id == drop_id).execute()
        if manifest.empty:
            known = con.table("drops").drop_id.execute().tolist()
            raise QualityError(
                f"no drop {drop_id!r} in this workspace; loaded drops: {', '.join(known)}"
            )
        files = con.table("load_files").execute().set_index("file_id")
        report = QualityReport(drop_id, [], [])
        out_dir = workspace / "reports" / drop_id
        for rec in manifest.sort_values("file_name").to_dict("records"):
            source, fid = rec["source"], rec["file_id"]
            if not source or not isinstance(fid, str) or fid not in files.index:
                report.other_files.append((rec["file_name"], rec["status"], rec["message"] or ""))
                continue
            f = files.loc[fid]
            q = SourceQuality(
                source=source,
                file_name=rec["file_name"],
                status=rec["status"],
                message=rec["message"] or "",
                rows_read=int(f["rows_read"]),
                rows_loaded=int(f["rows_loaded"]),
                rows_quarantined=int(f["rows_quarantined"]),
                coverage_start=W.as_date(rec["coverage_start"]),
                coverage_end=W.as_date(rec["coverage_end"]),
                coverage_from=rec["coverage_from"]
                if isinstance(rec["coverage_from"], str)
                else None,
            )
            _measure(con, q, fid)
            if q.rows_quarantined:
                q.quarantine_csv = str(_quarantine_csv(con, source, fid, out_dir))
            report.sources.append(q)
        order = list(SOURCES)
        report.sources.sort(key=lambda s: order.index(s.source))
    finally:
        con.disconnect()
    report.csv_path = str(_write_csv(report, out_dir / "quality.csv"))
    report.html_path = str(_write_html(report, out_dir / "quality.html"))
    return report


def _measure(con: Any, q: SourceQuality, fid: str) -> None:
    reasons = con.table("quarantine_reasons")
    r = reasons.filter(reasons.file_id == fid)
    by_rule = r.group_by("rule").aggregate(n=r.row.nunique()).execute()
    q.by_rule = {str(k): int(v) for k, v in zip(by_rule["rule"], by_rule["n"], strict=True)}
    name = f"src_{q.source}"
    if not q.rows_loaded or not W.has_table(con, name):
        return
    t = con.table(name)
    t = t.filter(t.file_id == fid)
    s = SOURCES[q.source]
    aggs: dict[str, Any] = {"n": t.count()}
    for col in PERSON_FIELDS:
        # school_contacts names its person fields contact_forename, contact_postcode...
        actual = col if col in s.columns else f"contact_{col}"
        if actual in s.columns:
            raw = t[f"raw_{actual}"]
            aggs[f"miss_{col}"] = (raw.isnull() | (raw.strip() == "")).sum()
    if q.source in ADDRESS_COLUMNS:
        _, pc, _, _ = ADDRESS_COLUMNS[q.source]
        aggs["pc_given"] = t[pc].notnull().sum()
        aggs["pc_valid"] = t[f"{pc}_valid"].sum()
        aggs["resolved"] = (t.address_method.isin(["uprn", "exact", "fuzzy", "no_postcode"])).sum()
        if W.has_table(con, "src_gazetteer"):
            g = con.table("src_gazetteer").select(gpc=ibis._.postcode).distinct()
            hit = t.filter(t[f"{pc}_valid"]).semi_join(g, t[pc] == g.gpc)
            aggs_in = int(hit.count().execute())
        else:
            aggs_in = 0
    dates = R.event_dates(q.source)
    if dates:
        aggs["first"] = (
            ibis.least(*[t[c] for c in dates]).min() if len(dates) > 1 else t[dates[0]].min()
        )
        aggs["last"] = (
            ibis.greatest(*[t[c] for c in dates]).max() if len(dates) > 1 else t[dates[0]].max()
        )
    res = t.aggregate(**aggs).execute().to_dict("records")[0]
    n = int(res["n"])
    for col in PERSON_FIELDS:
        if f"miss_{col}" in res:
            q.missing[col] = _share(res[f"miss_{col}"], n)
    if q.source in ADDRESS_COLUMNS:
        q.postcode_valid = _share(res["pc_valid"], res["pc_given"])
        q.postcode_in_gazetteer = _share(aggs_in, res["pc_valid"])
        q.uprn_resolved = _share(res["resolved"], n)
    if dates:
        q.first_date, q.last_date = W.as_date(res["first"]), W.as_date(res["last"])


def _quarantine_csv(con: Any, source: str, fid: str, out_dir: Path) -> Path:
    """The agency's rows as they sent them, with row numbers and reasons."""
    spec = SOURCES[source].columns
    qt = con.table(f"quarantine_{source}")
    qt = qt.filter(qt.file_id == fid)
    reasons = con.table("quarantine_reasons")
    r = reasons.filter(reasons.file_id == fid)
    text = ibis.ifelse(
        r.column.isnull(),
        r.message,
        r.column.concat(
            ": ",
            r.message,
            ibis.ifelse(
                r.value.isnull(), "", ibis.literal(" (").concat(r.value.substr(0, 60), ")")
            ),
        ),
    )
    per_row = (
        r.mutate(text=text)
        .group_by("row")
        .aggregate(reasons=ibis._.text.group_concat(" | "), rules=ibis._.rule.collect().unique())
    )
    joined = qt.left_join(per_row, "row")
    out = joined.select(
        row=joined.row,
        reasons=joined.reasons,
        **{c: joined[f"raw_{c}"] for c in spec},
        whole_row=joined.raw_line,
    ).order_by("row")
    table: pa.Table = out.to_pyarrow()
    path = out_dir / "quarantine" / f"{source}.csv"
    safecsv.write_table(table, path)
    return path


def _pct(v: float | None) -> str:
    return "" if v is None else f"{v:.1f}"


def rows_for_table(report: QualityReport) -> tuple[list[str], list[list[str]]]:
    """Header and rows of the summary (the CSV, the HTML and the terminal table)."""
    person = [f"missing {c} %" for c in PERSON_FIELDS]
    header = [
        "source",
        "file",
        "status",
        "rows read",
        "loaded",
        "quarantined",
        "quarantined by rule",
        *person,
        "postcode valid %",
        "postcode in gazetteer %",
        "UPRN resolved %",
        "first date",
        "last date",
        "coverage start",
        "coverage end",
        "coverage from",
        "message",
    ]
    rows = []
    for q in report.sources:
        rows.append(
            [
                q.source,
                q.file_name,
                q.status,
                str(q.rows_read),
                str(q.rows_loaded),
                str(q.rows_quarantined),
                "; ".join(f"{k} {v}" for k, v in sorted(q.by_rule.items())),
                *[_pct(q.missing.get(c)) for c in PERSON_FIELDS],
                _pct(q.postcode_valid),
                _pct(q.postcode_in_gazetteer),
                _pct(q.uprn_resolved),
                str(q.first_date or ""),
                str(q.last_date or ""),
                str(q.coverage_start or ""),
                str(q.coverage_end or ""),
                q.coverage_from or "",
                q.message,
            ]
        )
    return header, rows


def _write_csv(report: QualityReport, path: Path) -> Path:
    header, rows = rows_for_table(report)
    cols = list(zip(*rows, strict=True)) if rows else [() for _ in header]
    table = pa.table({h: pa.array(list(c), pa.string()) for h, c in zip(header, cols, strict=True)})
    safecsv.write_table(table, path)
    return path


def _write_html(report: QualityReport, path: Path) -> Path:
    header, rows = rows_for_table(report)
    e = html.escape
    head = "".join(f"<th scope='col'>{e(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{e(v)}</td>" for v in r) + "</tr>" for r in rows)
    others = "".join(
        f"<li>{e(name)}: {e(status)} {e(msg)}</li>" for name, status, msg in report.other_files
    )
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Data quality: drop {e(report.drop_id)}</title>
<style>
body {{ font-family: Arial, sans-serif; margin: 2em; color: #0b0c0c; }}
table {{ border-collapse: collapse; font-size: 14px; }}
th, td {{ border-bottom: 1px solid #b1b4b6; padding: 4px 8px; text-align: left; }}
th {{ background: #f3f2f1; }}
</style></head><body>
<h1>Data quality: drop {e(report.drop_id)}</h1>
<p>Percentages of missing fields are of the loaded rows. Quarantined rows are listed, with
their reasons, in quarantine/&lt;source&gt;.csv beside this page.</p>
<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>
<h2>Other files in the drop</h2><ul>{others or "<li>none</li>"}</ul>
</body></html>
"""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page, encoding="utf-8")
    return path
