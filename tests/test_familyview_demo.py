"""The demo's family account on a small hand-built database: made through the services,
it signs in at /my-family/sign-in, its family's plan has actions in all four parts and
a review, and the family has used it; a few other families have accounts and there is
feedback for the figures; a second run only gives a new password."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client

from webkit import family
from wholefamily.web.casework.models import Action, ActionChange
from wholefamily.web.demo import demo_accounts
from wholefamily.web.families.models import Status
from wholefamily.web.familyview.demo import demo_family_view
from wholefamily.web.familyview.models import (
    BeforeReview,
    FamilyAccount,
    Feedback,
    ProposedAction,
    Seen,
)
from wholefamily.web.reporting.metrics import metrics
from wholefamily.web.reporting.periods import parse_period

pytestmark = pytest.mark.django_db
AS_OF = date(2026, 9, 30)


def _county() -> None:
    from django.contrib.auth import get_user_model

    family("F0001", district="Casterbridge")  # nobody leads it yet
    demo_accounts()
    users = get_user_model().objects
    kw, kw2 = users.get(username="keyworker"), users.get(username="keyworker2")
    family("F0002", key_worker=kw, status=Status.CONSENT_REFUSED)  # not active
    family("F0003", key_worker=kw)
    for n, district in enumerate(["Casterbridge", "Budmouth", "Budmouth", "Melstock"]):
        family(f"F001{n}", key_worker=kw2, district=district)


def test_the_demo_family_account() -> None:
    _county()
    made = demo_family_view(AS_OF)
    account = FamilyAccount.objects.get(user__username="family")
    f = account.family
    assert f.family_id == "F0003" and made["family_id"] == "F0003"
    assert account.name == "Lisa Carter" and account.active
    username, who, password = made["row"]
    assert (username, who) == ("family", "Family member (Family F0003, parent)")
    c = Client()
    signed_in = c.post("/my-family/sign-in", {"username": "family", "password": password})
    assert signed_in.status_code == 302 and signed_in["Location"] == "/my-family"
    assert c.session["_auth_user_id"] == str(account.user.pk)
    # Their lead practitioner, and how to reach them.
    home = c.get("/my-family").content.decode()
    assert "Kim Walker" in home and "kim.walker@example.org" in home and "01632 960 1" in home
    # The plan: every part, due around the as-of date, and a review with the next one due.
    parts = set(f.actions.values_list("part", flat=True))
    assert parts == set(Action.Part.values)
    for due in f.actions.values_list("due", flat=True):
        assert abs((due - AS_OF).days) <= 60
    review = f.reviews.get()
    assert review.next_due > AS_OF
    # What the family did: one of their actions done (by them), one of their own waiting.
    done = f.actions.get(part=Action.Part.FAMILY, state=Action.State.DONE)
    assert ActionChange.objects.get(action=done).by == account.user
    assert f.actions.filter(part=Action.Part.FAMILY, state=Action.State.NOT_STARTED).exists()
    waiting = ProposedAction.objects.get(family=f)
    assert waiting.account == account and waiting.decided_at is None
    assert BeforeReview.objects.filter(family=f, account=account).count() == 1
    assert Seen.objects.filter(account=account).exists()
    # Others: across the districts, one stopped; feedback for the figures.
    others = FamilyAccount.objects.exclude(pk=account.pk)
    assert made["others"] == others.count() == 5  # every other active family with an adult
    assert {a.family.district for a in others} == {"Casterbridge", "Budmouth", "Melstock"}
    assert others.filter(withdrawn_at__isnull=False).count() == 1
    assert not others.filter(family__family_id="F0002").exists()
    assert Feedback.objects.count() == made["feedback"] + 1
    year = metrics(parse_period("2025/26"))
    assert year.figure("fv_feedback").rows[-1][1] > 0
    whole = metrics(parse_period("2025-04-01..2026-09-30")).figure("fv_accounts").rows
    assert whole[0][1] >= 4 and whole[2][1] >= 1  # families with an account; who used it


def test_a_second_run_gives_a_new_password_and_adds_nothing() -> None:
    _county()
    first = demo_family_view(AS_OF)
    counts = (FamilyAccount.objects.count(), Feedback.objects.count(), Action.objects.count())
    again = demo_family_view(AS_OF)
    assert again["row"][0] == "family" and again["row"][2] != first["row"][2]
    assert (FamilyAccount.objects.count(), Feedback.objects.count(), Action.objects.count()) == (
        counts
    )
    c = Client()
    assert (
        c.post(
            "/my-family/sign-in", {"username": "family", "password": again["row"][2]}
        ).status_code
        == 302
    )


def test_no_family_to_show() -> None:
    assert "key worker" in demo_family_view(AS_OF)["why"]
    demo_accounts()
    assert "leads no active family" in demo_family_view(AS_OF)["why"]
    assert not FamilyAccount.objects.exists()
