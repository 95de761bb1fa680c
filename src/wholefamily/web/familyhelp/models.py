"""Family Help (Families First, 2025): requests for help, and one episode of help per
family led by one lead practitioner from any agency.

- A `Request` is a contact or request for help about a family's children, with its
  source (the census referral-source code), its decision and when it was made.
- An `Episode` is the family's Family Help: its lead practitioner (a council worker or a
  partner professional), the social worker with oversight while any child is in need,
  the child and family assessments, and the closure (census reason-for-closure code).
  The family plan, reviews and notes are the case's own (`casework`), one per family.
- A `Level` is one child's level of help for a span of days (targeted help, child in
  need with a plan, child protection, looked after), with the lead practitioner at the
  time: stepping up or down closes one row and opens the next, so the history of each
  child's levels, and whether the lead practitioner stayed the same, is these rows.

A Supporting Families case (`casework`, a key worker and consent) is a Family Help
episode at the targeted level: `services.episode_of` makes it one when first needed.

Codes are kept as the census writes them (`codes` words them).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from wholefamily.web.families.models import Family, Person

USER = settings.AUTH_USER_MODEL


class Decision(models.TextChoices):
    NFA = "nfa", "No further action"
    ADVICE = "advice", "Information and advice"
    FAMILY_HELP = "family_help", "Family Help"
    CP_ENQUIRY = "cp_enquiry", "Child protection enquiry"


# Decisions that make a request a referral to children's social care (the census
# counts each child named in one); information and advice is a contact only.
REFERRAL_DECISIONS = (Decision.NFA, Decision.FAMILY_HELP, Decision.CP_ENQUIRY)


class Request(models.Model):
    family = models.ForeignKey(Family, on_delete=models.PROTECT, related_name="requests")
    children = models.ManyToManyField(Person, related_name="requests")
    received_on = models.DateField()
    source = models.CharField(max_length=3, help_text="Census referral source code.")
    source_name = models.CharField(max_length=200, blank=True, help_text="Who asked.")
    summary = models.TextField()
    decision = models.CharField(max_length=12, choices=Decision.choices, blank=True)
    decided_on = models.DateField(null=True, blank=True)
    decided_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-received_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(decided_on__isnull=True) | Q(decided_on__gte=F("received_on")),
                name="request_decided_after_received",
            ),
            models.CheckConstraint(
                condition=Q(decision="", decided_on__isnull=True)
                | (~Q(decision="") & Q(decided_on__isnull=False)),
                name="request_decision_has_date",
            ),
        ]

    @property
    def is_referral(self) -> bool:
        return self.decision in REFERRAL_DECISIONS

    @property
    def days_to_decide(self) -> int | None:
        return (self.decided_on - self.received_on).days if self.decided_on else None


class Level(models.TextChoices):
    TARGETED = "targeted", "Targeted help"
    CIN = "cin", "Child in need (CIN plan)"
    CP = "cp", "Child protection"
    CLA = "cla", "Looked after"


LEVEL_ORDER = {Level.TARGETED: 0, Level.CIN: 1, Level.CP: 2, Level.CLA: 3}


class Episode(models.Model):
    family = models.ForeignKey(Family, on_delete=models.PROTECT, related_name="episodes")
    request = models.ForeignKey(
        Request, null=True, blank=True, on_delete=models.PROTECT, related_name="episodes"
    )
    opened_on = models.DateField()
    lead = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="episodes_led")
    oversight = models.ForeignKey(
        USER,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="episodes_overseen",
        help_text="The social worker with oversight while a child is in need.",
    )
    primary_need = models.CharField(max_length=2, blank=True, help_text="Census N1 to N9.")
    closed_on = models.DateField(null=True, blank=True)
    closure_reason = models.CharField(max_length=3, blank=True, help_text="Census RC1 to RC8.")
    closure_authorised_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    from_supporting_families = models.BooleanField(
        default=False, help_text="Made from a Supporting Families case."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-opened_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["family"], condition=Q(closed_on__isnull=True), name="one_open_episode"
            ),
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True) | Q(closed_on__gte=F("opened_on")),
                name="episode_closes_after_it_opens",
            ),
        ]

    @property
    def is_open(self) -> bool:
        return self.closed_on is None


class ChildLevel(models.Model):
    """One child's level of help in an episode from `started_on` to `ended_on` (empty
    while it is the child's level now), with the lead practitioner at the time."""

    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="levels")
    child = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="levels")
    level = models.CharField(max_length=10, choices=Level.choices)
    started_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)
    lead = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=300, blank=True)
    by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["child_id", "started_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["episode", "child"],
                condition=Q(ended_on__isnull=True),
                name="one_current_level_per_child",
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=F("started_on")),
                name="level_ends_after_it_starts",
            ),
        ]


class Assessment(models.Model):
    """A child and family assessment: due 45 working days from its start; a Family Help
    team manager authorises it (the census's authorisation date)."""

    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="assessments")
    children = models.ManyToManyField(Person, related_name="cf_assessments")
    started_on = models.DateField()
    completed_on = models.DateField(null=True, blank=True)
    authorised_on = models.DateField(null=True, blank=True)
    authorised_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    factors = models.JSONField(default=list, blank=True, help_text="Census factor codes.")
    summary = models.TextField(blank=True)
    by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-started_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(authorised_on__isnull=True) | Q(authorised_on__gte=F("started_on")),
                name="assessment_authorised_after_start",
            ),
            models.CheckConstraint(
                condition=Q(completed_on__isnull=True) | Q(completed_on__gte=F("started_on")),
                name="assessment_completed_after_start",
            ),
        ]
