"""Child protection on the family's page: a strategy discussion and its section 47
enquiries, the initial conference against 15 working days (late, or not required), a
plan per child in its category with the plans before, review conferences (3 months,
then 6), a plan ended with the child stepping down, the multi-agency team and the offer
to the parents; every bad input refused with nothing saved; the section seen only by
the council's workers, analysts and the team's own members."""

from __future__ import annotations

import html as entities
from datetime import date

import pytest
from django.urls import reverse

from webkit import client_for, date_fields, family, user, visible_text
from wholefamily.web import clock
from wholefamily.web.accounts.models import Role, Team
from wholefamily.web.audit.models import AuditEntry
from wholefamily.web.families.models import Person
from wholefamily.web.familyhelp import services as fh
from wholefamily.web.familyhelp.models import ChildLevel, Episode
from wholefamily.web.protection import services as cp
from wholefamily.web.protection.models import (
    Conference,
    Enquiry,
    ParentOffer,
    Plan,
    StrategyDiscussion,
    TeamMember,
)

pytestmark = pytest.mark.django_db

TODAY = date(2026, 3, 31)


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clock, "today", lambda: TODAY)


@pytest.fixture
def people() -> dict:
    north = Team.objects.create(name="North")
    people = {
        "north": north,
        "kw": user("kim", Role.KEY_WORKER, north),
        "manager": user("morgan", Role.MANAGER, north),
        "analyst": user("alex", Role.ANALYST),
        "partner": user("pat", Role.PARTNER),
        "cpp": user("chris", Role.CP_PRACTITIONER),
        "cpp2": user("charlie", Role.CP_PRACTITIONER),
    }
    people["cpp"].profile.agency = "Wessex MACPT"
    people["cpp"].profile.save()
    return people


def kid(fid: str = "F1") -> Person:
    return Person.objects.get(person_id=f"P{fid}1")


def url(name: str, *args: object, fid: str = "F1") -> str:
    return reverse(name, args=[fid, *args])


def text_of(c, name: str = "family_protection", fid: str = "F1") -> str:
    r = c.get(url(name, fid=fid))
    assert r.status_code == 200, (name, r.status_code)
    return entities.unescape(visible_text(r.content.decode()))


def errors(r) -> str:
    assert r.status_code == 200, r.status_code
    html = r.content.decode()
    assert "govuk-error-summary" in html
    summary = html.split('class="govuk-error-summary"', 1)[1].split("</ul>", 1)[0]
    return entities.unescape(visible_text(summary))


@pytest.fixture
def episode(people: dict) -> Episode:
    """A family in Family Help since 2 May 2025, led by the partner, the child in need."""
    f = family("F1", key_worker=people["kw"], team=people["north"], consent="given")
    req = fh.record_request(f, [kid()], date(2025, 5, 1), "6", "Police call-out.", people["kw"])
    e = fh.decide(req, "cp_enquiry", date(2025, 5, 2), people["manager"], lead=people["partner"])
    assert e is not None
    fh.change_level(e, kid(), "cin", date(2025, 6, 23), people["kw"], "CIN plan agreed")
    return e


def strategy_post(**over: object) -> dict:
    return {
        "children": [str(kid().pk)],
        **date_fields("held_on", date(2025, 9, 1)),
        "attended": "DC Jones, Wessex Police\nMs Obi, Southfield Primary School",
        "summary": "Bruising seen at school.",
        "section_47": "yes",
        **over,
    }


def test_the_journey_from_strategy_discussion_to_the_plans_end(
    people: dict, episode: Episode
) -> None:
    kw = client_for(people["kw"])
    said = errors(kw.post(url("cp_strategy"), {}))
    for message in ("Select at least one child", "Enter the date of the strategy discussion"):
        assert message in said
    assert "Enter who took part" in said
    future = strategy_post(**date_fields("held_on", date(2026, 4, 1)))
    assert "must be today or in the past" in errors(kw.post(url("cp_strategy"), future))
    assert not StrategyDiscussion.objects.exists()
    assert kw.post(url("cp_strategy"), strategy_post()).status_code == 302
    s = StrategyDiscussion.objects.get()
    (enquiry,) = Enquiry.objects.all()
    page = text_of(kw)
    assert "Strategy discussion, 1 September 2025" in page
    assert "DC Jones, Wessex Police" in page
    assert "Jade Carter: began 1 September 2025; no outcome yet" in page
    assert "Due by 22 September 2025 (15 working days)" in page

    outcome = url("cp_outcome", enquiry.pk)
    assert "Select the outcome" in errors(kw.post(outcome, {}))
    early = {"outcome": "conference", **date_fields("completed_on", date(2025, 8, 31))}
    assert "cannot end before it started (1 September 2025)" in errors(kw.post(outcome, early))
    ok = {**early, **date_fields("completed_on", date(2025, 9, 10))}
    assert kw.post(outcome, ok).status_code == 302
    assert "concerns substantiated: initial conference (10 September 2025)" in text_of(kw)

    initial = url("cp_initial", s.pk)
    form = kw.get(initial).content.decode()
    assert "Neglect" in form and "NEG" not in visible_text(form)
    said = errors(kw.post(initial, {}))
    assert "Enter the date of the conference" in said
    assert "Select a category of abuse for Jade Carter, or no plan" in said
    conf = {
        "attended": "All",
        f"plan_{kid().pk}": "NEG",
        f"earlier_{kid().pk}": "1",
        **date_fields("held_on", date(2025, 8, 29)),
    }
    said = errors(kw.post(initial, conf))
    assert "A conference cannot be before its strategy discussion (1 September 2025)" in said
    assert not Conference.objects.exists() and not Plan.objects.exists()
    bad = {**conf, f"earlier_{kid().pk}": "many", **date_fields("held_on", date(2025, 9, 19))}
    assert "Enter the number of earlier plans Jade Carter had" in errors(kw.post(initial, bad))
    conf = {**conf, **date_fields("held_on", date(2025, 9, 19))}
    assert kw.post(initial, conf).status_code == 302
    plan = Plan.objects.get()
    assert (plan.initial_category, plan.previous_plans) == ("NEG", 1)
    assert ChildLevel.objects.get(ended_on__isnull=True).level == "cp"
    page = text_of(kw)
    assert "Held 19 September 2025, 14 working days after the strategy discussion" in page
    # The first review was due within 3 months; today it has not been held.
    assert "Next review due by 19 December 2025 Late" in page
    assert "Category of abuse Neglect" in page and "1 Repeat plan" in page

    review = url("cp_review")
    said = errors(kw.post(review, {}))
    assert "Enter the date of the conference" in said and "Enter who took part" in said
    first = {
        "attended": "All",
        f"category_{plan.pk}": "MUL",
        f"decision_{plan.pk}": "continue",
        "step_to": "cin",
        **date_fields("held_on", date(2025, 12, 15)),
    }
    assert kw.post(review, first).status_code == 302
    page = text_of(kw)
    assert "Multiple categories (at first: neglect)" in page
    assert "Next review due by 15 June 2026" in page  # then every 6 months
    # Ending: a reason is needed, and the child steps down to targeted help.
    ending = {
        **first,
        f"decision_{plan.pk}": "end",
        "step_to": "targeted",
        **date_fields("held_on", date(2026, 3, 2)),
    }
    assert "Say why the plan ends" in errors(kw.post(review, ending))
    assert Plan.objects.get().is_open and Conference.objects.count() == 2
    assert kw.post(review, {**ending, "end_reason": "Risk reduced"}).status_code == 302
    plan.refresh_from_db()
    assert (plan.ended_on, plan.end_reason) == (date(2026, 3, 2), "Risk reduced")
    levels = list(ChildLevel.objects.order_by("started_on", "id"))
    assert [lv.level for lv in levels] == ["targeted", "cin", "cp", "targeted"]
    assert {lv.lead for lv in levels} == {people["partner"]}
    help_page = text_of(kw, "family_help")
    assert "Child protection, 19 September 2025 to 2 March 2026, led by Pat Tester" in help_page
    assert "Targeted help, since 2 March 2026, led by Pat Tester" in help_page
    chronology = text_of(kw, "family_chronology")
    for said in (
        "Strategy discussion",
        "Initial child protection conference",
        "Child protection plan began",
        "Child protection plan ended",
        "Jade Carter: neglect. Plans before this one: 1.",
    ):
        assert said in chronology, said


def test_a_plan_cannot_end_before_it_starts(people: dict, episode: Episode) -> None:
    s = cp.hold_strategy(episode, [kid()], date(2025, 9, 1), "Police", people["kw"])
    cp.initial_conference(s, date(2025, 9, 19), "All", {kid(): "PHY"}, people["kw"])
    plan = Plan.objects.get()
    kw = client_for(people["kw"])
    end = url("cp_end_plan", plan.pk)
    said = errors(kw.post(end, {}))
    assert "Enter the date the plan ends" in said and "Enter why the plan ends" in said
    early = {"reason": "Moved", "step_to": "cin", **date_fields("ended_on", date(2025, 9, 18))}
    said = errors(kw.post(end, early))
    assert "A child protection plan cannot end before it starts (19 September 2025)" in said
    assert Plan.objects.get().is_open
    assert ChildLevel.objects.get(ended_on__isnull=True).level == "cp"
    assert kw.post(end, {**early, **date_fields("ended_on", date(2025, 11, 3))}).status_code == 302
    assert ChildLevel.objects.get(ended_on__isnull=True).level == "cin"
    assert kw.get(end).status_code == 200  # the form; the service refuses a second end
    assert "already ended" in errors(kw.post(end, {**early, **date_fields("ended_on", TODAY)}))


def test_a_conference_late_or_not_required_is_said_so(people: dict, episode: Episode) -> None:
    late = cp.hold_strategy(episode, [kid()], date(2025, 9, 1), "Police", people["kw"])
    cp.initial_conference(late, date(2025, 10, 6), "All", {}, people["kw"])  # 25 working days
    none = cp.hold_strategy(episode, [kid()], date(2026, 1, 5), "Police", people["kw"])
    cp.record_outcome(none.enquiries.get(), date(2026, 1, 9), "not_substantiated", people["kw"])
    waiting = cp.hold_strategy(episode, [kid()], date(2026, 3, 2), "Police", people["kw"])
    page = text_of(client_for(people["kw"]))
    assert "Held 6 October 2025, 25 working days after the strategy discussion" in page
    assert "Not required" in page
    assert f"Due by {cp.icpc_target(waiting).day} March 2026 (15 working days) Late" in page
    assert page.count("Late") == 2


def test_the_team_and_the_offer_to_the_parents(people: dict, episode: Episode) -> None:
    kw = client_for(people["kw"])
    said = errors(kw.post(url("cp_member"), {}))
    assert "Select the member’s role" in said and "Enter the date they joined the team" in said
    assert "Enter the member’s name, or choose their account" in said
    assert (
        kw.post(
            url("cp_member"),
            {
                "role": "lead",
                "user": str(people["cpp"].pk),
                **date_fields("started_on", date(2025, 9, 1)),
            },
        ).status_code
        == 302
    )
    member = TeamMember.objects.get()
    assert (member.name, member.agency, member.user) == (
        "Chris Tester",
        "Wessex MACPT",
        people["cpp"],
    )
    again = {
        "role": "police",
        "user": str(people["cpp"].pk),
        **date_fields("started_on", date(2025, 9, 2)),
    }
    assert "Chris Tester is already on the team" in errors(kw.post(url("cp_member"), again))
    # An account whose agency is not known: the form asks for it.
    unknown = {**again, "user": str(people["cpp2"].pk)}
    assert "Enter the member’s agency" in errors(kw.post(url("cp_member"), unknown))
    before = {
        "role": "police",
        "name": "DC Jones",
        "agency": "Wessex Police",
        **date_fields("started_on", date(2025, 5, 1)),
    }
    assert "cannot join before the episode opened (2 May 2025)" in errors(
        kw.post(url("cp_member"), before)
    )
    assert TeamMember.objects.count() == 1
    page = text_of(kw)
    assert (
        "Lead child protection practitioner Chris Tester, Wessex MACPT Since 1 September 2025"
        in page
    )
    end = url("cp_end_member", member.pk)
    assert "cannot leave before they joined" in errors(
        kw.post(end, date_fields("ended_on", date(2025, 8, 1)))
    )
    assert kw.post(end, date_fields("ended_on", date(2025, 12, 1))).status_code == 302
    assert (
        "Chris Tester, lead child protection practitioner, Wessex MACPT: "
        "1 September 2025 to 1 December 2025" in text_of(kw)
    )

    said = errors(kw.post(url("cp_offer"), {}))
    assert "Enter who it was offered to" in said and "Enter what was offered" in said
    offer = {
        "offered_to": "Lisa Carter, mother",
        "what": "An advocate for the conference",
        "taken_up": "yes",
        **date_fields("offered_on", date(2025, 9, 12)),
    }
    assert kw.post(url("cp_offer"), offer).status_code == 302
    assert ParentOffer.objects.get().taken_up is True
    assert (
        "12 September 2025, to Lisa Carter, mother: An advocate for the conference Taken up"
        in text_of(kw)
    )


def test_who_sees_child_protection(people: dict, episode: Episode) -> None:
    cp.add_member(
        episode, "lead", "Chris Tester", "MACPT", date(2025, 9, 1), people["kw"], user=people["cpp"]
    )
    s = cp.hold_strategy(episode, [kid()], date(2025, 9, 1), "Police", people["kw"])
    # The council's workers and analysts see it; the CP practitioner on the team sees
    # and records; another CP practitioner is told the family does not exist.
    for who in ("kw", "manager", "analyst", "cpp"):
        assert "Strategy discussion, 1 September 2025" in text_of(client_for(people[who])), who
    chris = client_for(people["cpp"])
    assert chris.get(url("cp_initial", s.pk)).status_code == 200
    assert "Family Help" in text_of(chris, "family_help")
    other = client_for(people["cpp2"])
    for name in ("family", "family_protection", "family_help"):
        assert other.get(url(name)).status_code == 404
    assert AuditEntry.objects.filter(action="denied", object_id="F1", username="charlie").exists()
    # The analyst sees but records nothing.
    analyst = client_for(people["analyst"])
    assert analyst.get(url("cp_strategy")).status_code == 404
    assert analyst.post(url("cp_strategy"), strategy_post()).status_code == 404
    assert StrategyDiscussion.objects.count() == 1
    # The partner who leads sees no child protection until they are on the team.
    pat = client_for(people["partner"])
    assert url("family_protection") not in pat.get(url("family_help")).content.decode()
    assert pat.get(url("family_protection")).status_code == 404
    assert "Strategy discussion" not in text_of(pat, "family_chronology")
    cp.add_member(
        episode,
        "education",
        "Pat Tester",
        "Southfield",
        date(2025, 9, 2),
        people["kw"],
        user=people["partner"],
    )
    assert "Strategy discussion, 1 September 2025" in text_of(pat)
    assert url("family_protection") in pat.get(url("family_help")).content.decode()  # linked
    assert "Strategy discussion" in text_of(pat, "family_chronology")
    assert pat.get(url("cp_strategy")).status_code == 404  # sees; records nothing
    # Off the team, out of sight again (the CP practitioner, of the family itself).
    cp.end_member(TeamMember.objects.get(user=people["cpp"]), date(2025, 12, 1), people["kw"])
    assert chris.get(url("family_protection")).status_code == 404
    assert AuditEntry.objects.filter(
        action="view", object_id="F1", username="chris", detail="family_protection"
    ).exists()


def test_a_practitioner_who_leads_a_case_with_a_team_counts_it_once(
    people: dict, episode: Episode
) -> None:
    """On one family's team with two other members, and leading another: each family is
    one row of what they see (a join would give the first three), so the dashboard's
    counts are right."""
    from django.db.models import Count

    from wholefamily.web.casework.access import visible_families

    cpp, kw = people["cpp"], people["kw"]
    cp.add_member(episode, "lead", "Chris Adeyemi", "Wessex MACPT", date(2025, 9, 1), kw, cpp)
    for role, name in (("police", "DC Jones"), ("health", "Nurse Obi")):
        cp.add_member(episode, role, name, "Wessex", date(2025, 9, 1), kw)
    other = family("F2", key_worker=kw, team=people["north"], consent="given")
    req = fh.record_request(other, [kid("F2")], date(2025, 5, 1), "6", "Police.", kw)
    led = fh.decide(req, "cp_enquiry", date(2025, 5, 2), people["manager"], lead=cpp)
    assert led is not None
    seen = visible_families(cpp)
    assert sorted(seen.values_list("family_id", flat=True)) == ["F1", "F2"]
    by_status = dict(seen.values_list("status").annotate(n=Count("id")))
    assert by_status == {"active": 2}
    page = entities.unescape(visible_text(client_for(cpp).get("/").content.decode()))
    assert "Active 2 families" in " ".join(page.split())
