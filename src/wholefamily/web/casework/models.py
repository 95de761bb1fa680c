"""The family journey: nomination, central check, allocation, consent,
assessment, plan, reviews, intensity, step-up/step-down, closure.

Every step is a row of its own (who, when, what), so the family's timeline
is the union of them; the family's current state is on `Family`.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from wholefamily.web.families.models import Family, Person

USER = settings.AUTH_USER_MODEL


CONSENT_TO_SHARE = {"Y": "Yes", "N": "No", "U": "Not asked yet"}
ROLE_WORDS = {"LEAD_ADULT": "Lead adult", "ADULT": "Adult", "CHILD": "Child"}


class Nomination(models.Model):
    """A family put forward by a professional, with their evidence.

    `family` is the nominated family (a new one, `N...`) until the central check
    finds it is a family already known and merges it there; `reference` stays the
    number the nominator was given, so that what they see does not say which."""

    family = models.ForeignKey(Family, on_delete=models.PROTECT, related_name="nominations")
    reference = models.CharField(max_length=40, blank=True, help_text="As given to the nominator.")
    nominated_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="nominations")
    agency = models.CharField(max_length=100)
    needs = models.CharField(max_length=300, help_text="Needs the referrer sees, ; separated.")
    evidence = models.TextField()
    consent = models.CharField(max_length=1, help_text="Y, N or U: consent to share.")
    matched_existing = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    @property
    def need_names(self) -> list[str]:
        """The needs the nominator sees, in words."""
        from wholefamily.web.casework.views.common import NEED_NAMES

        return [NEED_NAMES.get(n, n) for n in self.needs.split(";") if n]

    @property
    def consent_words(self) -> str:
        return CONSENT_TO_SHARE.get(self.consent, self.consent)


class NominatedPerson(models.Model):
    nomination = models.ForeignKey(Nomination, on_delete=models.CASCADE, related_name="people")
    forename = models.CharField(max_length=100)
    surname = models.CharField(max_length=100)
    dob = models.DateField(null=True, blank=True)
    role = models.CharField(max_length=10)
    person = models.ForeignKey(Person, null=True, on_delete=models.SET_NULL)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.forename} {self.surname}"

    @property
    def role_words(self) -> str:
        return ROLE_WORDS.get(self.role, self.role.replace("_", " ").capitalize())


class Check(models.Model):
    """The central check of a family against the framework, by an analyst."""

    family = models.ForeignKey(Family, on_delete=models.CASCADE, related_name="checks")
    by = models.ForeignKey(USER, on_delete=models.PROTECT)
    at = models.DateTimeField(auto_now_add=True)
    eligible = models.BooleanField()
    framework = models.CharField(max_length=60)
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]


class Event(models.Model):
    """A change of the family's case state: allocation, consent, intensity, step, closure."""

    class Kind(models.TextChoices):
        ALLOCATED = "allocated", "Allocated"
        CONSENT = "consent", "Consent"
        INTENSITY = "intensity", "Intensity changed"
        STEP_UP = "step_up", "Stepped up to social care"
        STEP_DOWN = "step_down", "Stepped down"
        CLOSED = "closed", "Closed"
        REOPENED = "reopened", "Reopened"
        NEED_FOUND = "need_found", "Need found during the work"
        CORRECTED = "corrected", "Date corrected"
        MEMBERS = "members", "Members added from a nomination"

    family = models.ForeignKey(Family, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    on = models.DateField()
    by = models.ForeignKey(USER, on_delete=models.PROTECT)
    at = models.DateTimeField(auto_now_add=True)
    detail = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-on", "-at"]


class AssessmentArea(models.Model):
    """An area the whole-family assessment scores (configurable; defaults seeded)."""

    name = models.CharField(max_length=100, unique=True)
    order = models.IntegerField(default=0)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name


class Assessment(models.Model):
    family = models.ForeignKey(Family, on_delete=models.CASCADE, related_name="assessments")
    on = models.DateField()
    by = models.ForeignKey(USER, on_delete=models.PROTECT)
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["on", "id"]


class Score(models.Model):
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="scores")
    area = models.ForeignKey(AssessmentArea, on_delete=models.PROTECT)
    score = models.IntegerField(validators=[MinValueValidator(1), MaxValueValidator(10)])

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["assessment", "area"], name="one_score_per_area"),
            models.CheckConstraint(
                condition=models.Q(score__gte=1) & models.Q(score__lte=10), name="score_1_to_10"
            ),
        ]


class Action(models.Model):
    """One action of the whole-family plan."""

    class Part(models.TextChoices):
        WORKER = "worker", "What the key worker or lead agency will do"
        FAMILY = "family", "What the family will do"
        AGENCY = "agency", "What other agencies will do"
        NETWORK = "network", "What the family’s network will do"

    class State(models.TextChoices):
        NOT_STARTED = "not_started", "Not started"
        IN_PROGRESS = "in_progress", "In progress"
        DONE = "done", "Done"
        DROPPED = "dropped", "No longer needed"

    family = models.ForeignKey(Family, on_delete=models.CASCADE, related_name="actions")
    part = models.CharField(max_length=8, choices=Part.choices)
    text = models.CharField(max_length=500)
    owner = models.CharField(max_length=100)
    due = models.DateField()
    state = models.CharField(max_length=12, choices=State.choices, default=State.NOT_STARTED)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT)

    class Meta:
        ordering = ["part", "due", "id"]

    @property
    def open(self) -> bool:
        return self.state in (self.State.NOT_STARTED, self.State.IN_PROGRESS)


class ActionChange(models.Model):
    """One field of an action changed: what it was, what it became, who changed it and
    when. An action's history is these rows; the chronology shows each of them."""

    FIELDS = {"text": "Action", "owner": "Who will do it", "due": "Due by", "state": "Status"}

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="changes")
    field = models.CharField(max_length=10)
    before = models.CharField(max_length=500)
    after = models.CharField(max_length=500)
    by = models.ForeignKey(USER, on_delete=models.PROTECT)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]

    @property
    def field_label(self) -> str:
        return self.FIELDS.get(self.field, self.field)

    @property
    def before_label(self) -> str:
        return self._label(self.before)

    @property
    def after_label(self) -> str:
        return self._label(self.after)

    def _label(self, value: str) -> str:
        """A value kept as its code (an ISO date, a status) in words."""
        if self.field == "due":
            try:
                d = date.fromisoformat(value)
            except ValueError:
                return value
            return f"{d.day} {d:%B %Y}"
        if self.field == "state":
            return str(dict(Action.State.choices).get(value, value))
        return value

    def summary(self) -> str:
        return f"{self.field_label} changed from “{self.before_label}” to “{self.after_label}”"


class Review(models.Model):
    family = models.ForeignKey(Family, on_delete=models.CASCADE, related_name="reviews")
    on = models.DateField()
    by = models.ForeignKey(USER, on_delete=models.PROTECT)
    summary = models.TextField()
    next_due = models.DateField()

    class Meta:
        ordering = ["-on", "-id"]


class Note(models.Model):
    """A case note: what kind of contact it records, the day of the contact (`on`, which
    may be before the day it was written, `at`), and what was said or done."""

    class Kind(models.TextChoices):
        VISIT = "visit", "Visit"
        PHONE = "phone", "Phone call"
        MEETING = "meeting", "Meeting"
        OTHER = "other", "Other"

    family = models.ForeignKey(Family, on_delete=models.CASCADE, related_name="notes")
    by = models.ForeignKey(USER, on_delete=models.PROTECT)
    at = models.DateTimeField(auto_now_add=True)
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.OTHER)
    on = models.DateField(null=True, blank=True, help_text="The day of the contact.")
    text = models.TextField()

    class Meta:
        ordering = ["-on", "-at"]
