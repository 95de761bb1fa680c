"""Freezing baselines and measuring movement, over the workspace's warehouse.

Both read the last linkage of the warehouse (read-only); families are the case
database's, members the linkage's at that run (family ids are stable across
runs). When the warehouse cannot be read (not linked yet, busy loading) a
`ProgressError` says why, and the case work goes on without a baseline until
it is frozen again.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction

from wholefamily import warehouse as W
from wholefamily.frameworks.engine import EngineError, linked_people
from wholefamily.frameworks.files import FrameworkError, check
from wholefamily.frameworks.identify import framework_file, linked_as_of, open_linked
from wholefamily.outcomes import judge, measure, only, result
from wholefamily.outcomes.employment import claimants, employed
from wholefamily.web import clock
from wholefamily.web.families.models import Family, Need
from wholefamily.web.progress.models import (
    Baseline,
    FoundNeed,
    Progress,
    ProgressTest,
    rows_of_tests,
)


class ProgressError(Exception):
    pass


@functools.lru_cache(maxsize=16)
def framework_data(name: str) -> dict[str, Any]:
    """A framework file, checked (cached: a page view reads it too)."""
    return check(framework_file(name)).data  # type: ignore[no-any-return]


def framework_or_none(name: str) -> dict[str, Any] | None:
    """The framework's data for a page or a figure that must show whatever happens:
    None for no framework, or one that cannot be read."""
    if not name:
        return None
    try:
        return framework_data(name)
    except FrameworkError:
        return None


def _framework(name: str) -> dict[str, Any]:
    try:
        return framework_data(name)
    except FrameworkError as exc:
        raise ProgressError(str(exc)) from None


def _open(workspace: Path) -> tuple[Any, str]:
    try:
        return open_linked(workspace, None)
    except (EngineError, W.WarehouseError) as exc:
        raise ProgressError(str(exc)) from None


def freeze(family: Family, start: date, by: Any, reason: str) -> Baseline:
    """Measure the family's outcome tests at `start` and keep them as a new version."""
    if not family.framework:
        raise ProgressError("the family has no framework yet (it was not identified from data)")
    fw = _framework(family.framework)
    con, drop_id = _open(settings.WORKSPACE)
    try:
        who = only(linked_people(con), [family.family_id])
        counts = measure(con, fw, drop_id, start, who)
        claiming = claimants(con, drop_id, start, who).get(family.family_id, {})
    finally:
        con.disconnect()
    with transaction.atomic():
        last = family.baselines.order_by("-version").first()
        return Baseline.objects.create(
            family=family,
            version=(last.version + 1) if last else 1,
            start=start,
            framework=family.framework,
            drop_id=drop_id,
            needs=family.needs,
            counts=[[n, i, c] for (_, n, i), c in sorted(counts.items())],
            claimants=claiming,
            reason=reason[:300],
            by=by,
        )


def latest_baselines() -> list[Baseline]:
    seen: set[int] = set()
    out = []
    for b in Baseline.objects.select_related("family").order_by("family_id", "-version"):
        if b.family_id not in seen:
            seen.add(b.family_id)
            out.append(b)
    return out


def needs_to_judge(
    framework: dict[str, Any], baselines: list[Baseline], at: date
) -> dict[int, set[str]]:
    """Baseline pk -> the needs to judge at `at`: those at the start and, where the
    framework counts needs found during the work, those the data showed first after
    the start (up to `at`) and those the key worker recorded (found by `at`)."""
    out = {b.pk: set(b.need_list) for b in baselines}
    if not framework.get("needs_found_during_work"):
        return out
    by_family = {b.family_id: b for b in baselines}
    ids = list(by_family)
    for family_id, need, seen in Need.objects.filter(
        family_id__in=ids, first_seen__lte=at
    ).values_list("family_id", "need", "first_seen"):
        b = by_family[family_id]
        if seen > b.start:
            out[b.pk].add(need)
    for family_id, need in FoundNeed.objects.filter(
        family_id__in=ids, found_on__lte=at
    ).values_list("family_id", "need"):
        out[by_family[family_id].pk].add(need)
    return out


def _day(d: date) -> str:
    return f"{d.day} {d:%B %Y}"


def not_after_today(at: date) -> None:
    today = clock.today()
    if at > today:
        raise ProgressError(
            f"A measurement must be dated today or before: {_day(at)} is after today, {_day(today)}"
        )


def started_by(baselines: list[Baseline], at: date) -> list[Baseline]:
    """The baselines whose work had started by `at`; none of them (when there are
    baselines) is refused."""
    started = [b for b in baselines if b.start <= at]
    if baselines and not started:
        first = min(b.start for b in baselines)
        raise ProgressError(
            f"A measurement must be dated after work started: no family had started by "
            f"{_day(at)} (the first started on {_day(first)})"
        )
    return started


def movement(
    at: date | None = None, tick: Callable[[str, int, int], None] | None = None
) -> list[Progress]:
    """Every family with a baseline, measured at `at` (default: the last linkage's date)
    against it; the results are kept (Progress) and returned.

    A measurement is of a day that has come: `at` after today is refused. A family
    whose work starts after `at` is not measured (there is nothing to measure yet),
    and a date before every family's start is refused."""
    step = tick or (lambda msg, done, total: None)
    baselines = latest_baselines()
    if at is not None:  # before the warehouse is opened
        not_after_today(at)
        started_by(baselines, at)
    con, drop_id = _open(settings.WORKSPACE)
    made: list[Progress] = []
    try:
        when = at or linked_as_of(con)
        not_after_today(when)
        by_framework: dict[str, list[Baseline]] = {}
        for b in started_by(baselines, when):
            by_framework.setdefault(b.framework, []).append(b)
        for k, (name, group) in enumerate(sorted(by_framework.items())):
            step(f"measuring {len(group):,} families under {name}", k, len(by_framework))
            fw = _framework(name)
            ids = [b.family.family_id for b in group]
            who = only(linked_people(con), ids)
            now = measure(con, fw, drop_id, when, who)
            weeks = {p: int(w) for b in group for p, w in b.claimants.items()}
            working = employed(con, drop_id, when, weeks, who)
            judged_needs = needs_to_judge(fw, group, when)
            for b in group:
                fid = b.family.family_id
                start = {(fid, n, int(i)): int(c) for n, i, c in b.counts}
                jobs = any(p in working for p in b.claimants)
                needs = judge(fw, {fid: judged_needs[b.pk]}, start, now, {fid} if jobs else set())
                r = result(fw, fid, needs[fid], jobs)
                made.append(
                    Progress(
                        family=b.family,
                        baseline=b,
                        at=when,
                        drop_id=drop_id,
                        route=r.route,
                        employed=jobs,
                        needs=[
                            {
                                "need": n.need,
                                "met": n.met,
                                "tests": [[t.name, t.at_start, t.now, t.passed] for t in n.tests],
                            }
                            for n in r.needs
                        ],
                    )
                )
    finally:
        con.disconnect()
    step("saving", len(by_framework), len(by_framework))
    with transaction.atomic():
        Progress.objects.bulk_create(made, batch_size=2000)
        ProgressTest.objects.bulk_create(rows_of_tests(made), batch_size=5000)
    return made
