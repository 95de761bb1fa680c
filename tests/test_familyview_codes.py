"""Signing in with a one-time code by email, where the council has a mail service: the
code works once, for 10 minutes, for an account with an email; five wrong tries spend it;
the page says the same whether or not the account exists or has an email; a staff user
gets no code; without a mail service the page sends people to the password sign-in."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from familykit import family_account
from webkit import family, user
from wholefamily.web.accounts.models import Role
from wholefamily.web.familyview import services
from wholefamily.web.familyview.models import SignInCode

pytestmark = pytest.mark.django_db
URL = "/my-family/sign-in/code"


@pytest.fixture
def mailing(settings: Any) -> None:
    settings.FAMILY_EMAIL_CODES = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def lisa(mailing: None) -> Any:
    kw = user("kim", Role.KEY_WORKER)
    account = family_account(family("F1", key_worker=kw), kw, username="lisa")
    account.email = "lisa.carter@example.org"
    account.save()
    return account


def code_in(message: Any) -> str:
    found = re.search(r"\b(\d{6})\b", message.body)
    assert found, message.body
    return found.group(1)


def signed_in(c: Client) -> bool:
    return "_auth_user_id" in c.session


def test_a_code_is_sent_works_once_and_signs_in_as_a_family_member(lisa: Any) -> None:
    c = Client()
    asked = c.post(URL, {"username": "lisa"})
    assert asked.status_code == 200 and "we sent you a code" in asked.content.decode()
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["lisa.carter@example.org"]
    code = code_in(mail.outbox[0])
    assert code not in "".join(SignInCode.objects.values_list("code_hash", flat=True))
    done = c.post(URL, {"username": "lisa", "code": code})
    assert done.status_code == 302 and done["Location"] == "/my-family"
    assert signed_in(c) and c.session["idle_seconds"] == 15 * 60
    again = Client()
    refused = again.post(URL, {"username": "lisa", "code": code})
    assert "That code is not right" in refused.content.decode() and not signed_in(again)


def test_five_wrong_tries_spend_the_code_and_an_old_code_runs_out(lisa: Any) -> None:
    c = Client()
    c.post(URL, {"username": "lisa"})
    code = code_in(mail.outbox[0])
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(services.CODE_TRIES):
        c.post(URL, {"username": "lisa", "code": wrong})
    c.post(URL, {"username": "lisa", "code": code})
    assert not signed_in(c)  # spent by the wrong tries
    c.post(URL, {"username": "lisa"})
    late = code_in(mail.outbox[-1])
    SignInCode.objects.filter(used_at__isnull=True).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    c.post(URL, {"username": "lisa", "code": late})
    assert not signed_in(c)


def test_no_email_no_account_and_staff_get_the_same_answer_and_no_code(
    lisa: Any, mailing: None
) -> None:
    kw = user("kit", Role.KEY_WORKER)
    kw.email = "kit@example.org"
    kw.save()
    answers = set()
    for name in ("lisa.nobody", "kit"):
        r = Client().post(URL, {"username": name})
        answers.add(r.content.decode().count("we sent you a code"))
    assert answers == {1} and mail.outbox == []


def test_a_stopped_account_gets_no_code(lisa: Any) -> None:
    services.withdraw(lisa, lisa.invitation.created_by)
    Client().post(URL, {"username": "lisa"})
    assert mail.outbox == []


def test_without_a_mail_service_the_page_sends_people_to_the_password(settings: Any) -> None:
    settings.FAMILY_EMAIL_CODES = False
    r = Client().get(URL)
    assert r.status_code == 302 and r["Location"] == "/my-family/sign-in"
