"""The case-management app: access per role, the journey's forms, audit, sync, security."""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.db.utils import DatabaseError
from django.test import Client
from django.urls import reverse

from test_cli import free_port, sign_in_page
from webkit import PASSWORD, client_for, date_fields, family, nominated_by, user
from wholefamily.atomic import sha256
from wholefamily.web.accounts.models import Role, Team
from wholefamily.web.audit.models import AppendOnlyError, AuditEntry
from wholefamily.web.casework.models import Action, Assessment, Event, Review
from wholefamily.web.families.models import Family, FamilyChange, Need, Status

pytestmark = pytest.mark.django_db

TODAY = date.today()
FAMILY_VIEWS = [
    "family",
    "evidence_csv",
    "check",
    "allocate",
    "consent",
    "assess",
    "plan",
    "review",
    "note",
    "intensity",
    "step",
    "close",
    "found_need",
]


@pytest.fixture
def teams() -> tuple[Team, Team]:
    return Team.objects.create(name="North", district="Casterbridge"), Team.objects.create(
        name="South", district="Budmouth"
    )


@pytest.fixture
def people(teams: tuple[Team, Team]) -> dict[str, object]:
    north, south = teams
    return {
        "kw": user("kim", Role.KEY_WORKER, north),
        "kw_mate": user("kate", Role.KEY_WORKER, north),
        "kw_south": user("sam", Role.KEY_WORKER, south),
        "manager": user("morgan", Role.MANAGER, north),
        "analyst": user("alex", Role.ANALYST),
        "partner": user("pat", Role.PARTNER),
        "dpo": user("dana", Role.DPO),
    }


# Access --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["dashboard", "families", "nominate", "nominations", "review_queue", "audit"]
)
def test_every_page_needs_a_sign_in(name: str) -> None:
    r = Client().get(reverse(name))
    assert r.status_code == 302 and r["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("name", FAMILY_VIEWS)
def test_a_key_worker_gets_404_for_a_family_not_theirs(name: str, people: dict, teams) -> None:
    south = teams[1]
    family("F2", key_worker=people["kw_south"], team=south, consent="given")
    c = client_for(people["kw"])
    r = c.get(reverse(name, args=["F2"]))
    assert r.status_code == 404
    assert AuditEntry.objects.filter(action="denied", object_id="F2", username="kim").exists()
    # The family's owner sees it (the same page answers for them). Not theirs to take:
    # the central check, allocation, and found needs under tf-2015 (sf-2022 only).
    ok = client_for(people["kw_south"]).get(reverse(name, args=["F2"]))
    assert ok.status_code in (200, 404 if name in ("check", "allocate", "found_need") else 200)


@pytest.mark.parametrize("name", FAMILY_VIEWS)
def test_a_partner_sees_only_what_they_nominated(name: str, people: dict, teams) -> None:
    f = family("F3", team=teams[0], key_worker=people["kw"], consent="given")
    c = client_for(people["partner"])
    assert c.get(reverse(name, args=["F3"])).status_code == 404
    nominated_by(people["partner"], f)
    r = c.get(reverse(name, args=["F3"]))
    if name == "family":
        assert r.status_code == 200
        assert b"Jade" not in r.content and b"indicator" not in r.content  # no data detail
    else:
        assert r.status_code == 404  # partners take no step and download nothing


def test_team_visibility(people: dict, teams) -> None:
    north, south = teams
    family("F1", key_worker=people["kw"], team=north)
    family("F2", key_worker=people["kw_mate"], team=north)
    family("F3", key_worker=people["kw_south"], team=south)
    family("F4", status=Status.AWAITING_ALLOCATION)
    family("F5", status=Status.IDENTIFIED)

    def listed(u: object) -> set[str]:
        r = client_for(u).get(reverse("families"))
        return set(re.findall(r'app-secondary">(F\d)</span>', r.content.decode()))

    assert listed(people["kw"]) == {"F1", "F2"}
    assert listed(people["kw_south"]) == {"F3"}
    assert listed(people["manager"]) == {"F1", "F2", "F4"}
    assert listed(people["analyst"]) == {"F1", "F2", "F3", "F4", "F5"}
    assert listed(people["partner"]) == set()
    assert client_for(people["dpo"]).get(reverse("families")).status_code == 404


def test_the_family_list_filters_and_pages(people: dict, teams, settings) -> None:
    settings.FAMILIES_PER_PAGE = 2
    for i in range(5):
        family(
            f"F{i}",
            district="Budmouth" if i % 2 else "Casterbridge",
            needs=("EDUCATION",) if i < 3 else ("HEALTH",),
        )
    c = client_for(people["analyst"])
    r = c.get(reverse("families"), {"district": "Budmouth"})
    assert b"2 families" in r.content
    r = c.get(reverse("families"), {"need": "HEALTH"})
    assert b"2 families" in r.content
    r = c.get(reverse("families"), {"page": 3})
    assert b"Page 3 of 3" in r.content and re.findall(
        rb'app-secondary">(F\d)</span>', r.content
    ) == [b"F4"]
    # A filter with characters of its own survives the paging links.
    Family.objects.filter(district="Budmouth").update(district="Budmouth & Melstock")
    settings.FAMILIES_PER_PAGE = 1
    r = c.get(reverse("families"), {"district": "Budmouth & Melstock"})
    assert b"2 families" in r.content and b"?district=Budmouth+%26+Melstock&amp;page=" in r.content


def _options(page: bytes, name: str) -> list[str]:
    select = re.search(rf'<select[^>]* name="{name}">(.*?)</select>'.encode(), page, re.S)
    assert select, name
    return [v.decode() for v in re.findall(rb'<option value="([^"]*)"', select.group(1)) if v]


def test_filter_choices_follow_the_data_and_the_user(people: dict, teams) -> None:
    north, south = teams
    family("F1", district="Casterbridge", needs=("EDUCATION",), key_worker=people["kw"], team=north)
    family("F2", district="Budmouth", needs=("HEALTH",), key_worker=people["kw_south"], team=south)
    analyst = client_for(people["analyst"])
    page = analyst.get(reverse("families")).content
    assert _options(page, "district") == ["Budmouth", "Casterbridge"]
    assert _options(page, "need") == ["EDUCATION", "HEALTH"]
    assert _options(page, "key_worker") == ["kim", "sam"]
    # The codes are cached, but a new family (a sync or a nomination) shows at once.
    family("F3", district="Weatherbury", needs=("CRIME",))
    page = analyst.get(reverse("families")).content
    assert _options(page, "district") == ["Budmouth", "Casterbridge", "Weatherbury"]
    assert _options(page, "need") == ["EDUCATION", "CRIME", "HEALTH"]  # by their titles
    # A key worker is offered only the key workers of families they may see.
    family("F4", key_worker=people["kw_mate"], team=north)
    page = client_for(people["kw"]).get(reverse("families")).content
    assert _options(page, "key_worker") == ["kate", "kim"]
    page = client_for(people["kw_south"]).get(reverse("families")).content
    assert _options(page, "key_worker") == ["sam"]
    page = client_for(people["partner"]).get(reverse("families")).content
    assert _options(page, "key_worker") == []


def test_only_the_dpo_searches_the_audit_log(people: dict) -> None:
    for who in ("kw", "manager", "analyst", "partner"):
        assert client_for(people[who]).get(reverse("audit")).status_code == 404
    c = client_for(people["dpo"])
    client_for(people["kw"]).get(reverse("dashboard"))
    r = c.get(reverse("audit"), {"username": "kim"})
    assert r.status_code == 200 and b"kim" in r.content
    r = c.get(reverse("audit"), {"since_0": "31", "since_1": "2", "since_2": "2025"})
    assert b"The date to search from must be a real date" in r.content


def test_the_review_queue_is_for_analysts(people: dict) -> None:
    assert client_for(people["kw"]).get(reverse("review_queue")).status_code == 404
    r = client_for(people["analyst"]).get(reverse("review_queue"))
    assert r.status_code == 200 and b"no warehouse in" in r.content  # empty workspace, said so


# Consent hides partner-agency detail ------------------------------------------------


def test_without_consent_the_key_worker_sees_no_agency_records(people: dict, teams) -> None:
    f = family("F1", status=Status.ALLOCATED, key_worker=people["kw"], team=teams[0])
    c = client_for(people["kw"])
    record = b"School exclusions, exclusion starting 10 January 2025"
    r = c.get(reverse("family_evidence", args=["F1"]))
    assert record not in r.content and b"once the family has given" in r.content
    assert c.get(reverse("evidence_csv", args=["F1"])).status_code == 404
    # The analyst's central check needs them whatever the consent.
    analyst = client_for(people["analyst"])
    assert record in analyst.get(reverse("family_evidence", args=["F1"])).content
    f.consent = "given"
    f.save()
    r = c.get(reverse("family_evidence", args=["F1"]))
    assert record in r.content
    d = c.get(reverse("evidence_csv", args=["F1"]))
    assert d.status_code == 200
    head, row = list(csv.reader(d.content.decode().splitlines()))[:2]
    got = dict(zip(head, row, strict=True))
    # The codes an analyst works with, and their labels beside them.
    assert (got["family_id"], got["family"]) == ("F1", "Carter family")
    assert (got["need"], got["need_title"]) == (
        "EDUCATION",
        "Children not attending school regularly",
    )
    assert (got["person_id"], got["person"], got["role"], got["role_label"]) == (
        "PF11",
        "Jade Carter",
        "CHILD",
        "Child",
    )
    assert (got["source"], got["row"], got["date"]) == ("school_exclusions", "812", "2025-01-10")
    assert (
        got["source_label"].startswith("School exclusions, ")
        and "10 January 2025" in (got["source_label"])
    )
    assert AuditEntry.objects.filter(action="download", object_id="F1").count() == 1


# The journey -----------------------------------------------------------------------


def test_the_whole_journey(people: dict, teams) -> None:
    north = teams[0]
    family("F1", status=Status.IDENTIFIED)
    analyst, manager, kw = (client_for(people[k]) for k in ("analyst", "manager", "kw"))
    url = lambda name, *a: reverse(name, args=["F1", *a])  # noqa: E731

    assert analyst.post(url("check"), {"eligible": "yes", "notes": "ok"}).status_code == 302
    assert Family.objects.get().status == Status.AWAITING_ALLOCATION
    r = manager.post(
        url("allocate"), {"key_worker": people["kw"].pk, "team": north.pk, "intensity": "high"}
    )
    assert r.status_code == 302
    f = Family.objects.get()
    assert (f.status, f.key_worker, f.team, f.intensity) == (
        Status.ALLOCATED,
        people["kw"],
        north,
        "high",
    )
    start = TODAY - timedelta(days=10)
    kw.post(url("consent"), {"decision": "given", **date_fields("on", start)})
    f = Family.objects.get()
    assert (f.status, f.consent, f.started_on) == (Status.ACTIVE, "given", start)
    assert f.review_due is not None and f.review_due > start

    scores = {
        f"area_{a.pk}": str(5)
        for a in __import__(
            "wholefamily.web.casework.models", fromlist=["AssessmentArea"]
        ).AssessmentArea.objects.all()
    }
    assert kw.post(url("assess"), {**date_fields("on", start), **scores}).status_code == 302
    scores = {k: "8" for k in scores}
    kw.post(url("assess"), {**date_fields("on", TODAY), **scores})
    assert Assessment.objects.count() == 2
    page = kw.get(url("family_assessments")).content.decode()
    assert "Distance travelled" in page and "+3" in page

    kw.post(
        url("plan"),
        {
            "part": "family",
            "text": "Get Jade to school every day",
            "owner": "Lisa",
            **date_fields("due", TODAY - timedelta(days=1)),
        },
    )
    a = Action.objects.get()
    assert b"Overdue" in kw.get(reverse("dashboard")).content
    kw.post(url("action", a.pk), {"state": "done"})
    assert Action.objects.get().state == "done"

    kw.post(
        url("review"),
        {
            **date_fields("on", TODAY),
            "summary": "Better attendance",
            **date_fields("next_due", TODAY + timedelta(days=80)),
        },
    )
    assert Review.objects.count() == 1
    assert Family.objects.get().review_due == TODAY + timedelta(days=80)

    kw.post(url("intensity"), {"intensity": "standard"})
    confirmed = {"confirmed": "yes"}  # step-up and closure: posted from their confirmation page
    kw.post(url("step"), {**date_fields("on", TODAY), "reason": "Risk escalated", **confirmed})
    assert Family.objects.get().status == Status.STEPPED_UP
    kw.post(url("step"), {**date_fields("on", TODAY), "reason": "Risk reduced", **confirmed})
    assert Family.objects.get().status == Status.ACTIVE
    kw.post(url("close"), {"reason": "outcomes", **date_fields("on", TODAY), **confirmed})
    f = Family.objects.get()
    assert (f.status, f.closed_on, f.closure_reason) == (Status.CLOSED, TODAY, "Outcomes achieved")
    kinds = list(Event.objects.order_by("at").values_list("kind", flat=True))
    assert kinds == ["allocated", "consent", "intensity", "step_up", "step_down", "closed"]
    changes = AuditEntry.objects.filter(action="change", object_id="F1")
    assert changes.count() == 12  # every step that changed the case
    timeline = kw.get(url("family_chronology")).content.decode()
    assert "Stepped up to social care" in timeline and "Central check" in timeline


def test_a_step_in_the_wrong_state_is_refused(people: dict, teams) -> None:
    family("F1", status=Status.CLOSED, key_worker=people["kw"], team=teams[0])
    c = client_for(people["kw"])
    for name in ("assess", "plan", "review", "consent"):
        assert c.get(reverse(name, args=["F1"])).status_code == 404
    assert c.get(reverse("note", args=["F1"])).status_code == 200


# Forms ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("check", {}, "Select yes if the family meets the criteria"),
        (
            "consent",
            {"decision": "refused", **date_fields("on", TODAY)},
            "Enter the reason consent was refused or withdrawn",
        ),
        (
            "consent",
            {"decision": "given", "on_0": "31", "on_1": "2", "on_2": "2025"},
            "The date of consent must be a real date",
        ),
        (
            "consent",
            {"decision": "given", **date_fields("on", TODAY + timedelta(days=2))},
            "The date of consent must be today or in the past",
        ),
        (
            "review",
            {
                **date_fields("on", TODAY),
                "summary": "x",
                **date_fields("next_due", TODAY + timedelta(days=120)),
            },
            "3 months after this review (reviews are at least quarterly)",
        ),
        (
            "review",
            {**date_fields("on", TODAY), "summary": "x", **date_fields("next_due", TODAY)},
            "The date of the next review must be after the date of this review",
        ),
        (
            "plan",
            {"part": "family", "text": "", "owner": "x", "due_0": "1"},
            "The date the action is due by must include a month and year",
        ),
        ("assess", {**date_fields("on", TODAY)}, "Enter a score for"),
        ("close", {}, "Select why the case is closing"),
    ],
)
def test_forms_say_what_is_wrong(name: str, data: dict, message: str, people: dict, teams) -> None:
    family("F1", status=Status.ACTIVE, key_worker=people["kw"], team=teams[0], consent="given")
    who = people["analyst"] if name == "check" else people["kw"]
    if name == "check":
        Family.objects.filter(family_id="F1").update(status=Status.IDENTIFIED)
    r = client_for(who).post(reverse(name, args=["F1"]), data)
    assert r.status_code == 200
    body = r.content.decode()
    assert "There is a problem" in body and message in body and "govuk-error-summary" in body
    assert AuditEntry.objects.filter(action="change").count() == 0


def test_scores_run_from_1_to_10(people: dict, teams) -> None:
    from wholefamily.web.casework.models import AssessmentArea

    family("F1", key_worker=people["kw"], team=teams[0], consent="given")
    area = AssessmentArea.objects.first()
    assert area is not None
    scores = {f"area_{a.pk}": "5" for a in AssessmentArea.objects.all()}
    c = client_for(people["kw"])
    for bad, message in (
        ("11", "must be 10 or less"),
        ("0", "must be 1 or more"),
        ("x", "must be a whole number"),
    ):
        r = c.post(
            reverse("assess", args=["F1"]),
            {**date_fields("on", TODAY), **scores, f"area_{area.pk}": bad},
        )
        assert message in r.content.decode()
    assert Assessment.objects.count() == 0


def test_allocation_to_a_key_worker_of_another_team_is_refused(people: dict, teams) -> None:
    family("F1", status=Status.AWAITING_ALLOCATION)
    r = client_for(people["manager"]).post(
        reverse("allocate", args=["F1"]),
        {"key_worker": people["kw_south"].pk, "team": teams[0].pk, "intensity": "high"},
    )
    assert b"Select a key worker from the chosen team" in r.content
    assert Family.objects.get().key_worker is None


# Nomination and the already-known check -------------------------------------------------


def _nomination(first: str, last: str, dob: date) -> dict[str, str]:
    return {
        "person-TOTAL_FORMS": "5",
        "person-INITIAL_FORMS": "0",
        "person-MIN_NUM_FORMS": "0",
        "person-MAX_NUM_FORMS": "8",
        "person-0-forename": first,
        "person-0-surname": last,
        **date_fields("person-0-dob", dob),
        "person-0-role": "CHILD",
        "agency": "Southfield Primary",
        "needs": ["EDUCATION", "HEALTH"],
        "evidence": "Missed 30 sessions this term",
        "consent": "Y",
    }


# (A nomination's way from the form to the central check: test_web_nominations.py.)


def test_a_nomination_needs_a_person_and_a_need(people: dict) -> None:
    c = client_for(people["partner"])
    blank = c.get(reverse("nominate")).content.decode()
    assert "There is a problem" not in blank and "<title>Error:" not in blank
    data = _nomination("", "", date(2012, 1, 1))
    data.pop("needs")
    for k in ("person-0-dob_0", "person-0-dob_1", "person-0-dob_2", "person-0-role"):
        data[k] = ""
    r = c.post(reverse("nominate"), data)
    body = r.content.decode()
    assert "Select at least one need" in body
    assert "There is a problem" in body and "<title>Error:" in body
    assert Family.objects.count() == 0


# Audit ---------------------------------------------------------------------------------


def test_views_are_audited_without_the_query(people: dict, teams) -> None:
    family("F1", key_worker=people["kw"], team=teams[0])
    client_for(people["kw"]).get(reverse("family", args=["F1"]), {"x": "Jade"})
    e = AuditEntry.objects.get(action="view", object_id="F1")
    assert (e.username, e.role, e.page) == ("kim", "key_worker", "/families/F1")


def test_the_audit_log_is_append_only(people: dict) -> None:
    client_for(people["kw"]).get(reverse("dashboard"))
    e = AuditEntry.objects.first()
    assert e is not None
    e.detail = "tampered"
    with pytest.raises(AppendOnlyError):
        e.save()
    with pytest.raises(AppendOnlyError):
        e.delete()
    with pytest.raises(DatabaseError), connection.cursor() as cur:
        cur.execute("UPDATE audit_auditentry SET detail = 'x'")
    with pytest.raises(DatabaseError), connection.cursor() as cur:
        cur.execute("DELETE FROM audit_auditentry")


# Security --------------------------------------------------------------------------------


def test_sign_in_is_throttled(people: dict) -> None:
    c = Client()
    for _ in range(5):
        r = c.post(reverse("login"), {"username": "kim", "password": "wrong"})
        assert b"Enter a correct username and password" in r.content
    r = c.post(reverse("login"), {"username": "kim", "password": PASSWORD})
    assert r.status_code == 200 and b"Too many failed sign-in attempts" in r.content
    assert AuditEntry.objects.filter(action="login_failed", username="kim").count() == 5
    # Another user is not locked out by kim's failures.
    r = c.post(reverse("login"), {"username": "kate", "password": PASSWORD})
    assert r.status_code == 302
    assert AuditEntry.objects.filter(action="login", username="kate").count() == 1


@pytest.mark.parametrize("typed", [" throttle1", "throttle1 ", "\uff54hrottle1", "THROTTLE1"])
def test_the_sign_in_lockout_counts_the_name_as_sign_in_reads_it(typed: str) -> None:
    """Spaces round the name and full-width letters are read as the plain name by
    sign-in, so they count against it and are refused with it after the limit."""
    user("throttle1", Role.KEY_WORKER)
    c = Client()
    for _ in range(4):
        c.post(reverse("login"), {"username": "throttle1", "password": "wrong"})
    c.post(reverse("login"), {"username": typed, "password": "wrong"})  # the fifth failure
    for name in (typed, "throttle1", " throttle1", "throttle1 ", "\uff54hrottle1"):
        r = c.post(reverse("login"), {"username": name, "password": PASSWORD})
        assert r.status_code == 200 and b"Too many failed sign-in attempts" in r.content, name
    assert AuditEntry.objects.filter(action="login").count() == 0


def test_a_variant_of_a_locked_name_does_not_sign_in() -> None:
    user("throttle1", Role.KEY_WORKER)
    c = Client()
    for _ in range(5):
        c.post(reverse("login"), {"username": "throttle1", "password": "wrong"})
    for name in (" throttle1", "throttle1 ", "\uff54hrottle1"):
        r = c.post(reverse("login"), {"username": name, "password": PASSWORD})
        assert b"Too many failed sign-in attempts" in r.content, name
    assert "_auth_user_id" not in c.session


def test_sessions_expire_when_idle(people: dict, settings) -> None:
    c = client_for(people["kw"])
    assert c.get(reverse("dashboard")).status_code == 200
    s = c.session
    s["last_seen"] = int(s["last_seen"]) - settings.SESSION_IDLE_SECONDS - 1
    s.save()
    r = c.get(reverse("dashboard"))
    assert r.status_code == 302 and r["Location"].startswith(reverse("login"))
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE and settings.SESSION_COOKIE_AGE <= 8 * 3600


def test_the_idle_clock_is_written_at_most_once_a_minute(people: dict) -> None:
    c = client_for(people["kw"])
    c.get(reverse("dashboard"))
    s = c.session
    seen = int(s["last_seen"]) - 30  # a request half a minute ago
    s["last_seen"] = seen
    s.save()
    c.get(reverse("dashboard"))
    assert c.session["last_seen"] == seen  # not rewritten: no session write per page
    s = c.session
    s["last_seen"] = seen - 31  # a minute and a second ago
    s.save()
    assert c.get(reverse("dashboard")).status_code == 200
    assert c.session["last_seen"] > seen  # rewritten, and the user still signed in


def test_csrf_is_enforced(people: dict, teams) -> None:
    family("F1", key_worker=people["kw"], team=teams[0])
    c = Client(enforce_csrf_checks=True)
    c.force_login(people["kw"])
    r = c.post(reverse("note", args=["F1"]), {"text": "no token"})
    assert r.status_code == 403
    assert not Family.objects.get().notes.exists()
    assert c.get(reverse("logout")).status_code == 405  # sign-out is a POST


def test_security_headers(people: dict, teams) -> None:
    family("F1", key_worker=people["kw"], team=teams[0])
    r = client_for(people["kw"]).get(reverse("family", args=["F1"]))
    assert "script-src 'self'" in r["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in r["Content-Security-Policy"]
    assert r["X-Frame-Options"] == "DENY"
    assert r["X-Content-Type-Options"] == "nosniff"
    assert r["Referrer-Policy"] == "same-origin"
    assert r["Cache-Control"] == "no-store"


def test_no_personal_data_in_urls(people: dict, teams) -> None:
    family("F1", key_worker=people["kw"], team=teams[0], consent="given")
    c = client_for(people["kw"])
    for page in (reverse("dashboard"), reverse("families"), reverse("family", args=["F1"])):
        body = c.get(page).content.decode()
        hrefs = re.findall(r'(?:href|action)="([^"]*)"', body)
        assert hrefs
        for h in hrefs:
            assert not re.search(r"(?i)jade|lisa|carter|2011-05-04", h), h


def test_check_deploy_is_clean_with_production_settings(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "wholefamily.web.settings_production",
        "WHOLEFAMILY_WORKSPACE": str(tmp_path),
        "WHOLEFAMILY_SECRET_KEY": "a-long-random-production-key-" + "x7Qp2" * 10,
        "WHOLEFAMILY_ALLOWED_HOSTS": "families.example.gov.uk",
    }
    env.pop("DATABASE_URL", None)
    r = subprocess.run(
        [sys.executable, "-m", "django", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert r.returncode == 0, r.stdout + r.stderr
    assert "no issues" in r.stdout


# Sync ------------------------------------------------------------------------------


def _run(folder: Path, as_of: str, families: list[tuple[str, str, str]]) -> Path:
    """An identification run's folder: families as (family_id, needs, eligible)."""
    folder.mkdir(parents=True)
    (folder / "run.json").write_text(
        json.dumps({"framework": "tf-2015", "as_of": as_of, "drop_id": "d"})
    )
    with (folder / "families.csv").open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(
            ["family_id", "uprn", "district", "members", "adults", "children", "needs", "eligible"]
        )
        for fid, needs, ok in families:
            w.writerow([fid, "100", "Casterbridge", 2, 1, 1, needs, ok])
    with (folder / "people.csv").open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["person_id", "forename", "surname", "dob", "sex", "uprn", "family_id", "role"])
        for fid, _, _ in families:
            w.writerow([f"{fid}-a", "Lisa", "Carter", "1985-01-09", "F", "100", fid, "ADULT"])
            w.writerow([f"{fid}-c", "Jade", "Carter", "2011-05-04", "F", "100", fid, "CHILD"])
    with (folder / "family_needs.csv").open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["family_id", "need", "person_id", "source", "row", "date", "indicator"])
        for fid, needs, _ in families:
            for i, n in enumerate(filter(None, needs.split(";"))):
                w.writerow([fid, n, f"{fid}-c", "school_exclusions", 10 + i, "2025-01-10", "x"])
    files = {p.name: sha256(p) for p in folder.iterdir() if p.name != "run.json"}
    meta = json.loads((folder / "run.json").read_text())
    (folder / "run.json").write_text(json.dumps({**meta, "files": files}))
    return folder


def test_sync_is_idempotent_and_keeps_case_work(tmp_path: Path, people: dict, teams) -> None:
    from wholefamily.web.families.sync import sync

    first = _run(
        tmp_path / "q1",
        "2025-03-31",
        [("A", "EDUCATION;HEALTH", "Y"), ("B", "HEALTH", "N"), ("C", "CRIME_ASB;HEALTH", "Y")],
    )
    r = sync(first)
    assert (r.families, r.created, r.changed) == (2, 2, 0)  # the eligible ones only
    assert set(Family.objects.values_list("family_id", flat=True)) == {"A", "C"}
    state = lambda: (  # noqa: E731
        Family.objects.count(),
        Need.objects.count(),
        __import__(
            "wholefamily.web.families.models", fromlist=["Evidence"]
        ).Evidence.objects.count(),
        __import__("wholefamily.web.families.models", fromlist=["Member"]).Member.objects.count(),
    )
    before = state()
    again = sync(first)
    assert (again.created, again.changed) == (0, 0) and state() == before == (2, 4, 4, 4)

    # Case work on A, then A stops meeting the criteria and C leaves the data.
    Family.objects.filter(family_id="A").update(
        status=Status.ACTIVE, key_worker=people["kw"], team=teams[0], consent="given"
    )
    second = _run(
        tmp_path / "q2", "2025-06-30", [("A", "HEALTH", "N"), ("D", "EDUCATION;WORK_FINANCE", "Y")]
    )
    r = sync(second)
    assert (r.created, r.changed) == (1, 2)
    a = Family.objects.get(family_id="A")
    assert (a.status, a.key_worker, a.consent, a.eligible) == (
        Status.ACTIVE,
        people["kw"],
        "given",
        False,
    )
    assert list(a.need_set.filter(current=True).values_list("need", flat=True)) == ["HEALTH"]
    assert a.need_set.get(need="EDUCATION").last_seen == date(2025, 3, 31)
    # When each family was first identified stays the first run's date.
    assert dict(Family.objects.values_list("family_id", "identified_on")) == {
        "A": date(2025, 3, 31),
        "C": date(2025, 3, 31),
        "D": date(2025, 6, 30),
    }
    said = FamilyChange.objects.get(family=a).summary
    assert "no longer meets the criteria" in said and "no longer shown: EDUCATION" in said
    c = Family.objects.get(family_id="C")
    assert not c.in_latest_run and "not in the data as a family" in c.changes.get().summary
    page = client_for(people["kw"]).get(reverse("family", args=["A"])).content.decode()
    assert "no longer meets the criteria" in page


def test_sync_refuses_what_is_not_a_run(tmp_path: Path) -> None:
    from wholefamily.web.families.sync import SyncError, sync

    with pytest.raises(SyncError, match=r"lacks families\.csv"):
        (tmp_path / "empty").mkdir()
        sync(tmp_path / "empty")
    sync(_run(tmp_path / "new", "2025-06-30", [("A", "HEALTH;EDUCATION", "Y")]))
    with pytest.raises(SyncError, match="older than"):
        sync(_run(tmp_path / "old", "2025-03-31", [("A", "HEALTH;EDUCATION", "Y")]))
    assert Family.objects.count() == 1


def test_no_personal_data_in_logs(people: dict, teams, caplog: pytest.LogCaptureFixture) -> None:
    import logging

    family("F1", key_worker=people["kw"], team=teams[0], consent="given")
    family("F2", key_worker=people["kw_south"], team=teams[1], consent="given")
    caplog.set_level(logging.DEBUG)
    Client().post(reverse("login"), {"username": "kim", "password": "my secret words"})
    c = client_for(people["kw"])
    c.get(reverse("family", args=["F1"]))
    c.get(reverse("family", args=["F2"]))  # a 404, which Django logs
    c.post(reverse("note", args=["F1"]), {"text": "Jade said her mum Lisa is unwell"})
    assert "Not Found: /families/F2" in caplog.text  # the logging is on, and says only the path
    for secret in ("my secret words", "Jade", "Lisa", "Carter", "2011-05-04", "unwell"):
        assert secret not in caplog.text


def test_the_admin_configures_assessment_areas(people: dict) -> None:
    from django.contrib.auth import get_user_model

    from wholefamily.web.casework.models import AssessmentArea

    assert Client().get("/admin/").status_code == 302  # to the service's own sign-in
    r = Client().get("/admin/login/?next=/admin/")
    assert r.status_code == 302 and r["Location"].startswith(reverse("login"))
    assert client_for(people["kw"]).get("/admin/login/").status_code == 404  # not staff
    boss = get_user_model().objects.create_superuser("root", "", PASSWORD)
    c = client_for(boss)
    r = c.post(
        "/admin/casework/assessmentarea/add/",
        {"name": "Money management", "order": "9", "active": "on"},
    )
    assert r.status_code == 302
    family("F1", key_worker=people["kw"], team=Team.objects.get(name="North"), consent="given")
    form = client_for(people["kw"]).get(reverse("assess", args=["F1"])).content.decode()
    assert "Money management" in form
    AssessmentArea.objects.filter(name="Money management").update(active=False)
    form = client_for(people["kw"]).get(reverse("assess", args=["F1"])).content.decode()
    assert "Money management" not in form


def test_serve_runs_several_processes_on_postgresql(tmp_path: Path) -> None:
    """`serve --processes 2`: two workers answer on one port (PostgreSQL only). The
    server reads the test database; it needs none of this test's rows."""
    import time

    if connection.vendor != "postgresql":
        pytest.skip("several processes need PostgreSQL; .ci/run runs this suite on it")
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env.update(DATABASE_URL=url, WHOLEFAMILY_SECRET_KEY="key-for-this-test-only-0123456789abcdef")
    wf = [sys.executable, "-m", "wholefamily"]
    proc = subprocess.Popen(
        # --allow-owner: the test database's superuser (test_web_tamper tests the roles).
        [
            *wf,
            "serve",
            "--workspace",
            str(tmp_path),
            "--port",
            str(port),
            "--processes",
            "2",
            "--allow-owner",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert "csrfmiddlewaretoken" in sign_in_page(port, tries=150)
        # The arbiter forks its workers one after the other: wait for the second.
        workers: list[str] = []
        for _ in range(100):
            workers = Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split()
            if len(workers) == 2:
                break
            time.sleep(0.1)
        assert len(workers) == 2
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=30)
    assert "Traceback" not in out, out
