"""Builders for the family's own view tests: an invitation, a family member's account and
a client signed in as them (through the real sign-in page, so the session is a family
member's)."""

from __future__ import annotations

from typing import Any

from django.test import Client

from wholefamily.web.families.models import Family
from wholefamily.web.familyview import services
from wholefamily.web.familyview.models import FamilyAccount, Relation

FAMILY_PASSWORD = "blue kite over the river"


def invitation(family: Family, by: Any, name: str = "Jo Parent") -> str:
    """A new invitation's token."""
    _, token = services.invite(family, by, name, Relation.PARENT)
    return token


def family_account(
    family: Family, by: Any, username: str = "jo", name: str = "Jo Parent"
) -> FamilyAccount:
    return services.accept(invitation(family, by, name), username, FAMILY_PASSWORD)


def family_client(account: FamilyAccount) -> Client:
    c = Client()
    response = c.post(
        "/my-family/sign-in",
        {"username": account.user.username, "password": FAMILY_PASSWORD},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return c
