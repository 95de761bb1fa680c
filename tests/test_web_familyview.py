"""The family's own pages with a filled-in family: each renders their plan; marking
done, adding an action, before a review, their own scores and feedback each save
through the services; every bad input is refused in plain words with nothing saved;
"what has changed since you last looked"."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone

from familykit import family_client, filled_family
from webkit import date_fields, family, visible_text
from wholefamily.web import clock
from wholefamily.web.casework.models import Action
from wholefamily.web.familyview.models import (
    BeforeReview,
    Feedback,
    ProposedAction,
    SelfAssessment,
)

pytestmark = pytest.mark.django_db

TODAY = date(2025, 9, 30)


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clock, "today", lambda: TODAY)


@pytest.fixture
def filled() -> dict[str, Any]:
    return filled_family(TODAY)


def text(r: Any) -> str:
    return visible_text(r.content.decode())


def test_each_page_shows_the_familys_own_plan(filled: dict) -> None:
    c = family_client(filled["account"])
    home = text(c.get("/my-family"))
    assert "Kim Tester helps your family." in home
    assert "kim.tester@council.example" in home and "01234 567890" in home
    assert "Your next review: 9 November 2025" in home
    assert "This is your first look." in home
    plan = text(c.get("/my-family/plan"))
    for said in (
        "What you will do Take Jade to school each day Lisa Carter, by 30 October 2025.",
        "What Kim will do Ask the school about breakfast club",
        "What others will do See Jade about her sleep",
        "What your family and friends will do Pick Jade up on Fridays",
    ):
        assert said in plan
    assert plan.count("Mark as done") == 1  # the family's own open action only
    network = text(c.get("/my-family/network"))
    assert "Rose Carter" in network and "Pick Jade up on Fridays (by 30 October 2025)" in network
    scores = text(c.get("/my-family/assessment"))
    assert "Kim gave it 4." in scores and "Kim gave it 6." in scores
    assert "No one will know it was you." in text(c.get("/my-family/feedback"))


def test_marking_done(filled: dict) -> None:
    c = family_client(filled["account"])
    own = filled["actions"][Action.Part.FAMILY]
    worker = filled["actions"][Action.Part.WORKER]
    assert c.get(f"/my-family/plan/{own.pk}/done").status_code == 405
    r = c.post(f"/my-family/plan/{worker.pk}/done")
    assert r.status_code == 400
    assert "You can only mark your own family’s actions done." in text(r)
    other = family("F2")
    theirs = Action.objects.create(
        family=other, part=Action.Part.FAMILY, text="Theirs", owner="X", due=TODAY
    )
    r = c.post(f"/my-family/plan/{theirs.pk}/done")
    assert r.status_code == 400 and "Theirs" not in text(r)
    assert c.post("/my-family/plan/999999/done").status_code == 404
    worker.refresh_from_db()
    theirs.refresh_from_db()
    assert worker.state == theirs.state == Action.State.NOT_STARTED
    r = c.post(f"/my-family/plan/{own.pk}/done", follow=True)
    assert "Well done. You marked this as done: Take Jade to school each day" in text(r)
    own.refresh_from_db()
    assert own.state == Action.State.DONE
    assert own.changes.get().by == filled["account"].user
    assert "Mark as done" not in text(c.get("/my-family/plan"))


def test_adding_an_action(filled: dict) -> None:
    c = family_client(filled["account"])
    bad = [
        ({"text": ""}, "Write what you will do."),
        ({"text": "x" * 501}, "Write it in 500 letters or fewer."),
        ({"text": "Go", **date_fields("due", TODAY - timedelta(days=1))}, "today or later"),
        ({"text": "Go", "due_0": "3", "due_1": "", "due_2": ""}, "a day, a month and a year"),
        ({"text": "Go", "due_0": "31", "due_1": "2", "due_2": "2026"}, "must be a real date"),
    ]
    for post, said in bad:
        r = c.post("/my-family/plan/add", post)
        assert r.status_code == 200 and said in text(r), said
        assert "There is a problem" in text(r)
    assert not ProposedAction.objects.exists()
    post = {"text": "Go to the coffee morning", **date_fields("due", TODAY + timedelta(days=7))}
    r = c.post("/my-family/plan/add", post, follow=True)
    assert "Thank you. Kim Tester will look at what you added." in text(r)
    p = ProposedAction.objects.get()
    assert p.due == TODAY + timedelta(days=7) and p.account == filled["account"]
    assert "Waiting for Kim Tester to add it to your plan" in text(r)


def test_before_a_review(filled: dict) -> None:
    c = family_client(filled["account"])
    r = c.post("/my-family/before-review", {"working": " ", "not_working": ""})
    assert "Write what is working, or what is not, or both." in text(r)
    assert not BeforeReview.objects.exists()
    post = {"working": "Jade gets up on time.", "not_working": "Mornings are hard."}
    r = c.post("/my-family/before-review", post, follow=True)
    assert "Kim Tester will read this before your review." in text(r)
    assert "What you said before" in text(r) and "Mornings are hard." in text(r)
    assert BeforeReview.objects.get().working == "Jade gets up on time."


def test_own_scores(filled: dict) -> None:
    c = family_client(filled["account"])
    area = filled["areas"][0]
    r = c.post("/my-family/assessment", {})
    assert r.status_code == 400 and "Give a score for at least one area." in text(r)
    for score in ("11", "0", "abc"):
        r = c.post("/my-family/assessment", {f"area_{area.pk}": score})
        assert r.status_code == 400
        assert f"Give {area.name} a score from 1 to 10." in text(r), score
    assert not SelfAssessment.objects.exists()
    r = c.post("/my-family/assessment", {f"area_{area.pk}": "7"}, follow=True)
    assert "Your scores are saved." in text(r)
    assert SelfAssessment.objects.get().scores.get().score == 7
    assert 'value="7" selected' in c.get("/my-family/assessment").content.decode()


def test_feedback_is_anonymous(filled: dict) -> None:
    c = family_client(filled["account"])
    for post in ({}, {"helpful": "7"}, {"helpful": "lots"}):
        r = c.post("/my-family/feedback", post)
        assert "Choose how helpful the support has been." in text(r), post
    assert not Feedback.objects.exists()
    r = c.post("/my-family/feedback", {"helpful": "3", "better": "More evenings."}, follow=True)
    assert "Thank you for telling us what you think." in text(r)
    f = Feedback.objects.get()
    assert (f.helpful, f.better, f.district, f.on) == (3, "More evenings.", "Casterbridge", TODAY)


def test_what_has_changed_since_you_last_looked(filled: dict) -> None:
    account = filled["account"]
    c = family_client(account)
    c.get("/my-family")
    account.refresh_from_db()
    # Their last visit was an hour ago: what happened since is listed.
    an_hour_ago = timezone.now() - timedelta(hours=1)
    account.last_seen_at = an_hour_ago
    account.save(update_fields=["last_seen_at"])
    Action.objects.update(created_at=an_hour_ago - timedelta(hours=1))
    Action.objects.create(
        family=filled["family"],
        part=Action.Part.WORKER,
        text="Book a meeting with the school",
        owner="Kim Tester",
        due=TODAY + timedelta(days=3),
    )
    home = text(c.get("/my-family"))
    assert "New in your plan: Book a meeting with the school" in home
    assert "Take Jade to school each day" not in home  # made before they last looked
