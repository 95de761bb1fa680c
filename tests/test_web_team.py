"""The team around the family: professionals, the family's contact details and address
history, the key worker's contact block; refusals in GOV.UK's words, access by role, audit."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse

from webkit import client_for, date_fields, family, nominated_by, user
from wholefamily.web import clock
from wholefamily.web.accounts.models import Role, Team
from wholefamily.web.audit.models import AuditEntry
from wholefamily.web.casework import state
from wholefamily.web.families.models import Family, Origin, Status
from wholefamily.web.team.history import involved, key_worker_contact, timeline_items
from wholefamily.web.team.models import (
    Address,
    FamilyContact,
    Professional,
    TeamContact,
    TeamHistory,
    WorkContact,
)

pytestmark = pytest.mark.django_db

TODAY = date(2025, 6, 30)  # the family (webkit) was identified on 31 March 2025


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clock, "today", lambda: TODAY)


@pytest.fixture
def people() -> dict[str, Any]:
    north = Team.objects.create(name="North family support", district="Casterbridge")
    south = Team.objects.create(name="South family support", district="Budmouth")
    return {
        "north": north,
        "kw": user("kim", Role.KEY_WORKER, north),
        "kw_south": user("sam", Role.KEY_WORKER, south),
        "manager": user("morgan", Role.MANAGER, north),
        "analyst": user("alex", Role.ANALYST),
        "partner": user("pat", Role.PARTNER),
        "dpo": user("dana", Role.DPO),
    }


@pytest.fixture
def fam(people: dict[str, Any]) -> Family:
    f = family("F1", Status.ACTIVE, people["kw"], people["north"], consent="given")
    nominated_by(people["partner"], f)
    return f


def professional(**over: Any) -> dict[str, str]:
    data = {
        "name": "Jo Bloggs",
        "agency": "Casterbridge Academy",
        "role": "Attendance officer",
        "phone": "01632 960 001",
        "email": "jo.bloggs@example.org",
        **date_fields("started_on", date(2025, 4, 14)),
        "ended_on_0": "",
        "ended_on_1": "",
        "ended_on_2": "",
    }
    data.update(over)
    return data


def contacts(**over: Any) -> dict[str, str]:
    data = {
        "phone": "07700 900 982",
        "email": "",
        "preferred": "text",
        "times": "Weekday mornings",
        "language": "Polish",
        "interpreter": "yes",
    }
    data.update(over)
    return data


def address(line1: str = "4 Mill Lane", moved_in: date = date(2019, 9, 1), **over: Any) -> dict:
    data = {
        "line1": line1,
        "line2": "",
        "town": "Casterbridge",
        "postcode": "wx1 2ab",
        **date_fields("moved_in", moved_in),
        "moved_out_0": "",
        "moved_out_1": "",
        "moved_out_2": "",
    }
    data.update(over)
    return data


def refused(r: Any, message: str) -> None:
    """The form is shown again with GOV.UK's error summary and the message inline."""
    assert r.status_code == 200
    html = r.content.decode()
    assert "There is a problem" in html and "govuk-error-summary" in html
    assert "<title>Error: " in html
    assert message in html, html[html.find("govuk-error-summary") :][:1500]
    assert html.count(message) >= 2  # in the summary and beside the field


# Recording ------------------------------------------------------------------------


def test_a_key_worker_records_a_professional_with_history_and_audit(
    people: dict[str, Any], fam: Family
) -> None:
    c = client_for(people["kw"])
    r = c.post(reverse("team_add", args=["F1"]), professional())
    assert r.status_code == 302 and r["Location"] == reverse("family_team", args=["F1"])
    p = Professional.objects.get(family=fam)
    assert (p.name, p.started_on, p.ended_on) == ("Jo Bloggs", date(2025, 4, 14), None)
    page = c.get(reverse("family_team", args=["F1"])).content.decode()
    assert "Jo Bloggs, Attendance officer" in page and "14 April 2025" in page
    assert "Casterbridge Academy" in page
    assert AuditEntry.objects.filter(
        action="change", object_id="F1", username="kim", detail=f"team: professional {p.pk} added"
    ).exists()
    assert AuditEntry.objects.filter(
        action="view", object_id="F1", detail="team around the family"
    ).exists()
    [item] = timeline_items(fam)
    assert item["on"] == date(2025, 4, 14) and item["what"] == "Professional involved"
    assert item["detail"] == "Jo Bloggs, Attendance officer, Casterbridge Academy"
    assert item["by"] == people["kw"]
    assert involved(fam) == [p]


def test_a_professional_who_stops_leaves_the_team_but_not_the_history(
    people: dict[str, Any], fam: Family
) -> None:
    c = client_for(people["manager"])
    c.post(reverse("team_add", args=["F1"]), professional())
    p = Professional.objects.get()
    r = c.post(
        reverse("team_change", args=["F1", p.pk]),
        professional(phone="", **date_fields("ended_on", date(2025, 6, 1))),
    )
    assert r.status_code == 302
    p.refresh_from_db()
    assert p.ended_on == date(2025, 6, 1) and p.phone == ""
    assert involved(fam) == []
    kinds = [h.kind for h in TeamHistory.objects.order_by("id")]
    assert kinds == [TeamHistory.Kind.PROFESSIONAL_ADDED, TeamHistory.Kind.PROFESSIONAL_ENDED]
    assert AuditEntry.objects.filter(
        action="change", detail=f"team: professional {p.pk} changed: phone, end date"
    ).exists()
    page = client_for(people["kw"]).get(reverse("family_team", args=["F1"])).content.decode()
    assert "Professionals no longer involved" in page and "14 April 2025 to 1 June 2025" in page


def test_a_professional_of_another_family_is_not_found(people: dict[str, Any], fam: Family) -> None:
    other = family("F2", Status.ACTIVE, people["kw"], people["north"])
    c = client_for(people["kw"])
    c.post(reverse("team_add", args=["F2"]), professional())
    p = Professional.objects.get(family=other)
    assert c.get(reverse("team_change", args=["F1", p.pk])).status_code == 404
    r = c.post(reverse("team_change", args=["F1", p.pk]), professional(name="Changed"))
    assert r.status_code == 404
    p.refresh_from_db()
    assert p.name == "Jo Bloggs" and p.family == other


@pytest.mark.parametrize(
    ("over", "message"),
    [
        ({"name": ""}, "Enter the professional’s name"),
        ({"agency": ""}, "Enter the agency they work for"),
        ({"role": ""}, "Enter their role"),
        ({"phone": "", "email": ""}, "Enter a phone number or an email address"),
        (
            {"phone": "call me"},
            "Enter a telephone number, like 01632 960 001, 07700 900 982 or +44 808 157 0192",
        ),
        ({"email": "jo.bloggs"}, "Enter an email address in the correct format"),
        (
            {"started_on_0": "", "started_on_1": "", "started_on_2": ""},
            "Enter the date they started working with the family",
        ),
        ({"started_on_1": "13"}, "Enter a real date, for example 27 3 2025"),
        (
            date_fields("started_on", date(1900, 1, 1)),
            "The date they started working with the family must be the same as or after "
            "31 March 2025, when the family was identified",
        ),
        (
            date_fields("started_on", date(2025, 7, 1)),
            "The date they started working with the family must be today or in the past",
        ),
        (
            date_fields("ended_on", date(2025, 4, 13)),
            "The date they stopped working with the family must be the same as or after "
            "the date they started",
        ),
        (
            date_fields("ended_on", date(2025, 7, 1)),
            "The date they stopped working with the family must be today or in the past",
        ),
    ],
)
def test_a_professional_is_refused_in_govuk_words(
    people: dict[str, Any], fam: Family, over: dict[str, str], message: str
) -> None:
    r = client_for(people["kw"]).post(reverse("team_add", args=["F1"]), professional(**over))
    refused(r, message)
    assert not Professional.objects.exists() and not TeamHistory.objects.exists()
    assert not AuditEntry.objects.filter(action="change").exists()


def test_a_nominated_family_counts_from_its_nomination(people: dict[str, Any]) -> None:
    clock_today = date.today()
    f = Family.objects.create(
        family_id="N1", origin=Origin.NOMINATION, status=Status.ACTIVE, key_worker=people["kw"]
    )
    nominated_by(people["partner"], f)
    c = client_for(people["kw"])
    with pytest.MonkeyPatch.context() as m:
        m.setattr(clock, "today", lambda: clock_today)
        day_before = date.fromordinal(clock_today.toordinal() - 1)
        r = c.post(
            reverse("team_add", args=["N1"]), professional(**date_fields("started_on", day_before))
        )
        assert "when the family was identified" in r.content.decode()
        r = c.post(
            reverse("team_add", args=["N1"]), professional(**date_fields("started_on", clock_today))
        )
    assert r.status_code == 302


def test_the_familys_contact_details_are_recorded_and_changed(
    people: dict[str, Any], fam: Family
) -> None:
    c = client_for(people["kw"])
    r = c.post(reverse("contacts_change", args=["F1"]), contacts())
    assert r.status_code == 302 and r["Location"] == reverse("family_contacts", args=["F1"])
    d = FamilyContact.objects.get(family=fam)
    assert (d.phone, d.preferred, d.language, d.interpreter) == (
        "07700 900 982",
        "text",
        "Polish",
        True,
    )
    page = c.get(reverse("family_contacts", args=["F1"])).content.decode()
    assert "Text message" in page and "Weekday mornings" in page and "Needed" in page
    assert AuditEntry.objects.filter(
        action="view", object_id="F1", detail="family's contact details"
    ).exists()
    # The form opens with what is recorded; a change names what changed.
    form = c.get(reverse("contacts_change", args=["F1"])).content.decode()
    assert 'value="07700 900 982"' in form and 'value="Polish"' in form
    c.post(reverse("contacts_change", args=["F1"]), contacts(language="", interpreter="no"))
    d.refresh_from_db()
    assert (d.language, d.interpreter) == ("", False)
    assert AuditEntry.objects.filter(
        action="change", detail="team: contact details changed: language, interpreter"
    ).exists()
    assert timeline_items(fam)[0]["detail"] == "Changed: language, interpreter"


@pytest.mark.parametrize(
    ("over", "message"),
    [
        ({"interpreter": ""}, "Select yes if the family needs an interpreter"),
        ({"language": ""}, "Enter the language the interpreter needs to speak"),
        ({"phone": ""}, "Enter a phone number to contact the family by text message"),
        (
            {"phone": "", "preferred": "phone"},
            "Enter a phone number to contact the family by phone",
        ),
        ({"preferred": "email"}, "Enter an email address to contact the family by email"),
        ({"email": "not an email"}, "Enter an email address in the correct format"),
        ({"phone": "12"}, "Enter a telephone number, like 01632 960 001"),
    ],
)
def test_contact_details_are_refused_in_govuk_words(
    people: dict[str, Any], fam: Family, over: dict[str, str], message: str
) -> None:
    r = client_for(people["kw"]).post(reverse("contacts_change", args=["F1"]), contacts(**over))
    refused(r, message)
    assert not FamilyContact.objects.exists()


def test_a_move_ends_the_current_address_and_the_district_stays_the_datas(
    people: dict[str, Any], fam: Family
) -> None:
    c = client_for(people["kw"])
    assert c.post(reverse("address_add", args=["F1"]), address()).status_code == 302
    r = c.post(
        reverse("address_add", args=["F1"]),
        address("22 Church Street", date(2025, 5, 2), town="Budmouth", postcode="WX79ZZ"),
    )
    assert r.status_code == 302
    old, new = Address.objects.order_by("moved_in")
    assert (old.moved_in, old.moved_out) == (date(2019, 9, 1), date(2025, 5, 2))
    assert (new.postcode, new.moved_out, new.current) == ("WX7 9ZZ", None, True)
    fam.refresh_from_db()
    assert fam.district == "Casterbridge"  # what the data says, not where they moved
    moved = TeamHistory.objects.get(kind=TeamHistory.Kind.MOVED)
    assert moved.on == date(2025, 5, 2)
    assert moved.detail == (
        "From 4 Mill Lane, Casterbridge, WX1 2AB to 22 Church Street, Budmouth, WX7 9ZZ"
    )
    assert AuditEntry.objects.filter(
        action="change", object_id="F1", detail=f"team: moved, address {new.pk}"
    ).exists()
    page = c.get(reverse("family_contacts", args=["F1"])).content.decode()
    assert "Since 2 May 2025" in page and "1 September 2019 to 2 May 2025" in page
    assert page.count("govuk-tag--green") == 1  # one address marked current
    # An earlier address can be added to the history, before the current one.
    r = c.post(
        reverse("address_add", args=["F1"]),
        address("9 Old Road", date(2015, 1, 1), **date_fields("moved_out", date(2019, 9, 1))),
    )
    assert r.status_code == 302
    assert Address.objects.filter(moved_out__isnull=True).get() == new


@pytest.mark.parametrize(
    ("posted", "message"),
    [
        (address(line1=""), "Enter address line 1, typically the building and street"),
        (address(town=""), "Enter town or city"),
        (address(postcode=""), "Enter postcode"),
        (address(postcode="WX1"), "Enter a full UK postcode, like AA1 1AA"),
        (
            address(moved_in=date(2025, 7, 1)),
            "The date the family moved in must be today or in the past",
        ),
        (
            address(**date_fields("moved_out", date(2019, 8, 31))),
            "The date the family moved out must be the same as or after the date they moved in",
        ),
        (
            address(moved_in=date(2020, 1, 1)),
            "The date the family moved in must be after 1 September 2020, when they moved "
            "into their current address",
        ),
        (
            address(moved_in=date(2018, 1, 1), **date_fields("moved_out", date(2021, 1, 1))),
            "The date the family moved out must be the same as or before 1 September 2020, "
            "when they moved into their current address",
        ),
    ],
)
def test_an_address_is_refused_in_govuk_words(
    people: dict[str, Any], fam: Family, posted: dict[str, str], message: str
) -> None:
    c = client_for(people["kw"])
    c.post(reverse("address_add", args=["F1"]), address("1 First Street", date(2020, 9, 1)))
    assert Address.objects.count() == 1
    refused(c.post(reverse("address_add", args=["F1"]), posted), message)
    assert Address.objects.count() == 1
    assert Address.objects.get().moved_out is None


def test_a_family_has_one_current_address_in_the_database(
    people: dict[str, Any], fam: Family
) -> None:
    Address.objects.create(
        family=fam,
        line1="1 A St",
        town="T",
        postcode="WX1 1AA",
        moved_in=TODAY,
        added_by=people["kw"],
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Address.objects.create(
            family=fam,
            line1="2 B St",
            town="T",
            postcode="WX1 1AB",
            moved_in=TODAY,
            added_by=people["kw"],
        )


def test_a_move_is_checked_against_the_address_current_under_the_lock(
    people: dict[str, Any], fam: Family, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Someone else records a move after this page's request began and just before it
    takes the family's row lock: the move is checked against their address, not the one
    current when the request began, so it is refused rather than making two current."""
    c = client_for(people["kw"])
    c.post(reverse("address_add", args=["F1"]), address())
    real_lock = state.lock

    def lock_after_another_move(*args: Any, **kwargs: Any) -> Family:
        first = Address.objects.get(moved_out__isnull=True)
        first.moved_out = date(2025, 5, 2)
        first.save()
        Address.objects.create(
            family=fam,
            line1="22 Church Street",
            town="Budmouth",
            postcode="WX7 9ZZ",
            moved_in=date(2025, 5, 2),
            added_by=people["manager"],
        )
        monkeypatch.setattr(state, "lock", real_lock)
        return real_lock(*args, **kwargs)

    monkeypatch.setattr(state, "lock", lock_after_another_move)
    r = c.post(reverse("address_add", args=["F1"]), address("7 Elm Row", date(2025, 5, 1)))
    refused(
        r,
        "The date the family moved in must be after 2 May 2025, when they moved into their "
        "current address",
    )
    assert Address.objects.get(moved_out__isnull=True).line1 == "22 Church Street"
    assert not Address.objects.filter(line1="7 Elm Row").exists()


# Access ---------------------------------------------------------------------------

PAGES = ["family_team", "team_add", "family_contacts", "contacts_change", "address_add"]
FORMS = [
    ("team_add", professional()),
    ("contacts_change", contacts()),
    ("address_add", address()),
]


@pytest.mark.parametrize("who", ["kw_south", "partner", "dpo"])
def test_others_get_not_found_everywhere(people: dict[str, Any], fam: Family, who: str) -> None:
    c = client_for(people[who])
    for name in PAGES:
        assert c.get(reverse(name, args=["F1"])).status_code == 404, name
    for name, data in FORMS:
        assert c.post(reverse(name, args=["F1"]), data).status_code == 404, name
    assert not Professional.objects.exists() and not FamilyContact.objects.exists()
    assert not Address.objects.exists()
    assert AuditEntry.objects.filter(action="denied", username=people[who].username).count() >= 8


def test_the_analyst_sees_and_changes_nothing(people: dict[str, Any], fam: Family) -> None:
    client_for(people["kw"]).post(reverse("team_add", args=["F1"]), professional())
    p = Professional.objects.get()
    c = client_for(people["analyst"])
    team = c.get(reverse("family_team", args=["F1"]))
    assert team.status_code == 200 and "Jo Bloggs" in team.content.decode()
    assert "Add a professional" not in team.content.decode()
    assert reverse("team_change", args=["F1", p.pk]) not in team.content.decode()
    page = c.get(reverse("family_contacts", args=["F1"])).content.decode()
    assert "record a move" not in page and reverse("contacts_change", args=["F1"]) not in page
    for name in ("team_add", "contacts_change", "address_add"):
        assert c.get(reverse(name, args=["F1"])).status_code == 404
    for name, data in FORMS:
        assert c.post(reverse(name, args=["F1"]), data).status_code == 404
    assert (
        c.post(reverse("team_change", args=["F1", p.pk]), professional(name="X")).status_code == 404
    )
    p.refresh_from_db()
    assert p.name == "Jo Bloggs" and Professional.objects.count() == 1
    assert not FamilyContact.objects.exists() and not Address.objects.exists()


def test_a_teammate_and_the_manager_may_change(people: dict[str, Any], fam: Family) -> None:
    mate = user("kate", Role.KEY_WORKER, people["north"])
    assert (
        client_for(mate).post(reverse("team_add", args=["F1"]), professional()).status_code == 302
    )
    r = client_for(people["manager"]).post(reverse("address_add", args=["F1"]), address())
    assert r.status_code == 302


def test_the_partner_sees_only_how_to_reach_the_key_worker(
    people: dict[str, Any], fam: Family
) -> None:
    kw = people["kw"]
    client_for(kw).post(reverse("team_add", args=["F1"]), professional())
    client_for(kw).post(reverse("contacts_change", args=["F1"]), contacts())
    WorkContact.objects.create(user=kw, phone="01632 960 123", email="kim.tester@wessex.example")
    page = client_for(people["partner"]).get(reverse("family", args=["F1"])).content.decode()
    assert "Contact the key worker" in page
    assert "Kim Tester" in page and "North family support" in page
    assert "01632 960 123" in page and "kim.tester@wessex.example" in page
    # Nothing else of the team or the family's own contact details.
    assert "Jo Bloggs" not in page and "07700 900 982" not in page and "Polish" not in page


def test_the_key_worker_contact_falls_back_to_the_team(people: dict[str, Any], fam: Family) -> None:
    TeamContact.objects.create(
        team=people["north"], phone="01632 960 000", email="north@wessex.example"
    )
    assert key_worker_contact(fam)["phone"] == "01632 960 000"
    WorkContact.objects.create(user=people["kw"], phone="", email="kim@wessex.example")
    got = key_worker_contact(fam)
    assert (got["name"], got["phone"], got["email"]) == (
        "Kim Tester",
        "01632 960 000",
        "kim@wessex.example",
    )
    fam.key_worker = None
    fam.save()
    assert key_worker_contact(fam)["worker"] is None
    page = client_for(people["partner"]).get(reverse("family", args=["F1"])).content.decode()
    assert "No key worker is allocated yet" in page and "01632 960 000" in page


def test_practitioners_record_their_own_work_contact(people: dict[str, Any]) -> None:
    c = client_for(people["manager"])
    r = c.post(
        reverse("team_work_contact"),
        {
            "phone": "01632 960 555",
            "email": "morgan@wessex.example",
            "team_phone": "01632 960 000",
            "team_email": "north@wessex.example",
        },
    )
    assert r.status_code == 302
    assert WorkContact.objects.get(user=people["manager"]).phone == "01632 960 555"
    assert TeamContact.objects.get(team=people["north"]).email == "north@wessex.example"
    assert AuditEntry.objects.filter(
        action="change", object_type="user", username="morgan"
    ).exists()
    kw = client_for(people["kw"])
    form = kw.get(reverse("team_work_contact")).content.decode()
    assert "team_phone" not in form  # a key worker sets their own, not the team's
    refused(
        kw.post(reverse("team_work_contact"), {"phone": "x", "email": ""}),
        "Enter a telephone number",
    )
    for who in ("analyst", "partner", "dpo"):
        assert client_for(people[who]).get(reverse("team_work_contact")).status_code == 404


@pytest.mark.parametrize("name", PAGES)
def test_every_page_needs_a_sign_in(fam: Family, name: str) -> None:
    r = Client().get(reverse(name, args=["F1"]))
    assert r.status_code == 302 and r["Location"].startswith(reverse("login"))
