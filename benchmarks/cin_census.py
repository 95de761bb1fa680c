"""Benchmark of the Children in Need census: write the return and run the DfE's rules on it.

Target (issue 16): for a county of 1,000,000 people with 12,000 children in need in the
year, the return is written and validated in under 2 minutes.

Makes up N children in need in 2025-26 (default 12,000), seeded, shaped like a county's
year: about a fifth of referrals end with no further action, most of the rest are
assessed (some late, beyond 45 working days), a quarter of the children have a section 47
enquiry, an eighth a child protection plan (with review conferences, some repeat plans,
some stepped down to a CIN plan), a third were already open on 1 April, some are
re-referred in the year. Every record follows the census's inclusion rules
(wholefamily.returns.cin.xml), so the DfE's rules should find no ERROR.

Then writes the return (`write_return`) and validates it (`validate_file`, the DfE's
rules in `.venv-cin`), and prints the seconds of each step, the peak memory of this
process and of the validator's, and the failures by rule.

    .venv/bin/python benchmarks/cin_census.py [--children 12000] [--out /tmp/cin-bench.xml]
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import time
from collections import Counter
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

from wholefamily.returns.cin import (
    Assessment,
    Child,
    CINEpisode,
    CINPlan,
    CPPlan,
    Section47,
    parse_year,
    validate_file,
    write_return,
)
from wholefamily.returns.cin.codes import DISABILITY, ETHNICITY

YEAR = parse_year("2025-26")
START, END = YEAR.start, YEAR.end
LA_CODE = "885"

ETHNICITY_WEIGHTS = {
    "WBRI": 70, "WOTH": 5, "WIRI": 1, "WIRT": 1, "WROM": 1, "MWBC": 3, "MWBA": 1,
    "MWAS": 2, "MOTH": 2, "AIND": 2, "APKN": 3, "ABAN": 1, "AOTH": 1, "BCRB": 2,
    "BAFR": 2, "BOTH": 1, "CHNE": 1, "OOTH": 1, "REFU": 1, "NOBT": 1,
}  # fmt: skip
FACTORS_COMMON = ["1B", "2B", "3A", "3B", "3C", "4A", "4B", "5B", "6B", "14A", "15A", "16A",
                  "17A", "18B", "10A", "11A", "24A", "20"]  # fmt: skip
SOURCES = ["6", "6", "6", "2A", "2A", "3A", "3B", "3E", "3F", "5D", "5A", "1A", "1C", "8", "4",
           "5C", "9"]  # fmt: skip
NEEDS = ["N1"] * 6 + ["N2", "N3", "N4", "N4", "N5", "N5", "N6", "N7", "N8", "N9"]


def weekday_on_or_after(day: date) -> date:
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def working_days_after(day: date, n: int) -> date:
    """The n-th weekday after `day` (bank holidays are not needed by the rules used here)."""
    while n > 0:
        day += timedelta(days=1)
        if day.weekday() < 5:
            n -= 1
    return day


def upn(rng: random.Random, serial: int) -> str:
    """A unique pupil number with its check letter (as the DfE's rule 1510 computes it)."""
    digits = f"{LA_CODE}{rng.randrange(1000, 9999)}{serial % 100000:05d}"
    total = sum(int(c) * w for c, w in zip(digits, range(2, 14), strict=True)) % 23
    return "ABCDEFGHJKLMNPQRTUVWXYZ"[total] + digits


class County:
    """Made-up children in need for the year, deterministic for a seed."""

    def __init__(self, seed: int = 20251) -> None:
        self.rng = random.Random(seed)

    def day_between(self, first: date, last: date) -> date:
        return first + timedelta(days=self.rng.randrange((last - first).days + 1))

    def soon(self, day: date, most: int) -> date:
        """0 to `most` days after `day`, but not after 31 March."""
        return min(day + timedelta(days=self.rng.randint(0, most)), END)

    def children(self, n: int) -> Iterator[Child]:
        for i in range(n):
            yield self.child(i)

    def child(self, i: int) -> Child:
        rng = self.rng
        unborn = rng.random() < 0.02
        if unborn:
            birth = None
            expected = self.day_between(date(2026, 4, 15), date(2026, 9, 30))
            sex = "U"
        else:
            birth = self.day_between(date(2008, 6, 1), date(2025, 12, 31))
            expected = None
            sex = "U" if rng.random() < 0.01 else rng.choice("MF")
        born = birth or expected
        assert born is not None
        school_age = birth is not None and birth <= date(2020, 8, 31)
        pupil = upn(rng, i) if school_age and rng.random() < 0.95 else None
        if pupil is not None:
            unknown = None
        elif school_age:
            unknown = rng.choice(["UN2", "UN3", "UN4", "UN6"])
        else:
            unknown = "UN1"
        if rng.random() < 0.85:
            disabilities: tuple[str, ...] = ("NONE",)
        else:
            codes = [c for c in DISABILITY if c != "NONE"]
            disabilities = tuple(rng.sample(codes, rng.choice([1, 1, 1, 2, 2, 3])))
        (ethnicity,) = rng.choices(list(ETHNICITY_WEIGHTS), list(ETHNICITY_WEIGHTS.values()))
        assert ethnicity in ETHNICITY

        # Earliest referral allowed: 40 weeks before birth (rule 8606).
        earliest = max(born - timedelta(weeks=39), date(2021, 1, 1))
        episodes = self.episodes(earliest)
        if unknown == "UN1" and all(e.referral_nfa for e in episodes) and rng.random() < 0.5:
            unknown = "UN7"
        return Child(
            la_child_id=f"WF{i:07d}",
            sex=sex,
            ethnicity=ethnicity,
            episodes=episodes,
            birth_date=birth,
            expected_birth_date=expected,
            upn=pupil,
            upn_unknown=unknown,
            disabilities=disabilities,
        )

    def episodes(self, earliest: date) -> tuple[CINEpisode, ...]:
        rng = self.rng
        carried = rng.random() < 0.33 and earliest < START - timedelta(days=60)
        if carried:
            referral = self.day_between(max(earliest, date(2023, 4, 1)), START - timedelta(days=30))
        else:
            referral = self.day_between(max(earliest, START), END - timedelta(days=3))
        first = self.episode(referral, carried=carried)
        out = [first]
        # A re-referral later in the year, after the first episode closed.
        closed = first.closure_date
        if closed is not None and closed < END - timedelta(days=40) and rng.random() < 0.22:
            again = self.day_between(closed + timedelta(days=1), END - timedelta(days=3))
            previous = first.cp_plans[-1].previous_plans + 1 if first.cp_plans else 0
            out.append(self.episode(again, carried=False, previous_cpp=previous))
        return tuple(out)

    def episode(self, referral: date, *, carried: bool, previous_cpp: int = 0) -> CINEpisode:
        rng = self.rng
        source = rng.choice(SOURCES)
        if not carried and rng.random() < 0.2:
            return CINEpisode(
                referral_date=referral,
                referral_source=source,
                referral_nfa=True,
                closure_date=referral,
                closure_reason="RC7",
            )
        need = rng.choice(NEEDS)
        path = rng.random()
        # Paths: 0-0.15 child protection plan, 0.15-0.40 s47 without a plan,
        # 0.40-0.63 CIN plan after assessment, the rest assessment only.
        if path < 0.15:
            return self.protection(referral, source, need, carried, previous_cpp)
        if path < 0.40:
            return self.enquiry(referral, source, need, carried)
        return self.assessed(referral, source, need, carried, plan=path < 0.63)

    def assessment(self, begin: date, *, nothing_found: bool = False) -> Assessment | None:
        """An assessment from `begin` as it stood on 31 March (None: completed before 1 April).

        Most take 10-40 working days, one in seven is late (46-70).
        """
        rng = self.rng
        length = rng.randint(10, 40) if rng.random() < 0.86 else rng.randint(46, 70)
        done = working_days_after(begin, length)
        if done < START:
            return None
        if done > END:
            return Assessment(start=begin)
        if nothing_found:
            return Assessment(start=begin, authorised=done, factors=("21",))
        factors = tuple(rng.sample(FACTORS_COMMON, rng.choice([1, 2, 2, 3, 4])))
        return Assessment(start=begin, authorised=done, factors=factors)

    def closure(
        self, last: date, reason: str = "RC7", *, may_stay_open: bool = True
    ) -> tuple[date | None, str | None]:
        """Closed some weeks after `last` (and in the year); a quarter stay open on 31 March."""
        rng = self.rng
        day = last + timedelta(days=rng.randint(7, 120))
        day = max(day, START + timedelta(days=rng.randint(0, 60)))
        if day > END or (may_stay_open and rng.random() < 0.25):
            return None, None
        return day, reason

    def assessed(
        self, referral: date, source: str, need: str, carried: bool, *, plan: bool
    ) -> CINEpisode:
        """Assessed, then closed or on a CIN plan (an assessment before 1 April is left out)."""
        rng = self.rng
        begin = self.soon(referral, 5)
        nothing_found = not plan and rng.random() < 0.12
        a = self.assessment(begin, nothing_found=nothing_found)
        assessments = (a,) if a else ()
        if a is not None and a.authorised is None:
            return CINEpisode(referral, source, primary_need=need, assessments=assessments)
        done = a.authorised if a is not None and a.authorised else begin + timedelta(days=35)
        if not plan:
            if a is not None and a.factors == ("21",):
                # Nothing found: closed after assessment (rule 8873Q expects RC8 or RC9).
                closed, why = self.closure(done, rng.choice(["RC8", "RC9"]), may_stay_open=False)
            elif a is not None and rng.random() < 0.4:
                closed, why = self.closure(done, rng.choice(["RC8", "RC8", "RC9"]))
            else:
                closed, why = self.closure(done)
            if closed is None and a is not None and a.factors == ("21",):
                a = Assessment(a.start, a.authorised, ("16A",))  # still open: something was found
                assessments = (a,)
            return CINEpisode(
                referral,
                source,
                primary_need=need,
                closure_date=closed,
                closure_reason=why,
                assessments=assessments,
            )
        return self.cin_plan(referral, source, need, assessments, done)

    def cin_plan(
        self,
        referral: date,
        source: str,
        need: str,
        assessments: tuple[Assessment, ...],
        after: date,
        section47s: tuple[Section47, ...] = (),
    ) -> CINEpisode:
        """A CIN plan from `after`; it may have ended, and the episode closed, in the year."""
        rng = self.rng
        start = after + timedelta(days=rng.randint(0, 14))
        if start > END:
            return CINEpisode(
                referral, source, primary_need=need, assessments=assessments, section47s=section47s
            )
        end = start + timedelta(days=rng.randint(60, 400))
        if end < START:
            end = START + timedelta(days=rng.randint(1, 300))  # a plan that ran on into the year
        if end > END:
            return CINEpisode(
                referral,
                source,
                primary_need=need,
                assessments=assessments,
                section47s=section47s,
                cin_plans=(CINPlan(start),),
            )
        closed, reason = self.closure(end)
        return CINEpisode(
            referral,
            source,
            primary_need=need,
            closure_date=closed,
            closure_reason=reason,
            assessments=assessments,
            cin_plans=(CINPlan(start, end),),
            section47s=section47s,
        )

    def section47(self, referral: date, *, icpc: bool) -> Section47:
        """An enquiry from the strategy discussion, its conference (if any) 8-30 working days on."""
        rng = self.rng
        strategy = self.soon(referral, 4)
        if not icpc:
            return Section47(strategy, icpc_not_required=True)
        target = working_days_after(strategy, 15)
        late = rng.random() < 0.2
        held = working_days_after(strategy, rng.randint(16, 30) if late else rng.randint(8, 15))
        if held > END:
            return Section47(strategy, icpc_target=target)  # not yet held on 31 March
        return Section47(strategy, icpc_target=target, icpc_date=held)

    def enquiry(self, referral: date, source: str, need: str, carried: bool) -> CINEpisode:
        """A section 47 enquiry that made no CP plan: no conference needed, or no plan from it."""
        rng = self.rng
        if carried:  # the enquiry was before the year; the child is on a CIN plan
            return self.assessed(referral, source, need, carried, plan=True)
        a = self.assessment(self.soon(referral, 2))
        assert a is not None  # referred in the year, so assessed in it
        s47 = self.section47(referral, icpc=rng.random() < 0.3)
        open_s47 = s47.icpc_date is None and not s47.icpc_not_required
        if a.authorised is None or open_s47:
            return CINEpisode(
                referral, source, primary_need=need, assessments=(a,), section47s=(s47,)
            )
        last = max(d for d in (s47.icpc_date, s47.start, a.authorised) if d is not None)
        if rng.random() < 0.5:
            return self.cin_plan(referral, source, need, (a,), last, (s47,))
        closed, reason = self.closure(last)
        return CINEpisode(
            referral,
            source,
            primary_need=need,
            closure_date=closed,
            closure_reason=reason,
            assessments=(a,),
            section47s=(s47,),
        )

    def protection(
        self, referral: date, source: str, need: str, carried: bool, previous: int
    ) -> CINEpisode:
        """A CP plan from the initial conference, reviewed, perhaps ended and stepped down."""
        rng = self.rng
        repeat = previous + (rng.choice([1, 1, 2]) if rng.random() < 0.2 else 0)
        category = rng.choice(["NEG", "NEG", "NEG", "EMO", "EMO", "PHY", "SAB", "MUL"])
        latest = category if rng.random() < 0.85 else rng.choice(["NEG", "EMO", "MUL"])
        assessments: tuple[Assessment, ...] = ()
        section47s: tuple[Section47, ...] = ()
        still_assessing = False
        if carried:
            # On a plan since before the year: its enquiry and conference are not in the return.
            start = weekday_on_or_after(
                self.day_between(referral + timedelta(days=10), START - timedelta(days=5))
            )
        else:
            a = self.assessment(self.soon(referral, 2))
            assert a is not None
            s47 = self.section47(referral, icpc=True)
            assessments, section47s = (a,), (s47,)
            if s47.icpc_date is None:
                return CINEpisode(
                    referral,
                    source,
                    primary_need=need,
                    assessments=assessments,
                    section47s=section47s,
                )
            start = s47.icpc_date
            still_assessing = a.authorised is None
        plan_end = start + timedelta(days=rng.randint(120, 560))
        if plan_end < START:
            plan_end = START + timedelta(days=rng.randint(1, 90))
        if still_assessing:
            plan_end = END + timedelta(days=1)  # open while the assessment is
        reviews = []
        review = working_days_after(start, rng.randint(40, 62))  # the first within 3 months
        while review < min(plan_end, END):
            if review >= START:
                reviews.append(review)
            review = working_days_after(review, rng.randint(110, 128))  # then every 6 months
        if plan_end > END:
            plan = CPPlan(start, category, latest, repeat, reviews=tuple(reviews))
            return CINEpisode(
                referral,
                source,
                primary_need=need,
                assessments=assessments,
                section47s=section47s,
                cp_plans=(plan,),
            )
        plan = CPPlan(start, category, latest, repeat, end=plan_end, reviews=tuple(reviews))
        if rng.random() < 0.6:
            # Stepped down to a CIN plan from the day the CP plan ended.
            cin_end = plan_end + timedelta(days=rng.randint(60, 300))
            if cin_end > END:
                cin, closed, reason = CINPlan(plan_end), None, None
            else:
                cin = CINPlan(plan_end, cin_end)
                closed, reason = self.closure(cin_end)
            return CINEpisode(
                referral,
                source,
                primary_need=need,
                closure_date=closed,
                closure_reason=reason,
                assessments=assessments,
                section47s=section47s,
                cp_plans=(plan,),
                cin_plans=(cin,),
            )
        closed, reason = self.closure(plan_end)
        return CINEpisode(
            referral,
            source,
            primary_need=need,
            closure_date=closed,
            closure_reason=reason,
            assessments=assessments,
            section47s=section47s,
            cp_plans=(plan,),
        )


def peak_mib(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--children", type=int, default=12_000)
    parser.add_argument("--out", type=Path, default=Path("/tmp/cin-bench.xml"))
    parser.add_argument("--seed", type=int, default=20251)
    args = parser.parse_args(argv)

    county = County(args.seed)
    t0 = time.perf_counter()
    children = list(county.children(args.children))
    t1 = time.perf_counter()
    written = write_return(children, LA_CODE, YEAR, args.out)
    t2 = time.perf_counter()
    report = validate_file(args.out, YEAR)
    t3 = time.perf_counter()

    s47 = sum(1 for c in children if any(e.section47s for e in c.episodes))
    cpp = sum(1 for c in children if any(e.cp_plans for e in c.episodes))
    reviews = sum(len(p.reviews) for c in children for e in c.episodes for p in e.cp_plans)
    assessed = sum(1 for c in children if any(e.assessments for e in c.episodes))
    print(
        f"children {written:,}: {assessed:,} assessed, {s47:,} with a section 47 enquiry, "
        f"{cpp:,} with a CP plan ({reviews:,} reviews); "
        f"{args.out.stat().st_size / 2**20:.1f} MiB"
    )
    print(f"make up   {t1 - t0:6.1f} s")
    print(f"write     {t2 - t1:6.1f} s")
    print(
        f"validate  {t3 - t2:6.1f} s  (validator {report.validator}, {report.ruleset}, "
        f"{report.rules_run} rules; its own count {report.seconds:.1f} s)"
    )
    print(f"total     {t3 - t1:6.1f} s  (write + validate)")
    print(f"ratio to the limit (2 minutes for write + validate): {(t3 - t1) / 120:.2f}")
    print(
        f"peak RSS  {peak_mib(resource.RUSAGE_SELF):6.0f} MiB here, "
        f"{peak_mib(resource.RUSAGE_CHILDREN):6.0f} MiB the validator"
    )
    counts = Counter((f.level, f.rule, f.message) for f in report.failures())
    print(
        f"ERROR failures {len(report.errors)}, QUERY failures {len(report.queries)}, "
        f"rules that did not run {len(report.crashed)}"
    )
    for (level, rule, message), n in sorted(counts.items()):
        print(f"  {level:5} {rule:6} {n:6,}  {message[:90]}")
    for rule, error in report.crashed:
        print(f"  did not run: {rule}: {error[:100]}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
