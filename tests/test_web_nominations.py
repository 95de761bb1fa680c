"""Nominations in view: the nominator is never told whether anyone is known; the analyst's
central check shows the nomination beside each known family once, with the reasons in
words; accepting makes the people members (of a new family, or merged into the known
family chosen), rejecting does not; two nominations at once get different numbers."""

from __future__ import annotations

import re
import threading
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.db.models.signals import pre_save
from django.urls import reverse

from test_web import _run
from test_web_concurrency import at_once
from webkit import client_for, date_fields, family, user, visible_text
from wholefamily.web.accounts.models import Role, Team
from wholefamily.web.audit.models import AuditEntry
from wholefamily.web.casework.models import Check, Event, NominatedPerson, Nomination
from wholefamily.web.families.models import Family, Member, Origin, Person, Status

pytestmark = pytest.mark.django_db

EVIDENCE = "Missed 30 sessions this term; mum says the rent is in arrears"


@pytest.fixture
def people() -> dict[str, Any]:
    north = Team.objects.create(name="North", district="Casterbridge")
    return {
        "partner": user("pat", Role.PARTNER),
        "analyst": user("alex", Role.ANALYST),
        "manager": user("morgan", Role.MANAGER, north),
        "kw": user("kim", Role.KEY_WORKER, north),
        "team": north,
    }


def nomination(*named: tuple[str, str, date | None, str]) -> dict[str, Any]:
    """The nomination form's fields: each person as (first name, last name, born, role)."""
    data: dict[str, Any] = {
        "person-TOTAL_FORMS": "5",
        "person-INITIAL_FORMS": "0",
        "person-MIN_NUM_FORMS": "0",
        "person-MAX_NUM_FORMS": "8",
        "agency": "Southfield Primary",
        "needs": ["EDUCATION", "HEALTH"],
        "evidence": EVIDENCE,
        "consent": "Y",
    }
    for i, (first, last, born, role) in enumerate(named):
        data |= {f"person-{i}-forename": first, f"person-{i}-surname": last}
        data |= {f"person-{i}-role": role}
        if born is not None:
            data |= date_fields(f"person-{i}-dob", born)
    return data


JADE = ("Jade", "Carter", date(2011, 5, 4), "CHILD")  # a member of webkit's families
LISA = ("Lisa", "Carter", date(1985, 1, 9), "LEAD_ADULT")
MIA = ("Mia", "Carter", date(2019, 2, 14), "CHILD")  # known to no one
TYLER = ("Tyler", "Brooks", date(2012, 6, 1), "CHILD")


def nominate(c: Any, *named: tuple[str, str, date | None, str]) -> Family:
    r = c.post(reverse("nominate"), nomination(*named))
    assert r.status_code == 302, r.content.decode()[:2000]
    return Family.objects.get(family_id=r["Location"].rsplit("/", 1)[1])


# The nominator -------------------------------------------------------------------------


def _as_answered(r: Any, reference: str) -> str:
    """A page the nominator was shown, with what differs between two nominations by
    design (the reference, the form's CSRF token) taken out."""
    body = r.content.decode().replace(reference, "REF")
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "CSRF", body)


def test_the_nominator_is_answered_the_same_whether_or_not_anyone_is_known(
    people: dict[str, Any],
) -> None:
    c = client_for(people["partner"])
    data = nomination(JADE, LISA)
    unknown = c.post(reverse("nominate"), data)  # nobody known to the programme yet
    family("F1", status=Status.IDENTIFIED)  # now Jade and Lisa Carter are known
    known = c.post(reverse("nominate"), data)

    assert (unknown.status_code, known.status_code) == (302, 302)
    refs = [r["Location"].rsplit("/", 1)[1] for r in (unknown, known)]
    assert all(re.fullmatch(r"N\d{6}", ref) for ref in refs) and refs[0] != refs[1]
    pages = [c.get(r["Location"]) for r in (unknown, known)]
    assert [p.status_code for p in pages] == [200, 200]
    assert _as_answered(pages[0], refs[0]) == _as_answered(pages[1], refs[1])
    listing = visible_text(c.get(reverse("nominations")).content.decode())
    for text in (*[visible_text(p.content.decode()) for p in pages], listing):
        assert "known" not in text.lower() and "F1" not in text
    # Both are nominated families of their own, waiting for the central check.
    assert [Family.objects.get(family_id=r).status for r in refs] == [Status.NOMINATED] * 2
    assert Family.objects.get(family_id="F1").status == Status.IDENTIFIED
    assert not Member.objects.filter(family__origin=Origin.NOMINATION).exists()


def test_the_nominator_sees_the_needs_in_words(people: dict[str, Any]) -> None:
    c = client_for(people["partner"])
    f = nominate(c, TYLER)
    text = visible_text(c.get(reverse("family", args=[f.family_id])).content.decode())
    assert "Getting a good education" in text and "Improved mental and physical health" in text
    assert "EDUCATION" not in text and "CHILD" not in text
    assert "Tyler Brooks, child, born 1 June 2012" in text


# The central check ---------------------------------------------------------------------


def test_the_central_check_shows_the_nomination_beside_each_known_family_once(
    people: dict[str, Any],
) -> None:
    family("F1", status=Status.IDENTIFIED)  # Jade and Lisa Carter
    f = nominate(client_for(people["partner"]), JADE, LISA, MIA)
    r = client_for(people["analyst"]).get(reverse("check", args=[f.family_id]))
    assert r.status_code == 200
    html = r.content.decode()
    text = visible_text(html)
    # The nomination: people, needs in words, evidence.
    for words in (
        "Jade Carter",
        "Child, born 4 May 2011",
        "Lisa Carter",
        "Lead adult, born 9 January 1985",
        "Mia Carter",
        "Getting a good education",
        "Improved mental and physical health",
        EVIDENCE,
        "Southfield Primary",
    ):
        assert words in text, words
    assert "EDUCATION" not in text and "LEAD_ADULT" not in text
    # The known family, once, though two of the people named are its members.
    assert html.count('app-candidate"') == 1
    assert text.count("Carter family, family F1: identified from data") == 1
    assert (
        "Jade Carter (named, born 4 May 2011) and Jade Carter, born 4 May 2011: first name "
        "the same, last name the same, date of birth the same. Match probability" in text
    )
    assert "Lisa Carter (named, born 9 January 1985) and Lisa Carter" in text
    assert text.count("May be a person named") == 2
    # The analyst chooses between it and a family not known yet.
    assert 'name="join" type="radio" value="F1"' in html
    assert 'name="join" type="radio" value="new"' in html


def test_a_known_family_matched_by_two_queries_is_shown_once(people: dict[str, Any]) -> None:
    """A person found both by name and by date of birth is one match, not two."""
    family("F1", status=Status.IDENTIFIED)
    f = nominate(client_for(people["partner"]), JADE, JADE)
    html = client_for(people["analyst"]).get(reverse("check", args=[f.family_id])).content
    text = visible_text(html.decode())
    assert html.decode().count('app-candidate"') == 1
    assert text.count("Jade Carter (named, born 4 May 2011) and Jade Carter") == 1


def test_accepting_a_new_family_makes_the_people_members(people: dict[str, Any]) -> None:
    f = nominate(client_for(people["partner"]), TYLER, ("Amy", "Brooks", None, "LEAD_ADULT"))
    analyst = client_for(people["analyst"])
    page = analyst.get(reverse("check", args=[f.family_id])).content.decode()
    assert "found no known family" in page and 'name="join"' not in page
    r = analyst.post(
        reverse("check", args=[f.family_id]), {"eligible": "yes", "notes": "School attendance 70%"}
    )
    assert r["Location"] == reverse("family", args=[f.family_id])
    f.refresh_from_db()
    assert f.status == Status.AWAITING_ALLOCATION
    members = Member.objects.filter(family=f, current=True).select_related("person")
    assert sorted((str(m.person), m.person.dob, m.role) for m in members) == [
        ("Amy Brooks", None, "LEAD_ADULT"),
        ("Tyler Brooks", date(2012, 6, 1), "CHILD"),
    ]
    assert all(m.person.person_id.startswith("NP") for m in members)
    assert not NominatedPerson.objects.filter(person__isnull=True).exists()
    event = Event.objects.get(family=f, kind=Event.Kind.MEMBERS)
    assert event.detail == "Tyler Brooks, Amy Brooks added"
    assert AuditEntry.objects.filter(
        object_id=f.family_id, detail="members: Tyler Brooks, Amy Brooks added"
    ).exists()
    assert AuditEntry.objects.filter(
        object_id=f.family_id, detail="check: eligible, 2 members added"
    ).exists()

    # The manager allocating it sees the members, the nomination and the check's notes.
    text = visible_text(
        client_for(people["manager"]).get(reverse("family", args=[f.family_id])).content.decode()
    )
    assert "No members recorded yet" not in text
    assert "Tyler Brooks" in text and "Amy Brooks" in text
    assert EVIDENCE in text and "Getting a good education" in text
    assert "School attendance 70%" in text
    chronology = client_for(people["manager"]).get(reverse("family_chronology", args=[f.family_id]))
    assert "Members added from a nomination" in visible_text(chronology.content.decode())


def test_merging_into_the_known_family_the_analyst_chose(people: dict[str, Any]) -> None:
    known = family("F1", status=Status.IDENTIFIED)
    partner = client_for(people["partner"])
    f = nominate(partner, JADE, MIA)
    ref = f.family_id
    analyst = client_for(people["analyst"])
    url = reverse("check", args=[ref])
    # Accepting needs the answer to which family this is.
    r = analyst.post(url, {"eligible": "yes", "notes": ""})
    assert r.status_code == 200 and "Select the known family this is" in r.content.decode()
    assert Family.objects.get(family_id=ref).status == Status.NOMINATED

    r = analyst.post(url, {"eligible": "yes", "join": "F1", "notes": "Same family as F1"})
    assert r["Location"] == reverse("family", args=["F1"])
    assert not Family.objects.filter(family_id=ref).exists()
    known.refresh_from_db()
    assert known.status == Status.AWAITING_ALLOCATION
    # Jade is the known Jade; Mia is added; nobody twice.
    names = sorted(str(m.person) for m in Member.objects.filter(family=known, current=True))
    assert names == ["Jade Carter", "Lisa Carter", "Mia Carter"]
    assert Person.objects.filter(forename="Jade").count() == 1
    n = Nomination.objects.get()
    assert (n.family, n.reference, n.matched_existing) == (known, ref, True)
    assert [p.person.person_id for p in n.people.all()] == ["PF11", f"NP{n.people.last().pk:07d}"]
    check = Check.objects.get()
    assert (check.family, check.eligible, check.notes) == (known, True, "Same family as F1")
    event = Event.objects.get(kind=Event.Kind.MEMBERS)
    assert (event.family, event.detail) == (
        known,
        f"The nomination {ref} joined this family: Mia Carter added; Jade Carter already a member",
    )
    assert AuditEntry.objects.filter(
        object_id=ref, detail="check: eligible, merged into family F1"
    ).exists()
    assert AuditEntry.objects.filter(object_id="F1", detail__startswith="members:").exists()
    timeline = visible_text(analyst.get(reverse("family_chronology", args=["F1"])).content.decode())
    assert "Members added from a nomination" in timeline and "Same family as F1" in timeline

    # The nominator still sees the reference they were given, not the known family.
    listing = visible_text(partner.get(reverse("nominations")).content.decode())
    page = visible_text(partner.get(reverse("family", args=["F1"])).content.decode())
    assert ref in listing and "F1" not in listing
    assert f"Family {ref}" in page and "F1" not in page


def test_a_known_family_being_worked_with_keeps_its_case(people: dict[str, Any]) -> None:
    known = family(
        "F1", status=Status.ACTIVE, key_worker=people["kw"], team=people["team"], consent="given"
    )
    f = nominate(client_for(people["partner"]), LISA)
    r = client_for(people["analyst"]).post(
        reverse("check", args=[f.family_id]), {"eligible": "yes", "join": "F1", "notes": ""}
    )
    assert r["Location"] == reverse("family", args=["F1"])
    known.refresh_from_db()
    assert (known.status, known.key_worker, known.version) == (Status.ACTIVE, people["kw"], 1)
    assert Member.objects.filter(family=known).count() == 2  # Lisa was already a member


def test_a_known_family_not_offered_cannot_be_chosen(people: dict[str, Any]) -> None:
    family("F1", status=Status.IDENTIFIED)
    family("F2", status=Status.IDENTIFIED)
    Person.objects.filter(person_id__startswith="PF2").update(surname="Other", dob=None)
    f = nominate(client_for(people["partner"]), JADE, MIA)
    r = client_for(people["analyst"]).post(
        reverse("check", args=[f.family_id]), {"eligible": "yes", "join": "F2", "notes": ""}
    )
    assert r.status_code == 200  # F2 was not found, F1 was: F2 is no choice
    assert "Select the known family this is, or none of these" in r.content.decode()
    assert not Member.objects.filter(person__person_id__startswith="NP").exists()
    assert Family.objects.get(family_id=f.family_id).status == Status.NOMINATED


def test_rejecting_keeps_the_people_off_and_the_notes_are_kept(people: dict[str, Any]) -> None:
    family("F1", status=Status.IDENTIFIED)
    f = nominate(client_for(people["partner"]), JADE, MIA)
    analyst = client_for(people["analyst"])
    url = reverse("check", args=[f.family_id])
    r = analyst.post(url, {"eligible": "no", "notes": "No evidence of a second need"})
    assert r.status_code == 302
    f.refresh_from_db()
    assert f.status == Status.NOT_ELIGIBLE
    assert not Member.objects.filter(family=f).exists()
    assert not Person.objects.filter(person_id__startswith="NP").exists()
    assert Member.objects.filter(family__family_id="F1").count() == 2
    # Checked again later: the history shows the first check and its notes.
    text = visible_text(analyst.get(url).content.decode())
    assert "does not meet the criteria" in text and "No evidence of a second need" in text


def test_the_check_of_a_family_from_the_data_shows_its_members_and_needs(
    people: dict[str, Any],
) -> None:
    family("F1", status=Status.IDENTIFIED)
    text = visible_text(
        client_for(people["analyst"]).get(reverse("check", args=["F1"])).content.decode()
    )
    assert "Jade Carter" in text and "Child, born 4 May 2011" in text
    assert "Children not attending school regularly" in text  # the framework's title
    assert "School exclusions, exclusion starting 10 January 2025: EDUCATION indicator" in text
    assert "Already known?" not in text


def test_a_sync_keeps_the_members_a_nomination_added(
    tmp_path: Path, people: dict[str, Any]
) -> None:
    from wholefamily.web.families.sync import sync

    run = _run(tmp_path / "q1", "2025-03-31", [("A", "EDUCATION;HEALTH", "Y")])
    sync(run)
    f = nominate(client_for(people["partner"]), JADE, MIA)
    client_for(people["analyst"]).post(
        reverse("check", args=[f.family_id]), {"eligible": "yes", "join": "A", "notes": ""}
    )
    current = lambda: sorted(  # noqa: E731
        str(m.person) for m in Member.objects.filter(family__family_id="A", current=True)
    )
    assert current() == ["Jade Carter", "Lisa Carter", "Mia Carter"]
    sync(run)  # the data's members are rewritten; the one the nomination added stays
    assert current() == ["Jade Carter", "Lisa Carter", "Mia Carter"]


# Two at once -----------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_nominations_at_once_get_different_numbers(flush_past_triggers: None) -> None:
    """Each request is held just before it writes its new family, until the other is
    there too: numbering by counting the nominations before would give both the same
    number (one request failing). SQLite runs write transactions one after another
    (IMMEDIATE), so only PostgreSQL can interleave them."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite's write transactions cannot interleave; run with DATABASE_URL")
    from django.db import connections

    partners = [user("pat", Role.PARTNER), user("pia", Role.PARTNER)]
    barrier = threading.Barrier(2, timeout=20)

    def hold(sender: Any, instance: Family, raw: bool, **kwargs: Any) -> None:
        if instance._state.adding and instance.origin == Origin.NOMINATION:
            barrier.wait()

    pre_save.connect(hold, sender=Family, dispatch_uid="hold-nominations")
    try:
        results = at_once(
            [
                (client_for(p), reverse("nominate"), nomination((name, "Brooks", None, "CHILD")))
                for p, name in zip(partners, ("Tyler", "Amy"), strict=True)
            ]
        )
    finally:
        pre_save.disconnect(dispatch_uid="hold-nominations", sender=Family)
        connections.close_all()
    assert [r.status_code for r in results] == [302, 302]
    ids = {r["Location"].rsplit("/", 1)[1] for r in results}
    assert len(ids) == 2 and all(re.fullmatch(r"N\d{6}", i) for i in ids)
    assert set(Family.objects.values_list("family_id", flat=True)) == ids
    assert sorted(Nomination.objects.values_list("reference", flat=True)) == sorted(ids)


def test_a_check_opened_before_another_is_told_and_writes_nothing(people: dict[str, Any]) -> None:
    f = nominate(client_for(people["partner"]), TYLER)
    first, second = client_for(people["analyst"]), client_for(user("ash", Role.ANALYST))
    url = reverse("check", args=[f.family_id])
    seen = re.search(r'name="version" value="(\d+)"', first.get(url).content.decode())
    assert seen is not None
    assert second.post(url, {"eligible": "no", "notes": "", "version": seen.group(1)}).status_code
    r = first.post(url, {"eligible": "yes", "notes": "Meets it", "version": seen.group(1)})
    assert r.status_code == 409
    page = r.content.decode()
    assert "Someone else changed this family" in page and "Meets it" in page
    assert not Member.objects.filter(family=f).exists()
