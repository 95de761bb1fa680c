"""The demo's support packages and places on a small constructed county: made through
the services (nothing refused), every payee a member of the family's network named by
a meeting that identified the support, payments only up to the as-of date, one
reversal, and a service with a waiting list whose places are never over-held."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from webkit import family
from wholefamily.web.demo import demo_accounts
from wholefamily.web.families.models import Status
from wholefamily.web.familyhelp.models import ChildLevel, Episode, Level
from wholefamily.web.payments.models import Budget, Kind, LedgerEntry, Package, State
from wholefamily.web.places.demo import AS_OF, demo_support
from wholefamily.web.places.models import HOLDING, Places, Referral, Service
from wholefamily.web.places.models import State as RState


@pytest.fixture
def county(db: Any) -> dict[str, int]:
    from django.contrib.auth import get_user_model

    family("F000", status=Status.ACTIVE)  # the district the demo team is for
    demo_accounts()
    users = get_user_model().objects
    kw, manager = users.get(username="keyworker"), users.get(username="manager")
    team = manager.profile.team
    for i in range(1, 31):
        needs = ("CHILDREN_NEED_HELP", "HEALTH") if i % 2 else ("EDUCATION", "WORK_FINANCE")
        f = family(f"F{i:03d}", key_worker=kw, team=team, needs=needs)
        if i <= 16:
            ep = Episode.objects.create(family=f, opened_on=date(2025, 4, 1), lead=kw)
            ChildLevel.objects.create(
                episode=ep, child=f.member_set.get(role="CHILD").person,
                level=Level.CP if i % 4 == 0 else Level.CIN, started_on=date(2025, 4, 1),
                lead=kw, by=kw,
            )  # fmt: skip
    return demo_support()


def test_the_demo_is_made_through_the_services_with_nothing_refused(
    county: dict[str, int],
) -> None:
    assert county.get("refused", 0) == 0
    assert county["approved"] >= 10 and county["refused_packages"] >= 2
    assert county["left_proposed"] >= 1 and county["payments"] > 20
    assert county["reversals"] == 1 and county["referrals"] >= 20
    assert Budget.objects.filter(year="2025/26").exists()
    assert Budget.objects.filter(year="2026/27").exists()


def test_payees_are_network_members_and_payments_stop_at_the_as_of_date(
    county: dict[str, int],
) -> None:
    for p in Package.objects.select_related("payee", "meeting"):
        assert p.payee.family_id == p.family_id
        assert p.meeting is not None and p.meeting.came.filter(pk=p.payee_id).exists()
        if p.state == State.REFUSED:
            assert p.refusal
    assert Package.objects.exclude(frequency="one_off").filter(state=State.APPROVED).exists()
    payments = LedgerEntry.objects.filter(kind=Kind.PAYMENT)
    assert not payments.filter(on__gt=AS_OF).exists()
    assert payments.filter(reverses__isnull=False).count() == 1


def test_places_are_never_over_held_and_families_wait(county: dict[str, int]) -> None:
    assert county["waiting"] >= 1
    for s in Service.objects.all():
        bought = Places.objects.get(service=s, year="2026/27").places
        assert Referral.objects.filter(service=s, state__in=HOLDING).count() <= bought
    ended = Referral.objects.filter(state=RState.ENDED)
    assert ended.exists() and not ended.filter(end_reason="").exists()
    # A place freed was offered to a family waiting: offered later than referred.
    assert any(r.offered_on and r.offered_on > r.referred_on for r in Referral.objects.all())
