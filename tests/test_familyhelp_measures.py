"""The Families First measures on constructed cases with answers worked out by hand, for
the county and for each district, in the collection year 2025-26.

Seven families, through the services (what each one holds is in `cases`); each measure
has a case on the edge of its rule, so that a rule off by a day (or one that counted
weekdays, not working days, over Easter or Christmas) gives another answer.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from webkit import family, user
from wholefamily.web.accounts.models import Role, Team
from wholefamily.web.families.models import ChildPopulation, Family, Member, Person, SyncRun
from wholefamily.web.familyhelp import measures as M
from wholefamily.web.familyhelp import services as fh
from wholefamily.web.familyhelp.models import Decision, Level
from wholefamily.web.protection import services as cp
from wholefamily.web.reporting.periods import parse_period
from wholefamily.workdays import add_working_days, working_days_between

pytestmark = pytest.mark.django_db
YEAR = parse_period("2025/26")  # 1 April 2025 to 31 March 2026
CAS, BUD = "Casterbridge", "Budmouth"
D = date


def test_the_working_days_the_cases_rely_on() -> None:
    """Counted by hand: England's bank holidays are not working days."""
    # From Tuesday 1 April 2025: Good Friday, Easter Monday, the early May and the
    # spring bank holidays fall in the 45 (a count of weekdays would say 49).
    assert add_working_days(D(2025, 4, 1), 45) == D(2025, 6, 9)
    assert working_days_between(D(2025, 4, 1), D(2025, 6, 9)) == 45
    # From Wednesday 10 December 2025: Christmas, Boxing Day and New Year's Day.
    assert add_working_days(D(2025, 12, 10), 45) == D(2026, 2, 16)
    # A strategy discussion on Tuesday 8 April 2025: 15 working days over Easter end on
    # Thursday 1 May (17 weekdays); on Monday 15 December 2025, over Christmas, on
    # Thursday 8 January 2026 (18 weekdays).
    assert add_working_days(D(2025, 4, 8), 15) == D(2025, 5, 1)
    assert add_working_days(D(2025, 12, 15), 15) == D(2026, 1, 8)
    assert working_days_between(D(2026, 3, 10), D(2026, 3, 31)) == 15
    assert working_days_between(D(2025, 6, 2), D(2025, 6, 24)) == 16


def _child(f: Family, n: int, forename: str, dob: date) -> Person:
    p = Person.objects.create(person_id=f"P{f.family_id}{n}", forename=forename, dob=dob)
    Member.objects.create(family=f, person=p, role="CHILD")
    return p


def _kid(f: Family) -> Person:
    return Person.objects.get(person_id=f"P{f.family_id}1")


@pytest.fixture
def cases() -> dict[str, Any]:
    team = Team.objects.create(name="Family Help")
    mgr = user("fhmanager", Role.MANAGER, team)
    worker = user("worker", Role.KEY_WORKER, team)
    l1 = user("teacher", Role.PARTNER)
    l2 = user("nurse", Role.PARTNER)
    l3 = user("cpp", Role.CP_PRACTITIONER)

    def request(f: Family, kids: list[Person], on: date, decision: str, **kw: Any) -> Any:
        req = fh.record_request(f, kids, on, "2A", "Worried about the children.", mgr)
        return fh.decide(req, decision, on, mgr, **kw)

    def assess(ep: Any, kids: list[Person], start: date, done: date, authorised: date) -> None:
        a = fh.start_assessment(ep, kids, start, worker)
        fh.complete_assessment(a, done, ["16A"], "Neglect.", worker, primary_need="N1")
        fh.authorise_assessment(a, authorised, mgr)

    def plan(ep: Any, kid: Person, strategy: date, icpc: date, **kw: Any) -> Any:
        s = cp.hold_strategy(ep, [kid], strategy, "Police\nSchool", l3)
        conf = cp.initial_conference(s, icpc, "All", {kid: "NEG"}, l3, **kw)
        return conf.plans.get()

    # F1, Casterbridge: A and her brother A2.
    f1 = family("F1", district=CAS)
    a, a2 = _kid(f1), _child(f1, 3, "Adam", D(2013, 2, 2))
    request(f1, [a], D(2024, 5, 1), Decision.NFA)
    e1 = request(f1, [a], D(2025, 4, 1), Decision.FAMILY_HELP, lead=l1)  # a re-referral
    assess(e1, [a], D(2025, 4, 1), D(2025, 6, 6), D(2025, 6, 9))  # 45 over Easter: in time
    fh.change_level(e1, a, Level.CIN, D(2025, 5, 1), mgr, "CIN plan")  # up, same lead
    s = cp.hold_strategy(e1, [a2], D(2025, 4, 8), "Police", l3)
    cp.initial_conference(s, D(2025, 5, 1), "All", {}, l3)  # 15 over Easter: in time
    fh.change_lead(e1, l2, D(2025, 8, 1), mgr, "Nurse leads now")  # no change of level
    request(f1, [a, a2], D(2025, 11, 1), Decision.NFA)  # A's re-referral; A2's first
    assess(e1, [a, a2], D(2025, 12, 10), D(2026, 2, 13), D(2026, 2, 16))  # 45: in time x2
    # F2, Casterbridge: B, referred exactly 365 days after her last referral.
    f2 = family("F2", district=CAS)
    b = _kid(f2)
    request(f2, [b], D(2024, 9, 1), Decision.NFA)
    e2 = request(f2, [b], D(2025, 9, 1), Decision.CP_ENQUIRY, lead=l1, level=Level.CIN)
    b_plan = plan(e2, b, D(2025, 9, 1), D(2025, 9, 19))  # 14 working days; up, same lead
    cp.end_plan(b_plan, D(2026, 3, 31), "Safer", l3, step_to=Level.TARGETED)  # ends that day
    # F3, Budmouth: C, referred 366 days after her last; into care with a new lead.
    f3 = family("F3", district=BUD)
    c = _kid(f3)
    request(f3, [c], D(2024, 10, 1), Decision.NFA)
    e3 = request(f3, [c], D(2025, 10, 2), Decision.FAMILY_HELP, lead=l2)
    assess(e3, [c], D(2025, 12, 10), D(2026, 2, 16), D(2026, 2, 17))  # 46: late
    s = cp.hold_strategy(e3, [c], D(2025, 12, 15), "Police", l3)
    cp.initial_conference(s, D(2026, 1, 8), "All", {}, l3)  # 15 over Christmas: in time
    fh.change_level(e3, c, Level.CLA, D(2026, 1, 10), mgr, "Looked after", lead=l3)
    # F4, Budmouth: D, given advice first; a plan from the period's last day, her second.
    f4 = family("F4", district=BUD)
    d = _kid(f4)
    request(f4, [d], D(2025, 6, 1), Decision.ADVICE)  # not a referral
    e4 = request(f4, [d], D(2025, 7, 1), Decision.FAMILY_HELP, lead=l2, level=Level.CIN)
    plan(e4, d, D(2026, 3, 10), D(2026, 3, 31), earlier_plans={d: 1})  # 15: in time
    a5 = fh.start_assessment(e4, [d], D(2026, 2, 20), worker)
    fh.complete_assessment(a5, D(2026, 4, 1), ["16A"], "x", worker)
    fh.authorise_assessment(a5, D(2026, 4, 2), mgr)  # after the period
    # F5, Budmouth: G, a late conference, a plan, a step down, then a second plan.
    f5 = family("F5", district=BUD)
    g = _kid(f5)
    e5 = request(f5, [g], D(2025, 6, 2), Decision.CP_ENQUIRY, lead=l2, level=Level.CIN)
    g_plan = plan(e5, g, D(2025, 6, 2), D(2025, 6, 24))  # 16 working days: late
    cp.end_plan(g_plan, D(2025, 12, 1), "Safer", l3, step_to=Level.CIN)  # down, same lead
    plan(e5, g, D(2026, 2, 2), D(2026, 2, 16))  # a repeat plan, 10 working days
    # F6, Casterbridge: H, up the day before the period and down on its first day.
    f6 = family("F6", district=CAS)
    h = _kid(f6)
    e6 = request(f6, [h], D(2025, 3, 1), Decision.FAMILY_HELP, lead=l1)
    fh.change_level(e6, h, Level.CIN, D(2025, 3, 31), mgr, "CIN plan")
    fh.change_level(e6, h, Level.TARGETED, D(2025, 4, 1), mgr, "Needs met", lead=l3)  # new
    fh.record_request(f6, [h], D(2025, 5, 5), "2A", "Not yet decided.", mgr)
    # F7, Casterbridge: K, on a repeat plan from the day before the period.
    f7 = family("F7", district=CAS)
    k = _kid(f7)
    e7 = request(f7, [k], D(2025, 1, 6), Decision.CP_ENQUIRY, lead=l1, level=Level.CIN)
    plan(e7, k, D(2025, 1, 6), D(2025, 3, 31), earlier_plans={k: 1})
    assess(e7, [k], D(2025, 1, 6), D(2025, 3, 28), D(2025, 3, 31))  # before the period
    # The child population: the latest sync's, as of the period's last day.
    old = SyncRun.objects.create(framework="tf-2015", as_of=D(2025, 3, 31))
    ChildPopulation.objects.create(run=old, district=CAS, born_on=D(2015, 1, 1), people=999)
    run = SyncRun.objects.create(framework="tf-2015", as_of=D(2026, 3, 31))
    for district, born, n in (
        (CAS, D(2015, 1, 1), 300),
        (CAS, D(2008, 4, 1), 100),  # 18 on 1 April 2026: children on 31 March
        (CAS, D(2008, 3, 31), 50),  # 18 on 31 March 2026: not children that day
        (BUD, D(2012, 6, 1), 200),
        (BUD, D(2026, 2, 1), 10),  # born in the period
        ("", D(2010, 1, 1), 50),  # no district known: the county's only
    ):
        ChildPopulation.objects.create(run=run, district=district, born_on=born, people=n)
    return {"mgr": mgr}


def test_the_child_population_on_a_day(cases: dict[str, Any]) -> None:
    end, q3 = D(2026, 3, 31), D(2025, 12, 31)
    assert M.child_population([end, q3]) == {end: 660, q3: 700}
    assert M.child_population([end, q3], CAS) == {end: 400, q3: 450}
    assert M.child_population([end, q3], BUD) == {end: 210, q3: 200}
    # After the run: its own day; more than five years before it: not known.
    later, long_ago = D(2026, 9, 30), D(2021, 3, 30)
    assert M.child_population([later, long_ago]) == {later: 660, long_ago: None}
    SyncRun.objects.all().delete()
    assert M.child_population([end]) == {end: None}


def test_children_in_need_on_a_plan_and_looked_after_per_10000(cases: dict[str, Any]) -> None:
    m = M.measures(YEAR)
    assert [o.on for o in m.trend] == [
        D(2025, 6, 30),
        D(2025, 9, 30),
        D(2025, 12, 31),
        D(2026, 3, 31),
    ]
    # On 31 March 2026: A (in need), C (looked after), D (on a plan from that day), G (on
    # her second plan) and K; B's plan ended that day and she is at targeted help.
    end = m.at_end
    assert (end.in_need, end.on_plan, end.looked_after, end.children) == (5, 3, 1, 660)
    assert (end.per_10k(end.in_need), end.per_10k(end.on_plan), end.per_10k(1)) == (
        75.8,
        45.5,
        15.2,
    )
    got = [(o.in_need, o.on_plan, o.looked_after) for o in m.trend]
    assert got == [(3, 2, 0), (5, 3, 0), (5, 2, 0), (5, 3, 1)]
    cas, bud = M.measures(YEAR, CAS).at_end, M.measures(YEAR, BUD).at_end
    assert (cas.in_need, cas.on_plan, cas.looked_after, cas.children) == (2, 1, 0, 400)
    assert (cas.per_10k(2), cas.per_10k(1), cas.per_10k(0)) == (50.0, 25.0, 0.0)
    assert (bud.in_need, bud.on_plan, bud.looked_after, bud.children) == (3, 2, 1, 210)
    assert (bud.per_10k(3), bud.per_10k(2), bud.per_10k(1)) == (142.9, 95.2, 47.6)


def test_re_referrals_within_12_months(cases: dict[str, Any]) -> None:
    # Each child named in a referral in the year: A (twice), A2, B, C, D, G. A's two and
    # B's (365 days after her last) are re-referrals; C's came 366 days after hers, D's
    # earlier contact was advice, H's request is undecided.
    assert M.re_referrals(YEAR.first, YEAR.last) == M.Share(3, 7)
    assert M.re_referrals(YEAR.first, YEAR.last).percent == 42.9
    assert M.re_referrals(YEAR.first, YEAR.last, CAS) == M.Share(3, 4)
    assert M.re_referrals(YEAR.first, YEAR.last, BUD) == M.Share(0, 3)


def test_repeat_plans(cases: dict[str, Any]) -> None:
    # Plans starting in the year: B's (her first), D's (one before), G's two; K's began
    # the day before the year.
    assert M.repeat_plans(YEAR.first, YEAR.last) == M.Share(2, 4)
    assert M.repeat_plans(YEAR.first, YEAR.last, CAS) == M.Share(0, 1)
    assert M.repeat_plans(YEAR.first, YEAR.last, BUD) == M.Share(2, 3)


def test_assessments_within_45_working_days(cases: dict[str, Any]) -> None:
    # Authorised in the year, each child: A's over Easter (45), A's and A2's over
    # Christmas (45), C's (46, late); K's was authorised the day before the year, D's
    # after it.
    got = M.assessments_in_time(YEAR.first, YEAR.last)
    assert (got, got.percent) == (M.Share(3, 4), 75.0)
    assert M.assessments_in_time(YEAR.first, YEAR.last, CAS) == M.Share(3, 3)
    assert M.assessments_in_time(YEAR.first, YEAR.last, BUD) == M.Share(0, 1)


def test_initial_conferences_within_15_working_days(cases: dict[str, Any]) -> None:
    # A2's (15 over Easter), C's (15 over Christmas), B's (14), D's (15), G's first (16,
    # late) and second (10); K's was held the day before the year.
    got = M.icpcs_in_time(YEAR.first, YEAR.last)
    assert (got, got.percent) == (M.Share(5, 6), 83.3)
    assert M.icpcs_in_time(YEAR.first, YEAR.last, CAS) == M.Share(2, 2)
    assert M.icpcs_in_time(YEAR.first, YEAR.last, BUD) == M.Share(3, 4)


def test_step_ups_step_downs_and_the_same_lead(cases: dict[str, Any]) -> None:
    m = M.measures(YEAR)
    # Up: A to in need, B, D and G (twice) to a plan, C into care (a new lead). Down:
    # B, G to in need, H on the year's first day (a new lead). The nurse taking A's lead
    # at the same level, and H's step up the day before the year, are no change.
    assert (m.step_ups, m.step_downs, m.same_lead) == (6, 3, M.Share(7, 9))
    assert {(c.before, c.after): (c.children, c.same_lead) for c in m.changes} == {
        ("targeted", "cin"): (1, 1),
        ("cin", "cp"): (4, 4),
        ("targeted", "cla"): (1, 0),
        ("cp", "targeted"): (1, 1),
        ("cp", "cin"): (1, 1),
        ("cin", "targeted"): (1, 0),
    }
    cas, bud = M.measures(YEAR, CAS), M.measures(YEAR, BUD)
    assert (cas.step_ups, cas.step_downs, cas.same_lead) == (2, 2, M.Share(3, 4))
    assert (bud.step_ups, bud.step_downs, bud.same_lead) == (4, 1, M.Share(4, 5))


def test_the_figures_page_and_the_committee_report_show_them(cases: dict[str, Any]) -> None:
    """A Families First section, in words, with the same numbers as the measures."""
    import re

    from django.urls import reverse

    from webkit import client_for
    from wholefamily.web.reporting.metrics import metrics
    from wholefamily.web.reporting.report import build

    m = metrics(YEAR, BUD)
    ff = {f.key: f for f in m.figures if f.section == "Families First"}
    assert list(ff) == ["ff_rates", "ff_trend", "ff_timeliness", "ff_steps"]
    assert ff["ff_rates"].rows == [
        ["Children in need", 3, 142.9],
        ["On a child protection plan", 2, 95.2],
        ["Looked after", 1, 47.6],
    ]
    assert ff["ff_trend"].rows[-1] == ["31 March 2026", 142.9, 95.2, 47.6, 210]
    assert ff["ff_timeliness"].rows == [
        ["Referrals within 12 months of a previous one", 0, 3, 0.0],
        ["Child protection plans that are a repeat", 2, 3, 66.7],
        ["Assessments within 45 working days", 0, 1, 0.0],
        ["Initial conferences within 15 working days", 3, 4, 75.0],
        ["Changes of level with the same lead practitioner", 4, 5, 80.0],
    ]
    assert ff["ff_steps"].rows[:2] == [["Stepped up", 4, 3], ["Stepped down", 1, 1]]
    assert ["From targeted help to looked after", 1, 0] in ff["ff_steps"].rows

    analyst = user("analyst", Role.ANALYST)
    c = client_for(analyst)
    page = c.get(reverse("reports"), {"period": "2025/26"}).content.decode()
    text = " ".join(re.sub(r"<[^>]+>", " ", page).split())
    assert "Families First" in text
    assert "Children in need, on a child protection plan and looked after on 31 March 2026" in text
    assert re.search(r"Children in need\s*</th>\s*<td[^>]*>5</td>\s*<td[^>]*>75\.8<", page)
    # Figure titles sit under the section's heading.
    assert re.search(r'<h2[^>]*id="section-families-first"', page)
    assert '<h3 class="govuk-heading-m" id="figure-ff_rates">' in page
    got = c.get(reverse("report_csv", args=["ff_timeliness"]), {"period": "2025/26"})
    assert got.status_code == 200
    rows = got.content.decode().splitlines()
    assert rows[0] == "measure,counted,out of,share %"
    assert rows[4] == "Initial conferences within 15 working days,5,6,83.3"
    html, _ = build(YEAR)
    assert '<h2 class="pagebreak section">Families First</h2>' in html
    assert "<h3>Re-referrals, repeat plans and timeliness</h3>" in html
    assert "Stepped up</td><td>6</td>" in html.replace("\n", "")
