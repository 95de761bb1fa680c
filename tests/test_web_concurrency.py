"""Two people changing one family's case at once, and forms opened before someone else saved.

The race tests use real concurrency: two threads, each with its own database
connection, post to the views at the same moment. A barrier in the forms'
validation holds both requests until each has passed every check it makes
before writing, so the race is the same on every run rather than a matter of
timing: without the check and the write in one locked transaction both
requests succeed.
"""

from __future__ import annotations

import re
import threading
from datetime import date, timedelta
from typing import Any

import pytest
from django.db import connections
from django.db.models import F
from django.test import Client
from django.urls import reverse

from webkit import client_for, date_fields, family, user
from wholefamily.web.accounts.models import Role, Team
from wholefamily.web.audit.models import AuditEntry
from wholefamily.web.casework import forms
from wholefamily.web.casework.models import Assessment, AssessmentArea, Event, Review
from wholefamily.web.families.models import Family, Status

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("flush_past_triggers"),
]

TODAY = date.today()
# Step-up and closure apply when posted from their confirmation page.
CONFIRMED = {"confirmed": "yes"}
CHANGED = "Someone else changed this family"


@pytest.fixture
def north() -> Team:
    return Team.objects.create(name="North", district="Casterbridge")


@pytest.fixture
def staff(north: Team) -> dict[str, Any]:
    return {
        "kw": user("kim", Role.KEY_WORKER, north),
        "kw_mate": user("kate", Role.KEY_WORKER, north),
        "manager": user("morgan", Role.MANAGER, north),
    }


def opened(c: Client, url: str) -> dict[str, str]:
    """What the page's form carries besides the user's answers (the case's version)."""
    r = c.get(url)
    assert r.status_code == 200
    found = re.search(r'name="version" value="(\d+)"', r.content.decode())
    return {"version": found.group(1)} if found else {}


def hold_validation(monkeypatch: pytest.MonkeyPatch, barrier: threading.Barrier) -> None:
    """Each request waits at the end of its form's validation until the other gets there."""
    for form in (forms.CloseForm, forms.ConsentForm, forms.IntensityForm):
        original = form.clean

        def clean(self: Any, original: Any = original) -> Any:
            data = original(self)
            barrier.wait()
            return data

        monkeypatch.setattr(form, "clean", clean)


def at_once(posts: list[tuple[Client, str, dict[str, str]]]) -> list[Any]:
    """Post each request from its own thread (its own connection) at the same time."""
    results: list[Any] = [None] * len(posts)

    def run(i: int) -> None:
        c, url, data = posts[i]
        try:
            results[i] = c.post(url, data)
        except BaseException as exc:  # shown by the test, not lost in the thread
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(posts))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    for r in results:
        if isinstance(r, BaseException):
            raise r
    return results


def race_close_and_withdraw(
    staff: dict[str, Any], north: Team, barrier: threading.Barrier, fid: str, from_page: bool
) -> tuple[Any, Any, Family]:
    """A manager closes the case while the key worker records consent withdrawn."""
    manager, kw = client_for(staff["manager"]), client_for(staff["kw"])
    family(fid, status=Status.ACTIVE, key_worker=staff["kw"], team=north, consent="given")
    close_url, consent_url = reverse("close", args=[fid]), reverse("consent", args=[fid])
    close_seen = opened(manager, close_url) if from_page else {}
    consent_seen = opened(kw, consent_url) if from_page else {}
    barrier.reset()
    closing, withdrawing = at_once(
        [
            (
                manager,
                close_url,
                {"reason": "moved", **date_fields("on", TODAY), **CONFIRMED, **close_seen},
            ),
            (
                kw,
                consent_url,
                {
                    "decision": "withdrawn",
                    "reason": "Mum no longer agrees",
                    **date_fields("on", TODAY),
                    **consent_seen,
                },
            ),
        ]
    )
    return closing, withdrawing, Family.objects.get(family_id=fid)


def test_closing_and_withdrawing_consent_at_once_one_wins_the_other_is_told(
    staff: dict[str, Any], north: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    barrier = threading.Barrier(2, timeout=20)
    hold_validation(monkeypatch, barrier)
    for n in range(20):
        closing, withdrawing, f = race_close_and_withdraw(staff, north, barrier, f"F{n}", True)
        codes = sorted([closing.status_code, withdrawing.status_code])
        assert codes == [302, 409], f"try {n}: both saved ({codes})"
        loser = withdrawing if closing.status_code == 302 else closing
        page = loser.content.decode()
        assert CHANGED in page and "govuk-error-summary" in page
        kinds = set(Event.objects.filter(family=f).values_list("kind", flat=True))
        if closing.status_code == 302:
            assert (f.status, f.consent, kinds) == (Status.CLOSED, "given", {"closed"})
            assert f.closed_on == TODAY
            assert "Mum no longer agrees" in page  # nothing the key worker typed is lost
        else:
            assert (f.status, f.consent, kinds) == (
                Status.CONSENT_REFUSED,
                "withdrawn",
                {"consent"},
            )
            assert f.closed_on is None and f.closure_reason == ""


def test_without_the_forms_version_the_state_is_still_checked_under_the_lock(
    staff: dict[str, Any], north: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Posts that carry no version (not from the app's pages) are applied one after
    the other, each checked against the case the other left: closing a case whose
    consent was just withdrawn is allowed, withdrawing consent on a closed case is not."""
    barrier = threading.Barrier(2, timeout=20)
    hold_validation(monkeypatch, barrier)
    for n in range(20):
        closing, withdrawing, f = race_close_and_withdraw(staff, north, barrier, f"F{n}", False)
        kinds = list(Event.objects.filter(family=f).order_by("at").values_list("kind", flat=True))
        assert closing.status_code == 302, f"try {n}: closing is allowed in either order"
        assert (f.status, f.closed_on) == (Status.CLOSED, TODAY)
        if withdrawing.status_code == 302:
            assert (f.consent, kinds) == ("withdrawn", ["consent", "closed"])
        else:
            assert withdrawing.status_code == 409 and CHANGED in withdrawing.content.decode()
            assert (f.consent, kinds) == ("given", ["closed"])


def test_two_intensity_changes_at_once_one_is_told(
    staff: dict[str, Any], north: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    family("F1", status=Status.ACTIVE, key_worker=staff["kw"], team=north, consent="given")
    url = reverse("intensity", args=["F1"])
    kim, kate = client_for(staff["kw"]), client_for(staff["kw_mate"])
    seen_kim, seen_kate = opened(kim, url), opened(kate, url)
    hold_validation(monkeypatch, threading.Barrier(2, timeout=20))
    a, b = at_once(
        [
            (kim, url, {"intensity": "high", **seen_kim}),
            (kate, url, {"intensity": "standard", **seen_kate}),
        ]
    )
    assert sorted([a.status_code, b.status_code]) == [302, 409]
    won = "high" if a.status_code == 302 else "standard"
    assert Family.objects.get().intensity == won
    assert Event.objects.filter(kind="intensity").count() == 1


# Forms opened before someone else saved ------------------------------------------


def checked(page: str, name: str) -> str | None:
    """The value of the radio button of `name` the page shows as selected."""
    for tag in re.findall(r"<input[^>]*>", page):
        if f'name="{name}"' in tag and " checked" in tag:
            found = re.search(r'value="([^"]*)"', tag)
            return found.group(1) if found else None
    return None


def test_a_stale_intensity_form_is_told_and_keeps_the_answer(
    staff: dict[str, Any], north: Team
) -> None:
    family("F1", status=Status.ACTIVE, key_worker=staff["kw"], team=north, consent="given")
    url = reverse("intensity", args=["F1"])
    kim, kate = client_for(staff["kw"]), client_for(staff["kw_mate"])
    seen_kim, seen_kate = opened(kim, url), opened(kate, url)
    assert seen_kate, "the form carries the version of the case it was opened at"
    assert kim.post(url, {"intensity": "high", **seen_kim}).status_code == 302

    r = kate.post(url, {"intensity": "standard", **seen_kate})
    assert r.status_code == 409
    page = r.content.decode()
    assert "There is a problem" in page and CHANGED in page and "govuk-error-summary" in page
    assert "<title>Error:" in page
    assert checked(page, "intensity") == "standard"  # her answer is still there
    assert Family.objects.get().intensity == "high"  # and Kim's is not overwritten
    assert Event.objects.filter(kind="intensity").count() == 1

    # Saving again from the page she was shown is her decision, made knowing the change.
    again = re.search(r'name="version" value="(\d+)"', page)
    assert again is not None and again.group(1) != seen_kate["version"]
    assert kate.post(url, {"intensity": "standard", "version": again.group(1)}).status_code == 302
    assert Family.objects.get().intensity == "standard"


def test_a_stale_consent_form_is_told_and_keeps_what_was_typed(
    staff: dict[str, Any], north: Team
) -> None:
    family("F1", status=Status.ALLOCATED, key_worker=staff["kw"], team=north)
    url = reverse("consent", args=["F1"])
    kim, morgan = client_for(staff["kw"]), client_for(staff["manager"])
    seen_kim, seen_morgan = opened(kim, url), opened(morgan, url)
    r = kim.post(url, {"decision": "given", **date_fields("on", TODAY), **seen_kim})
    assert r.status_code == 302

    typed = {"decision": "refused", "reason": "Dad said no on the phone"}
    r = morgan.post(url, {**typed, **date_fields("on", TODAY), **seen_morgan})
    assert r.status_code == 409
    page = r.content.decode()
    assert CHANGED in page and "govuk-error-summary" in page
    assert checked(page, "decision") == "refused" and "Dad said no on the phone" in page
    assert f'value="{TODAY.year}"' in page  # the date boxes too
    f = Family.objects.get()
    assert (f.status, f.consent) == (Status.ACTIVE, "given")
    assert Event.objects.filter(kind="consent").count() == 1


def test_a_form_for_a_step_no_longer_possible_is_told_without_a_save_button(
    staff: dict[str, Any], north: Team
) -> None:
    family("F1", status=Status.ACTIVE, key_worker=staff["kw"], team=north, consent="given")
    kim, morgan = client_for(staff["kw"]), client_for(staff["manager"])
    url = reverse("consent", args=["F1"])
    seen = opened(kim, url)
    close = reverse("close", args=["F1"])
    assert (
        morgan.post(
            close,
            {"reason": "moved", **date_fields("on", TODAY), **CONFIRMED, **opened(morgan, close)},
        ).status_code
        == 302
    )

    r = kim.post(
        url, {"decision": "withdrawn", "reason": "Moved", **date_fields("on", TODAY), **seen}
    )
    assert r.status_code == 409
    page = r.content.decode()
    assert CHANGED in page and "Closed" in page and ">Save</button>" not in page
    assert "Moved" in page
    f = Family.objects.get()
    assert (f.status, f.consent) == (Status.CLOSED, "given")


STEPS = [
    ("check", Status.IDENTIFIED, "analyst", {"eligible": "yes", "notes": "Meets it"}),
    ("allocate", Status.AWAITING_ALLOCATION, "manager", {"intensity": "high"}),
    ("consent", Status.ALLOCATED, "kw", {"decision": "given", **date_fields("on", TODAY)}),
    ("intensity", Status.ACTIVE, "kw", {"intensity": "high"}),
    (
        "step",
        Status.ACTIVE,
        "kw",
        {"reason": "Risk escalated", **date_fields("on", TODAY), **CONFIRMED},
    ),
    (
        "review",
        Status.ACTIVE,
        "kw",
        {
            "summary": "Better attendance",
            **date_fields("on", TODAY),
            **date_fields("next_due", TODAY + timedelta(days=60)),
        },
    ),
    (
        "close",
        Status.ACTIVE,
        "manager",
        {"reason": "outcomes", **date_fields("on", TODAY), **CONFIRMED},
    ),
]


@pytest.mark.parametrize(("what", "status", "who", "data"), STEPS, ids=[s[0] for s in STEPS])
def test_every_change_of_the_case_refuses_a_stale_form(
    what: str, status: str, who: str, data: dict[str, str], staff: dict[str, Any], north: Team
) -> None:
    staff["analyst"] = user("alex", Role.ANALYST)
    f = family("F1", status=status, key_worker=staff["kw"], team=north, consent="given")
    if what == "allocate":
        data = {**data, "key_worker": str(staff["kw"].pk), "team": str(north.pk)}
    c = client_for(staff[who])
    url = reverse(what, args=["F1"])
    seen = opened(c, url)
    before = Family.objects.values().get(pk=f.pk)
    # Someone else changes the case meanwhile (what any other step does to it).
    Family.objects.filter(pk=f.pk).update(version=F("version") + 1)

    r = c.post(url, {**data, **seen})
    assert r.status_code == 409 and CHANGED in r.content.decode()
    after = Family.objects.values().get(pk=f.pk)
    assert after == {**before, "version": before["version"] + 1}  # nothing else written
    assert not Event.objects.exists() and not Review.objects.exists()
    assert not AuditEntry.objects.filter(action="change").exists()
    # From the page it was shown again on, it saves.
    again = re.search(r'name="version" value="(\d+)"', r.content.decode())
    assert again is not None
    assert c.post(url, {**data, "version": again.group(1)}).status_code == 302
    assert Family.objects.get().version == before["version"] + 2


def test_nothing_is_added_to_a_case_closed_after_the_form_was_opened(
    staff: dict[str, Any], north: Team
) -> None:
    family("F1", status=Status.ACTIVE, key_worker=staff["kw"], team=north, consent="given")
    kim, morgan = client_for(staff["kw"]), client_for(staff["manager"])
    url = reverse("assess", args=["F1"])
    seen = opened(kim, url)
    close = reverse("close", args=["F1"])
    closing = {"reason": "moved", **date_fields("on", TODAY), **CONFIRMED, **opened(morgan, close)}
    assert morgan.post(close, closing).status_code == 302

    scores = {f"area_{a.pk}": "6" for a in AssessmentArea.objects.all()}
    assert scores
    r = kim.post(url, {**date_fields("on", TODAY), "notes": "Went well", **scores, **seen})
    assert r.status_code == 409 and CHANGED in r.content.decode()
    assert "Went well" in r.content.decode()
    assert not Assessment.objects.exists()
