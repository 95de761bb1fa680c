"""Services with places: the directory, referrals from a family's plan, the waiting list
when every place is held and the next family offered a place freed, places used
against places bought, and bad input refused in words with nothing saved."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from webkit import client_for, date_fields, family, user, visible_text
from wholefamily.web.accounts.models import Role, Team
from wholefamily.web.audit.models import AuditEntry
from wholefamily.web.casework.models import Action
from wholefamily.web.familyhelp.services import Refused
from wholefamily.web.places import services as S
from wholefamily.web.places.models import Places, Referral, Service, State

YEAR = "2026/27"
TODAY = date(2026, 9, 30)


@pytest.fixture(autouse=True)
def _today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("wholefamily.web.clock.today", lambda: TODAY)


def _action(f: Any, text: str = "Get help with parenting") -> Action:
    return Action.objects.create(
        family=f, part="worker", text=text, owner="Kim", due=date(2026, 12, 1)
    )


@pytest.fixture
def w(db: Any) -> dict[str, Any]:
    team = Team.objects.create(name="Casterbridge family support", district="Casterbridge")
    other = Team.objects.create(name="Weyford family support", district="Weyford")
    kim = user("kim", Role.KEY_WORKER, team)
    olly = user("olly", Role.KEY_WORKER, other)
    morgan = user("morgan", Role.MANAGER, team)
    alex = user("alex", Role.ANALYST)
    fams = [family(f"F{i}", key_worker=kim, team=team) for i in (1, 2, 3)]
    actions = [_action(f) for f in fams]
    service = S.save_service(
        alex, "Positive parenting", "parenting", "commissioned", "Wessex Family Trust",
        ["RELATIONSHIPS", "EDUCATION"], "regular", "Ten weekly group sessions.",
    )  # fmt: skip
    S.set_places(service, YEAR, 2, alex)
    return locals()


def refer(w: dict[str, Any], i: int, on: date, by: Any = None) -> Referral:
    return S.refer(w["fams"][i], w["actions"][i], w["service"], on, by or w["kim"], TODAY)


# --- Full, waiting, freed, offered ------------------------------------------------------


def test_full_then_waiting_then_a_place_freed_is_offered_to_the_first_waiting(
    w: dict[str, Any],
) -> None:
    a = refer(w, 0, date(2026, 5, 1))
    b = refer(w, 1, date(2026, 5, 2))
    assert (a.state, a.offered_on) == (State.OFFERED, date(2026, 5, 1))
    assert b.state == State.OFFERED
    # Both places held: the next family waits; one more family, referred earlier in
    # the day order, waits ahead of a later one.
    fourth = family("F4", key_worker=w["kim"], team=w["team"])
    late = S.refer(fourth, _action(fourth), w["service"], date(2026, 6, 20), w["kim"], TODAY)
    c = refer(w, 2, date(2026, 6, 10))
    assert (c.state, c.offered_on, late.state) == (State.WAITING, None, State.WAITING)
    assert [r.pk for r in S.waiting_list(w["service"])] == [c.pk, late.pk]
    assert S.place_in_queue(c) == 1 and S.place_in_queue(late) == 2
    pos = S.position(w["service"], YEAR)
    assert (pos.bought, pos.held, pos.waiting, pos.free) == (2, 2, 2, 0)

    S.start(a, date(2026, 5, 8), w["kim"], TODAY)
    ended, offered = S.end(a, date(2026, 7, 15), "Finished the programme", w["kim"], TODAY)
    assert ended.state == State.ENDED and ended.ended_on == date(2026, 7, 15)
    assert [r.pk for r in offered] == [c.pk]
    c.refresh_from_db()
    late.refresh_from_db()
    assert (c.state, c.offered_on) == (State.OFFERED, date(2026, 7, 15))
    assert late.state == State.WAITING and S.place_in_queue(late) == 1
    # Taking a family off the waiting list frees no place: nobody else is offered one.
    _, none = S.end(late, date(2026, 8, 1), "Moved away", w["kim"], TODAY)
    assert none == []
    pos = S.position(w["service"], YEAR)
    assert (pos.held, pos.waiting, pos.given) == (2, 0, 3)


def test_more_places_offer_them_to_the_families_waiting(w: dict[str, Any]) -> None:
    refer(w, 0, date(2026, 5, 1))
    refer(w, 1, date(2026, 5, 2))
    c = refer(w, 2, date(2026, 5, 3))
    assert c.state == State.WAITING
    offered = S.set_places(w["service"], YEAR, 3, w["alex"], TODAY)
    assert [r.pk for r in offered] == [c.pk]
    c.refresh_from_db()
    assert (c.state, c.offered_on) == (State.OFFERED, TODAY)


def test_no_places_for_the_year_means_the_waiting_list(w: dict[str, Any]) -> None:
    r = refer(w, 0, date(2026, 3, 31))  # 2025/26: no places set
    assert r.state == State.WAITING
    assert S.position(w["service"], "2025/26").bought == 0


def test_the_pages_from_referral_to_place_offered(w: dict[str, Any]) -> None:
    kim = client_for(w["kim"])
    posts = []
    for i in range(3):
        f, a = w["fams"][i], w["actions"][i]
        url = reverse("refer", args=[f.family_id, a.pk])
        got = kim.get(url)
        assert got.status_code == 200 and "Getting a good education" in got.content.decode()
        data = {"service": str(w["service"].pk), **date_fields("on", date(2026, 5, 1 + i))}
        posts.append(kim.post(url, data))
        assert posts[-1].status_code == 302
    third = Referral.objects.get(family=w["fams"][2])
    assert third.state == State.WAITING
    plan = visible_text(kim.get(reverse("family_plan", args=["F3"])).content.decode())
    assert "Referred to Positive parenting: On the waiting list (1st), since 3 May 2026" in plan
    assert "Refer to a service" in plan

    first = Referral.objects.get(family=w["fams"][0])
    url = reverse("referral", args=["F1", first.pk])
    bad = kim.post(url, {"what": "end", **date_fields("on", date(2026, 6, 1))})
    assert "Say why the referral ends" in bad.content.decode()
    assert Referral.objects.get(pk=first.pk).state == State.OFFERED
    done = kim.post(
        url,
        {"what": "end", "reason": "Turned the place down", **date_fields("on", date(2026, 6, 1))},
    )
    assert done.status_code == 302
    third.refresh_from_db()
    assert (third.state, third.offered_on) == (State.OFFERED, date(2026, 6, 1))
    plan = visible_text(kim.get(reverse("family_plan", args=["F3"])).content.decode())
    assert "Place offered on 1 June 2026" in plan
    assert AuditEntry.objects.filter(
        action="change", object_id="F1", detail__contains="1 offered the place"
    ).exists()

    page = visible_text(kim.get(reverse("service", args=[w["service"].pk])).content.decode())
    assert "Improved family relationships" in page and "RELATIONSHIPS" not in page
    assert "2 places held of 2 in 2026/27" in page and "No family is waiting." in page


# --- Bad input --------------------------------------------------------------------------


def test_negative_places_are_refused_and_nothing_is_saved(w: dict[str, Any]) -> None:
    with pytest.raises(Refused, match="0 or more"):
        S.set_places(w["service"], "2027/28", -1, w["alex"])
    assert not Places.objects.filter(year="2027/28").exists()
    c = client_for(w["alex"])
    url = reverse("service_places", args=[w["service"].pk])
    for places, words in (("-3", "0 or more"), ("lots", "must be a whole number"), ("", "Enter")):
        got = c.post(url, {"year": "2027/28", "places": places})
        body = got.content.decode()
        assert got.status_code == 200 and "govuk-error-summary" in body and words in body
    got = c.post(url, {"year": "2027-28", "places": "4"})
    assert "written like 2026/27" in got.content.decode()
    assert not Places.objects.filter(year__startswith="2027").exists()
    assert Places.objects.get(service=w["service"], year=YEAR).places == 2


def test_a_referral_for_a_family_not_visible_is_404_and_saves_nothing(w: dict[str, Any]) -> None:
    olly = client_for(w["olly"])  # a key worker of another team
    url = reverse("refer", args=["F1", w["actions"][0].pk])
    data = {"service": str(w["service"].pk), **date_fields("on", date(2026, 5, 1))}
    assert olly.get(url).status_code == 404
    assert olly.post(url, data).status_code == 404
    assert not Referral.objects.exists()
    assert AuditEntry.objects.filter(action="denied", object_id="F1").exists()
    with pytest.raises(Refused, match="Only the family’s key worker"):
        S.refer(w["fams"][0], w["actions"][0], w["service"], date(2026, 5, 1), w["alex"], TODAY)
    # Another family's action, through this family's address: 404 too.
    kim = client_for(w["kim"])
    wrong = reverse("refer", args=["F1", w["actions"][1].pk])
    assert kim.post(wrong, data).status_code == 404
    assert not Referral.objects.exists()


def test_twice_at_once_is_refused(w: dict[str, Any]) -> None:
    refer(w, 0, date(2026, 5, 1))
    second = _action(w["fams"][0], "Another try at parenting support")
    with pytest.raises(Refused, match="already referred to Positive parenting"):
        S.refer(w["fams"][0], second, w["service"], date(2026, 5, 9), w["kim"], TODAY)
    assert Referral.objects.count() == 1
    kim = client_for(w["kim"])
    got = kim.post(
        reverse("refer", args=["F1", second.pk]),
        {"service": str(w["service"].pk), **date_fields("on", date(2026, 5, 9))},
    )
    assert "already referred to Positive parenting" in got.content.decode()
    assert Referral.objects.count() == 1
    # The database holds it too: two open referrals of a family to a service.
    with pytest.raises(IntegrityError), transaction.atomic():
        Referral.objects.create(
            family=w["fams"][0], action=second, service=w["service"],
            referred_on=date(2026, 5, 9), by=w["kim"],
        )  # fmt: skip
    # Once it ended, the family may be referred again.
    S.end(Referral.objects.get(), date(2026, 6, 1), "Finished", w["kim"], TODAY)
    again = S.refer(w["fams"][0], second, w["service"], date(2026, 6, 2), w["kim"], TODAY)
    assert again.state == State.OFFERED


def test_the_familys_need_the_service_active_and_an_open_action(w: dict[str, Any]) -> None:
    jobs = S.save_service(
        w["alex"], "Employment advisers", "employment", "internal", "The council",
        ["WORK_FINANCE"], "light",
    )  # fmt: skip
    S.set_places(jobs, YEAR, 5, w["alex"])
    with pytest.raises(Refused, match="none of them is a need of this family"):
        S.refer(w["fams"][0], w["actions"][0], jobs, date(2026, 5, 1), w["kim"], TODAY)
    S.save_service(
        w["alex"], "Positive parenting", "parenting", "commissioned", "Wessex Family Trust",
        ["RELATIONSHIPS", "EDUCATION"], "regular", active=False, service=w["service"],
    )  # fmt: skip
    with pytest.raises(Refused, match="does not take referrals now"):
        refer(w, 0, date(2026, 5, 1))
    Service.objects.filter(pk=w["service"].pk).update(active=True)
    Action.objects.filter(pk=w["actions"][0].pk).update(state="done")
    w["actions"][0].refresh_from_db()
    with pytest.raises(Refused, match="refer from an open action"):
        refer(w, 0, date(2026, 5, 1))
    with pytest.raises(Refused, match="today, 30 September 2026, or before"):
        refer(w, 1, date(2026, 10, 1))
    assert not Referral.objects.exists()


def test_a_service_needs_a_name_needs_and_a_maintainer(w: dict[str, Any]) -> None:
    args = ("parenting", "internal", "The council", ["EDUCATION"], "light")
    with pytest.raises(Refused, match="already a service called"):
        S.save_service(w["alex"], "positive parenting", *args)
    with pytest.raises(Refused, match="at least one need"):
        S.save_service(w["alex"], "New", "parenting", "internal", "The council", [], "light")
    with pytest.raises(Refused, match="from the list"):
        S.save_service(w["alex"], "New", "parenting", "internal", "Us", ["NOT_A_NEED"], "light")
    with pytest.raises(Refused, match="keep the directory"):
        S.save_service(w["kim"], "New", *args)
    assert Service.objects.count() == 1
    c = client_for(w["morgan"])
    got = c.post(reverse("service_add"), {"name": "", "category": "parenting"})
    body = got.content.decode()
    assert "govuk-error-summary" in body and "Enter the service’s name" in body
    assert "Choose at least one need" in body
    assert client_for(w["kim"]).get(reverse("service_add")).status_code == 404
    assert Service.objects.count() == 1


def test_the_directory_in_words_and_a_service_page_names_only_families_seen(
    w: dict[str, Any],
) -> None:
    elsewhere = family("W1", key_worker=w["olly"], team=w["other"], district="Weyford")
    S.refer(elsewhere, _action(elsewhere), w["service"], date(2026, 5, 1), w["olly"], TODAY)
    refer(w, 0, date(2026, 5, 2))
    refer(w, 1, date(2026, 5, 3))  # waiting
    kim = client_for(w["kim"])
    page = visible_text(kim.get(reverse("services")).content.decode())
    assert "Getting a good education; Improved family relationships" in page
    assert "2 bought; 2 held now; 2 offered in the year" in page and "Full" in page
    assert "EDUCATION" not in page
    detail = visible_text(kim.get(reverse("service", args=[w["service"].pk])).content.decode())
    assert "Carter family" in detail and "And 1 family you do not work with" in detail
    assert "W1" not in detail
    partner = user("pat", Role.PARTNER)
    assert client_for(partner).get(reverse("services")).status_code == 404
