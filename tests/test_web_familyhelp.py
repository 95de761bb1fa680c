"""Family Help on the family's page: requests for help recorded and decided (the time
taken, re-referrals flagged), each child's level stepped up and down with the lead kept,
the lead changed on purpose, assessments against 45 working days authorised by a
manager who is not their author, closure; every bad input refused on its field with
nothing saved; who sees and does what (partner leads, child protection practitioners,
404 for the rest), every view audited; the records in the chronology, in words."""

from __future__ import annotations

import html as entities
from datetime import date

import pytest
from django.urls import reverse

from webkit import client_for, date_fields, family, nominated_by, user, visible_text
from wholefamily.web import clock
from wholefamily.web.accounts.models import Role, Team
from wholefamily.web.audit.models import AuditEntry
from wholefamily.web.families.models import Family, Member, Person, Status
from wholefamily.web.familyhelp import services as fh
from wholefamily.web.familyhelp.models import Assessment, ChildLevel, Episode, Level, Request
from wholefamily.web.protection import services as cp

pytestmark = pytest.mark.django_db

TODAY = date(2025, 9, 30)
RECORD = "School exclusions, exclusion starting 10 January 2025"


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clock, "today", lambda: TODAY)


@pytest.fixture
def people() -> dict:
    north, south = Team.objects.create(name="North"), Team.objects.create(name="South")
    teacher = user("pat", Role.PARTNER)
    teacher.profile.agency = "Southfield Primary School"
    teacher.profile.save()
    return {
        "north": north,
        "kw": user("kim", Role.KEY_WORKER, north),
        "kw_south": user("sam", Role.KEY_WORKER, south),
        "manager": user("morgan", Role.MANAGER, north),
        "manager2": user("max", Role.MANAGER, north),
        "analyst": user("alex", Role.ANALYST),
        "partner": teacher,
        "partner2": user("paula", Role.PARTNER),
        "cpp": user("chris", Role.CP_PRACTITIONER),
        "dpo": user("dana", Role.DPO),
    }


def kid(fid: str = "F1") -> Person:
    return Person.objects.get(person_id=f"P{fid}1")


def url(name: str, fid: str = "F1", *args: object) -> str:
    return reverse(name, args=[fid, *args])


def text_of(c, name: str, fid: str = "F1") -> str:
    r = c.get(url(name, fid))
    assert r.status_code == 200, (name, r.status_code)
    return entities.unescape(visible_text(r.content.decode()))


def errors(r) -> str:
    """The error summary's words (the page is shown again, nothing saved)."""
    assert r.status_code == 200, r.status_code
    html = r.content.decode()
    assert "govuk-error-summary" in html
    summary = html.split('class="govuk-error-summary"', 1)[1].split("</ul>", 1)[0]
    return entities.unescape(visible_text(summary))


def a_request(**over: object) -> dict:
    return {
        "children": [str(kid().pk)],
        **date_fields("received_on", date(2025, 5, 1)),
        "source": "2A",
        "source_name": "Mrs Patel, head teacher",
        "summary": "Jade is often absent and seems hungry.",
        **over,
    }


def with_episode(people: dict, fid: str = "F1", lead: object = None, **kw: object) -> Episode:
    """A family whose request for help of 1 May 2025 was decided as Family Help the next
    day, led by `lead` (the partner by default)."""
    f = family(fid, key_worker=people["kw"], team=people["north"], **kw)
    req = fh.record_request(f, [kid(fid)], date(2025, 5, 1), "2A", "Absent.", people["kw"])
    episode = fh.decide(
        req, "family_help", date(2025, 5, 2), people["manager"], lead=lead or people["partner"]
    )
    assert episode is not None
    return episode


# --- Requests for help ----------------------------------------------------------------


def test_a_request_is_refused_until_it_is_whole_then_recorded(people: dict) -> None:
    family("F1", key_worker=people["kw"], team=people["north"])
    kw = client_for(people["kw"])
    form = kw.get(url("fh_request")).content.decode()
    assert "Jade Carter, born 4 May 2011" in form and "A school" in form  # words, not 2A
    said = errors(kw.post(url("fh_request"), {}))
    for message in (
        "Select at least one child",
        "Enter the date the request came in",
        "Select where the request came from",
        "Enter what the request is about",
    ):
        assert message in said
    said = errors(
        kw.post(url("fh_request"), a_request(**date_fields("received_on", date(2025, 10, 1))))
    )
    assert "The date the request came in must be today or in the past" in said
    said = errors(kw.post(url("fh_request"), a_request(source="ZZ")))
    assert "Select where the request came from" in said
    assert not Request.objects.exists()
    r = kw.post(url("fh_request"), a_request())
    assert r.status_code == 302 and r["Location"] == url("family_help")
    req = Request.objects.get()
    assert (req.source, req.received_on, req.recorded_by) == ("2A", date(2025, 5, 1), people["kw"])
    page = text_of(kw, "family_help")
    assert "Request of 1 May 2025" in page and "Not decided yet" in page
    assert "A school: Mrs Patel, head teacher" in page
    assert AuditEntry.objects.filter(
        action="change", object_id="F1", detail__startswith="request"
    ).exists()


def test_a_decision_opens_family_help_led_by_whoever_is_chosen(people: dict) -> None:
    family("F1", key_worker=people["kw"], team=people["north"])
    mgr = client_for(people["manager"])
    mgr.post(url("fh_request"), a_request())
    req = Request.objects.get()
    decide = url("fh_decide", "F1", req.pk)
    form = mgr.get(decide).content.decode()
    assert "Pat Tester, Southfield Primary School (partner professional)" in form
    assert "Chris Tester (child protection practitioner)" in form
    assert "Dana Tester" not in form and "Alex Tester" not in form  # not leads
    said = errors(mgr.post(decide, {}))
    assert "Select what was decided" in said and "Enter the date of the decision" in said
    # Before it came in, and Family Help with nobody to lead it: refused, nothing saved.
    early = {
        "decision": "family_help",
        "level": "targeted",
        **date_fields("decided_on", date(2025, 4, 30)),
    }
    assert "cannot be before the request came in (1 May 2025)" in errors(mgr.post(decide, early))
    late = {**early, **date_fields("decided_on", date(2025, 5, 2))}
    assert "Choose the lead practitioner" in errors(mgr.post(decide, late))
    assert not Episode.objects.exists() and Request.objects.get().decision == ""
    r = mgr.post(decide, {**late, "lead": str(people["partner"].pk)})
    assert r.status_code == 302
    episode = Episode.objects.get()
    assert episode.lead == people["partner"] and episode.opened_on == date(2025, 5, 2)
    page = text_of(mgr, "family_help")
    assert "Family Help, decided on 2 May 2025 by Morgan Tester: 1 day after it came in" in page
    assert "Pat Tester, Southfield Primary School (partner professional)" in page
    assert "Targeted help, since 2 May 2025, led by Pat Tester" in page
    summary = text_of(mgr, "family")
    assert (
        "Family Help Led by Pat Tester, Southfield Primary School (partner professional) since "
        "2 May 2025. Jade Carter: targeted help." in summary
    )
    # Decided once only.
    assert "already been decided" in errors(
        mgr.post(decide, {**late, "lead": str(people["kw"].pk)})
    )


def test_a_re_referral_within_12_months_is_flagged(people: dict) -> None:
    f = family("F1", key_worker=people["kw"], team=people["north"])
    mgr = people["manager"]
    first = fh.record_request(f, [kid()], date(2024, 10, 3), "3A", "GP worried.", mgr)
    fh.decide(first, "nfa", date(2024, 10, 7), mgr)
    fh.record_request(f, [kid()], date(2025, 9, 1), "2A", "School worried.", mgr)
    page = text_of(client_for(mgr), "family_help")
    assert "Re-referral: last referred 3 October 2024" in page
    assert (
        "No further action, decided on 7 October 2024 by Morgan Tester: 4 days after it came in"
        in page
    )
    assert page.count("Re-referral") == 1  # the first was no re-referral


# --- The episode: levels, lead, oversight ---------------------------------------------


def test_stepping_up_and_down_keeps_the_lead_practitioner(people: dict) -> None:
    with_episode(people)
    kw = client_for(people["kw"])
    level = url("fh_level")
    form = kw.get(level).content.decode()
    assert "Jade Carter, now at targeted help" in form and "Keep Pat Tester" in form
    said = errors(kw.post(level, {}))
    assert "Select the child whose level changes" in said and "Enter why the level changes" in said
    step = {"child": str(kid().pk), "level": "cin", "reason": "CIN plan agreed"}
    before = {**step, **date_fields("on", date(2025, 5, 1))}
    assert "cannot be before Jade Carter's current level began (2 May 2025)" in errors(
        kw.post(level, before)
    )
    assert "Select the level of help" in errors(kw.post(level, {**before, "level": "cp"}))
    assert ChildLevel.objects.count() == 1
    assert kw.post(level, {**step, **date_fields("on", date(2025, 6, 23))}).status_code == 302
    down = {
        **step,
        "level": "targeted",
        "reason": "Needs met",
        **date_fields("on", date(2025, 8, 4)),
    }
    assert kw.post(level, down).status_code == 302
    levels = list(ChildLevel.objects.order_by("started_on"))
    assert [lv.level for lv in levels] == ["targeted", "cin", "targeted"]
    assert {lv.lead for lv in levels} == {people["partner"]}
    page = text_of(kw, "family_help")
    assert "Targeted help, 2 May 2025 to 23 June 2025, led by Pat Tester" in page
    assert "Child in need (CIN plan), 23 June 2025 to 4 August 2025, led by Pat Tester" in page
    assert "Targeted help, since 4 August 2025, led by Pat Tester" in page
    chronology = text_of(kw, "family_chronology")
    assert "Stepped up" in chronology and "Stepped down" in chronology
    assert (
        "Jade Carter: child in need (CIN plan) to targeted help, led by Pat Tester. Needs met"
        in chronology
    )


def test_a_new_lead_chosen_at_a_step_up_leads_every_child(people: dict) -> None:
    f = family("F1", key_worker=people["kw"], team=people["north"])
    tom = Person.objects.create(
        person_id="PF13", forename="Tom", surname="Carter", dob=date(2016, 2, 1)
    )
    Member.objects.create(family=f, person=tom, role="CHILD")
    req = fh.record_request(f, [kid(), tom], date(2025, 5, 1), "2A", "Absent.", people["kw"])
    fh.decide(req, "family_help", date(2025, 5, 2), people["manager"], lead=people["partner"])
    kw = client_for(people["kw"])
    step = {
        "child": str(kid().pk),
        "level": "cin",
        "reason": "Needs a social worker",
        "lead": str(people["kw"].pk),
        **date_fields("on", date(2025, 6, 23)),
    }
    assert kw.post(url("fh_level"), step).status_code == 302
    now = ChildLevel.objects.filter(ended_on__isnull=True)
    assert {(lv.child, lv.level, lv.lead) for lv in now} == {
        (kid(), "cin", people["kw"]),
        (tom, "targeted", people["kw"]),
    }
    assert Episode.objects.get().lead == people["kw"]
    page = text_of(kw, "family_help")
    assert "Targeted help, 2 May 2025 to 23 June 2025, led by Pat Tester" in page
    assert "Targeted help, since 23 June 2025, led by Kim Tester" in page  # Tom


def test_a_child_on_a_plan_steps_down_only_from_the_plan(people: dict) -> None:
    episode = with_episode(people)
    s = cp.hold_strategy(episode, [kid()], date(2025, 6, 2), "Police", people["kw"])
    cp.initial_conference(s, date(2025, 6, 20), "All", {kid(): "NEG"}, people["kw"])
    kw = client_for(people["kw"])
    step = {
        "child": str(kid().pk),
        "level": "cin",
        "reason": "Safer",
        **date_fields("on", date(2025, 7, 1)),
    }
    assert "end the plan to step down" in errors(kw.post(url("fh_level"), step))
    assert ChildLevel.objects.get(ended_on__isnull=True).level == Level.CP


def test_the_lead_changes_only_on_purpose_with_a_reason(people: dict) -> None:
    with_episode(people)
    mgr = client_for(people["manager"])
    said = errors(mgr.post(url("fh_lead"), {}))
    assert "Select the new lead practitioner" in said and "Enter why the lead changes" in said
    posted = {
        "lead": str(people["kw"].pk),
        "reason": "Needs a social worker",
        **date_fields("on", date(2025, 7, 7)),
    }
    assert mgr.post(url("fh_lead"), posted).status_code == 302
    assert Episode.objects.get().lead == people["kw"]
    page = text_of(mgr, "family_help")
    assert "Targeted help, 2 May 2025 to 7 July 2025, led by Pat Tester" in page
    assert "Targeted help, since 7 July 2025, led by Kim Tester" in page
    assert "Lead practitioner changed" in text_of(mgr, "family_chronology")
    # Oversight: a social worker.
    said = errors(mgr.post(url("fh_oversight"), {}))
    assert "Select the social worker with oversight" in said
    assert (
        mgr.post(url("fh_oversight"), {"oversight": str(people["manager2"].pk)}).status_code == 302
    )
    assert "Max Tester, North (team manager)" in text_of(mgr, "family_help")


# --- Assessments ----------------------------------------------------------------------


def test_an_assessment_is_authorised_by_a_manager_who_is_not_its_author(people: dict) -> None:
    with_episode(people)
    mgr, mgr2, kw = (client_for(people[k]) for k in ("manager", "manager2", "kw"))
    said = errors(mgr.post(url("fh_assess"), {}))
    assert "Select at least one child" in said and "Enter the date the assessment started" in said
    before = {"children": [str(kid().pk)], **date_fields("started_on", date(2025, 5, 1))}
    assert "cannot start before the episode opened (2 May 2025)" in errors(
        mgr.post(url("fh_assess"), before)
    )
    assert not Assessment.objects.exists()
    start = {**before, **date_fields("started_on", date(2025, 5, 6))}
    assert mgr.post(url("fh_assess"), start).status_code == 302
    a = Assessment.objects.get()
    assert "Due by 9 July 2025 (45 working days)" in text_of(mgr, "family_help")
    complete = url("fh_complete", "F1", a.pk)
    form = kw.get(complete).content.decode()
    assert "Domestic abuse affecting a parent or carer" in form and "3B" not in visible_text(form)
    said = errors(kw.post(complete, {}))
    assert "Select the factors the assessment found, or no factors" in said
    done = {"factors": ["16A", "3B"], "summary": "Neglect; abuse at home.", "primary_need": "N1"}
    both = {**done, "factors": ["21", "16A"], **date_fields("completed_on", date(2025, 6, 20))}
    assert "cannot be chosen with other factors" in errors(kw.post(complete, both))
    assert Assessment.objects.get().completed_on is None
    assert (
        kw.post(complete, {**done, **date_fields("completed_on", date(2025, 6, 20))}).status_code
        == 302
    )
    page = text_of(mgr, "family_help")
    assert "Neglect" in page and "Domestic abuse affecting a parent or carer" in page
    assert "Main need Abuse or neglect" in page
    authorise = url("fh_authorise", "F1", a.pk)
    # A key worker cannot authorise; the manager who started it cannot either.
    assert kw.get(authorise).status_code == 404
    assert kw.post(authorise, date_fields("on", date(2025, 6, 23))).status_code == 404
    said = errors(mgr.post(authorise, date_fields("on", date(2025, 6, 23))))
    assert "Someone other than the assessment's author must authorise it" in said
    assert Assessment.objects.get().authorised_on is None
    # The link to authorise is offered to the other manager only.
    assert authorise not in mgr.get(url("family_help")).content.decode()
    assert authorise in mgr2.get(url("family_help")).content.decode()
    assert mgr2.post(authorise, date_fields("on", date(2025, 6, 23))).status_code == 302
    a.refresh_from_db()
    assert (a.authorised_on, a.authorised_by) == (date(2025, 6, 23), people["manager2"])
    page = text_of(mgr, "family_help")
    assert "23 June 2025 by Max Tester: 33 working days" in page and "Late" not in page


def test_an_assessment_past_45_working_days_is_late(people: dict) -> None:
    episode = with_episode(people)
    fh.start_assessment(episode, [kid()], date(2025, 6, 2), people["kw"])  # due 4 August
    page = text_of(client_for(people["kw"]), "family_help")
    assert "Due by 4 August 2025 (45 working days)" in page and "Late" in page


# --- Closure --------------------------------------------------------------------------


def test_only_a_manager_closes_family_help(people: dict) -> None:
    with_episode(people)
    kw, mgr = client_for(people["kw"]), client_for(people["manager"])
    assert "Close Family Help" not in text_of(kw, "family_help")
    assert kw.get(url("fh_close")).status_code == 404
    assert (
        kw.post(
            url("fh_close"), {"closure_reason": "RC8", **date_fields("closed_on", TODAY)}
        ).status_code
        == 404
    )
    said = errors(mgr.post(url("fh_close"), {}))
    assert "Enter the date the episode closes" in said and "Select why the episode closes" in said
    early = {"closure_reason": "RC8", **date_fields("closed_on", date(2025, 5, 1))}
    assert "cannot close before it opened" in errors(mgr.post(url("fh_close"), early))
    assert Episode.objects.get().is_open
    form = mgr.get(url("fh_close")).content.decode()
    assert "Closed after assessment, no further action" in form and "RC8" not in visible_text(form)
    assert (
        mgr.post(url("fh_close"), {**early, **date_fields("closed_on", TODAY)}).status_code == 302
    )
    assert not Episode.objects.get().is_open
    page = text_of(mgr, "family_help")
    assert "Closed after assessment, no further action, authorised by Morgan Tester" in page
    assert "Family Help closed" in text_of(mgr, "family_chronology")


# --- Who sees what --------------------------------------------------------------------


def test_a_partner_lead_sees_only_the_family_they_lead(people: dict) -> None:
    with_episode(people, "F1")
    with_episode(people, "F2", lead=people["partner2"])
    family("F3", key_worker=people["kw"], team=people["north"])
    pat = client_for(people["partner"])
    for fid, seen in (("F1", True), ("F2", False), ("F3", False)):
        for name in ("family", "family_help", "family_plan", "family_chronology"):
            assert (pat.get(url(name, fid)).status_code == 200) is seen, (fid, name)
    assert AuditEntry.objects.filter(action="denied", object_id="F2", username="pat").exists()
    listed = pat.get(reverse("families")).content.decode()
    assert "/families/F1" in listed and "/families/F2" not in listed
    page = pat.get(url("family_help")).content.decode()
    assert "moj-sub-navigation" in page and "Child protection" not in visible_text(page)
    # A lead practitioner changes a child's level but not who leads, nor closes.
    assert "Change a child’s level of help" in visible_text(page)
    for name in ("fh_lead", "fh_close", "fh_request", "family_protection"):
        assert pat.get(url(name)).status_code == 404, name
    # No agency records without the family's consent; with it, they are there.
    assert RECORD not in text_of(pat, "family_evidence")
    assert RECORD not in text_of(pat, "family_chronology")
    Family.objects.filter(family_id="F1").update(consent="given")
    assert RECORD in text_of(pat, "family_evidence")
    # Once the episode closes, the family is out of their sight.
    fh.close_episode(Episode.objects.get(family__family_id="F1"), TODAY, "RC8", people["manager"])
    assert pat.get(url("family", "F1")).status_code == 404


def test_a_partner_who_only_nominated_keeps_their_own_page(people: dict) -> None:
    f = family("F1", status=Status.AWAITING_ALLOCATION)
    nominated_by(people["partner"], f)
    pat = client_for(people["partner"])
    assert b"Your nomination" in pat.get(url("family")).content
    assert pat.get(url("family_help")).status_code == 404


def test_each_view_is_audited_and_the_dpo_sees_nothing(people: dict) -> None:
    with_episode(people)
    for who in ("kw", "manager", "analyst"):
        text_of(client_for(people[who]), "family_help")
        assert AuditEntry.objects.filter(
            action="view", object_id="F1", username=people[who].username, detail="family_help"
        ).exists()
    for who in ("dpo", "kw_south"):
        assert client_for(people[who]).get(url("family_help")).status_code == 404
    # The analyst sees, and changes nothing.
    analyst = client_for(people["analyst"])
    for name in ("fh_request", "fh_level", "fh_assess", "fh_close"):
        assert analyst.get(url(name)).status_code == 404, name


def test_a_family_in_family_help_is_open_on_the_dashboard_whatever_its_programme_status(
    people: dict,
) -> None:
    """A family children's services brought in (not eligible for the programme's
    criteria) that the partner leads in Family Help is one of their open families; a
    not-eligible family they only nominated is not."""
    led = family("F1", status=Status.NOT_ELIGIBLE, consent="given")
    req = fh.record_request(led, [kid()], date(2025, 5, 1), "2A", "Absent.", people["manager"])
    fh.decide(req, "family_help", date(2025, 5, 2), people["manager"], lead=people["partner"])
    nominated_by(people["partner"], family("F2", status=Status.NOT_ELIGIBLE))
    page = entities.unescape(visible_text(client_for(people["partner"]).get("/").content.decode()))
    assert "You have no open families" not in page
    listed = " ".join(page.split("Open families, the next review due first", 1)[1].split())
    assert "1 open family" in page and "F1" in listed and "F2" not in listed


def test_a_not_eligible_family_in_family_help_says_so_until_its_family_help_closes(
    people: dict,
) -> None:
    """Lists and the family's page say "In Family Help", not "Not eligible", while the
    family's Family Help is open; once it closes they say its programme status again."""
    episode = with_episode(people, status=Status.NOT_ELIGIBLE, lead=people["kw"])
    manager = client_for(people["manager"])
    listed = entities.unescape(visible_text(manager.get("/families").content.decode()))
    row = listed.split("F1", 1)[1][:200]
    assert "In Family Help" in row and "Not eligible" not in row
    assert "In Family Help" in text_of(manager, "family")
    fh.close_episode(episode, date(2025, 9, 1), "RC1", people["manager"])
    listed = entities.unescape(visible_text(manager.get("/families").content.decode()))
    assert "Not eligible" in listed.split("F1", 1)[1][:200]
    assert "In Family Help" not in text_of(manager, "family")
