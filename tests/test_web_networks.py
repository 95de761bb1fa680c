"""A family's network on its page: members added, changed and ended with their
relationship to each child (a child not in the family refused), the network table and
the map (SVG holding every member's name and relationship, formal and informal drawn
differently, role="img" with a title and description), no network with a reason; family
group decision making (offers in time or not for pre-proceedings, outcomes with
reasons, meetings and the family's own plan becoming family-plan actions owned by
network members, an owner not in the network refused); who each child lives with (no
overlaps, no end before the start) and the kinship measures; every bad input refused on
its field with nothing saved; who sees and changes it; the chronology in words."""

from __future__ import annotations

import html as entities
import re
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from webkit import client_for, date_fields, family, user, visible_text
from wholefamily.web import clock
from wholefamily.web.accounts.models import Role, Team
from wholefamily.web.audit.models import AuditEntry
from wholefamily.web.casework.models import Action
from wholefamily.web.families.models import Member, Person
from wholefamily.web.familyhelp import services as fh
from wholefamily.web.networks import map as network_map
from wholefamily.web.networks import measures
from wholefamily.web.networks import services as nw
from wholefamily.web.networks.models import (
    LivingArrangement,
    Meeting,
    NetworkMember,
    NoNetwork,
    Offer,
    PlanItem,
)

pytestmark = pytest.mark.django_db

TODAY = date(2025, 9, 30)


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clock, "today", lambda: TODAY)


@pytest.fixture
def people() -> dict:
    north = Team.objects.create(name="North")
    return {
        "north": north,
        "kw": user("kim", Role.KEY_WORKER, north),
        "manager": user("morgan", Role.MANAGER, north),
        "analyst": user("alex", Role.ANALYST),
        "partner": user("pat", Role.PARTNER),
        "partner2": user("paula", Role.PARTNER),
        "cpp": user("chris", Role.CP_PRACTITIONER),
        "dpo": user("dana", Role.DPO),
    }


def jade(fid: str = "F1") -> Person:
    return Person.objects.get(person_id=f"P{fid}1")


def carters(people: dict, fid: str = "F1") -> tuple:
    """The Carter family (Jade, 14, and her mother Lisa) with Tom, 9, too."""
    f = family(fid, key_worker=people["kw"], team=people["north"])
    tom = Person.objects.create(
        person_id=f"P{fid}3", forename="Tom", surname="Carter", dob=date(2016, 2, 1)
    )
    Member.objects.create(family=f, person=tom, role="CHILD")
    return f, jade(fid), tom


def url(name: str, fid: str = "F1", *args: object) -> str:
    return reverse(name, args=[fid, *args])


def page_text(c, fid: str = "F1") -> str:
    r = c.get(url("family_network", fid))
    assert r.status_code == 200, r.status_code
    return entities.unescape(visible_text(r.content.decode()))


def svg_of(c, fid: str = "F1") -> str:
    html = c.get(url("family_network", fid)).content.decode()
    found = re.search(r"<svg\b.*?</svg>", html, flags=re.S)
    assert found, "no map on the page"
    return found.group(0)


def svg_text(svg: str) -> str:
    """The words the map shows, one text element after another."""
    return entities.unescape(" ".join(re.findall(r"<text[^>]*>(.*?)</text>", svg)))


def errors(r) -> str:
    assert r.status_code == 200, r.status_code
    html = r.content.decode()
    assert "govuk-error-summary" in html
    summary = html.split('class="govuk-error-summary"', 1)[1].split("</ul>", 1)[0]
    return entities.unescape(visible_text(summary))


def nan(f, kid: Person, tom: Person, by, **kw) -> NetworkMember:
    return nw.add_member(
        f,
        kw.pop("name", "Nan Carol"),
        "relative",
        [nw.Tie(kid, "grandparent", True), nw.Tie(tom, "grandparent")],
        date(2025, 4, 2),
        by,
        **kw,
    )


def a_member(kid: Person, tom: Person, **over: object) -> dict:
    return {
        "name": "Nan Carol",
        "kind": "relative",
        f"to_{kid.pk}": "grandparent",
        f"to_{tom.pk}": "grandparent",
        "pr": [str(kid.pk)],
        "lives_at": "Casterbridge",
        "phone": "07700 900123",
        "email": "",
        "offers": "School pick-ups on Tuesdays",
        "support": "informal",
        **date_fields("added_on", date(2025, 4, 2)),
        **over,
    }


# --- The network ----------------------------------------------------------------------


def test_a_member_is_refused_until_whole_then_added_to_the_table_and_map(people: dict) -> None:
    _, kid, tom = carters(people)
    kw = client_for(people["kw"])
    form = kw.get(url("nw_add")).content.decode()
    assert "What are they to Jade Carter, born 4 May 2011?" in entities.unescape(form)
    said = errors(kw.post(url("nw_add"), {}))
    for message in (
        "Enter the name the family uses for them",
        "Select who they are to the family",
        "Enter the date they joined the network",
    ):
        assert message in said
    future = a_member(kid, tom, **date_fields("added_on", date(2025, 10, 1)))
    assert "must be today or in the past" in errors(kw.post(url("nw_add"), future))
    early = a_member(kid, tom, **date_fields("added_on", date(2025, 3, 30)))
    assert "cannot be before the family was known (31 March 2025)" in errors(
        kw.post(url("nw_add"), early)
    )
    nobody = a_member(kid, tom, **{f"to_{kid.pk}": "", f"to_{tom.pk}": ""})
    assert "Say what they are to at least one child" in errors(kw.post(url("nw_add"), nobody))
    pr_only = a_member(kid, tom, **{f"to_{kid.pk}": ""})
    assert "to give them parental responsibility" in errors(kw.post(url("nw_add"), pr_only))
    bad_email = a_member(kid, tom, email="not an address")
    assert "Enter an email address in the correct format" in errors(
        kw.post(url("nw_add"), bad_email)
    )
    assert not NetworkMember.objects.exists()
    r = kw.post(url("nw_add"), a_member(kid, tom))
    assert r.status_code == 302 and r["Location"] == url("family_network")
    m = NetworkMember.objects.get()
    assert {
        (t.child, t.relationship, t.parental_responsibility) for t in m.relationships.all()
    } == {
        (kid, "grandparent", True),
        (tom, "grandparent", False),
    }
    page = page_text(kw)
    assert "Nan Carol Relative Grandparent For Jade Casterbridge 07700 900123" in page
    assert "School pick-ups on Tuesdays Informal" in page
    drawn = svg_text(svg_of(kw))
    assert "Nan Carol" in drawn and "Grandparent" in drawn and "Informal support" in drawn
    assert "Parental responsibility: Jade" in drawn
    # The household is in the box: the family's members from the case record.
    assert "The household" in drawn and "Lisa Carter" in drawn and "Tom Carter" in drawn
    assert AuditEntry.objects.filter(object_id="F1", detail__startswith="member: member").exists()


def test_a_relationship_to_a_child_not_in_the_family_is_refused(people: dict) -> None:
    f, kid, tom = carters(people)
    other, _, _ = carters(people, "F2")
    stranger = jade("F2")
    with pytest.raises(nw.Refused, match="Jade Carter is not a child of this family"):
        nw.add_member(
            f, "Nan Carol", "relative", [nw.Tie(stranger, "grandparent")], TODAY, people["kw"]
        )
    with pytest.raises(nw.Refused, match="Choose what they are to Jade"):
        nw.add_member(f, "Nan Carol", "relative", [nw.Tie(kid, "uncle")], TODAY, people["kw"])
    # The mother is in the family but not one of its children.
    mum = Person.objects.get(person_id="PF12")
    with pytest.raises(nw.Refused, match="not a child of this family"):
        nw.add_member(f, "Nan Carol", "relative", [nw.Tie(mum, "parent")], TODAY, people["kw"])
    # Through the page: parental responsibility for a child of another family.
    kw = client_for(people["kw"])
    posted = a_member(kid, tom, pr=[str(stranger.pk)])
    assert "Select children of this family" in errors(kw.post(url("nw_add"), posted))
    assert not NetworkMember.objects.exists()
    del other


def test_a_member_is_changed_and_ended_and_the_same_name_is_refused(people: dict) -> None:
    f, kid, tom = carters(people)
    m = nan(f, kid, tom, people["kw"])
    with pytest.raises(nw.Refused, match="Nan Carol is already in the family’s network"):
        nan(f, kid, tom, people["kw"], name="nan carol")
    kw = client_for(people["kw"])
    form = kw.get(url("nw_edit", "F1", m.pk)).content.decode()
    assert 'value="Nan Carol"' in form
    posted = a_member(kid, tom, name="Nan Carol Smith", support="formal")
    posted.pop("added_on_0")
    assert kw.post(url("nw_edit", "F1", m.pk), posted).status_code == 302
    m.refresh_from_db()
    assert (m.name, m.support) == ("Nan Carol Smith", "formal")
    assert "Formal support" in svg_text(svg_of(kw))
    ended = url("nw_end", "F1", m.pk)
    assert "Enter the date it ended" in errors(kw.post(ended, {}))
    before = date_fields("ended_on", date(2025, 4, 1))
    assert "cannot leave before they joined the network (2 April 2025)" in errors(
        kw.post(ended, before)
    )
    assert kw.post(ended, date_fields("ended_on", date(2025, 9, 1))).status_code == 302
    page = page_text(kw)
    assert "No longer in the network (1)" in page
    assert "Nan Carol Smith" not in svg_text(svg_of(kw))
    assert kw.get(url("nw_edit", "F1", m.pk)).status_code == 404


def test_no_network_is_recorded_with_its_reason(people: dict) -> None:
    f, kid, tom = carters(people)
    kw = client_for(people["kw"])
    said = errors(kw.post(url("nw_none"), {}))
    assert "Enter the date of the record" in said and "Enter why the family has no network" in said
    posted = {"reason": "Moved here last year; no family nearby.", **date_fields("on", TODAY)}
    assert kw.post(url("nw_none"), posted).status_code == 302
    assert "No network to draw on, recorded on 30 September 2025: Moved here" in page_text(kw)
    nan(f, kid, tom, people["kw"])
    with pytest.raises(nw.Refused, match="has people in its network"):
        nw.record_no_network(f, TODAY, "None", people["kw"])
    assert NoNetwork.objects.count() == 1


# --- The map --------------------------------------------------------------------------


def test_the_map_holds_every_member_and_draws_formal_and_informal_apart(people: dict) -> None:
    f, kid, tom = carters(people)
    kw = people["kw"]
    nan(f, kid, tom, kw)
    nw.add_member(f, "Great-gran Edie", "relative", [nw.Tie(kid, "great_grandparent")], TODAY, kw)
    nw.add_member(
        f,
        "Auntie Bea",
        "relative",
        [nw.Tie(kid, "aunt_uncle"), nw.Tie(tom, "aunt_uncle")],
        TODAY,
        kw,
        support="formal",
    )
    nw.add_member(f, "Mr Ahmed & family", "neighbour", [nw.Tie(tom, "neighbour")], TODAY, kw)
    nw.add_member(f, "Cousin Kai", "relative", [nw.Tie(kid, "cousin")], TODAY, kw)
    svg = svg_of(client_for(kw))
    assert 'role="img"' in svg and "<title id=" in svg and "<desc id=" in svg
    assert "Network map of the Carter family" in svg
    drawn = svg_text(svg)
    for name, relationship in (
        ("Nan Carol", "Grandparent"),
        ("Great-gran Edie", "Great-grandparent to Jade"),
        ("Auntie Bea", "Aunt or uncle"),
        ("Mr Ahmed & family", "Neighbour to Tom"),
        ("Cousin Kai", "Cousin to Jade"),
    ):
        assert name in drawn and relationship in drawn, name
    for row in (
        "Great-grandparents",
        "Grandparents",
        "Parents’ generation",
        "Children’s generation",
    ):
        assert row in drawn
    assert "&amp;" in svg and "Mr Ahmed & family" not in svg  # escaped, not raw
    # Formal: a solid thick border; informal: dashed; the key says so in words.
    assert svg.count("app-map__person--formal") == 1
    assert svg.count("app-map__person--informal") == 4
    assert "Dashed border and line: informal support" in drawn

    # Generations in rows, oldest at the top.
    def y_of(name: str) -> int:
        return int(re.search(rf'y="(\d+)"[^>]*>{re.escape(name)}<', svg).group(1))  # type: ignore[union-attr]

    assert y_of("Great-gran Edie") < y_of("Nan Carol") < y_of("Auntie Bea") < y_of("Cousin Kai")
    # The description tells a screen reader the same facts.
    desc = entities.unescape(re.search(r"<desc[^>]*>(.*?)</desc>", svg).group(1))  # type: ignore[union-attr]
    assert "Auntie Bea, aunt or uncle, formal support" in desc


def test_the_map_wraps_long_words_and_draws_an_empty_network() -> None:
    assert network_map.wrap("Grandparent to Jade, family friend to Tom", 20) == [
        "Grandparent to Jade,",
        "family friend to Tom",
    ]
    svg = network_map.draw([network_map.Node("Lisa <Carter>", ["Adult"], 1)], [], "T", "D")
    assert "Lisa &lt;Carter&gt;" in svg and "<Carter>" not in svg
    assert "Children’s generation" in svg


# --- Family group decision making -----------------------------------------------------


def test_offers_in_time_or_late_and_outcomes_with_reasons(people: dict) -> None:
    carters(people)
    kw = client_for(people["kw"])
    said = errors(kw.post(url("nw_offer"), {}))
    assert "Select who offered or asked for it" in said
    assert "Enter the date of the offer or request" in said
    pre = {
        "source": "practitioner",
        "pre_proceedings": "yes",
        **date_fields("made_on", date(2025, 6, 3)),
    }
    assert "Enter the date of the letter before proceedings" in errors(
        kw.post(url("nw_offer"), pre)
    )
    late = {**pre, **date_fields("letter_before_proceedings_on", date(2025, 6, 2))}
    on_time = {**pre, **date_fields("letter_before_proceedings_on", date(2025, 6, 3))}
    assert kw.post(url("nw_offer"), late).status_code == 302
    assert kw.post(url("nw_offer"), on_time).status_code == 302
    school = {"source": "school", "pre_proceedings": "no", **date_fields("made_on", TODAY)}
    assert kw.post(url("nw_offer"), school).status_code == 302
    assert [o.in_time for o in Offer.objects.order_by("pk")] == [False, True, None]
    page = page_text(kw)
    assert "Made after the letter" in page and "Made in time" in page
    assert "Asked for by a school, 30 September 2025" in page
    offer = Offer.objects.get(source="school")
    out = url("nw_outcome", "F1", offer.pk)
    said = errors(kw.post(out, {}))
    assert "Select what happened" in said and "Enter the date of the outcome" in said
    declined = {"outcome": "declined", **date_fields("outcome_on", TODAY)}
    assert "Say why it was declined" in errors(kw.post(out, declined))
    not_held = {"outcome": "not_held", **date_fields("outcome_on", TODAY)}
    assert "Say why it was not held" in errors(kw.post(out, not_held))
    offer.refresh_from_db()
    assert offer.outcome == ""
    assert kw.post(out, {**declined, "reason": "Mum wants no one told"}).status_code == 302
    assert "Declined, 30 September 2025: Mum wants no one told" in page_text(kw)
    assert kw.get(out).status_code == 200
    assert "already recorded" in errors(kw.post(out, {**declined, "reason": "again"}))


def test_a_conference_plan_becomes_family_plan_actions_owned_by_the_network(
    people: dict,
) -> None:
    f, kid, tom = carters(people)
    kw_user = people["kw"]
    carol = nan(f, kid, tom, kw_user)
    bea = nw.add_member(
        f, "Auntie Bea", "relative", [nw.Tie(tom, "aunt_uncle")], date(2025, 9, 20), kw_user
    )
    other, _, _ = carters(people, "F2")
    stranger = nw.add_member(
        other, "Uncle Joe", "relative", [nw.Tie(jade("F2"), "aunt_uncle")], TODAY, kw_user
    )
    kw = client_for(kw_user)
    said = errors(kw.post(url("nw_meeting"), {}))
    for message in (
        "Select the kind of meeting",
        "Enter the coordinator’s name",
        "Enter the date of the meeting",
        "Select the outcome",
    ):
        assert message in said
    posted = {
        "kind": "conference",
        "coordinator": "Sam Okafor",
        "came": [str(carol.pk), str(bea.pk)],
        "others": "Lisa Carter\nKim Tester, key worker",
        "private_family_time": "yes",
        "outcome": "plan",
        **date_fields("held_on", date(2025, 9, 10)),
    }
    came_stranger = {**posted, "came": [str(stranger.pk)]}
    assert "Select people in the family’s network" in errors(
        kw.post(url("nw_meeting"), came_stranger)
    )
    # Bea joined the network after the meeting.
    assert "Auntie Bea was not in the family’s network on 10 September 2025" in errors(
        kw.post(url("nw_meeting"), posted)
    )
    bea.added_on = date(2025, 9, 1)
    bea.save()
    r = kw.post(url("nw_meeting"), posted)
    assert r.status_code == 302, errors(r)
    meeting = Meeting.objects.get()
    line = url("nw_plan", "F1", meeting.pk)
    said = errors(kw.post(line, {}))
    assert "Select who will do it" in said and "Enter what they will do" in said
    pickups = {
        "member": str(carol.pk),
        "what": "Pick Jade and Tom up from school on Tuesdays and Thursdays",
        "support_needed": "Bus fares",
        **date_fields("by_when", date(2025, 10, 31)),
    }
    assert "Choose someone in the family’s network" in errors(
        kw.post(line, {**pickups, "member": str(stranger.pk)})
    )
    assert "cannot be due before the meeting (10 September 2025)" in errors(
        kw.post(line, {**pickups, **date_fields("by_when", date(2025, 9, 1))})
    )
    assert not Action.objects.exists()
    assert kw.post(line, pickups).status_code == 302
    sleepovers = {
        "member": str(bea.pk),
        "what": "Have Tom to stay every other weekend",
        "support_needed": "A sofa bed",
        **date_fields("by_when", date(2025, 12, 1)),
    }
    assert kw.post(line, sleepovers).status_code == 302
    actions = list(Action.objects.filter(family=f).order_by("due"))
    assert [(a.part, a.owner, a.due) for a in actions] == [
        ("network", "Nan Carol", date(2025, 10, 31)),
        ("network", "Auntie Bea", date(2025, 12, 1)),
    ]
    assert [p.action for p in PlanItem.objects.order_by("by_when")] == actions
    page = page_text(kw)
    assert "Family group conference, 10 September 2025" in page
    assert "Sam Okafor" in page and "Kim Tester, key worker" in page
    assert "Auntie Bea : Have Tom to stay every other weekend, by 1 December 2025" in page
    assert "Support needed: A sofa bed" in page
    plan = entities.unescape(visible_text(kw.get(url("family_plan")).content.decode()))
    assert "What the family’s network will do: 2" in plan
    assert "Who: Nan Carol" in plan
    # The plan's owner follows the name the family uses.
    nw.edit_member(bea, "Aunt Bea", "relative", [nw.Tie(tom, "aunt_uncle")], kw_user)
    assert Action.objects.get(network_item__member=bea).owner == "Aunt Bea"
    # An owner who has left the network, or a line for a meeting with no plan, is refused.
    nw.end_member(carol, TODAY, kw_user)
    with pytest.raises(nw.Refused, match="Nan Carol is not in the family’s network"):
        nw.add_plan_line(meeting, nw.Line(carol, "Tea", TODAY), kw_user)
    none = nw.record_meeting(f, "network_meeting", "Sam", TODAY, [bea], "no_plan", kw_user)
    with pytest.raises(nw.Refused, match="No plan was agreed"):
        nw.add_plan_line(none, nw.Line(bea, "Tea", TODAY), kw_user)
    chronology = entities.unescape(visible_text(kw.get(url("family_chronology")).content.decode()))
    assert "Family group conference" in chronology and "Coordinated by Sam Okafor" in chronology
    assert "Joined the family’s network" in chronology


def test_a_meeting_is_refused_for_a_declined_offer_or_before_the_offer(people: dict) -> None:
    f, kid, tom = carters(people)
    kw = people["kw"]
    carol = nan(f, kid, tom, kw)
    offer = nw.record_offer(f, "family", date(2025, 6, 1), kw)
    with pytest.raises(nw.Refused, match="cannot be before the offer"):
        nw.record_meeting(
            f, "conference", "Sam", date(2025, 5, 1), [carol], "plan", kw, offer=offer
        )
    nw.record_outcome(offer, "declined", date(2025, 6, 2), kw, "Not now")
    with pytest.raises(nw.Refused, match="not accepted"):
        nw.record_meeting(f, "conference", "Sam", TODAY, [carol], "plan", kw, offer=offer)
    with pytest.raises(nw.Refused, match="Say who came"):
        nw.record_meeting(f, "conference", "Sam", TODAY, [], "plan", kw)
    with pytest.raises(nw.Refused, match="cannot be in the future"):
        nw.record_meeting(f, "conference", "Sam", date(2025, 10, 1), [carol], "plan", kw)
    assert not Meeting.objects.exists()


# --- Kinship --------------------------------------------------------------------------


def test_living_arrangements_never_overlap_and_show_their_history(people: dict) -> None:
    f, kid, tom = carters(people)
    kw_user = people["kw"]
    carol = nan(f, kid, tom, kw_user)
    kw = client_for(kw_user)
    said = errors(kw.post(url("nw_living"), {}))
    assert "Select the child" in said and "Select who the child lives with" in said
    home = {"child": str(kid.pk), "kind": "parents", **date_fields("started_on", date(2025, 4, 1))}
    assert kw.post(url("nw_living"), home).status_code == 302
    with_nan = {
        "child": str(kid.pk),
        "kind": "informal_kinship",
        "carer": str(carol.pk),
        **date_fields("started_on", date(2025, 6, 1)),
    }
    said = errors(kw.post(url("nw_living"), with_nan))
    assert (
        "Jade Carter already has a living arrangement then (with their parents, since 1 April 2025)"
        in said
    )
    first = LivingArrangement.objects.get()
    end = url("nw_living_end", "F1", first.pk)
    assert "cannot end before it began (1 April 2025)" in errors(
        kw.post(end, date_fields("ended_on", date(2025, 3, 31)))
    )
    assert kw.post(end, date_fields("ended_on", date(2025, 5, 31))).status_code == 302
    assert kw.post(url("nw_living"), with_nan).status_code == 302
    page = page_text(kw)
    assert (
        "Now Informal kinship care (with family or friends) (Nan Carol), since 1 June 2025" in page
    )
    assert "With their parents, 1 April 2025 to 31 May 2025" in page
    # An arrangement that would begin inside an earlier, ended one is refused too.
    with pytest.raises(nw.Refused, match="already has a living arrangement"):
        nw.record_arrangement(
            f, kid, "foster", date(2025, 5, 1), kw_user, carer_name="Foster carers"
        )
    with pytest.raises(nw.Refused, match="cannot end before it began"):
        nw.record_arrangement(
            f, tom, "parents", date(2025, 6, 1), kw_user, ended_on=date(2025, 5, 1)
        )
    with pytest.raises(nw.Refused, match="not a child of this family"):
        nw.record_arrangement(f, jade_elsewhere(people), "parents", TODAY, kw_user)
    with pytest.raises(nw.Refused, match="Say who the child lives with"):
        nw.record_arrangement(f, tom, "sgo", TODAY, kw_user)
    # The carer is in this family's network, or named.
    other, _, _ = carters(people, "F3")
    joe = nw.add_member(
        other, "Uncle Joe", "relative", [nw.Tie(jade("F3"), "aunt_uncle")], TODAY, kw_user
    )
    with pytest.raises(nw.Refused, match="Uncle Joe is not in the family’s network"):
        nw.record_arrangement(f, tom, "sgo", TODAY, kw_user, carer=joe)
    with pytest.raises(nw.Refused, match="end that living arrangement first"):
        nw.end_member(carol, TODAY, kw_user)
    assert LivingArrangement.objects.count() == 2


def jade_elsewhere(people: dict) -> Person:
    carters(people, "F9")
    return jade("F9")


def test_the_kinship_measures_count_children_at_home_and_entering_care(people: dict) -> None:
    kw = people["kw"]
    f, kid, tom = carters(people)
    g = family("G1", key_worker=kw, team=people["north"], district="Melchester")
    ann = jade("G1")
    carol = nan(f, kid, tom, kw)
    # Jade: with her parents, then with Nan (kinship) from June.
    nw.record_arrangement(f, kid, "parents", date(2025, 4, 1), kw, ended_on=date(2025, 5, 31))
    nw.record_arrangement(f, kid, "informal_kinship", date(2025, 6, 1), kw, carer=carol)
    # Tom: at home, then in foster care from July, moved to residential care in August.
    nw.record_arrangement(f, tom, "parents", date(2025, 4, 1), kw, ended_on=date(2025, 6, 30))
    nw.record_arrangement(
        f, tom, "foster", date(2025, 7, 1), kw, carer_name="The Hills", ended_on=date(2025, 7, 31)
    )
    nw.record_arrangement(f, tom, "residential", date(2025, 8, 1), kw, carer_name="Oak House")
    # Ann, elsewhere: under a special guardianship order.
    nw.record_arrangement(g, ann, "sgo", date(2025, 4, 10), kw, carer_name="Her aunt")
    q2, q3 = (date(2025, 4, 1), date(2025, 6, 30)), (date(2025, 7, 1), date(2025, 9, 30))
    assert measures.kept_at_home(*q2) == 3  # Tom was at home until July
    assert measures.kept_at_home(*q3) == 2  # Jade and Ann; Tom in care
    assert measures.kept_at_home(*q3, district="Casterbridge") == 1
    assert measures.entering_care(*q2) == 0
    assert measures.entering_care(*q3) == 1  # the move in August is not entering care
    assert measures.entering_care(date(2025, 8, 1), date(2025, 8, 31)) == 0
    assert measures.entering_care(*q3, district="Melchester") == 0
    assert measures.spend_per_child_kept_at_home(Decimal("1000.00"), *q2) == Decimal("333.33")
    assert (
        measures.spend_per_child_kept_at_home(Decimal("5"), date(2020, 1, 1), date(2020, 2, 1))
        is None
    )


# --- Who sees and changes it ----------------------------------------------------------


def test_who_sees_and_changes_the_network(people: dict) -> None:
    f, kid, tom = carters(people)
    nan(f, kid, tom, people["kw"])
    for who in ("kw", "manager", "analyst"):
        assert "Nan Carol" in page_text(client_for(people[who])), who
    # The analyst sees it but changes nothing.
    c = client_for(people["analyst"])
    assert "Add someone to the network" not in page_text(c)
    assert c.get(url("nw_add")).status_code == 404
    assert c.post(url("nw_add"), a_member(kid, tom, name="Someone")).status_code == 404
    # A partner sees it (and changes it) only while leading the family's Family Help.
    pat = client_for(people["partner"])
    assert pat.get(url("family_network")).status_code == 404
    req = fh.record_request(f, [kid], date(2025, 5, 1), "2A", "Absent.", people["kw"])
    fh.decide(req, "family_help", date(2025, 5, 2), people["manager"], lead=people["partner"])
    assert "Add someone to the network" in page_text(pat)
    assert pat.post(url("nw_add"), a_member(kid, tom, name="Mr Ahmed")).status_code == 302
    assert client_for(people["partner2"]).get(url("family_network")).status_code == 404
    assert client_for(people["dpo"]).get(url("family_network")).status_code == 404
    assert NetworkMember.objects.count() == 2
    assert AuditEntry.objects.filter(action="denied", object_id="F1").exists()
    # The sub navigation links the section for who sees it.
    summary = client_for(people["kw"]).get(url("family")).content.decode()
    assert f'href="{url("family_network")}"' in summary
