"""Caseloads: each key worker's families, counted by status and intensity, for the
manager's dashboard and beside the choice of worker when a family is allocated; and
what a page of families needs to show each one (overdue actions, review overdue)
without a query per family.

A worker's caseload counts the families allocated to them, whatever the team:
- active: work started (consent given), by intensity (high, medium, standard, not set);
- awaiting consent: allocated, consent not yet recorded;
- stepped up: held by children's social care for now;
- reviews overdue: active families whose next review is before today.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from wholefamily.web import clock
from wholefamily.web.accounts.models import Role
from wholefamily.web.casework import forms as F
from wholefamily.web.casework.models import Action
from wholefamily.web.families.models import Family, Intensity, Status

OPEN_ACTIONS = (Action.State.NOT_STARTED, Action.State.IN_PROGRESS)


@dataclass
class Caseload:
    user: Any
    name: str
    team: str
    high: int = 0
    medium: int = 0
    standard: int = 0
    not_set: int = 0
    awaiting_consent: int = 0
    stepped_up: int = 0
    reviews_overdue: int = 0

    @property
    def active(self) -> int:
        return self.high + self.medium + self.standard + self.not_set


def worker_name(user: Any) -> str:
    return str(user.get_full_name() or user.get_username())


def key_workers(team_id: int | None = None) -> QuerySet[Any]:
    """Active key workers (of one team, when given), by name."""
    users = get_user_model().objects.filter(profile__role=Role.KEY_WORKER, is_active=True)
    if team_id is not None:
        users = users.filter(profile__team_id=team_id)
    return users.select_related("profile__team").order_by("first_name", "last_name", "username")


def caseloads(workers: Any) -> list[Caseload]:
    """Each worker's caseload, in the order given: one aggregate query over families."""
    workers = list(workers)
    today = clock.today()
    active = Q(status=Status.ACTIVE)
    counts = {
        r["key_worker"]: r
        for r in Family.objects.filter(key_worker__in=[u.pk for u in workers])
        .order_by()
        .values("key_worker")
        .annotate(
            high=Count("id", filter=active & Q(intensity=Intensity.HIGH)),
            medium=Count("id", filter=active & Q(intensity=Intensity.MEDIUM)),
            standard=Count("id", filter=active & Q(intensity=Intensity.STANDARD)),
            not_set=Count("id", filter=active & Q(intensity="")),
            awaiting_consent=Count("id", filter=Q(status=Status.ALLOCATED)),
            stepped_up=Count("id", filter=Q(status=Status.STEPPED_UP)),
            reviews_overdue=Count("id", filter=active & Q(review_due__lt=today)),
        )
    }
    out = []
    for u in workers:
        team = getattr(getattr(u, "profile", None), "team", None)
        c = Caseload(u, worker_name(u), str(team) if team else "")
        for k, v in counts.get(u.pk, {}).items():
            if k != "key_worker":
                setattr(c, k, v)
        out.append(c)
    return out


def with_overdue(families: QuerySet[Family]) -> QuerySet[Family]:
    """Families with `overdue_actions`, the number of their open plan actions past their
    due date, counted in the same query (a correlated subquery per row returned), and
    `in_family_help`, whether they have open Family Help (`Family.status_words`)."""
    today = clock.today()
    overdue = (
        Action.objects.filter(family=OuterRef("pk"), due__lt=today, state__in=OPEN_ACTIONS)
        .order_by()
        .values("family")
        .annotate(n=Count("id"))
        .values("n")
    )
    help_now = Family.objects.filter(
        pk=OuterRef("pk"), episodes__opened_on__isnull=False, episodes__closed_on__isnull=True
    )
    return families.annotate(
        overdue_actions=Coalesce(Subquery(overdue, output_field=IntegerField()), Value(0)),
        in_family_help=Exists(help_now),
    )


class AllocateForm(F.AllocateForm):
    """The allocation form with each key worker's caseload, shown as a table just above
    the choice (`aside`, rendered by the step page); the choice itself names each
    worker as before."""

    aside = "casework/caseloads_aside.html"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        workers = self.fields["key_worker"].queryset  # type: ignore[attr-defined]
        self.caseloads = caseloads(workers.select_related("profile__team"))
