"""Indicators at their boundaries: windows, terms bounded by Easter, ages, exact rates.

Each test builds a tiny warehouse by hand (one family: an adult and a child),
puts rows on either side of an edge, and asks the engine which count.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from enginekit import ADULT, CHILD, T, Warehouse
from wholefamily.frameworks.engine import eligible


@pytest.fixture
def wh(tmp_path: Path) -> Warehouse:
    return Warehouse(tmp_path / "ws")


OFFENCE = {
    "indicator": "proven offence",
    "source": "police_offences",
    "who": "member",
    "where": {"outcome": {"in": "PROVEN_OUTCOMES"}},
    "when": {"window": "last_months", "months": 12, "column": "outcome_date"},
}


def test_last_12_months_edges(wh: Warehouse) -> None:
    rows = {
        d: wh.add("police_offences", ADULT, outcome="CAUTION", offence_date=d, outcome_date=d)
        for d in (date(2024, 3, 31), date(2024, 4, 1), T, date(2025, 4, 1))
    }
    got = wh.evidence(OFFENCE)
    # T minus 12 months is excluded, the day after it and T itself included, after T not.
    assert got == {("police_offences", rows[date(2024, 4, 1)]), ("police_offences", rows[T])}


def test_months_clamp_to_the_end_of_the_month(wh: Warehouse) -> None:
    six = dict(OFFENCE, when={"window": "last_months", "months": 6, "column": "outcome_date"})
    before = wh.add(
        "police_offences",
        ADULT,
        outcome="CONVICTION",
        offence_date=date(2024, 9, 30),
        outcome_date=date(2024, 9, 30),
    )
    after = wh.add(
        "police_offences",
        ADULT,
        outcome="CONVICTION",
        offence_date=date(2024, 10, 1),
        outcome_date=date(2024, 10, 1),
    )
    # 2025-03-31 minus 6 months is 2024-09-30 (excluded).
    assert wh.evidence(six) == {("police_offences", after)}
    assert before != after


def test_not_proven_outcomes_do_not_count(wh: Warehouse) -> None:
    wh.add("police_offences", ADULT, outcome="COMMUNITY_RESOLUTION", offence_date=T, outcome_date=T)
    wh.add("police_offences", ADULT, outcome="NO_FURTHER_ACTION", offence_date=T, outcome_date=T)
    assert wh.evidence(OFFENCE) == set()


def test_age_on_the_offence_date_not_at_t(wh: Warehouse) -> None:
    # The child row's person is P2 (born 2012); use the adult for an 18th birthday case.
    wh.db.execute("UPDATE link_people SET dob = '2007-01-01' WHERE person_id = 'P1'")
    row = wh.add(
        "police_offences",
        ADULT,
        outcome="CAUTION",
        offence_date=date(2024, 12, 31),
        outcome_date=date(2025, 1, 15),
    )
    young = dict(OFFENCE, age_under={"years": 18, "at": "offence_date"})
    assert wh.evidence(young) == {("police_offences", row)}  # 17 on the offence date
    at_t = dict(OFFENCE, age_under={"years": 18, "at": "as_of"})
    assert wh.evidence(at_t) == set()  # 18 at T


CLAIM = {
    "indicator": "out-of-work benefit",
    "source": "dwp_benefits",
    "who": "adult",
    "where": {"benefit": {"in": "OUT_OF_WORK_BENEFITS"}},
    "when": {"window": "open_at", "start": "start_date", "end": "end_date"},
}


def test_claims_open_exactly_at_t(wh: Warehouse) -> None:
    starts_t = wh.add("dwp_benefits", ADULT, benefit="JSA", start_date=T, end_date=None)
    wh.add("dwp_benefits", ADULT, benefit="ESA", start_date=date(2025, 4, 1), end_date=None)
    wh.add("dwp_benefits", ADULT, benefit="ESA", start_date=date(2024, 1, 1), end_date=T)
    ends_after = wh.add(
        "dwp_benefits", ADULT, benefit="IS", start_date=date(2024, 1, 1), end_date=date(2025, 4, 1)
    )
    wh.add("dwp_benefits", ADULT, benefit="UC_WORKING", start_date=date(2024, 1, 1), end_date=None)
    wh.add("dwp_benefits", CHILD, benefit="JSA", start_date=date(2024, 1, 1), end_date=None)
    # Open at T: started on or before T and not ended by T; in work or a child's: no.
    assert wh.evidence(CLAIM) == {("dwp_benefits", starts_t), ("dwp_benefits", ends_after)}


SUSPENSIONS = {
    "indicator": "3 or more suspensions",
    "source": "school_exclusions",
    "who": "dependent_child",
    "where": {"category": "SUSPENSION"},
    "when": {"window": "last_terms", "terms": 3, "column": "start_date"},
    "count_at_least": 3,
}


def test_last_three_terms_end_at_easter(wh: Warehouse) -> None:
    # Easter Sunday 2025 is 20 April: spring term 2025 ends that day.
    easter = date(2025, 4, 20)
    dates = [date(2024, 4, 22), date(2024, 9, 10), date(2025, 4, 20)]
    rows = [wh.add("school_exclusions", CHILD, category="SUSPENSION", start_date=d) for d in dates]
    # At Easter Sunday the last 3 terms are summer 2024, autumn 2024, spring 2025.
    assert wh.evidence(SUSPENSIONS, easter) == {("school_exclusions", r) for r in rows}
    # The day before, spring 2025 has not ended: spring 2024 to autumn 2024, so the
    # spring 2025 suspension is outside and only 2 remain (fewer than 3).
    assert wh.evidence(SUSPENSIONS, date(2025, 4, 19)) == set()


def test_suspensions_need_three(wh: Warehouse) -> None:
    first = [
        wh.add("school_exclusions", CHILD, category="SUSPENSION", start_date=date(2024, 10, d))
        for d in (1, 2)
    ]
    assert wh.evidence(SUSPENSIONS) == set()
    third = wh.add("school_exclusions", CHILD, category="SUSPENSION", start_date=date(2024, 10, 3))
    assert wh.evidence(SUSPENSIONS) == {("school_exclusions", r) for r in (*first, third)}


def _attendance(wh: Warehouse, terms: list[tuple[str, str, int, int, int]]) -> list[int]:
    return [
        wh.add(
            "school_attendance",
            CHILD,
            academic_year=year,
            term=term,
            sessions_possible=possible,
            sessions_authorised_absence=auth,
            sessions_unauthorised_absence=unauth,
        )
        for year, term, possible, auth, unauth in terms
    ]


def test_absence_rates_compare_exactly(wh: Warehouse) -> None:
    # At T = 2025-03-31 the last 3 terms are SPR 2024, SUM 2024, AUT 2024.
    rows = _attendance(
        wh,
        [
            ("2023/24", "SPR", 100, 0, 15),
            ("2023/24", "SUM", 100, 0, 15),
            ("2024/25", "AUT", 100, 0, 15),
            ("2024/25", "SPR", 100, 0, 100),  # spring 2025 has not ended at T
        ],
    )
    unauth_15 = {
        "indicator": "unauthorised absence of 15% or more",
        "kind": "absence",
        "who": "dependent_child",
        "terms": 3,
        "measure": "unauthorised_absence",
        "at_least": 0.15,
    }
    # Exactly 15.0% counts as "15% or more"; the spring 2025 row is not in the window.
    assert wh.evidence(unauth_15) == {("school_attendance", r) for r in rows[:3]}
    below_85 = dict(unauth_15, measure="attendance", below=0.85)
    del below_85["at_least"]
    assert wh.evidence(below_85) == set()  # attendance exactly 85.0% is not below 85%


def test_a_missing_term_is_left_out_of_the_rate(wh: Warehouse) -> None:
    rows = _attendance(wh, [("2023/24", "SUM", 100, 0, 20), ("2024/25", "AUT", 300, 0, 30)])
    need = {
        "indicator": "unauthorised absence of 15% or more",
        "kind": "absence",
        "who": "dependent_child",
        "terms": 3,
        "measure": "unauthorised_absence",
        "at_least": 0.125,
    }
    # (20 + 30) / (100 + 300) = 12.5%: the spring 2024 term without a row does not count.
    assert wh.evidence(need) == {("school_attendance", r) for r in rows}


def test_eligibility_alternatives() -> None:
    import ibis

    fw = {
        "needs": {n: {} for n in ("A", "B", "C", "L")},
        "eligibility": [
            {"at_least": 3, "of": ["A", "B", "C"]},
            {"at_least": 2, "of": ["A", "B", "C"], "and": ["L"]},
        ],
    }
    needs = ibis.memtable(
        {
            "family_id": ["f1", "f1", "f1", "f2", "f2", "f2", "f3", "f3", "f4"],
            "need": ["A", "B", "C", "A", "B", "L", "A", "L", "L"],
        }
    )
    con = ibis.duckdb.connect()
    got = set(con.execute(eligible(fw, needs))["family_id"])
    assert got == {"f1", "f2"}
    headlines = {
        "needs": {"A": {"headline": "H"}, "B": {"headline": "H"}, "C": {}},
        "eligibility": [{"at_least": 2}],
        "distinct_headlines": True,
    }
    two = ibis.memtable({"family_id": ["f", "f", "g", "g"], "need": ["A", "B", "A", "C"]})
    assert set(con.execute(eligible(headlines, two))["family_id"]) == {"g"}


def test_open_or_started_and_overlapping_episodes(wh: Warehouse) -> None:
    since = date(2024, 3, 31)  # T minus 12 months
    rows = {
        "open": wh.add(
            "social_care",
            CHILD,
            episode="CIN",
            start_date=date(2020, 1, 1),
            end_date=None,
            missing_episodes=0,
        ),
        "started, closed": wh.add(
            "social_care",
            CHILD,
            episode="CP",
            start_date=date(2024, 4, 1),
            end_date=date(2024, 6, 1),
            missing_episodes=2,
        ),
        "closed before": wh.add(
            "social_care",
            CHILD,
            episode="CIN",
            start_date=date(2020, 1, 1),
            end_date=since,
            missing_episodes=1,
        ),
        "closed inside": wh.add(
            "social_care",
            CHILD,
            episode="EARLY_HELP",
            start_date=date(2020, 1, 1),
            end_date=date(2024, 4, 1),
            missing_episodes=1,
        ),
        "future": wh.add(
            "social_care",
            CHILD,
            episode="CIN",
            start_date=date(2025, 4, 1),
            end_date=None,
            missing_episodes=3,
        ),
    }
    helped = {
        "indicator": "episode",
        "source": "social_care",
        "who": "dependent_child",
        "where": {"episode": {"in": ["EARLY_HELP", "CIN", "CP"]}},
        "when": {
            "window": "open_or_started",
            "months": 12,
            "start": "start_date",
            "end": "end_date",
        },
    }
    assert wh.evidence(helped) == {
        ("social_care", rows["open"]),
        ("social_care", rows["started, closed"]),
    }
    missing = {
        "indicator": "reported missing",
        "source": "social_care",
        "who": "dependent_child",
        "where": {"missing_episodes": {"above": 0}},
        "when": {"window": "overlaps", "months": 12, "start": "start_date", "end": "end_date"},
    }
    # Overlaps the last 12 months: ends after T minus 12 months (2024-03-31 itself is out).
    assert wh.evidence(missing) == {
        ("social_care", rows["started, closed"]),
        ("social_care", rows["closed inside"]),
    }


def test_referral_needs_and_ages_at_t(wh: Warehouse) -> None:
    named = wh.add("referrals", ADULT, referral_date=date(2024, 6, 1), needs="HEALTH;RELATIONSHIPS")
    wh.add("referrals", ADULT, referral_date=date(2024, 6, 1), needs="HOUSING")
    wh.add("referrals", ADULT, referral_date=date(2023, 6, 1), needs="RELATIONSHIPS")
    referral = {
        "indicator": "named in a referral",
        "source": "referrals",
        "who": "member",
        "where": {"needs": {"contains": "RELATIONSHIPS"}},
        "when": {"window": "last_months", "months": 12, "column": "referral_date"},
    }
    assert wh.evidence(referral) == {("referrals", named)}
    visit = wh.add(
        "health",
        CHILD,
        service="HEALTH_VISITING_CONCERN",
        start_date=date(2024, 9, 1),
        end_date=None,
    )
    under5 = {
        "indicator": "health visiting concern",
        "source": "health",
        "who": "dependent_child",
        "age_under": {"years": 5, "at": "as_of"},
        "where": {"service": "HEALTH_VISITING_CONCERN"},
        "when": {
            "window": "open_or_started",
            "months": 12,
            "start": "start_date",
            "end": "end_date",
        },
    }
    assert wh.evidence(under5) == set()  # the child was born in 2012
    wh.db.execute("UPDATE link_people SET dob = '2020-04-01' WHERE person_id = 'P2'")
    assert wh.evidence(under5) == {("health", visit)}  # 4 at T (5 on 2025-04-01)
