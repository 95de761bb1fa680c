"""Family Help and child protection records: the journey through the services, the
working-day limits over England's bank holidays, and every change refused whole."""

from __future__ import annotations

from datetime import date

import pytest

from webkit import family, user
from wholefamily.web.accounts.models import Role, Team
from wholefamily.web.families.models import Person, Status
from wholefamily.web.familyhelp import services as fh
from wholefamily.web.familyhelp.models import ChildLevel, Decision, Episode, Level, Request
from wholefamily.web.protection import services as cp
from wholefamily.web.protection.models import Plan
from wholefamily.workdays import (
    add_working_days,
    bank_holidays,
    easter_sunday,
    working_days_between,
)


def test_easter_and_christmas_are_counted_out() -> None:
    assert easter_sunday(2025) == date(2025, 4, 20)
    assert easter_sunday(2026) == date(2026, 4, 5)
    h = bank_holidays(2026)
    assert date(2026, 4, 3) in h and date(2026, 4, 6) in h  # Good Friday, Easter Monday
    # Christmas 2026 is a Friday: Boxing Day (Saturday) is kept on Monday 28th.
    assert date(2026, 12, 25) in h and date(2026, 12, 28) in h
    # 2027: Christmas on Saturday, so Monday 27th and Tuesday 28th.
    assert {date(2027, 12, 27), date(2027, 12, 28)} <= set(bank_holidays(2027))
    assert date(2022, 9, 19) in bank_holidays(2022)  # a one-off: the state funeral
    # Strategy discussion on Wednesday 1 April 2026: 15 working days skip Easter.
    assert add_working_days(date(2026, 4, 1), 15) == date(2026, 4, 24)
    # An assessment started on 10 December 2025: 45 working days skip Christmas,
    # Boxing Day and New Year's Day.
    assert add_working_days(date(2025, 12, 10), 45) == date(2026, 2, 16)
    assert working_days_between(date(2025, 12, 10), date(2026, 2, 16)) == 45
    assert working_days_between(date(2025, 12, 24), date(2025, 12, 29)) == 1


@pytest.mark.parametrize(
    "start",
    [date(2025, 3, 3) + (date(2025, 1, 2) - date(2025, 1, 1)) * k for k in range(0, 800, 7)],
)
def test_counting_forwards_and_between_agree(start: date) -> None:
    for n in (0, 1, 15, 45):
        assert working_days_between(start, add_working_days(start, n)) == n


@pytest.fixture
def people(db: None) -> dict[str, object]:
    team = Team.objects.create(name="Family Help East")
    return {
        "team": team,
        "lead": user("teacher", Role.PARTNER),
        "worker": user("worker", Role.KEY_WORKER, team),
        "manager": user("fhmanager", Role.MANAGER, team),
        "cpp": user("cpp", Role.CP_PRACTITIONER),
    }


def _kid(f: object) -> Person:
    return Person.objects.get(person_id=f"P{f.family_id}1")  # type: ignore[attr-defined]


def test_the_journey_from_request_to_closure_keeps_the_lead(people: dict) -> None:
    f = family("F1", status=Status.ACTIVE, consent="given")
    kid, mgr = _kid(f), people["manager"]
    req = fh.record_request(f, [kid], date(2025, 5, 1), "2A", "Jade is often absent.", mgr)
    episode = fh.decide(req, Decision.FAMILY_HELP, date(2025, 5, 2), mgr, lead=people["lead"])
    assert episode is not None and episode.lead == people["lead"]
    a = fh.start_assessment(episode, [kid], date(2025, 5, 6), people["worker"])
    fh.complete_assessment(
        a, date(2025, 6, 20), ["16A", "3B"], "Neglect; abuse at home.", people["worker"]
    )
    with pytest.raises(fh.Refused, match="other than"):
        fh.authorise_assessment(a, date(2025, 6, 23), people["worker"])
    fh.authorise_assessment(a, date(2025, 6, 23), mgr)
    assert fh.assessment_working_days(a) == 33  # 34 weekdays less the spring bank holiday
    fh.change_level(episode, kid, Level.CIN, date(2025, 6, 23), mgr, "CIN plan agreed")
    s = cp.hold_strategy(episode, [kid], date(2025, 9, 1), "Police\nSchool", people["cpp"])
    assert cp.icpc_target(s) == date(2025, 9, 22)
    (enq,) = s.enquiries.all()
    cp.record_outcome(enq, date(2025, 9, 10), "conference", people["cpp"])
    conf = cp.initial_conference(s, date(2025, 9, 19), "All", {kid: "NEG"}, people["cpp"])
    assert cp.icpc_working_days(conf) == 14
    plan = Plan.objects.get(child=kid)
    assert (plan.previous_plans, fh.current_level(episode, kid).level) == (0, Level.CP)
    assert cp.review_due(plan) == date(2025, 12, 19)
    cp.review_conference(episode, date(2025, 12, 15), "All", people["cpp"])
    assert cp.review_due(plan) == date(2026, 6, 15)
    cp.review_conference(
        episode,
        date(2026, 3, 2),
        "All",
        people["cpp"],
        end={plan: "Risk reduced"},
        step_to=Level.TARGETED,
    )
    levels = list(ChildLevel.objects.filter(child=kid).order_by("started_on", "id"))
    assert [lv.level for lv in levels] == ["targeted", "cin", "cp", "targeted"]
    assert {lv.lead for lv in levels} == {people["lead"]}  # the same lead throughout
    fh.close_episode(episode, date(2026, 3, 20), "RC8", mgr)
    episode.refresh_from_db()
    assert episode.closed_on == date(2026, 3, 20)
    assert not ChildLevel.objects.filter(child=kid, ended_on__isnull=True).exists()


def test_refusals_save_nothing(people: dict) -> None:
    f = family("F2", status=Status.ACTIVE, consent="given")
    kid, mgr = _kid(f), people["manager"]
    with pytest.raises(fh.Refused, match="source"):
        fh.record_request(f, [kid], date(2025, 5, 1), "ZZ", "x", mgr)
    assert not Request.objects.exists()
    req = fh.record_request(f, [kid], date(2025, 5, 1), "6", "Police call-out.", mgr)
    with pytest.raises(fh.Refused, match="before the request"):
        fh.decide(req, Decision.CP_ENQUIRY, date(2025, 4, 30), mgr, lead=mgr)
    episode = fh.decide(req, Decision.CP_ENQUIRY, date(2025, 5, 1), mgr, lead=mgr)
    assert episode is not None
    s = cp.hold_strategy(episode, [kid], date(2025, 5, 2), "Police", mgr)
    with pytest.raises(fh.Refused, match="before its strategy discussion"):
        cp.initial_conference(s, date(2025, 5, 1), "All", {kid: "PHY"}, mgr)
    conf = cp.initial_conference(s, date(2025, 5, 20), "All", {kid: "PHY"}, mgr)
    plan = conf.plans.get()
    with pytest.raises(fh.Refused, match="cannot end before it starts"):
        cp.end_plan(plan, date(2025, 5, 19), "Moved", mgr)
    plan.refresh_from_db()
    assert plan.ended_on is None
    with pytest.raises(fh.Refused, match="End each child protection plan"):
        fh.close_episode(episode, date(2025, 6, 1), "RC8", mgr)
    with pytest.raises(fh.Refused, match="reason for closing"):
        fh.close_episode(episode, date(2025, 6, 1), "RC99", mgr)
    assert Episode.objects.get(pk=episode.pk).is_open


def test_a_re_referral_and_a_repeat_plan_are_counted(people: dict) -> None:
    f = family("F3", status=Status.ACTIVE, consent="given")
    kid, mgr = _kid(f), people["manager"]
    first = fh.record_request(f, [kid], date(2024, 9, 1), "3A", "GP worried.", mgr)
    fh.decide(first, Decision.NFA, date(2024, 9, 3), mgr)
    again = fh.record_request(f, [kid], date(2025, 8, 30), "2A", "School worried.", mgr)
    assert fh.previous_referral(again) == first  # within 12 months
    later = fh.record_request(f, [kid], date(2025, 9, 2), "2A", "School again.", mgr)
    assert fh.previous_referral(later) is None  # a year and a day: not a re-referral
    episode = fh.decide(again, Decision.CP_ENQUIRY, date(2025, 8, 30), mgr, lead=mgr)
    assert episode is not None
    for start, end in ((date(2025, 9, 1), date(2025, 11, 1)), (date(2026, 1, 5), None)):
        s = cp.hold_strategy(episode, [kid], start, "Police", mgr)
        c = cp.initial_conference(s, add_working_days(start, 10), "All", {kid: "EMO"}, mgr)
        if end:
            cp.end_plan(c.plans.get(), end, "Safer", mgr)
    assert Plan.objects.get(child=kid, ended_on__isnull=True).previous_plans == 1


def test_a_supporting_families_case_is_a_targeted_episode(people: dict) -> None:
    f = family("F4", status=Status.ACTIVE, key_worker=people["worker"], consent="given")
    f.started_on = date(2025, 4, 7)
    f.save()
    episode = fh.episode_of(f)
    assert episode is not None and episode.from_supporting_families
    assert (episode.lead, episode.opened_on) == (people["worker"], date(2025, 4, 7))
    assert [lv.level for lv in episode.levels.all()] == [Level.TARGETED]
    assert fh.episode_of(f) == episode  # made once
