"""Identification results into the case database, idempotently.

`sync(folder)` reads the four files of an identification run (and its
run.json) and brings the case database up to date. It first checks every file
run.json lists against its SHA-256 and refuses the folder, writing nothing,
when a file is missing, changed, or from another run, or when run.json has no
checksums; the files are read through the handles it checked:

- every eligible family is there, once (upsert on family_id); a family
  already in the case database is updated whether or not it is still
  eligible, so its case work is never lost;
- so is every family children's services worked with (family_profile.csv's
  `childrens_services`: a child's early help, child in need, child protection or
  looked-after episode in the two years before T), eligible or not: Family Help
  and child protection are held for every such family, and the statutory return
  counts their children. One that does not meet the criteria comes in "Not
  eligible" and not identified (no `identified_on`); a later run in which it meets
  them identifies it then;
- the run's people by district and date of birth (`ChildPopulation`), so that the
  child population of the county and of each district can be counted on a day;
- needs keep their history (first seen, last seen, current or not);
- evidence is the latest run's, replaced family by family;
- when a family's eligibility or needs change, or it is no longer in the
  data, a FamilyChange says so in words, shown on the family page.

Each family's name and children (`Family.name`, `Family.kids`, see `naming`) are
written with it, from the run's people.

Running the same folder twice changes nothing the second time. The case
side of a family (status, key worker, consent, ...) is never written here.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import IO, TypeVar

from dateutil.relativedelta import relativedelta
from django.db import transaction

from wholefamily.atomic import FolderError, verified
from wholefamily.frameworks.identify import CHILDRENS_SERVICES
from wholefamily.web.families.labels import Named, kids_of, name_of
from wholefamily.web.families.models import (
    NOMINATED_PERSON,
    POPULATION_YEARS,
    ChildPopulation,
    Evidence,
    Family,
    FamilyChange,
    Member,
    Need,
    Origin,
    Person,
    Status,
    SyncRun,
)

FILES = ("families.csv", "people.csv", "family_needs.csv")
Districts = tuple[dict[str, str], dict[str, str]]  # family_id -> district, uprn -> district
BATCH = 5000
T = TypeVar("T")


class SyncError(Exception):
    """The folder is not an identification run, or is older than the last one synced."""


@dataclass
class SyncResult:
    framework: str
    as_of: date
    families: int
    created: int
    changed: int
    evidence: int
    childrens_services: int = 0  # of the families, those not eligible, there for Family Help
    children: int = 0  # people under 18 at the as-of date


def _chunks(values: Iterable[T], size: int = 10_000) -> Iterator[list[T]]:
    """Long IN lists in pieces (SQLite allows 32,766 parameters a statement)."""
    items = list(values)
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _rows(f: IO[bytes]) -> Iterator[dict[str, str]]:
    """The rows of a CSV file opened (and checked) by `verified`."""
    f.seek(0)
    text = io.TextIOWrapper(f, encoding="utf-8", newline="")
    try:
        yield from csv.DictReader(text)
    finally:
        text.detach()  # the handle stays open for its owner


def _date(text: str) -> date | None:
    return date.fromisoformat(text) if text else None


def _needs(text: str) -> set[str]:
    return {n for n in text.split(";") if n}


def _describe(framework: str, as_of: date, was: tuple[bool, str], now: tuple[bool, str]) -> str:
    before, after = _needs(was[1]), _needs(now[1])
    parts = [f"At {as_of:%d %B %Y} under {framework}:"]
    if was[0] != now[0]:
        parts.append("now meets the criteria" if now[0] else "no longer meets the criteria")
    parts.append("needs " + (", ".join(sorted(after)) if after else "none"))
    if gained := after - before:
        parts.append("(new: " + ", ".join(sorted(gained)) + ")")
    if lost := before - after:
        parts.append("(no longer shown: " + ", ".join(sorted(lost)) + ")")
    return " ".join(parts)[:500]


PROFILE_FLAGS = ("council_tenant", "known_to_social_care", "domestic_abuse")


def _profile(files: dict[str, IO[bytes]]) -> tuple[dict[str, dict[str, bool]], set[str]]:
    """family_id -> its circumstances, and the families children's services worked with
    (family_profile.csv; a run written before the file, or the column, existed has
    none: every flag False)."""
    f = files.get("family_profile.csv")
    if f is None:
        return {}, set()
    flags, services = {}, set()
    for r in _rows(f):
        flags[r["family_id"]] = {k: r.get(k) == "Y" for k in PROFILE_FLAGS}
        if r.get(CHILDRENS_SERVICES) == "Y":
            services.add(r["family_id"])
    return flags, services


@contextmanager
def read_run(folder: Path) -> Iterator[tuple[dict[str, str], dict[str, IO[bytes]]]]:
    """run.json and the files of an identification run, each checked against the
    SHA-256 run.json gives it (so a folder mixing two runs, or changed since, is
    refused) and read through the handles that were checked."""
    if not folder.is_dir():
        raise SyncError(f"{folder} is not a folder")
    missing = [f for f in (*FILES, "run.json") if not (folder / f).is_file()]
    if missing:
        raise SyncError(
            f"{folder} is not an identification run: it lacks {', '.join(missing)} "
            "(write one with `wholefamily identify ... --out DIR`)"
        )
    try:
        with verified(folder, FILES, optional=("family_profile.csv",)) as (meta, files):
            try:
                date.fromisoformat(meta["as_of"])
                str(meta["framework"])
            except (ValueError, KeyError, TypeError) as exc:
                raise SyncError(f"{folder / 'run.json'} is not readable: {exc}") from None
            yield {k: str(v) for k, v in meta.items()}, files
    except FolderError as exc:
        raise SyncError(f"refused: {exc}; nothing was synced") from None


def read_meta(folder: Path) -> dict[str, str]:
    """run.json of a checked identification run."""
    with read_run(folder) as (meta, _):
        return meta


def sync(folder: Path, tick: Callable[[str, int, int], None] | None = None) -> SyncResult:
    with read_run(folder) as (meta, files):
        return _sync(folder, meta, files, tick)


def _sync(
    folder: Path,
    meta: dict[str, str],
    files: dict[str, IO[bytes]],
    tick: Callable[[str, int, int], None] | None,
) -> SyncResult:
    framework, as_of = meta["framework"], date.fromisoformat(meta["as_of"])
    last = SyncRun.objects.filter(framework=framework).order_by("-as_of").first()
    if last is not None and last.as_of > as_of:
        raise SyncError(
            f"this run is as of {as_of}, older than the {framework} run as of {last.as_of} "
            "already synced"
        )
    step = tick or (lambda msg, done, total: None)
    step("reading families", 0, 5)
    known = dict(Family.objects.filter(origin=Origin.DATA).values_list("family_id", "id"))
    flags, services = _profile(files)
    rows: dict[str, dict[str, str]] = {}
    districts: Districts = ({}, {})  # every family's district, and every family address's
    for r in _rows(files["families.csv"]):
        fid = r["family_id"]
        districts[0][fid] = districts[1][r["uprn"]] = r["district"]
        if r["eligible"] == "Y" or fid in known or fid in services:
            rows[fid] = r
    with transaction.atomic():
        run = SyncRun.objects.create(
            folder=str(folder), framework=framework, as_of=as_of, drop_id=meta.get("drop_id", "")
        )
        before = {
            f: (e, n, i)
            for f, e, n, i in Family.objects.filter(origin=Origin.DATA).values_list(
                "family_id", "eligible", "needs", "in_latest_run"
            )
        }
        step("families", 1, 5)
        people, population = _people(files, rows, districts, as_of)
        ChildPopulation.objects.bulk_create(
            [
                ChildPopulation(run=run, district=d, born_on=born, people=n)
                for (d, born), n in sorted(population.items())
            ],
            batch_size=BATCH,
        )
        named: dict[str, list[Named]] = {}
        for p in people:
            named.setdefault(p["family_id"], []).append(
                (p["forename"], p["surname"], _date(p["dob"]), p["role"])
            )
        fields = [
            *PROFILE_FLAGS,
            "uprn",
            "district",
            "members",
            "adults",
            "children",
            "needs",
            "eligible",
            "framework",
            "as_of",
            "in_latest_run",
            "name",
            "kids",
        ]
        Family.objects.bulk_create(
            [
                Family(
                    family_id=fid,
                    origin=Origin.DATA,
                    uprn=r["uprn"],
                    district=r["district"],
                    members=int(r["members"]),
                    adults=int(r["adults"]),
                    children=int(r["children"]),
                    needs=r["needs"],
                    eligible=r["eligible"] == "Y",
                    framework=framework,
                    as_of=as_of,
                    # Both kept on later syncs (not in update_fields); a family here only
                    # for children's services is not identified (see below).
                    identified_on=as_of if r["eligible"] == "Y" else None,
                    status=Status.IDENTIFIED if r["eligible"] == "Y" else Status.NOT_ELIGIBLE,
                    in_latest_run=True,
                    name=name_of(named.get(fid, [])),
                    kids=kids_of(named.get(fid, [])),
                    **flags.get(fid, dict.fromkeys(PROFILE_FLAGS, False)),
                )
                for fid, r in rows.items()
            ],
            batch_size=BATCH,
            update_conflicts=True,
            unique_fields=["family_id"],
            update_fields=fields,
        )
        # A family first here for children's services that now meets the criteria is
        # identified now (no one has checked it: a check leaves identified_on set).
        newly = [fid for fid, r in rows.items() if r["eligible"] == "Y"]
        for part in _chunks(newly):
            waiting = Family.objects.filter(
                origin=Origin.DATA, family_id__in=part, identified_on__isnull=True
            )
            waiting.filter(status=Status.NOT_ELIGIBLE).update(status=Status.IDENTIFIED)
            waiting.update(identified_on=as_of)
        gone = set(known) - set(rows)
        for part in _chunks(gone):
            Family.objects.filter(family_id__in=part, in_latest_run=True).update(
                in_latest_run=False, eligible=False
            )
        ids = {
            f: pk
            for f, pk in Family.objects.filter(origin=Origin.DATA).values_list("family_id", "id")
            if f in rows
        }
        changes = []
        for fid, r in rows.items():
            now = (r["eligible"] == "Y", r["needs"])
            was = before.get(fid)
            if was is not None and (was[0], was[1], was[2]) != (*now, True):
                changes.append(
                    FamilyChange(
                        family_id=ids[fid],
                        run=run,
                        summary=_describe(framework, as_of, was[:2], now),
                    )
                )
        for fid in gone:
            if before[fid][2]:
                changes.append(
                    FamilyChange(
                        family_id=known[fid],
                        run=run,
                        summary=(
                            f"At {as_of:%d %B %Y} under {framework}: not in the data as a family "
                            "(its members no longer live together with a dependent child, or "
                            "were not in this drop); the case is kept"
                        )[:500],
                    )
                )
        FamilyChange.objects.bulk_create(changes, batch_size=BATCH)

        step("needs", 2, 5)
        current = {(fid, n) for fid, r in rows.items() for n in _needs(r["needs"])}
        existing = {
            (f, n): pk
            for pk, f, n in Need.objects.filter(family__origin=Origin.DATA).values_list(
                "id", "family__family_id", "need"
            )
            if f in rows
        }
        for part in _chunks(pk for k, pk in existing.items() if k not in current):
            Need.objects.filter(id__in=part).update(current=False)
        for part in _chunks(pk for k, pk in existing.items() if k in current):
            Need.objects.filter(id__in=part).update(current=True, last_seen=as_of)
        Need.objects.bulk_create(
            [
                Need(family_id=ids[f], need=n, first_seen=as_of, last_seen=as_of)
                for f, n in sorted(current - set(existing))
            ],
            batch_size=BATCH,
        )

        step("people", 3, 5)
        Person.objects.bulk_create(
            [
                Person(
                    person_id=p["person_id"],
                    forename=p["forename"],
                    surname=p["surname"],
                    dob=_date(p["dob"]),
                    sex=p["sex"],
                )
                for p in people
            ],
            batch_size=BATCH,
            update_conflicts=True,
            unique_fields=["person_id"],
            update_fields=["forename", "surname", "dob", "sex"],
        )
        wanted = {p["person_id"] for p in people}
        pids = {p: pk for p, pk in Person.objects.values_list("person_id", "id") if p in wanted}
        for part in _chunks(ids.values()):
            Member.objects.filter(family_id__in=part).exclude(
                person__person_id__startswith=NOMINATED_PERSON
            ).update(current=False)
        Member.objects.bulk_create(
            [
                Member(
                    family_id=ids[p["family_id"]],
                    person_id=pids[p["person_id"]],
                    role=p["role"],
                    current=True,
                )
                for p in people
            ],
            batch_size=BATCH,
            update_conflicts=True,
            unique_fields=["family", "person"],
            update_fields=["role", "current"],
        )

        step("evidence", 4, 5)
        for part in _chunks(ids.values()):
            Evidence.objects.filter(family_id__in=part).delete()
        evidence = [
            Evidence(
                family_id=ids[e["family_id"]],
                need=e["need"],
                person_id=pids.get(e["person_id"]),
                source=e["source"],
                row=int(e["row"]),
                date=_date(e["date"]),
                indicator=e["indicator"],
            )
            for e in _rows(files["family_needs.csv"])
            if e["family_id"] in ids
        ]
        Evidence.objects.bulk_create(evidence, batch_size=BATCH)
        created = len(set(rows) - set(known))
        run.families, run.created, run.changed = len(rows), created, len(changes)
        run.save(update_fields=["families", "created", "changed"])
    step("done", 5, 5)
    return SyncResult(
        framework,
        as_of,
        len(rows),
        created,
        len(changes),
        len(evidence),
        childrens_services=sum(
            1 for fid in services if fid in rows and rows[fid]["eligible"] != "Y"
        ),
        children=sum(n for (_, born), n in population.items() if born > _years_before(as_of, 18)),
    )


def _years_before(d: date, years: int) -> date:
    return d - relativedelta(years=years)


def _people(
    files: dict[str, IO[bytes]],
    rows: dict[str, dict[str, str]],
    districts: Districts,
    as_of: date,
) -> tuple[list[dict[str, str]], Counter[tuple[str, date]]]:
    """The people of the families synced, and everyone born in the POPULATION_YEARS
    before T counted by (district, date of birth): their family's district, or their
    address's when they are in no family."""
    after = _years_before(as_of, POPULATION_YEARS).isoformat()
    last = as_of.isoformat()
    people, population = [], Counter[tuple[str, str]]()
    for p in _rows(files["people.csv"]):
        if p["family_id"] in rows:
            people.append(p)
        if after < p["dob"] <= last:  # ISO dates compare as text; no date: not counted
            where = districts[0].get(p["family_id"]) or districts[1].get(p["uprn"]) or ""
            population[(where, p["dob"])] += 1
    return people, Counter({(d, date.fromisoformat(b)): n for (d, b), n in population.items()})
