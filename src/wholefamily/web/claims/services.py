"""Preparing, signing, exporting and sampling claims; evidence packs.

`prepare(period, framework)` measures every family with a baseline at the
period's last day C (`progress.services.movement`), takes those whose
outcomes are met and not yet claimed for that result, and writes each an
evidence pack (HTML, and PDF when WeasyPrint can run): the baseline, the
values now, and the records behind each test at S and at C.

sf-2022 also asks for the case work: the outcome sustained for
`sustain_after_closure_days` (183: half a year, rounded up) after the case
closed, and a lead practitioner, a whole-family assessment and a plan.
"""

from __future__ import annotations

import math
import random
import re
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import IntegrityError
from django.template.loader import render_to_string
from django.utils import timezone

from wholefamily.atomic import staged_folder
from wholefamily.frameworks.engine import linked_people
from wholefamily.outcomes import only
from wholefamily.outcomes.progress import rows_behind
from wholefamily.web.audit.chain import GENESIS, appending, digest
from wholefamily.web.claims import guard
from wholefamily.web.claims.models import Claim, ClaimError, Line
from wholefamily.web.families.models import Family, Person
from wholefamily.web.progress.services import ProgressError, _framework, _open, movement

PERIOD = re.compile(r"(\d{4})Q([1-4])")


def period_end(period: str) -> date:
    m = PERIOD.fullmatch(period)
    if not m:
        raise ClaimError(f"a period is a quarter such as 2025Q1, not {period!r}")
    year, q = int(m.group(1)), int(m.group(2))
    first_of_next = date(year + (q == 4), 1 if q == 4 else 3 * q + 1, 1)
    return first_of_next - timedelta(days=1)


def amount(fw: dict[str, Any], on: date) -> int:
    """The results payment per family for a claim dated `on` (by financial year)."""
    pay = fw.get("payments") or {}
    if "by_year" in pay:
        start = on.year if on.month >= 4 else on.year - 1
        year = pay["by_year"].get(f"{start}/{str(start + 1)[2:]}") or {}
        return int(year.get("results", 0))
    return int(pay.get("results", 0))


def case_work_done(family: Family, fw: dict[str, Any], on: date) -> str:
    """'' when the framework's case-work conditions hold at `on`, else why not."""
    days = fw.get("sustain_after_closure_days")
    if days is None:
        return ""
    if family.closed_on is None:
        return "the case is not closed"
    held = (on - family.closed_on).days
    if held < int(days):
        return f"sustained {held} of {days} days since closure"
    if family.key_worker_id is None:
        return "no lead practitioner"
    if not family.assessments.exists():
        return "no whole-family assessment"
    if not family.actions.exists():
        return "no family plan"
    return ""


def prepare(
    period: str, framework: str, tick: Callable[[str, int, int], None] | None = None
) -> tuple[Claim, list[Line], dict[str, str]]:
    """The claim for a period: (claim, lines added now, families held back and why)."""
    on = period_end(period)
    guard.claimable(period, on, framework)
    fw = _framework(framework)
    progress = [p for p in movement(on, tick) if p.baseline.framework == framework]
    held: dict[str, str] = {}
    claim, _ = Claim.objects.get_or_create(
        period=period, framework=framework, defaults={"claim_date": on}
    )
    signed = set(
        Line.objects.filter(framework=framework, signed_at__isnull=False).values_list(
            "family_id", "result"
        )
    )
    listed = set(claim.lines.values_list("family_id", "result"))
    new: list[Line] = []
    for p in progress:
        if not p.route or p.baseline.start >= on:  # no result before the work started
            continue
        key = (p.family_id, p.route)
        if key in signed:
            held[p.family.family_id] = f"already claimed for the {p.route} result"
            continue
        if why := case_work_done(p.family, fw, on):
            held[p.family.family_id] = why
            continue
        if why := guard.case_on(p.family, on):
            held[p.family.family_id] = f"{why}, by the claim date"
            continue
        if key in listed:
            continue
        new.append(
            Line(
                claim=claim,
                family=p.family,
                framework=framework,
                result=p.route,
                progress=p,
                amount=amount(fw, on),
            )
        )
    Line.objects.bulk_create(new)
    lines = list(
        claim.lines.filter(family_id__in=[x.family_id for x in new]).select_related(
            "family", "progress__baseline"
        )
    )
    # A line whose pack was never written (a prepare killed before its folder was in
    # place) gets it now.
    unpacked = claim.lines.filter(pack="").exclude(pk__in=[x.pk for x in lines])
    write_packs(claim, fw, lines + list(unpacked.select_related("family", "progress__baseline")))
    for line in lines:
        line.refresh_from_db(fields=["pack"])
    return claim, lines, held


def pack_folder(claim: Claim) -> Path:
    return Path(settings.WORKSPACE) / "claims" / f"{claim.period}-{claim.framework}"


def write_packs(claim: Claim, fw: dict[str, Any], lines: list[Line]) -> None:
    """Each line's evidence pack, added to the claim's folder. The folder is written
    whole or not at all (`wholefamily.atomic`: the packs already there and the new
    ones, then run.json with every file's SHA-256); each line records its pack only
    once the folder is in place."""
    if not lines:
        return
    folder = pack_folder(claim)
    con, drop_id = _open(settings.WORKSPACE)
    try:
        who = only(linked_people(con), [x.family.family_id for x in lines])
        starts: dict[date, list[dict[str, Any]]] = {}
        for s in {x.progress.baseline.start for x in lines}:
            starts[s] = rows_behind(con, fw, drop_id, s, who)
        now = rows_behind(con, fw, drop_id, claim.claim_date, who)
    finally:
        con.disconnect()
    _name_people([*now, *(r for rows in starts.values() for r in rows)])
    packs: dict[int, Path] = {}
    run = {"claim": claim.period, "framework": claim.framework}
    with staged_folder(folder, run=run, names=None, keep_existing=True) as staged:
        for line in sorted(lines, key=_line_key):
            fid = line.family.family_id
            html = render_to_string(
                "claims/pack.html",
                {
                    "claim": claim,
                    "line": line,
                    "family": line.family,
                    "baseline": line.progress.baseline,
                    "progress": line.progress,
                    "at_start": [
                        r for r in starts[line.progress.baseline.start] if r["family_id"] == fid
                    ],
                    "now": [r for r in now if r["family_id"] == fid],
                },
            )
            (staged.path / f"{fid}.html").write_text(html, encoding="utf-8")
            staged.wrote(f"{fid}.html")
            pdf = to_pdf(html, staged.path / f"{fid}.pdf")
            if pdf is not None:
                staged.wrote(pdf.name)
            packs[line.pk] = folder / (pdf or staged.path / f"{fid}.html").name
    for pk, path in packs.items():
        Line.objects.filter(pk=pk).update(pack=str(path))


def _name_people(rows: list[dict[str, Any]]) -> None:
    """Each record's person by name (`person`), as the case database knows them."""
    ids = sorted({r["person_id"] for r in rows if r.get("person_id")})
    names: dict[str, str] = {}
    for i in range(0, len(ids), 5000):  # SQLite's limit on a statement's parameters
        for p in Person.objects.filter(person_id__in=ids[i : i + 5000]):
            names[p.person_id] = str(p)
    for r in rows:
        r["person"] = names.get(r.get("person_id") or "", "")


def to_pdf(html: str, path: Path) -> Path | None:
    """The pack as PDF with WeasyPrint; None when WeasyPrint cannot run here."""
    try:
        from weasyprint import HTML
    except (ImportError, OSError):  # the library or its system libraries (Pango) missing
        return None
    HTML(string=html).write_pdf(path)
    return path


def sign(line: Line, by: Any) -> None:
    if line.signed_at is None and (why := guard.unsignable(line)):
        raise ClaimError(f"Family {line.family.family_id} cannot be signed off: {why}")
    if line.signed_at is not None:
        raise ClaimError("this family is already signed off")
    try:
        with appending(Line.CHAIN):  # one signer at a time takes the chain's next place
            fresh = Line.objects.get(pk=line.pk)
            if fresh.signed_at is not None:
                raise ClaimError("this family is already signed off")
            head = (
                Line.objects.filter(seq__isnull=False)
                .order_by("-seq")
                .values_list("seq", "hash")
                .first()
            )
            fresh.seq, fresh.prev_hash = (head[0] + 1, head[1]) if head else (1, GENESIS)
            fresh.signed_by_id, fresh.signed_at = by.pk, timezone.now()
            fresh.hash = digest(Line.CHAIN, fresh.seq, fresh.prev_hash, fresh.content())
            Line.objects.filter(pk=line.pk, signed_at__isnull=True).update(
                signed_by=by,
                signed_at=fresh.signed_at,
                seq=fresh.seq,
                prev_hash=fresh.prev_hash,
                hash=fresh.hash,
            )
    except IntegrityError:
        raise ClaimError(
            f"family {line.family.family_id} is already claimed for the {line.result} result"
        ) from None


def signed_lines(period: str, framework: str) -> list[Line]:
    period_end(period)
    return list(
        Line.objects.filter(
            claim__period=period, claim__framework=framework, signed_at__isnull=False
        ).select_related("family", "progress__baseline", "signed_by", "claim")
    )


CLAIM_FILE_COLUMNS = (
    "period",
    "framework",
    "family_id",
    "result",
    "start",
    "claim_date",
    "amount",
    "signed_by",
    "signed_at",
)


def claim_rows(lines: list[Line]) -> list[dict[str, Any]]:
    """The claim file's rows: one per signed family and result, ordered by family and
    result (the CLI's export and the web's download write the same)."""
    return [
        {
            "period": x.claim.period,
            "framework": x.framework,
            "family_id": x.family.family_id,
            "result": x.result,
            "start": x.progress.baseline.start.isoformat(),
            "claim_date": x.claim.claim_date.isoformat(),
            "amount": x.amount,
            "signed_by": x.signed_by.get_username(),
            "signed_at": x.signed_at.isoformat(timespec="seconds"),
        }
        for x in sorted(lines, key=_line_key)
    ]


def _line_key(line: Line) -> tuple[str, str]:
    """A total order of a claim's lines (a family is claimed once per result)."""
    return (line.family.family_id, line.result)


def sample(period: str, framework: str, seed: int, percent: float) -> list[Line]:
    """A reproducible audit sample: the same seed and lines give the same families."""
    if not 0 < percent <= 100:
        raise ClaimError("--percent must be above 0 and at most 100")
    lines = sorted(signed_lines(period, framework), key=_line_key)
    k = math.ceil(len(lines) * percent / 100)
    return sorted(random.Random(seed).sample(lines, k), key=_line_key)


__all__ = ["ClaimError", "ProgressError", "prepare", "sample", "sign", "signed_lines"]
