"""Outcome rules at their boundaries, on a constructed family (tests/enginekit.py).

The family (an adult P1 and a child P2 in F1) starts at S; its outcomes are
judged at C. Each test puts rows on either side of an edge.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from enginekit import ADULT, CHILD, Warehouse
from wholefamily import warehouse as W
from wholefamily.frameworks.files import check, shipped
from wholefamily.outcomes import judge, measure
from wholefamily.outcomes.progress import passes

S, C = date(2024, 9, 30), date(2025, 9, 30)
FW = check(shipped()["tf-2015"]).data


def outcome(
    wh: Warehouse, need: str, framework: str = "tf-2015"
) -> tuple[bool | None, list[tuple[str, int, int, bool]]]:
    fw = FW if framework == "tf-2015" else check(shipped()[framework]).data
    wh.db.close()
    con = W.connect(wh.ws, read_only=True)
    try:
        start, now = measure(con, fw, "d", S), measure(con, fw, "d", C)
    finally:
        con.disconnect()
    import duckdb

    wh.db = duckdb.connect(str(W.warehouse_path(wh.ws)))
    (result,) = judge(fw, {"F1": {need}}, start, now)["F1"]
    return result.met, [(t.name, t.at_start, t.now, t.passed) for t in result.tests]


@pytest.fixture
def wh(tmp_path: Path) -> Warehouse:
    return Warehouse(tmp_path / "ws")


@pytest.mark.parametrize(
    ("x", "start", "now", "ok"),
    [
        ("0.33", 100, 67, True),  # exactly 33% fewer
        ("0.33", 100, 68, False),
        ("0.33", 3, 2, True),  # 2 <= 2.01
        ("0.33", 3, 3, False),
        ("0.60", 5, 2, True),  # exactly 60% fewer
        ("0.60", 5, 3, False),
        ("0.60", 10, 4, True),
        ("0.60", 10, 5, False),
        ("0.60", 0, 0, True),  # nothing to reduce, nothing now
        ("0.60", 0, 1, False),
    ],
)
def test_reductions_compare_exactly(x: str, start: int, now: int, ok: bool) -> None:
    assert passes({"fewer_by_at_least": float(x)}, start, now) is ok


def _offence(wh: Warehouse, on: date) -> None:
    wh.add("police_offences", ADULT, outcome="CONVICTION", offence_date=on, outcome_date=on)


def _asb(wh: Warehouse, on: date) -> None:
    wh.add("asb", CHILD, intervention="NONE", incident_date=on)


def test_crime_asb_needs_a_third_fewer_offences_and_60_percent_fewer_incidents(
    wh: Warehouse,
) -> None:
    for d in (10, 40, 70):  # 3 proven offences in the 6 months before S
        _offence(wh, S - timedelta(days=d))
    for d in range(5):  # 5 ASB incidents (NONE counts: incidents, not interventions)
        _asb(wh, S - timedelta(days=10 + d))
    _offence(wh, C - timedelta(days=5))
    _offence(wh, C - timedelta(days=6))
    _asb(wh, C - timedelta(days=1))
    _asb(wh, C)  # on C itself: counts
    met, tests = outcome(wh, "CRIME_ASB")
    assert tests == [
        ("proven offences in the last 6 months", 3, 2, True),
        ("ASB incidents in the last 6 months", 5, 2, True),
    ]
    assert met
    _asb(wh, C - timedelta(days=100))  # a third incident now: 3 > 5 * 40%
    met, tests = outcome(wh, "CRIME_ASB")
    assert tests[1] == ("ASB incidents in the last 6 months", 5, 3, False) and not met


def test_the_six_months_before_c_end_exactly(wh: Warehouse) -> None:
    wh.add("domestic_abuse", ADULT, incident_date=S - timedelta(days=3))
    wh.add("domestic_abuse", ADULT, incident_date=date(2025, 3, 30))  # C - 6 months: outside
    assert outcome(wh, "DOMESTIC_ABUSE")[0]
    wh.add("domestic_abuse", ADULT, incident_date=date(2025, 3, 31))  # the day after: inside
    assert not outcome(wh, "DOMESTIC_ABUSE")[0]
    wh.add("domestic_abuse", ADULT, incident_date=C + timedelta(days=1))  # after C: ignored
    assert outcome(wh, "DOMESTIC_ABUSE")[1][0][2] == 1


def _term(wh: Warehouse, year: str, term: str, possible: int, absent: int) -> None:
    wh.add(
        "school_attendance",
        CHILD,
        academic_year=year,
        term=term,
        sessions_possible=possible,
        sessions_authorised_absence=0,
        sessions_unauthorised_absence=absent,
    )


def test_education_needs_90_percent_in_each_of_the_last_three_terms(wh: Warehouse) -> None:
    # At C = 30 Sep 2025 the last 3 terms are autumn 2024, spring 2025, summer 2025.
    _term(wh, "2024/25", "AUT", 100, 10)  # exactly 90%: passes
    _term(wh, "2024/25", "SPR", 100, 0)
    _term(wh, "2024/25", "SUM", 1000, 101)  # 89.9% in the third term: fails
    met, tests = outcome(wh, "EDUCATION")
    assert tests[0] == ("a term with attendance under 90%", 0, 1, False) and not met


def test_a_term_without_a_row_is_not_a_failing_term(wh: Warehouse) -> None:
    _term(wh, "2024/25", "AUT", 100, 5)
    _term(wh, "2024/25", "SUM", 100, 10)
    assert outcome(wh, "EDUCATION")[0]
    _term(wh, "2023/24", "SUM", 100, 50)  # before the window at C, inside it at S
    met, tests = outcome(wh, "EDUCATION")
    assert met and tests[0][1:] == (1, 0, True)


def test_suspensions_and_exclusions_in_the_last_three_terms(wh: Warehouse) -> None:
    for d in ("2024-10-01", "2025-01-10"):
        wh.add("school_exclusions", CHILD, category="SUSPENSION", start_date=date.fromisoformat(d))
    assert outcome(wh, "EDUCATION")[0]  # two suspensions: fewer than 3
    wh.add("school_exclusions", CHILD, category="SUSPENSION", start_date=date(2025, 7, 31))
    assert not outcome(wh, "EDUCATION")[0]  # the third, on the last day of the summer term


def test_out_of_work_only_counts_where_it_applied_at_the_start(wh: Warehouse) -> None:
    wh.add("dwp_benefits", ADULT, benefit="JSA", start_date=date(2025, 6, 1), end_date=None)
    met, tests = outcome(wh, "WORK_FINANCE")
    assert met and tests[1][1:] == (0, 1, True)  # not claiming at S: the test does not apply
    wh.add("dwp_benefits", ADULT, benefit="ESA", start_date=date(2024, 1, 1), end_date=C)
    met, tests = outcome(wh, "WORK_FINANCE")
    assert not met and tests[1][1:] == (1, 1, False)  # the JSA claim is open at C


def test_a_claim_ending_on_c_is_not_open_at_c(wh: Warehouse) -> None:
    wh.add("dwp_benefits", ADULT, benefit="ESA", start_date=date(2024, 1, 1), end_date=C)
    met, tests = outcome(wh, "WORK_FINANCE")
    assert met and tests[1][1:] == (1, 0, True)


def test_health_counts_new_referrals_not_open_services(wh: Warehouse) -> None:
    wh.add(
        "health", ADULT, service="ADULT_MENTAL_HEALTH", start_date=date(2024, 6, 1), end_date=None
    )
    assert outcome(wh, "HEALTH")[0]  # open since before, no new referral in the 6 months
    wh.add("health", CHILD, service="A_AND_E", start_date=date(2025, 9, 1), end_date=None)
    assert not outcome(wh, "HEALTH")[0]


def test_a_need_without_a_rule_is_not_judged() -> None:
    from wholefamily.outcomes import family_met

    fw = {"outcomes": {"EDUCATION": {"all_of": [{"test": "t", "none": True}]}}}
    results = judge(fw, {"F1": {"EDUCATION", "WORK"}}, {}, {})["F1"]
    assert [(r.need, r.met) for r in results] == [("EDUCATION", True), ("WORK", None)]
    assert family_met(results)
    assert not family_met(judge(fw, {"F1": {"WORK"}}, {}, {})["F1"])  # nothing judged
    assert not family_met(judge(fw, {"F1": {"EDUCATION"}}, {}, {("F1", "EDUCATION", 0): 1})["F1"])


def test_southampton_needs_attendance_over_85_percent_each_term(wh: Warehouse) -> None:
    _term(wh, "2024/25", "AUT", 1000, 149)  # 85.1%
    assert outcome(wh, "EDUCATION", "southampton-2013")[0]
    _term(wh, "2024/25", "SPR", 100, 15)  # exactly 85%: not over 85%
    assert not outcome(wh, "EDUCATION", "southampton-2013")[0]


def test_tf2012_counts_offences_by_under_18s_where_they_applied(wh: Warehouse) -> None:
    # The adult (born 1985) offends at S and at C: not youth offending.
    _offence(wh, S - timedelta(days=10))
    _offence(wh, C - timedelta(days=10))
    met, tests = outcome(wh, "CRIME_ASB", "tf-2012")
    assert met and tests[0][1:3] == (0, 0)
    # ASB did not apply at S, so incidents now do not stop the result.
    _asb(wh, C - timedelta(days=3))
    met, tests = outcome(wh, "CRIME_ASB", "tf-2012")
    assert met and tests[1][1:] == (0, 1, True)
    # The child (born 2012) offends twice before S and twice before C: not 33% fewer.
    for d in (
        S - timedelta(days=20),
        S - timedelta(days=30),
        C - timedelta(days=20),
        C - timedelta(days=30),
    ):
        wh.add("police_offences", CHILD, outcome="YOUTH_CAUTION", offence_date=d, outcome_date=d)
    met, tests = outcome(wh, "CRIME_ASB", "tf-2012")
    assert not met and tests[0][1:] == (2, 2, False)
    assert outcome(wh, "WORK", "tf-2012") == (None, [])  # route 1 does not judge WORK


def _employment(wh: Warehouse, start: date, end: date | None) -> None:
    wh.add("employment", ADULT, start_date=start, end_date=end, weekly_hours=30)


def _route(wh: Warehouse, benefit: str = "ESA") -> tuple[dict[str, dict[str, int]], set[str]]:
    from wholefamily.outcomes.employment import claimants, employed

    wh.add(
        "dwp_benefits",
        ADULT,
        benefit=benefit,
        start_date=date(2024, 1, 1),
        end_date=date(2025, 1, 31),
    )
    wh.db.close()
    con = W.connect(wh.ws, read_only=True)
    try:
        who = claimants(con, "d", S)
        got = employed(con, "d", C, who.get("F1", {}))
    finally:
        con.disconnect()
    import duckdb

    wh.db = duckdb.connect(str(W.warehouse_path(wh.ws)))
    return who, got


# C = 30 Sep 2025: the last 13 weeks are 2 Jul to 30 Sep; the last 26 weeks 2 Apr to 30 Sep.
def test_13_weeks_of_work_after_another_out_of_work_benefit(wh: Warehouse) -> None:
    _employment(wh, date(2025, 7, 2), None)
    who, got = _route(wh, "ESA")
    assert who == {"F1": {ADULT: 13}} and got == {ADULT}


def test_a_day_short_is_not_continuous(wh: Warehouse) -> None:
    _employment(wh, date(2025, 7, 3), None)
    assert _route(wh, "ESA")[1] == set()


def test_spells_join_across_a_gap_of_7_days_not_8(wh: Warehouse) -> None:
    _employment(wh, date(2025, 6, 1), date(2025, 8, 1))
    _employment(wh, date(2025, 8, 8), C)  # starts 7 days after the end: joined; ends on C
    assert _route(wh, "ESA")[1] == {ADULT}


def test_a_gap_of_8_days_breaks_it(wh: Warehouse) -> None:
    _employment(wh, date(2025, 6, 1), date(2025, 8, 1))
    _employment(wh, date(2025, 8, 9), None)
    assert _route(wh, "ESA")[1] == set()


def test_26_weeks_after_jobseekers_allowance(wh: Warehouse) -> None:
    _employment(wh, date(2025, 4, 3), None)  # 26 weeks less a day
    assert _route(wh, "JSA")[1] == set()
    _employment(wh, date(2025, 4, 2), date(2025, 4, 10))  # the first day too, joined
    who, got = _route(wh, "JSA")
    assert who["F1"][ADULT] == 26 and got == {ADULT}


def test_the_employment_route_and_work_finance(wh: Warehouse) -> None:
    from wholefamily.outcomes import result

    wh.add("dwp_benefits", ADULT, benefit="JSA", start_date=date(2024, 1, 1), end_date=None)
    met, tests = outcome(wh, "WORK_FINANCE")
    assert not met and tests[1][1:] == (1, 1, False)  # still claiming at C
    needs = judge(
        FW,
        {"F1": {"WORK_FINANCE"}},
        {("F1", "WORK_FINANCE", 1): 1},
        {("F1", "WORK_FINANCE", 1): 1},
        employed={"F1"},
    )["F1"]
    assert needs[0].met  # an adult in continuous employment meets the out-of-work test
    assert result(FW, "F1", needs, True).route == "progress"
    failing = judge(FW, {"F1": {"DOMESTIC_ABUSE"}}, {}, {("F1", "DOMESTIC_ABUSE", 0): 1})["F1"]
    assert result(FW, "F1", failing, True).route == "employment"
    assert result(FW, "F1", failing, False).route == ""
    sf = check(shipped()["sf-2022"]).data
    assert result(sf, "F1", failing, True).route == ""  # no employment route after Oct 2022


def test_evaluate_outcomes_against_the_generators_improvements(tmp_path: Path) -> None:
    from test_cli import run
    from wholefamily.ingest import load_drop
    from wholefamily.outcomes.evaluate import evaluate_outcomes, improvements
    from wholefamily.synth import SynthConfig, generate

    generate(SynthConfig(people=6000, seed=3, as_of=C, out=tmp_path / "c"))
    load_drop(tmp_path / "c" / "drop", tmp_path / "ws", "d")
    s = evaluate_outcomes(tmp_path / "ws", tmp_path / "c", "tf-2015", S, C)
    assert s.families > 0 and 0 <= s.both <= min(s.predicted, s.improved)
    assert s.predicted <= s.families and s.improved <= s.families
    assert s.improved <= len(improvements(tmp_path / "c"))
    res = run(
        "evaluate",
        "outcomes",
        "--truth",
        str(tmp_path / "c"),
        "--start",
        str(S),
        "--claim",
        str(C),
        "--workspace",
        str(tmp_path / "ws"),
    )
    assert res.returncode == 0, res.stderr
    assert f"{s.families:,} families eligible at the start" in res.stdout
    assert f"F1 {s.f1:.4f}" in res.stdout
    bad = run(
        "evaluate",
        "outcomes",
        "--truth",
        str(tmp_path / "c"),
        "--start",
        str(C),
        "--claim",
        str(S),
        "--workspace",
        str(tmp_path / "ws"),
    )
    assert bad.returncode == 2 and "--start must be before --claim" in bad.stderr


def test_the_truth_waits_for_what_each_need_reads() -> None:
    """An improvement counts when the outcome tests at C read only after it: 6 months
    for most needs, the oldest of the last three terms for school attendance."""
    from wholefamily.frameworks.engine import reaches_back_to
    from wholefamily.outcomes.evaluate import clean_from

    claim = date(2026, 9, 30)
    rules = FW["outcomes"]
    assert clean_from(FW, {"CRIME_ASB"}, claim) == date(2026, 3, 31)
    assert clean_from(FW, {"WORK_FINANCE"}, claim) == date(2026, 3, 31)
    # The last three terms before 30 Sep 2026 are SUM 2026, SPR 2026 and AUT 2025.
    assert clean_from(FW, {"CRIME_ASB", "EDUCATION"}, claim) == date(2025, 8, 1)
    out_of_work = rules["WORK_FINANCE"]["all_of"][1]
    assert reaches_back_to(out_of_work, claim) == claim  # open on the day
    assert clean_from(FW, set(), claim) == date(2026, 3, 31)  # no rule: 6 months


# Every outcome test of every shipped framework, at its window's edge -------------------


def _every_test() -> list[tuple[str, str, int]]:
    out = []
    for name, path in sorted(shipped().items()):
        for need, rule in sorted((check(path).data.get("outcomes") or {}).items()):
            out.extend((name, need, i) for i in range(len(rule["all_of"])))
    return out


def _meets(cond: Any) -> Any:
    """A value that meets one `where` condition."""
    from wholefamily.frameworks.files import NAMED_SETS

    if not isinstance(cond, dict):
        return cond
    op, value = next(iter(cond.items()))
    if op == "in":
        return sorted(NAMED_SETS[value])[0] if isinstance(value, str) else str(value[0])
    if op == "not_in":
        return "SOMETHING_ELSE"
    if op == "contains":
        return f"OTHER;{value}"
    return {"at_least": value, "at_most": value, "above": value + 1, "below": value - 1}[op]


def _window_edge(when: dict[str, Any]) -> tuple[dict[str, date | None], dict[str, date | None]]:
    """Columns for a row just inside the window at C, and for one just outside."""
    from wholefamily.sources.calendar import last_terms, months_before

    kind = when["window"]
    if kind in ("last_months", "last_terms"):
        first = (
            months_before(C, when["months"]) + timedelta(days=1)
            if kind == "last_months"
            else last_terms(C, when["terms"])[0].first_day
        )
        return {when["column"]: first}, {when["column"]: first - timedelta(days=1)}
    start, end = when["start"], when["end"]
    if kind == "open_at":  # open on C, against closed on C
        return {start: C - timedelta(days=30), end: None}, {start: C - timedelta(days=30), end: C}
    since = months_before(C, when["months"])
    if kind == "open_or_started":  # started the day after `since` (closed since)
        return (
            {start: since + timedelta(days=1), end: since + timedelta(days=2)},
            {start: since - timedelta(days=10), end: since},
        )
    # overlaps: ended the day after `since`, against ended on it
    return (
        {start: since - timedelta(days=10), end: since + timedelta(days=1)},
        {start: since - timedelta(days=10), end: since},
    )


def _absence_edge(test: dict[str, Any]) -> tuple[int, int]:
    """Absent sessions of 1,000 in a term: just meeting the test's limit, just not."""
    from fractions import Fraction

    op = next(k for k in ("at_least", "at_most", "above", "below") if k in test)
    limit = Fraction(str(test[op])) * 1000
    assert limit.denominator == 1, "the edge needs a limit in thousandths"
    n = int(limit)  # sessions meeting the measure at the limit
    inside, outside = {"at_least": (n, n - 1), "at_most": (n, n + 1)}.get(op) or {
        "above": (n + 1, n),
        "below": (n - 1, n),
    }[op]
    if test["measure"] == "attendance":  # attended sessions -> absent sessions
        return 1000 - inside, 1000 - outside
    return inside, outside


@pytest.mark.parametrize(("framework", "need", "index"), _every_test())
def test_every_outcome_test_at_its_edge(
    tmp_path: Path, framework: str, need: str, index: int
) -> None:
    """A row just inside the test's window at C counts and fails the test; one just
    outside does not count and the test passes (for each of the 4 frameworks' tests)."""
    from wholefamily.sources.calendar import last_terms

    fw = check(shipped()[framework]).data
    test = fw["outcomes"][need]["all_of"][index]
    one = {"outcomes": {need: {"all_of": [test]}}}
    # Under-18s or children where the test asks; the adult otherwise.
    person = CHILD if test["who"] == "dependent_child" or "age_under" in test else ADULT
    for side in ("inside", "outside"):
        wh = Warehouse(tmp_path / side)
        if test.get("kind") == "absence":
            absent = _absence_edge(test)[side == "outside"]
            oldest = last_terms(C, test["terms"])[0]
            wh.add(
                "school_attendance",
                person,
                academic_year=oldest.academic_year,
                term=oldest.code,
                sessions_possible=1000,
                sessions_authorised_absence=0,
                sessions_unauthorised_absence=absent,
            )
            wh.add(  # the other terms, clean, so a test over the terms together sees the same
                "school_attendance",
                person,
                academic_year=oldest.next().academic_year,
                term=oldest.next().code,
                sessions_possible=0,
                sessions_authorised_absence=0,
                sessions_unauthorised_absence=0,
            )
        else:
            inside, outside = _window_edge(test["when"])
            age_at = (test.get("age_under") or {}).get("at", "as_of")
            if age_at != "as_of":  # the age on the row's event date: the window's date
                inside = {**inside, age_at: next(iter(inside.values()))}
                outside = {**outside, age_at: next(iter(outside.values()))}
            where = {col: _meets(c) for col, c in (test.get("where") or {}).items()}
            for _ in range(int(test.get("count_at_least", 1))):
                wh.add(test["source"], person, **where, **(inside if side == "inside" else outside))
            if test.get("only_if_at_start"):  # the test applies: a row counted at S
                at_s = {
                    c: (S - timedelta(days=10) if i == 0 else S + timedelta(days=10))
                    for i, c in enumerate(inside)
                }
                wh.add(test["source"], person, **where, **at_s)
        wh.db.close()
        con = W.connect(wh.ws, read_only=True)
        try:
            at_s, at_c = measure(con, one, "d", S), measure(con, one, "d", C)
        finally:
            con.disconnect()
        s, c = at_s.get(("F1", need, 0), 0), at_c.get(("F1", need, 0), 0)
        if side == "inside":
            assert c >= 1 and not passes(test, s, c), (side, s, c)
        else:
            assert c == 0 and passes(test, s, c), (side, s, c)
