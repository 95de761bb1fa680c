"""Builders for the web tests: users of each role, teams, families in each state."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from django.test import Client

from wholefamily.web.accounts.models import Team
from wholefamily.web.casework.models import Nomination
from wholefamily.web.demo import make_user
from wholefamily.web.families.models import Evidence, Family, Member, Need, Person, Status

PASSWORD = "correct horse battery staple"


def user(username: str, role: str, team: Team | None = None) -> Any:
    u, _ = make_user(username, role, team, username.title(), "Tester", password=PASSWORD)
    return u


def client_for(u: Any) -> Client:
    c = Client()
    c.force_login(u)
    return c


def family(
    family_id: str,
    status: str = Status.ACTIVE,
    key_worker: Any = None,
    team: Team | None = None,
    consent: str = "",
    needs: tuple[str, ...] = ("EDUCATION", "HEALTH"),
    district: str = "Casterbridge",
) -> Family:
    f = Family.objects.create(
        family_id=family_id,
        status=status,
        key_worker=key_worker,
        team=team,
        consent=consent,
        needs=";".join(needs),
        eligible=True,
        framework="tf-2015",
        as_of=date(2025, 3, 31),
        identified_on=date(2025, 3, 31),
        district=district,
        members=2,
        adults=1,
        children=1,
    )
    kid = Person.objects.create(
        person_id=f"P{family_id}1", forename="Jade", surname="Carter", dob=date(2011, 5, 4), sex="F"
    )
    mum = Person.objects.create(
        person_id=f"P{family_id}2", forename="Lisa", surname="Carter", dob=date(1985, 1, 9), sex="F"
    )
    Member.objects.create(family=f, person=kid, role="CHILD")
    Member.objects.create(family=f, person=mum, role="ADULT")
    for n in needs:
        Need.objects.create(
            family=f, need=n, first_seen=date(2025, 3, 31), last_seen=date(2025, 3, 31)
        )
        Evidence.objects.create(
            family=f,
            need=n,
            person=kid,
            source="school_exclusions",
            row=812,
            date=date(2025, 1, 10),
            indicator=f"{n} indicator",
        )
    return f


def nominated_by(partner: Any, f: Family) -> Nomination:
    return Nomination.objects.create(
        family=f,
        nominated_by=partner,
        agency="School",
        needs="EDUCATION",
        evidence="Seen",
        consent="Y",
    )


def date_fields(name: str, d: date) -> dict[str, str]:
    return {f"{name}_0": str(d.day), f"{name}_1": str(d.month), f"{name}_2": str(d.year)}


def visible_text(html: str) -> str:
    """The words a reader sees on a page: no tags, scripts or styles."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
