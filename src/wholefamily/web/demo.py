"""Demo accounts: one user per role, teams per district, passwords made up once and printed.

Used by `wholefamily demo` and `wholefamily web accounts --demo`. The
passwords are random and shown once; they are stored only as Django's hashes.
"""

from __future__ import annotations

import secrets

from django.contrib.auth import get_user_model
from django.db import transaction

from wholefamily.web.accounts.models import Profile, Role, Team
from wholefamily.web.families.models import Family

DEMO_USERS = [
    ("keyworker", "Kim", "Walker", Role.KEY_WORKER),
    ("keyworker2", "Sam", "Okafor", Role.KEY_WORKER),
    ("manager", "Morgan", "Hale", Role.MANAGER),
    ("analyst", "Alex", "Rahman", Role.ANALYST),
    ("partner", "Pat", "Singh", Role.PARTNER),
    ("dpo", "Dana", "Price", Role.DPO),
]


def make_user(
    username: str,
    role: str,
    team: Team | None = None,
    first: str = "",
    last: str = "",
    password: str | None = None,
    agency: str = "",
) -> tuple[object, str]:
    """A user with a profile; returns (user, password). An existing user gets a new password."""
    password = password or secrets.token_urlsafe(12)
    users = get_user_model()
    user, _ = users.objects.get_or_create(username=username)
    user.first_name, user.last_name = first, last
    user.set_password(password)
    user.save()
    Profile.objects.update_or_create(
        user=user, defaults={"role": role, "team": team, "agency": agency}
    )
    return user, password


def demo_accounts() -> list[tuple[str, str, str]]:
    """(username, role, password) of each demo user; teams for the busiest district."""
    with transaction.atomic():
        district = (
            Family.objects.exclude(district="").values_list("district", flat=True).first()
            or "County"
        )
        team, _ = Team.objects.get_or_create(
            name=f"{district} family support", defaults={"district": district}
        )
        made = []
        for username, first, last, role in DEMO_USERS:
            in_team = role in (Role.KEY_WORKER, Role.MANAGER)
            agency = "Southfield Primary School" if role == Role.PARTNER else ""
            _, password = make_user(
                username, role, team if in_team else None, first, last, agency=agency
            )
            made.append((username, Role(role).label, password))
    return made
