"""Families as the case database knows them.

The data side (members, needs, evidence) is written only by `sync` from an
identification run; the case side (status, key worker, team, intensity,
dates) only by the case work. A re-sync never touches the case side.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

# People a nomination named, made members at the central check (the data's are P...).
# A sync rewrites the data's members of a family and keeps these.
NOMINATED_PERSON = "NP"


class Status(models.TextChoices):
    IDENTIFIED = "identified", "Identified from data"
    NOMINATED = "nominated", "Nominated"
    NOT_ELIGIBLE = "not_eligible", "Not eligible"
    AWAITING_ALLOCATION = "awaiting_allocation", "Awaiting allocation"
    ALLOCATED = "allocated", "Allocated, awaiting consent"
    ACTIVE = "active", "Active"
    CONSENT_REFUSED = "consent_refused", "Consent refused"
    STEPPED_UP = "stepped_up", "Stepped up to social care"
    CLOSED = "closed", "Closed"


# Programme states in which no programme work is open: a family in one of them with open
# Family Help shows as in Family Help.
NOT_WORKING = (
    Status.IDENTIFIED,
    Status.NOMINATED,
    Status.NOT_ELIGIBLE,
    Status.CONSENT_REFUSED,
    Status.CLOSED,
)
IN_FAMILY_HELP = "In Family Help"


class Intensity(models.TextChoices):
    HIGH = "high", "High"
    MEDIUM = "medium", "Medium"
    STANDARD = "standard", "Standard"


class Origin(models.TextChoices):
    DATA = "data", "Identified from data"
    NOMINATION = "nomination", "Nominated by a professional"


class SyncRun(models.Model):
    at = models.DateTimeField(auto_now_add=True)
    folder = models.CharField(max_length=500)
    framework = models.CharField(max_length=60)
    as_of = models.DateField()
    drop_id = models.CharField(max_length=100, blank=True)
    families = models.IntegerField(default=0)
    created = models.IntegerField(default=0)
    changed = models.IntegerField(default=0)

    class Meta:
        ordering = ["-at"]


class ChildPopulation(models.Model):
    """The people of a sync's identification run by district and date of birth, for
    those born in the `POPULATION_YEARS` before its as-of date: so the children (under
    18) of the county or of a district can be counted on any day of the five years
    before the run (the rates per 10,000 children of `familyhelp.measures`). A person's
    district is their family's, or their address's when they are in no family (blank
    when neither is known: counted for the county only)."""

    run = models.ForeignKey(SyncRun, on_delete=models.CASCADE, related_name="population")
    district = models.CharField(max_length=100, blank=True)
    born_on = models.DateField()
    people = models.PositiveIntegerField()

    class Meta:
        indexes = [models.Index(fields=["run", "district", "born_on"])]


POPULATION_YEARS = 23  # under 18 on any day of the five years before the run


class Family(models.Model):
    family_id = models.CharField(max_length=40, unique=True)
    origin = models.CharField(max_length=12, choices=Origin.choices, default=Origin.DATA)
    # Data side: the latest identification run that knew the family.
    uprn = models.CharField(max_length=20, blank=True)
    district = models.CharField(max_length=100, blank=True, db_index=True)
    members = models.IntegerField(default=0)
    adults = models.IntegerField(default=0)
    children = models.IntegerField(default=0)
    needs = models.CharField(max_length=300, blank=True, help_text="Needs met, ; separated.")
    eligible = models.BooleanField(default=False)
    framework = models.CharField(max_length=60, blank=True)
    as_of = models.DateField(null=True, blank=True)
    in_latest_run = models.BooleanField(default=True)
    identified_on = models.DateField(
        null=True, blank=True, help_text="The as-of date of the run that first identified it."
    )
    # Circumstances read from the data at identification (family_profile.csv), for the
    # cohort's profile in reports; not needs.
    council_tenant = models.BooleanField(default=False)
    known_to_social_care = models.BooleanField(default=False)
    domestic_abuse = models.BooleanField(default=False)
    # How practitioners name the family, kept from its members by `families.naming` (at
    # sync and whenever a member changes) so that a list names a page of families
    # without reading their members: "Taylor family", and each child's first name and
    # date of birth ([[forename, "YYYY-MM-DD" or null], ...], eldest first), whose ages
    # are worked out on the day shown.
    name = models.CharField(max_length=120, blank=True)
    kids = models.JSONField(default=list, blank=True)
    # Case side.
    status = models.CharField(
        max_length=24, choices=Status.choices, default=Status.IDENTIFIED, db_index=True
    )
    key_worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="families",
    )
    team = models.ForeignKey(
        "accounts.Team", null=True, blank=True, on_delete=models.PROTECT, related_name="families"
    )
    intensity = models.CharField(max_length=10, choices=Intensity.choices, blank=True)
    consent = models.CharField(max_length=10, blank=True, help_text="given, refused, withdrawn")
    started_on = models.DateField(null=True, blank=True, help_text="Allocated with consent.")
    review_due = models.DateField(null=True, blank=True, db_index=True)
    closed_on = models.DateField(null=True, blank=True)
    closure_reason = models.CharField(max_length=200, blank=True)
    # Raised by every change of the case; forms carry the version they were opened at.
    version = models.PositiveIntegerField(default=0, help_text="See casework.state.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["family_id"]
        verbose_name_plural = "families"
        indexes = [
            models.Index(fields=["status", "district"]),
            models.Index(fields=["started_on"]),  # figures for a period
            models.Index(fields=["closed_on"]),
            models.Index(fields=["identified_on"]),
        ]

    def __str__(self) -> str:
        return self.family_id

    @property
    def display_name(self) -> str:
        """The family's name, or its id when no member is named."""
        return self.name or f"Family {self.family_id}"

    @property
    def status_words(self) -> str:
        """The status as lists show it: a family whose programme case is not open (found
        not eligible, closed, not yet worked with) but which has open Family Help is "In
        Family Help" (children's services families come in as not eligible for the
        programme's criteria). Lists annotate `in_family_help` (`caseload.with_overdue`);
        without it this asks the database."""
        if self.status in NOT_WORKING:
            help_now = getattr(self, "in_family_help", None)
            if help_now is None:
                help_now = self.episodes.filter(
                    opened_on__isnull=False, closed_on__isnull=True
                ).exists()
            if help_now:
                return IN_FAMILY_HELP
        return str(self.get_status_display())

    @property
    def need_list(self) -> list[str]:
        return [n for n in self.needs.split(";") if n]


class Person(models.Model):
    person_id = models.CharField(max_length=40, unique=True)
    forename = models.CharField(max_length=100, blank=True)
    surname = models.CharField(max_length=100, blank=True)
    dob = models.DateField(null=True, blank=True)
    sex = models.CharField(max_length=1, blank=True)

    def __str__(self) -> str:
        return f"{self.forename} {self.surname}".strip() or self.person_id


class Member(models.Model):
    family = models.ForeignKey(Family, on_delete=models.CASCADE, related_name="member_set")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, blank=True)
    current = models.BooleanField(default=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["family", "person"], name="one_membership")]


class Need(models.Model):
    """A need a family has had in the data: when first and last seen, and whether it still is."""

    family = models.ForeignKey(Family, on_delete=models.CASCADE, related_name="need_set")
    need = models.CharField(max_length=40)
    first_seen = models.DateField()
    last_seen = models.DateField()
    current = models.BooleanField(default=True)

    class Meta:
        ordering = ["need"]
        constraints = [models.UniqueConstraint(fields=["family", "need"], name="one_need")]


class Evidence(models.Model):
    """One record behind one need (family_needs.csv of the latest run)."""

    family = models.ForeignKey(Family, on_delete=models.CASCADE, related_name="evidence")
    need = models.CharField(max_length=40)
    person = models.ForeignKey(Person, null=True, on_delete=models.SET_NULL)
    source = models.CharField(max_length=40)
    row = models.BigIntegerField()
    date = models.DateField(null=True)
    indicator = models.CharField(max_length=200)

    class Meta:
        ordering = ["need", "date", "source", "row"]


class FamilyChange(models.Model):
    """Why a family's data changed between runs (kept for ever, shown on the family page)."""

    family = models.ForeignKey(Family, on_delete=models.CASCADE, related_name="changes")
    run = models.ForeignKey(SyncRun, on_delete=models.PROTECT)
    summary = models.CharField(max_length=500)

    class Meta:
        ordering = ["-run__at", "-id"]
