"""The national quarterly return: family-level progress, pseudonymised, and aggregate
tables with small numbers suppressed.

- families.csv: one row per family worked with in the quarter (active in it): a
  keyed hash in place of the family's id, its district, size, status, intensity,
  start and closure months, needs at the start, and its latest outcome result.
- people.csv: its members: keyed hashes of family and person, role, age band at the
  quarter's end. No name, date of birth, address or system id leaves the council.
- aggregates.csv: counts by district, need, intensity and result; a count from 1
  to 4 is shown as "[c]", and where that would let a reader work it out from the
  row's total, the next smallest count of the row is suppressed too.

The family-level files go to the department under the data-sharing agreement; the
aggregates are the part fit to publish. The keyed hash is HMAC-SHA256 with the
council's key, so the same family keeps the
same pseudonym from quarter to quarter, and nobody without the key can test a
guess. The key lives in the workspace (keys/national-return.key, made on first use,
readable by its owner only) or in WHOLEFAMILY_RETURN_KEY; keep it, and keep it
secret.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from collections import Counter
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa

from wholefamily.atomic import staged_folder
from wholefamily.web.claims.models import Line
from wholefamily.web.families.models import Family, Member
from wholefamily.web.progress.models import Baseline, Progress
from wholefamily.web.reporting.periods import Period

SMALL = 5  # counts below this (and above 0) are suppressed
SUPPRESSED = "[c]"
KEY_ENV = "WHOLEFAMILY_RETURN_KEY"
AGE_BANDS = (
    (50, "50+"),
    (25, "25-49"),
    (18, "18-24"),
    (16, "16-17"),
    (11, "11-15"),
    (5, "5-10"),
    (0, "0-4"),
)


class ReturnError(Exception):
    """The return cannot be made (no key, an unwritable folder)."""


def council_key(workspace: Path) -> bytes:
    """The council's key: WHOLEFAMILY_RETURN_KEY, else the workspace's key file (made
    once, owner-only)."""
    if text := os.environ.get(KEY_ENV, "").strip():
        if len(text) < 32:
            raise ReturnError(f"{KEY_ENV} is too short: use at least 32 characters")
        return text.encode()
    path = workspace / "keys" / "national-return.key"
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32) + "\n")
    return path.read_text().strip().encode()


def pseudonym(key: bytes, kind: str, value: str) -> str:
    """A keyed hash: the same id gives the same pseudonym under one key."""
    return hmac.new(key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()[:32]


def age_band(dob: date | None, on: date) -> str:
    if dob is None:
        return "unknown"
    age = on.year - dob.year - ((on.month, on.day) < (dob.month, dob.day))
    return next((label for start, label in AGE_BANDS if age >= start), "unknown")


def suppress(rows: list[list[Any]]) -> list[list[Any]]:
    """Rows of [label, count, ...]: counts 1 to 4 become [c]; where a row has exactly
    one suppressed count (and so could be worked out from the total), the next
    smallest non-zero count is suppressed too."""
    out = []
    for row in rows:
        label, counts = row[0], list(row[1:])
        hidden = [0 < c < SMALL for c in counts]
        if sum(hidden) == 1:
            rest = [(c, i) for i, c in enumerate(counts) if not hidden[i] and c > 0]
            if rest:
                hidden[min(rest)[1]] = True
        out.append([label, *(SUPPRESSED if h else c for c, h in zip(counts, hidden, strict=True))])
    return out


@dataclass
class NationalReturn:
    folder: Path
    families: int
    people: int
    suppressed: int


def _month(d: date | None) -> str:
    return d.strftime("%Y-%m") if d else ""


def national_return(period: Period, workspace: Path, out: Path) -> NationalReturn:
    key = council_key(workspace)
    active = (
        Family.objects.filter(started_on__lte=period.last)
        .exclude(closed_on__lt=period.first)
        .order_by("family_id")
    )
    ids = list(active.values_list("pk", flat=True))
    baselines: dict[int, Baseline] = {}
    for b in Baseline.objects.filter(family_id__in=ids).order_by("family_id", "-version"):
        baselines.setdefault(b.family_id, b)
    latest: dict[int, Progress] = {}
    for p in (
        Progress.objects.filter(family_id__in=ids, at__lte=period.last)
        .order_by("family_id", "-at", "-created_at")
        .only("family_id", "at", "route", "needs")
    ):
        latest.setdefault(p.family_id, p)
    claimed = set(
        Line.objects.filter(
            family_id__in=ids, signed_at__isnull=False, claim__claim_date__lte=period.last
        ).values_list("family_id", flat=True)
    )
    fam_rows = []
    for f in active:
        b, p = baselines.get(f.pk), latest.get(f.pk)
        met = {n["need"]: n["met"] for n in (p.needs if p else [])}
        fam_rows.append(
            {
                "period": period.label,
                "family_ref": pseudonym(key, "family", f.family_id),
                "framework": f.framework,
                "district": f.district,
                "members": f.members,
                "adults": f.adults,
                "children": f.children,
                "status": f.status,
                "intensity": f.intensity,
                "start_month": _month(f.started_on),
                "closed_month": _month(f.closed_on),
                "needs_at_start": b.needs if b else f.needs,
                "needs_met": ";".join(sorted(n for n, ok in met.items() if ok)),
                "measured_at": p.at.isoformat() if p else "",
                "outcome": (p.route or "not yet") if p else "not measured",
                "claimed": "Y" if f.pk in claimed else "N",
            }
        )
    people_rows = [
        {
            "period": period.label,
            "family_ref": pseudonym(key, "family", family_id),
            "person_ref": pseudonym(key, "person", person_id),
            "role": role,
            "age_band": age_band(dob, period.last),
        }
        for family_id, person_id, role, dob in Member.objects.filter(
            family_id__in=ids, current=True
        )
        .order_by("family__family_id", "person__person_id")
        .values_list("family__family_id", "person__person_id", "role", "person__dob")
    ]
    aggregates, hidden = _aggregates(fam_rows)
    # Rows in the order of their pseudonyms (a total key that says nothing of the ids
    # behind them); the folder written whole, with run.json giving each file's SHA-256.
    fam_rows.sort(key=lambda r: r["family_ref"])
    people_rows.sort(key=lambda r: (r["family_ref"], r["person_ref"]))
    try:
        with staged_folder(
            out, run={"return": "national", "period": period.label}, names=FILES
        ) as st:
            st.write_csv(_table(fam_rows, FAMILY_COLUMNS), FILES[0])
            st.write_csv(_table(people_rows, PEOPLE_COLUMNS), FILES[1])
            st.write_csv(_table(aggregates, AGGREGATE_COLUMNS), FILES[2])
    except OSError as exc:
        raise ReturnError(f"cannot write to {out}: {exc.strerror or exc}") from None
    return NationalReturn(out, len(fam_rows), len(people_rows), hidden)


FILES = ("families.csv", "people.csv", "aggregates.csv")
FAMILY_COLUMNS = (
    "period",
    "family_ref",
    "framework",
    "district",
    "members",
    "adults",
    "children",
    "status",
    "intensity",
    "start_month",
    "closed_month",
    "needs_at_start",
    "needs_met",
    "measured_at",
    "outcome",
    "claimed",
)
PEOPLE_COLUMNS = ("period", "family_ref", "person_ref", "role", "age_band")
AGGREGATE_COLUMNS = ("table", "row", "column", "value")


def _table(rows: list[dict[str, Any]], columns: tuple[str, ...]) -> pa.Table:
    return pa.Table.from_pylist(
        [{c: "" if r[c] is None else str(r[c]) for c in columns} for r in rows],
        schema=pa.schema([(c, pa.string()) for c in columns]),
    )


def _aggregates(families: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], int]:
    """Tables by district: families worked with, each intensity, each result; and
    each need at the start. Long format: table, row, column, value."""
    out: list[dict[str, Any]] = []
    hidden = 0

    def add(table: str, columns: list[str], counts: dict[str, Counter[str]]) -> None:
        nonlocal hidden
        rows = [[label, *(c[col] for col in columns)] for label, c in sorted(counts.items())]
        for row in suppress(rows):
            for col, value in zip(columns, row[1:], strict=True):
                hidden += value == SUPPRESSED
                out.append({"table": table, "row": row[0], "column": col, "value": value})

    by: dict[str, dict[str, Counter[str]]] = {"intensity": {}, "outcome": {}, "need": {}}
    for f in families:
        d = f["district"] or "No district"
        by["intensity"].setdefault(d, Counter())[f["intensity"] or "not set"] += 1
        by["outcome"].setdefault(d, Counter())[f["outcome"]] += 1
        for need in filter(None, f["needs_at_start"].split(";")):
            by["need"].setdefault(need, Counter())[
                "met" if need in f["needs_met"].split(";") else "not yet"
            ] += 1
    add(
        "families by district and intensity",
        ["high", "medium", "standard", "not set"],
        by["intensity"],
    )
    add(
        "families by district and outcome",
        ["progress", "employment", "not yet", "not measured"],
        by["outcome"],
    )
    add("needs at the start and whether met", ["met", "not yet"], by["need"])
    return out, hidden
