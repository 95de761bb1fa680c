"""The family's own view is walled off: a family member signed in is refused every page
of the project outside it (every URL pattern walked, GET and POST), a staff user gets a
404 on the family's pages, nothing the family must not see (evidence, needs, unshared
notes, child protection, Family Help levels, another family, a network member's address
or phone) is in any family page until a practitioner shares a note; links that have run
out, been used or been stopped, a stopped account and a closed case are refused in plain
words; sign-in is each side's own, throttled, and family sessions are short."""

from __future__ import annotations

import re
import time
from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from familykit import FAMILY_PASSWORD, SECRETS, family_client, filled_family, invitation
from webkit import PASSWORD, client_for, family, user
from wholefamily.web import clock
from wholefamily.web.accounts.models import Role
from wholefamily.web.casework.models import Action
from wholefamily.web.families.models import Status
from wholefamily.web.familyview import services
from wholefamily.web.familyview.models import Invitation, Relation

pytestmark = pytest.mark.django_db

TODAY = date(2025, 9, 30)
FAMILY_PAGES_GET = [
    "my_home",
    "my_plan",
    "my_add",
    "my_network",
    "my_before_review",
    "my_assessment",
    "my_shared",
    "my_feedback",
]


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clock, "today", lambda: TODAY)


@pytest.fixture
def filled() -> dict[str, Any]:
    return filled_family(TODAY)


def every_pattern() -> list[tuple[str, str]]:
    """(route, name) of every URL pattern of the project, routes joined from the root."""
    found: list[tuple[str, str]] = []

    def walk(resolver: URLResolver, prefix: str) -> None:
        for p in resolver.url_patterns:
            route = prefix + str(p.pattern)
            if isinstance(p, URLResolver):
                walk(p, route)
            elif isinstance(p, URLPattern):
                found.append((route, p.name or ""))

    walk(get_resolver(), "")
    return found


def fill(route: str, values: dict[str, str]) -> str:
    """A route with each converter (`<int:pk>`) or regex group filled with a real value."""
    route = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: values[m.group(1)], route)
    route = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: values[m.group(1)], route)
    return "/" + route.replace("^", "").replace("$", "")


def real_values(filled: dict[str, Any]) -> dict[str, str]:
    note, action = filled["note"], filled["actions"][Action.Part.FAMILY]
    return {
        "family_id": filled["family"].family_id,
        "pk": str(note.pk),
        "action_id": str(action.pk),
        "line_id": "1",
        "object_id": str(filled["kw"].pk),
        "content_type_id": "1",
        "id": str(filled["kw"].pk),
        "key": "families",
        "year": "2025",
        "token": invitation(filled["family"], filled["kw"], "Sam Carter"),
        "app_label": "auth",
        "url": "auth/user/",
    }


def test_the_url_walk_a_family_member_reaches_only_the_family_view(filled: dict) -> None:
    c = family_client(filled["account"])
    values = real_values(filled)
    patterns = every_pattern()
    outside = [(r, n) for r, n in patterns if not n.startswith("my_")]
    assert len(outside) > 150  # the whole project, not one app
    for route, name in outside:
        url = fill(route, values)
        for method in (c.get, c.post):
            r = method(url)
            assert r.status_code in (403, 404), (url, name, r.status_code)
    # Still signed in, and the family's pages still answer.
    assert c.get("/my-family").status_code == 200
    said = c.get("/families").content.decode()
    assert "This page is not part of your family’s page." in said


def test_a_staff_user_gets_404_on_every_family_page(filled: dict) -> None:
    values = real_values(filled)
    mine = [(r, n) for r, n in every_pattern() if n.startswith("my_")]
    assert len(mine) == 14
    open_to_all = {"my_login", "my_code", "my_invite"}
    for route, name in mine:
        url = fill(route, values)
        kw = client_for(filled["kw"])  # the invitation page signs out whoever opens it
        if name in open_to_all:
            assert kw.get(url).status_code in (200, 302), name
            continue
        assert kw.get(url).status_code == 404, name
        assert kw.post(url).status_code == 404, name


def family_html(c: Client) -> dict[str, str]:
    from django.urls import reverse

    return {name: c.get(reverse(name)).content.decode() for name in FAMILY_PAGES_GET}


def test_nothing_the_family_must_not_see_is_in_their_pages(filled: dict) -> None:
    other = family("FOTHER9", key_worker=filled["kw"], team=filled["team"])
    Action.objects.create(
        family=other,
        part=Action.Part.FAMILY,
        text="Another family’s own action",
        owner="Someone else",
        due=TODAY,
    )
    c = family_client(filled["account"])
    never = [
        *SECRETS.values(),
        "Another family’s own action",
        "FOTHER9",  # (not a short id: a random CSRF token can hold two letters)
        "Police call.",  # the request for help
        "HEALTH",  # the needs, as codes
        "Child in need",  # the Family Help level
        "Section 47",
        "DC Jones",
    ]
    pages = family_html(c)
    for name, html in pages.items():
        assert html.count("<h1") >= 1, name
        for secret in never:
            assert secret not in html, (name, secret)
    # The network member is shown by name and what they offer, not where they live.
    assert "Rose Carter" in pages["my_network"]
    assert "She can have Jade after school on Fridays." in pages["my_network"]
    # Shared, the note shows on the shared page only.
    services.share(filled["family"], filled["note"], filled["kw"])
    pages = family_html(c)
    assert SECRETS["note"] in pages["my_shared"]
    for name, html in pages.items():
        if name != "my_shared":
            assert SECRETS["note"] not in html, name
    # Unshared again, it is gone.
    services.unshare(filled["family"], filled["note"])
    assert SECRETS["note"] not in c.get("/my-family/shared").content.decode()


def refusal(r: Any) -> str:
    return r.content.decode()


def test_links_run_out_are_used_once_and_can_be_stopped(filled: dict) -> None:
    f, kw = filled["family"], filled["kw"]
    anon = Client()
    _, old_token = services.invite(
        f, kw, "Sam Carter", Relation.PARENT, now=timezone.now() - timedelta(days=8)
    )
    r = anon.get(f"/my-family/invitation/{old_token}")
    assert r.status_code == 410
    assert services.EXPIRED in refusal(r)
    token = invitation(f, kw, "Sam Carter")
    r = anon.post(
        f"/my-family/invitation/{token}",
        {"username": "sam", "password": FAMILY_PASSWORD, "password_again": FAMILY_PASSWORD},
    )
    assert r.status_code == 302
    r = Client().get(f"/my-family/invitation/{token}")
    assert r.status_code == 410 and services.USED in refusal(r)
    stopped, stopped_token = services.invite(f, kw, "Max Carter", Relation.CARER)
    services.withdraw_invitation(stopped, kw)
    r = anon.get(f"/my-family/invitation/{stopped_token}")
    assert r.status_code == 410 and services.WITHDRAWN in refusal(r)
    r = anon.get("/my-family/invitation/made-up")
    assert r.status_code == 410 and services.WRONG in refusal(r)
    assert Invitation.objects.filter(used_at__isnull=False).count() == 2  # Lisa's and Sam's


def test_a_stopped_account_and_a_closed_case_are_refused(filled: dict) -> None:
    account, kw = filled["account"], filled["kw"]
    c = family_client(account)
    services.withdraw(account, kw)
    r = c.get("/my-family")
    assert r.status_code == 403 and services.STOPPED in refusal(r)
    assert c.get("/my-family").status_code == 302  # signed out
    r = Client().post("/my-family/sign-in", {"username": "lisa", "password": FAMILY_PASSWORD})
    assert r.status_code == 200 and services.STOPPED in refusal(r)
    # Another member of a family whose case then closes.
    f = filled["family"]
    other = services.accept(invitation(f, kw, "Sam Carter"), "sam", FAMILY_PASSWORD)
    c = family_client(other)
    episode = filled["episode"]
    episode.closed_on = TODAY
    episode.save(update_fields=["closed_on"])
    f.status = Status.CLOSED
    f.save(update_fields=["status"])
    r = c.get("/my-family/plan")
    assert r.status_code == 403 and services.CLOSED in refusal(r)
    r = Client().post("/my-family/sign-in", {"username": "sam", "password": FAMILY_PASSWORD})
    assert services.CLOSED in refusal(r)


def test_each_side_signs_in_on_its_own_page(filled: dict) -> None:
    r = Client().post("/my-family/sign-in", {"username": "kim", "password": PASSWORD})
    assert r.status_code == 200
    assert "Your user name or password is not right." in refusal(r)
    r = Client().post("/sign-in", {"username": "lisa", "password": FAMILY_PASSWORD})
    assert r.status_code == 200  # not signed in
    c = Client()
    c.post("/sign-in", {"username": "lisa", "password": FAMILY_PASSWORD})
    assert c.get("/my-family").status_code == 302


def test_family_sign_in_is_throttled_after_five_failures(filled: dict) -> None:
    c = Client()
    for _ in range(5):
        r = c.post("/my-family/sign-in", {"username": "lisa", "password": "wrong guess"})
        assert "Your user name or password is not right." in refusal(r)
    r = c.post("/my-family/sign-in", {"username": "lisa", "password": FAMILY_PASSWORD})
    assert r.status_code == 200
    assert "You have tried too many times. Wait 15 minutes, then try again." in refusal(r)
    assert c.get("/my-family").status_code == 302


def test_family_sessions_end_when_idle_and_after_their_time(filled: dict, settings: Any) -> None:
    c = family_client(filled["account"])
    assert c.get("/my-family").status_code == 200
    session = c.session
    session["last_seen"] = int(time.time()) - settings.FAMILY_SESSION_IDLE_SECONDS - 5
    session.save()
    r = c.get("/my-family")
    assert r.status_code == 302 and "/my-family/sign-in" in r["Location"]
    said = c.get("/my-family/sign-in").content.decode()
    assert "You were signed out to keep your page safe." in said
    # Idle for less than the family's limit but more than a staff user's is not enough
    # to keep a family session going past its whole length.
    c = family_client(filled["account"])
    session = c.session
    session["family_since"] = int(time.time()) - settings.FAMILY_SESSION_MAX_SECONDS - 5
    session.save()
    r = c.get("/my-family/plan")
    assert r.status_code == 302 and "/my-family/sign-in" in r["Location"]


def test_a_practitioner_previews_what_the_family_sees(filled: dict) -> None:
    from wholefamily.web.audit.models import AuditEntry

    kw = client_for(filled["kw"])
    r = kw.get("/families/F1/family-view/preview")
    assert r.status_code == 200
    html = r.content.decode()
    assert "This is what the family sees" in html
    assert "Take Jade to school each day" in html and "Kim Tester helps your family." in html
    for secret in SECRETS.values():
        assert secret not in html
    assert AuditEntry.objects.filter(
        object_type="family_view", object_id="F1", detail__contains="preview"
    ).exists()
    analyst = client_for(user("alex", Role.ANALYST))  # sees the family, does not work with it
    assert analyst.get("/families/F1/family-view/preview").status_code == 404
    partner = client_for(user("pat", Role.PARTNER))
    assert partner.get("/families/F1/family-view/preview").status_code == 404
    assert (
        family_client(filled["account"]).get("/families/F1/family-view/preview").status_code == 403
    )
