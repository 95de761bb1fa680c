"""Services with places (Families First: "resources dependent on the needs of each
family"), and the referrals made to them from a family's plan.

- A `Service` is one the council runs (internal: its employment advisers, health
  trainers) or buys (commissioned: an intensive family support service, a parenting
  programme): its provider, the needs it meets (the frameworks' need codes, `;`
  separated, shown in words), how intensive it is, and whether it takes referrals now.
- `Places` are the places a service has for one financial year ("2026/27"): how many
  families it can work with at once. None set for a year is no place that year.
- A `Referral` is one family referred, from one action of its plan
  (`casework.Action`), to one service. It waits on the service's waiting list (ordered
  by the day it was referred, then by when it was recorded) until a place is offered;
  a place is held from the offer until the referral ends (the family finishes, turns
  the place down or leaves), which frees it for the next family waiting. A referral
  taken off the waiting list ends without ever holding a place. A family has at most
  one open referral (waiting, offered or in the service) to a service at once: a
  unique constraint, so two referrals at once cannot both be saved.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from wholefamily.web.casework.models import Action
from wholefamily.web.families.models import Family

USER = settings.AUTH_USER_MODEL


class Kind(models.TextChoices):
    INTERNAL = "internal", "Internal (the council’s own)"
    COMMISSIONED = "commissioned", "Commissioned (bought from a provider)"


class Category(models.TextChoices):
    EMPLOYMENT = "employment", "Employment adviser"
    HEALTH_TRAINER = "health_trainer", "Health trainer"
    INTENSIVE = "intensive", "Intensive family support"
    PARENTING = "parenting", "Parenting programme"
    OTHER = "other", "Other support"


class Intensity(models.TextChoices):
    LIGHT = "light", "Light touch (a few contacts)"
    REGULAR = "regular", "Regular (about weekly)"
    INTENSIVE = "intensive", "Intensive (several times a week)"


class Service(models.Model):
    name = models.CharField(max_length=150, unique=True)
    category = models.CharField(max_length=16, choices=Category.choices)
    kind = models.CharField(max_length=12, choices=Kind.choices)
    provider = models.CharField(max_length=150)
    needs = models.CharField(max_length=300, help_text="Need codes it meets, ; separated.")
    intensity = models.CharField(max_length=10, choices=Intensity.choices)
    description = models.TextField(blank=True)
    active = models.BooleanField(default=True, help_text="Takes referrals now.")
    # Raised by every referral, offer and freed place: the conditional UPDATE that locks
    # the service's row while its places are counted (`services`).
    version = models.PositiveIntegerField(default=0)
    by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.CheckConstraint(condition=~Q(needs=""), name="service_has_needs")]

    def __str__(self) -> str:
        return self.name

    @property
    def need_list(self) -> list[str]:
        return [n for n in self.needs.split(";") if n]


class Places(models.Model):
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="places")
    year = models.CharField(max_length=7, help_text='A financial year: "2026/27".')
    places = models.IntegerField(help_text="Families it can work with at once.")
    by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["service", "-year"]
        verbose_name_plural = "places"
        constraints = [
            models.UniqueConstraint(fields=["service", "year"], name="one_places_per_year"),
            models.CheckConstraint(condition=Q(places__gte=0), name="places_not_negative"),
        ]


class State(models.TextChoices):
    WAITING = "waiting", "On the waiting list"
    OFFERED = "offered", "Place offered"
    STARTED = "started", "In the service"
    ENDED = "ended", "Ended"


OPEN = (State.WAITING, State.OFFERED, State.STARTED)
HOLDING = (State.OFFERED, State.STARTED)


class Referral(models.Model):
    family = models.ForeignKey(Family, on_delete=models.PROTECT, related_name="referrals")
    action = models.ForeignKey(Action, on_delete=models.PROTECT, related_name="referrals")
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="referrals")
    referred_on = models.DateField()
    state = models.CharField(max_length=8, choices=State.choices, default=State.WAITING)
    offered_on = models.DateField(null=True, blank=True, help_text="A place offered.")
    started_on = models.DateField(null=True, blank=True, help_text="The family began.")
    ended_on = models.DateField(null=True, blank=True)
    end_reason = models.CharField(max_length=300, blank=True)
    by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["referred_on", "at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["family", "service"],
                condition=Q(state__in=["waiting", "offered", "started"]),
                name="one_open_referral_per_service",
            ),
            models.CheckConstraint(
                condition=Q(offered_on__isnull=True) | Q(offered_on__gte=F("referred_on")),
                name="referral_offered_after_referred",
            ),
            models.CheckConstraint(
                condition=Q(started_on__isnull=True)
                | (Q(offered_on__isnull=False) & Q(started_on__gte=F("offered_on"))),
                name="referral_started_after_offer",
            ),
            models.CheckConstraint(
                condition=(Q(state="ended") & Q(ended_on__gte=F("referred_on")))
                | (~Q(state="ended") & Q(ended_on__isnull=True)),
                name="referral_ended_has_day",
            ),
        ]

    @property
    def open(self) -> bool:
        return self.state in OPEN

    @property
    def holds_place(self) -> bool:
        return self.state in HOLDING
