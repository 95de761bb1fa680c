"""Multi-agency child protection, inside a family's Family Help episode.

A `StrategyDiscussion` about one or more children may start a section 47 `Enquiry` per
child; an enquiry's outcome leads to an initial child protection conference (due 15
working days from the strategy discussion) or records that none is required. A
`Conference` (initial or review) decides for each child; a `Plan` is one child's child
protection plan (initial and latest category of abuse, the number of plans the child
had before), reviewed first within 3 months of its start and then every 6 months.
`TeamMember` rows are the multi-agency child protection team on the case (the lead
child protection practitioner, police, health, education), and `ParentOffer` the
information and support offered to the parents.

Categories are kept as the census writes them (NEG, PHY, EMO, SAB, MUL).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from wholefamily.web.families.models import Person
from wholefamily.web.familyhelp.models import Episode

USER = settings.AUTH_USER_MODEL


class StrategyDiscussion(models.Model):
    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="strategies")
    children = models.ManyToManyField(Person, related_name="strategies")
    held_on = models.DateField()
    attended = models.TextField(help_text="Who took part, one per line.")
    summary = models.TextField(blank=True)
    by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-held_on", "-id"]


class Outcome(models.TextChoices):
    CONFERENCE = "conference", "Concerns substantiated: initial conference"
    NO_CONFERENCE = "no_conference", "Concerns substantiated: no conference needed"
    NOT_SUBSTANTIATED = "not_substantiated", "Concerns not substantiated"


class Enquiry(models.Model):
    """A section 47 enquiry about one child."""

    strategy = models.ForeignKey(
        StrategyDiscussion, on_delete=models.CASCADE, related_name="enquiries"
    )
    child = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="enquiries")
    started_on = models.DateField()
    completed_on = models.DateField(null=True, blank=True)
    outcome = models.CharField(max_length=20, choices=Outcome.choices, blank=True)
    by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-started_on", "-id"]
        verbose_name_plural = "enquiries"
        constraints = [
            models.CheckConstraint(
                condition=Q(completed_on__isnull=True) | Q(completed_on__gte=F("started_on")),
                name="enquiry_completed_after_start",
            ),
        ]

    @property
    def conference_not_required(self) -> bool:
        return self.outcome in (Outcome.NO_CONFERENCE, Outcome.NOT_SUBSTANTIATED)


class Conference(models.Model):
    class Kind(models.TextChoices):
        INITIAL = "initial", "Initial child protection conference"
        REVIEW = "review", "Review child protection conference"

    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="conferences")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    strategy = models.ForeignKey(
        StrategyDiscussion,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="conferences",
        help_text="For an initial conference: the strategy discussion it follows.",
    )
    children = models.ManyToManyField(Person, related_name="conferences")
    held_on = models.DateField()
    attended = models.TextField(help_text="Who took part, one per line.")
    summary = models.TextField(blank=True)
    by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-held_on", "-id"]


class Category(models.TextChoices):
    NEGLECT = "NEG", "Neglect"
    PHYSICAL = "PHY", "Physical abuse"
    EMOTIONAL = "EMO", "Emotional abuse"
    SEXUAL = "SAB", "Sexual abuse"
    MULTIPLE = "MUL", "Multiple categories"


class Plan(models.Model):
    """One child's child protection plan."""

    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="cp_plans")
    child = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="cp_plans")
    conference = models.ForeignKey(
        Conference, null=True, blank=True, on_delete=models.PROTECT, related_name="plans"
    )
    started_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)
    initial_category = models.CharField(max_length=3, choices=Category.choices)
    latest_category = models.CharField(max_length=3, choices=Category.choices)
    previous_plans = models.PositiveSmallIntegerField(
        default=0, help_text="Child protection plans the child had before this one."
    )
    end_reason = models.CharField(max_length=300, blank=True)
    by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-started_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=F("started_on")),
                name="cp_plan_ends_after_it_starts",
            ),
            models.UniqueConstraint(
                fields=["child"], condition=Q(ended_on__isnull=True), name="one_open_cp_plan"
            ),
        ]

    @property
    def is_open(self) -> bool:
        return self.ended_on is None


class PlanReview(models.Model):
    """A child's plan reviewed at a review conference."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="reviews")
    conference = models.ForeignKey(Conference, on_delete=models.CASCADE, related_name="reviews")
    held_on = models.DateField()

    class Meta:
        ordering = ["held_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "conference"], name="one_review_per_plan")
        ]


class TeamMember(models.Model):
    """A member of the multi-agency child protection team on the case."""

    class Role(models.TextChoices):
        LEAD = "lead", "Lead child protection practitioner"
        POLICE = "police", "Police"
        HEALTH = "health", "Health"
        EDUCATION = "education", "Education"
        OTHER = "other", "Other agency"

    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="macpt")
    role = models.CharField(max_length=10, choices=Role.choices)
    user = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="macpt_cases"
    )
    name = models.CharField(max_length=100)
    agency = models.CharField(max_length=100)
    started_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)
    by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["ended_on", "role", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=F("started_on")),
                name="macpt_member_ends_after_start",
            ),
        ]


class ParentOffer(models.Model):
    """The information and support offered to the parents (advocacy, what to expect at a
    conference, how to bring a supporter)."""

    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="parent_offers")
    offered_on = models.DateField()
    offered_to = models.CharField(max_length=200)
    what = models.TextField()
    taken_up = models.BooleanField(null=True, blank=True)
    by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-offered_on", "-id"]
