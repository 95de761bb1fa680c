"""Benchmark of the Children in Need census from the case database: map, write, validate.

Target (issue 16): for a county of 1,000,000 people with 12,000 children in need in the
year, the return is written and validated in under 2 minutes.

Fills a case database (SQLite in a temporary workspace, `bulk_create`) with what the
Family Help and child protection records of such a county hold, seeded:

- families with children in need in 2025-26 until there are N children (default
  12,000), in sibling groups of one to three: a fifth NFA referrals, the rest Family
  Help episodes (a third open since before 1 April, a tenth stepped up from a Supporting
  Families case without a request): child protection plans (an eighth, with review
  conferences, some repeat plans, some stepped down to a CIN plan), section 47
  enquiries without a plan, CIN plans, assessments only; late assessments and
  conferences; closures in the year;
- beside them what the census must leave out: Supporting Families cases with targeted
  help only, episodes closed before the year, and the identified families nobody has
  worked with (their members in the case database too).

Then times `make_return` (the function `wholefamily returns cin-census` runs): the
mapping (`children_for_year`), writing the XML and the DfE's rules in `.venv-cin`, and
prints the failures by rule.

    .venv/bin/python benchmarks/cin_census_db.py [--children 12000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import resource
import shutil
import sys
import tempfile
import time
from collections import Counter
from datetime import date, timedelta
from pathlib import Path
from typing import Any

START, END = date(2025, 4, 1), date(2026, 3, 31)
FACTORS = ["1B", "2B", "3A", "3B", "3C", "4A", "4B", "5B", "6B", "14A", "15A", "16A", "17A",
           "18B", "10A", "11A", "24A", "20"]  # fmt: skip
SOURCES = ["6", "6", "6", "2A", "2A", "3A", "3B", "3E", "3F", "5A", "1A", "1C", "8", "4", "5C"]
NEEDS = ["N1"] * 6 + ["N2", "N3", "N4", "N4", "N5", "N5", "N6", "N7", "N8", "N9"]


def weekdays_after(day: date, n: int) -> date:
    while n > 0:
        day += timedelta(days=1)
        if day.weekday() < 5:
            n -= 1
    return day


class Rows:
    """Model rows with their primary keys given here, bulk-created in the flow's order."""

    def __init__(self) -> None:
        self.rows: dict[str, list[Any]] = {}
        self.ids: Counter[str] = Counter()

    def add(self, model: Any, **fields: Any) -> int:
        name = model.__name__ if isinstance(model, type) else str(model)
        self.ids[name] += 1
        self.rows.setdefault(name, []).append((model, {"id": self.ids[name], **fields}))
        return self.ids[name]

    def save(self, order: list[Any]) -> dict[str, int]:
        counts = {}
        for model in order:
            name = model.__name__
            made = [m(**f) for m, f in self.rows.get(name, [])]
            model.objects.bulk_create(made, batch_size=2000)
            counts[name] = len(made)
        return counts


class County:
    def __init__(self, rows: Rows, users: list[Any], seed: int) -> None:
        from wholefamily.web.familyhelp import models as fhm
        from wholefamily.web.protection import models as cpm

        self.r, self.users, self.rng = rows, users, random.Random(seed)
        self.fhm, self.cpm = fhm, cpm
        self.families = 0
        self.children_in_need = 0
        self.last_conference: int | None = None

    def day(self, first: date, last: date) -> date:
        return first + timedelta(days=self.rng.randrange(max(1, (last - first).days + 1)))

    def user(self) -> Any:
        return self.rng.choice(self.users)

    def family(
        self, kids: int, adults: int = 1, referral: date | None = None
    ) -> tuple[int, list[int]]:
        """A family; its children born at most 39 weeks after `referral` (the DfE's 8606)."""
        from wholefamily.web.families.models import Family, Member, Person, Status

        self.families += 1
        fid = self.r.add(Family, family_id=f"F{self.families:07d}", status=Status.ACTIVE,
                         consent="given", district="Casterbridge")  # fmt: skip
        children = []
        for i in range(kids + adults):
            child = i < kids
            latest = min(referral + timedelta(weeks=39), date(2026, 9, 30)) if referral else END
            if child and latest > date(2026, 4, 10) and self.rng.random() < 0.05:
                dob = self.day(date(2026, 4, 10), latest)  # unborn
            elif child:
                dob = self.day(date(2008, 6, 1), min(latest, date(2025, 12, 31)))
            else:
                dob = self.day(date(1970, 1, 1), date(2002, 1, 1))
            pid = self.r.add(Person, person_id=f"P{self.families:07d}{i}", forename="Sam",
                             surname="Taylor", dob=dob, sex=self.rng.choice("MF"))  # fmt: skip
            self.r.add(Member, family_id=fid, person_id=pid, role="CHILD" if child else "ADULT")
            if child:
                children.append(pid)
        return fid, children

    def request(self, fid: int, kids: list[int], on: date, decision: str, decided: date) -> int:
        rid = self.r.add(self.fhm.Request, family_id=fid, received_on=on,
                         source=self.rng.choice(SOURCES), summary="Worried.", decision=decision,
                         decided_on=decided, decided_by=self.user(),
                         recorded_by=self.user())  # fmt: skip
        for k in kids:
            self.r.add("Request_children", request_id=rid, person_id=k)
        return rid

    def levels(self, eid: int, kids: list[int], spans: list[tuple[str, date, date | None]]) -> None:
        lead = self.user()
        for k in kids:
            for level, began, ended in spans:
                self.r.add(self.fhm.ChildLevel, episode_id=eid, child_id=k, level=level,
                           started_on=began, ended_on=ended, lead=lead, by=lead)  # fmt: skip

    def assessment(self, eid: int, kids: list[int], began: date) -> date | None:
        """An assessment from `began`; the day it was authorised (None: not by 31 March)."""
        late = self.rng.random() < 0.14
        done = weekdays_after(began, self.rng.randint(46, 70) if late else self.rng.randint(10, 40))
        if done > END:
            done = None
        factors = self.rng.sample(FACTORS, self.rng.choice([1, 2, 2, 3])) if done else []
        aid = self.r.add(self.fhm.Assessment, episode_id=eid, started_on=began, completed_on=done,
                         authorised_on=done, authorised_by=self.user() if done else None,
                         factors=factors, by=self.user())  # fmt: skip
        for k in kids:
            self.r.add("Assessment_children", assessment_id=aid, person_id=k)
        return done

    def nfa(self) -> None:
        on = self.day(START, END)
        fid, kids = self.family(self.rng.choice([1, 1, 2]), referral=on)
        self.request(fid, kids, on, "nfa", on + timedelta(days=self.rng.randint(0, 3)))
        self.children_in_need += len(kids)

    def help_episode(self) -> None:
        """One family's Family Help episode with statutory work (its children in need)."""
        rng = self.rng
        carried = rng.random() < 0.33
        if carried:
            referral = self.day(date(2024, 1, 8), START - timedelta(days=40))
        else:
            referral = self.day(START, END - timedelta(days=5))
        fid, kids = self.family(rng.choice([1, 1, 1, 2, 2, 3]), rng.choice([1, 2]), referral)
        self.children_in_need += len(kids)
        stepped = rng.random() < 0.1  # from a Supporting Families case, no request
        opened = referral - timedelta(days=rng.randint(30, 300)) if stepped else referral
        request = None if stepped else self.request(fid, kids, referral, "family_help", referral)
        eid = self.r.add(self.fhm.Episode, family_id=fid, request_id=request, opened_on=opened,
                         lead=self.user(), primary_need=rng.choice(NEEDS),
                         from_supporting_families=stepped)  # fmt: skip
        spans: list[tuple[str, date, date | None]] = (
            [("targeted", opened, referral)] if stepped else []
        )
        done = self.assessment(eid, kids, referral + timedelta(days=rng.randint(0, 3)))
        path, reason = rng.random(), "RC7"
        if path < 0.15:  # child protection
            last, more = self.protection(eid, kids, referral, carried)
            spans += more
        elif path < 0.40:  # a section 47 enquiry that made no plan
            last = self.enquiry(eid, kids, referral, conference=rng.random() < 0.3)
            spans.append(("targeted", referral, None))
            if carried and done is not None:  # an enquiry in the year, with an assessment
                began = max(START, done + timedelta(days=1)) + timedelta(days=rng.randint(0, 3))
                again = self.assessment(eid, kids, began)
                done = None if again is None else max(done, again)
        elif path < 0.65 and done:  # a CIN plan after the assessment
            began = done + timedelta(days=rng.randint(0, 14))
            ended = began + timedelta(days=rng.randint(60, 400))
            if began > END:
                spans.append(("targeted", referral, None))
            else:
                spans += [("targeted", referral, began), ("cin", began, ended)]
            last = ended
        else:  # assessed only
            spans.append(("targeted", referral, None))
            last = done or END
            assessed_in_year = done is not None and done >= START
            reason = "RC8" if assessed_in_year and rng.random() < 0.4 else "RC7"
        last = END + timedelta(days=1) if done is None else max(last, done)  # open: not closed
        closed = None
        if last <= END and rng.random() < 0.7:
            closed = max(last, START) + timedelta(days=rng.randint(0, 60))
            if closed > END:
                closed = None
        clipped = []
        for level, began, ended in spans:
            if ended is not None and ended > END and closed is None:
                ended = None
            if closed is not None and (ended is None or ended > closed):
                ended = closed
            clipped.append((level, began, ended))
        self.levels(eid, kids, clipped)
        if closed is not None:
            self.r.rows["Episode"][-1][1].update(closed_on=closed, closure_reason=reason)

    def enquiry(self, eid: int, kids: list[int], referral: date, *, conference: bool) -> date:
        rng = self.rng
        held = max(referral, START) + timedelta(days=rng.randint(0, 3))
        held = weekdays_after(held - timedelta(days=1), 1)
        sid = self.r.add(self.cpm.StrategyDiscussion, episode_id=eid, held_on=held,
                         attended="Police", by=self.user())  # fmt: skip
        for k in kids:
            self.r.add("StrategyDiscussion_children", strategydiscussion_id=sid, person_id=k)
        icpc = weekdays_after(
            held, rng.randint(16, 30) if rng.random() < 0.2 else rng.randint(8, 15)
        )
        if conference and icpc <= END:
            outcome, completed = "conference", icpc
            cid = self.r.add(self.cpm.Conference, episode_id=eid, kind="initial", strategy_id=sid,
                             held_on=icpc, attended="All", by=self.user())  # fmt: skip
            for k in kids:
                self.r.add("Conference_children", conference_id=cid, person_id=k)
        elif conference:
            outcome, completed = "", None
        else:
            outcome = rng.choice(["no_conference", "not_substantiated"])
            completed = min(held + timedelta(days=rng.randint(5, 20)), END)
        for k in kids:
            self.r.add(self.cpm.Enquiry, strategy_id=sid, child_id=k, started_on=held,
                       completed_on=completed, outcome=outcome, by=self.user())  # fmt: skip
        self.last_conference = self.r.ids["Conference"] if conference and icpc <= END else None
        return completed or END + timedelta(days=1)

    def protection(
        self, eid: int, kids: list[int], referral: date, carried: bool
    ) -> tuple[date, list[tuple[str, date, date | None]]]:
        rng = self.rng
        if carried:  # on a plan since before the year: its conference was then
            start = weekdays_after(
                self.day(referral + timedelta(days=10), START - timedelta(days=5)), 1
            )
            cid = self.r.add(self.cpm.Conference, episode_id=eid, kind="initial", held_on=start,
                             attended="All", by=self.user())  # fmt: skip
        else:
            self.enquiry(eid, kids, referral, conference=True)
            if self.last_conference is None:
                return END + timedelta(days=1), [("cin", referral, None)]
            cid = self.last_conference
            start = self.r.rows["Conference"][-1][1]["held_on"]
        end = start + timedelta(days=rng.randint(120, 560))
        if end < START:
            end = START + timedelta(days=rng.randint(1, 90))
        previous = rng.choice([1, 1, 2]) if rng.random() < 0.2 else 0
        category = rng.choice(["NEG", "NEG", "NEG", "EMO", "EMO", "PHY", "SAB", "MUL"])
        plans = [
            self.r.add(
                self.cpm.Plan,
                episode_id=eid,
                child_id=k,
                conference_id=cid,
                started_on=start,
                ended_on=end if end <= END else None,
                initial_category=category,
                latest_category=category,
                previous_plans=previous,
                by=self.user(),
            )
            for k in kids
        ]
        review = weekdays_after(start, rng.randint(40, 62))
        while review < min(end, END):
            rid = self.r.add(self.cpm.Conference, episode_id=eid, kind="review", held_on=review,
                             attended="All", by=self.user())  # fmt: skip
            for p in plans:
                self.r.add(self.cpm.PlanReview, plan_id=p, conference_id=rid, held_on=review)
            review = weekdays_after(review, rng.randint(110, 128))
        spans: list[tuple[str, date, date | None]] = []
        if start > referral:
            spans.append(("cin" if carried else "targeted", referral, start))
        if end > END:
            return END + timedelta(days=1), [*spans, ("cp", start, None)]
        spans.append(("cp", start, end))
        if rng.random() < 0.6:  # stepped down to a CIN plan
            cin_end = end + timedelta(days=rng.randint(60, 300))
            spans.append(("cin", end, cin_end if cin_end <= END else None))
            return cin_end, spans
        return end, spans

    def not_in_census(self, n_targeted: int, n_closed: int, n_identified: int) -> None:
        rng = self.rng
        for _ in range(n_targeted):  # Supporting Families cases: targeted help only
            fid, kids = self.family(rng.choice([1, 2, 3]), 2)
            opened = self.day(date(2023, 4, 1), END)
            eid = self.r.add(self.fhm.Episode, family_id=fid, opened_on=opened,
                             lead=self.user(), from_supporting_families=True)  # fmt: skip
            self.levels(eid, kids, [("targeted", opened, None)])
        for _ in range(n_closed):  # child in need last year, closed before 1 April
            on = self.day(date(2023, 6, 1), date(2024, 12, 1))
            fid, kids = self.family(rng.choice([1, 2]), referral=on)
            rid = self.request(fid, kids, on, "family_help", on)
            closed = self.day(on + timedelta(days=30), START - timedelta(days=1))
            eid = self.r.add(self.fhm.Episode, family_id=fid, request_id=rid, opened_on=on,
                             lead=self.user(), primary_need="N5", closed_on=closed,
                             closure_reason="RC7")  # fmt: skip
            self.assessment(eid, kids, on)
            self.levels(eid, kids, [("cin", on, closed)])
        for _ in range(n_identified):  # identified, never worked with
            self.family(rng.choice([1, 2, 3]), rng.choice([1, 2]))


def fill(children: int, seed: int) -> tuple[dict[str, int], int]:
    from django.contrib.auth import get_user_model

    from wholefamily.web.accounts.models import Profile, Role
    from wholefamily.web.families.models import Family, Member, Person
    from wholefamily.web.familyhelp import models as fhm
    from wholefamily.web.protection import models as cpm

    User = get_user_model()
    users = [User.objects.create(username=f"worker{i}") for i in range(40)]
    for u in users:
        Profile.objects.create(user=u, role=Role.KEY_WORKER)
    rows = Rows()
    county = County(rows, users, seed)
    while county.children_in_need < children:
        if county.rng.random() < 0.2:
            county.nfa()
        else:
            county.help_episode()
    in_need = county.children_in_need
    county.not_in_census(n_targeted=8_000, n_closed=2_000, n_identified=25_000)
    through = {
        "Request_children": fhm.Request.children.through,
        "Assessment_children": fhm.Assessment.children.through,
        "StrategyDiscussion_children": cpm.StrategyDiscussion.children.through,
        "Conference_children": cpm.Conference.children.through,
    }
    for name, model in through.items():
        rows.rows[model.__name__] = [(model, f) for _, f in rows.rows.pop(name, [])]
    order = [Family, Person, Member, fhm.Request, through["Request_children"], fhm.Episode,
             fhm.ChildLevel, fhm.Assessment, through["Assessment_children"],
             cpm.StrategyDiscussion, through["StrategyDiscussion_children"], cpm.Conference,
             through["Conference_children"], cpm.Enquiry, cpm.Plan, cpm.PlanReview]  # fmt: skip
    return rows.save(order), in_need


def peak_mib(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--children", type=int, default=12_000)
    parser.add_argument("--seed", type=int, default=20251)
    parser.add_argument("--keep", type=Path, help="Keep the workspace (and its database) here.")
    args = parser.parse_args(argv)

    ws = args.keep or Path(tempfile.mkdtemp(prefix="cin-db-bench-"))
    ws.mkdir(parents=True, exist_ok=True)
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("WHOLEFAMILY_SECRET_KEY", "benchmark-only-key-0123456789-0123456789")
    from django.core.management import call_command

    from wholefamily.web import configure

    configure(ws)
    fresh = not (ws / ".filled").exists()
    if fresh:
        call_command("migrate", verbosity=0)
        t0 = time.perf_counter()
        counts, in_need = fill(args.children, args.seed)
        (ws / ".filled").write_text(str(in_need))
        print(f"filled in {time.perf_counter() - t0:.0f} s: " + ", ".join(
            f"{n:,} {k}" for k, n in counts.items()))  # fmt: skip
    from wholefamily.web.familyhelp.census import children_for_year
    from wholefamily.web.returns.services import make_return

    t0 = time.perf_counter()
    mapped = list(children_for_year("2025-26"))
    t1 = time.perf_counter()
    out = ws / "cin-2025-26.xml"
    made = make_return("2025-26", out, ws)
    t2 = time.perf_counter()
    r = made.report
    python = platform.python_version()
    print(f"machine   {platform.machine()}, {os.cpu_count()} cores, Python {python}, "
          f"load average {os.getloadavg()[0]:.1f}")  # fmt: skip
    print(
        f"return    {made.children:,} children, {made.episodes:,} episodes, "
        f"{made.cp_plans:,} CP plans; {out.stat().st_size / 2**20:.1f} MiB"
    )
    print(f"mapping   {t1 - t0:6.1f} s  (children_for_year alone, {len(mapped):,} children)")
    print(f"make      {t2 - t1:6.1f} s  (make_return: mapping + write + the DfE's rules)")
    print(f"ratio to the limit (2 minutes for make_return): {(t2 - t1) / 120:.2f}")
    print(f"          the rules' own count {r.seconds:.1f} s ({r.ruleset}, {r.rules_run} rules)")
    # (the validator's subprocess is forked from this one, so RUSAGE_CHILDREN would
    # report this process's size at the fork, not the validator's own)
    print(f"peak RSS  {peak_mib(resource.RUSAGE_SELF):6.0f} MiB (this process)")
    counts2 = Counter((f.level, f.rule, f.message) for f in r.failures())
    print(f"ERROR {len(r.errors)}, QUERY {len(r.queries)}, rules that did not run {len(r.crashed)}")
    for (level, rule, message), n in sorted(counts2.items()):
        print(f"  {level:5} {rule:6} {n:6,}  {message[:90]}")
    if args.keep is None:
        shutil.rmtree(ws, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
