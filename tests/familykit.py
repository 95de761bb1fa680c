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


# A family with everything the family must never see beside what it may: for the page,
# readability and no-leak tests. These sentences are looked for in the family's pages.
SECRETS = {
    "evidence": "EDUCATION indicator",
    "note": "The neighbour heard shouting late at night on Tuesday.",
    "protection": "Bruising seen at school by the class teacher.",
    "address": "12 Orchard Lane, Casterbridge",
    "phone": "07700 900123",
    "review": "Review summary for the team only.",
    "assessment": "Assessment notes for the team only.",
}


def filled_family(today: Any) -> dict[str, Any]:
    """Kim (key worker, North) leads the Carter family's Family Help; the plan has an
    action in each part, a review is held, the practitioner scored two areas, Gran Rose
    is in the network, a note is kept (not shared), a strategy discussion is recorded;
    Lisa Carter has an account."""
    from datetime import timedelta

    from webkit import family, user
    from wholefamily.web.accounts.models import Role, Team
    from wholefamily.web.casework.models import Action, Assessment, AssessmentArea, Note, Review
    from wholefamily.web.familyhelp import services as fh
    from wholefamily.web.networks.models import NetworkMember
    from wholefamily.web.protection import services as cp

    north = Team.objects.create(name="North")
    kw = user("kim", Role.KEY_WORKER, north)
    kw.email = "kim.tester@council.example"
    kw.save()
    kw.profile.phone = "01234 567890"
    kw.profile.save()
    manager = user("morgan", Role.MANAGER, north)
    f = family("F1", key_worker=kw, team=north, consent="given")
    jade = f.member_set.get(role="CHILD").person
    req = fh.record_request(f, [jade], today - timedelta(days=60), "6", "Police call.", kw)
    episode = fh.decide(req, "cp_enquiry", today - timedelta(days=59), manager, lead=kw)
    assert episode is not None
    cp.hold_strategy(
        episode, [jade], today - timedelta(days=58), "DC Jones", kw, summary=SECRETS["protection"]
    )
    made = {}
    for part, text, owner in (
        (Action.Part.FAMILY, "Take Jade to school each day", "Lisa Carter"),
        (Action.Part.WORKER, "Ask the school about breakfast club", "Kim Tester"),
        (Action.Part.AGENCY, "See Jade about her sleep", "School nurse"),
        (Action.Part.NETWORK, "Pick Jade up on Fridays", "Rose Carter"),
    ):
        made[part] = Action.objects.create(
            family=f, part=part, text=text, owner=owner, due=today + timedelta(days=30)
        )
    Review.objects.create(
        family=f,
        on=today - timedelta(days=5),
        by=kw,
        summary=SECRETS["review"],
        next_due=today + timedelta(days=40),
    )
    areas = list(AssessmentArea.objects.filter(active=True).order_by("order", "name")[:2])
    a = Assessment.objects.create(
        family=f, on=today - timedelta(days=20), by=kw, notes=SECRETS["assessment"]
    )
    for area, score in zip(areas, (4, 6), strict=False):
        a.scores.create(area=area, score=score)
    NetworkMember.objects.create(
        family=f,
        name="Rose Carter",
        kind=NetworkMember.Kind.RELATIVE,
        lives_at=SECRETS["address"],
        phone=SECRETS["phone"],
        offers="She can have Jade after school on Fridays.",
        added_on=today - timedelta(days=30),
        by=kw,
    )
    note = Note.objects.create(family=f, by=kw, text=SECRETS["note"], on=today - timedelta(days=3))
    account = family_account(f, kw, username="lisa", name="Lisa Carter")
    return {
        "family": f,
        "kw": kw,
        "manager": manager,
        "team": north,
        "account": account,
        "actions": made,
        "note": note,
        "episode": episode,
        "child": jade,
        "areas": areas,
    }
