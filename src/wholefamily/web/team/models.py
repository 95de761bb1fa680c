"""The team around the family, kept by the case work (a re-sync never touches it).

The family's district and UPRN stay what the data says: an address recorded here is
the practitioners' record of where the family lives, not the data's.

Every change is also kept as a `TeamHistory` row (what changed, when, by whom), so the
family's timeline can show it without a new kind of casework `Event`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from wholefamily.web.families.models import Family

USER = settings.AUTH_USER_MODEL


class Professional(models.Model):
    """A professional working with the family: `ended_on` is empty while they are involved."""

    family = models.ForeignKey(Family, on_delete=models.CASCADE, related_name="professionals")
    name = models.CharField(max_length=100)
    agency = models.CharField(max_length=100)
    role = models.CharField(max_length=100)
    phone = models.CharField(max_length=30, blank=True)
    email = models.EmailField(max_length=200, blank=True)
    started_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)
    added_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["ended_on", "-started_on", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("started_on")),
                name="professional_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.role}, {self.agency})"

    @property
    def involved(self) -> bool:
        return self.ended_on is None


class Preferred(models.TextChoices):
    PHONE = "phone", "Phone call"
    TEXT = "text", "Text message"
    EMAIL = "email", "Email"
    LETTER = "letter", "Letter"
    VISIT = "visit", "Home visit"


class FamilyContact(models.Model):
    """How to reach the family, as they asked."""

    family = models.OneToOneField(Family, on_delete=models.CASCADE, related_name="contact")
    phone = models.CharField(max_length=30, blank=True)
    email = models.EmailField(max_length=200, blank=True)
    preferred = models.CharField(max_length=10, choices=Preferred.choices, blank=True)
    times = models.CharField(max_length=200, blank=True, help_text="Best times to contact.")
    language = models.CharField(max_length=60, blank=True)
    interpreter = models.BooleanField(default=False)
    changed_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField(auto_now=True)


class Address(models.Model):
    """One of the family's addresses: `moved_out` empty for the current one (at most one)."""

    family = models.ForeignKey(Family, on_delete=models.CASCADE, related_name="addresses")
    line1 = models.CharField(max_length=100)
    line2 = models.CharField(max_length=100, blank=True)
    town = models.CharField(max_length=60)
    postcode = models.CharField(max_length=8)
    moved_in = models.DateField()
    moved_out = models.DateField(null=True, blank=True)
    added_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-moved_in", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["family"],
                condition=Q(moved_out__isnull=True),
                name="one_current_address",
            ),
            models.CheckConstraint(
                condition=Q(moved_out__isnull=True) | Q(moved_out__gte=models.F("moved_in")),
                name="address_out_after_in",
            ),
        ]

    def __str__(self) -> str:
        return ", ".join(p for p in (self.line1, self.line2, self.town, self.postcode) if p)

    @property
    def current(self) -> bool:
        return self.moved_out is None


class TeamHistory(models.Model):
    """A change to the team around the family or the family's contact details."""

    class Kind(models.TextChoices):
        PROFESSIONAL_ADDED = "professional_added", "Professional involved"
        PROFESSIONAL_CHANGED = "professional_changed", "Professional’s details changed"
        PROFESSIONAL_ENDED = "professional_ended", "Professional no longer involved"
        CONTACT_CHANGED = "contact_changed", "Family’s contact details changed"
        ADDRESS_ADDED = "address_added", "Address recorded"
        MOVED = "moved", "Family moved"

    family = models.ForeignKey(Family, on_delete=models.CASCADE, related_name="team_history")
    kind = models.CharField(max_length=24, choices=Kind.choices)
    on = models.DateField(help_text="When it happened (the date entered, else the day recorded).")
    detail = models.CharField(max_length=300, blank=True)
    by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-on", "-at", "-id"]
        verbose_name_plural = "team history"


class WorkContact(models.Model):
    """A practitioner's work phone and email, for the families and partners who need to
    reach them (the sign-in account's own email is not assumed to be one to give out)."""

    user = models.OneToOneField(USER, on_delete=models.CASCADE, related_name="work_contact")
    phone = models.CharField(max_length=30, blank=True)
    email = models.EmailField(max_length=200, blank=True)


class TeamContact(models.Model):
    """A team's duty phone and shared mailbox, used when the key worker has none of their own."""

    team = models.OneToOneField("accounts.Team", on_delete=models.CASCADE, related_name="contact")
    phone = models.CharField(max_length=30, blank=True)
    email = models.EmailField(max_length=200, blank=True)
