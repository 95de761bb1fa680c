"""The family's own view: invitations, family accounts, what they shared with the family,
and what the family adds (their own actions, what is working before a review, their own
assessment scores, feedback).

Invitation tokens and sign-in codes are kept only as SHA-256 hashes: the link is shown
once to the practitioner, who gives it to the family member.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from wholefamily.web.casework.models import Action, AssessmentArea
from wholefamily.web.families.models import Family, Person

USER = settings.AUTH_USER_MODEL


class Relation(models.TextChoices):
    PARENT = "parent", "Parent"
    CARER = "carer", "Carer"
    YOUNG_PERSON = "young_person", "Young person (13 or over)"


class Invitation(models.Model):
    """A one-time link for one family member: valid for `INVITATION_DAYS`, used once."""

    family = models.ForeignKey(Family, on_delete=models.CASCADE, related_name="invitations")
    name = models.CharField(max_length=100, help_text="The family member's name.")
    relation = models.CharField(max_length=12, choices=Relation.choices)
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.SET_NULL)
    token_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]


class FamilyAccount(models.Model):
    """A family member's account: the user has no staff profile and reaches only the
    family's own view, of this one family."""

    user = models.OneToOneField(USER, on_delete=models.CASCADE, related_name="family_account")
    family = models.ForeignKey(Family, on_delete=models.CASCADE, related_name="family_accounts")
    name = models.CharField(max_length=100)
    relation = models.CharField(max_length=12, choices=Relation.choices)
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.SET_NULL)
    email = models.EmailField(blank=True, help_text="For one-time sign-in codes.")
    invitation = models.OneToOneField(
        Invitation, null=True, blank=True, on_delete=models.SET_NULL, related_name="account"
    )
    created_at = models.DateTimeField()
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # "What has changed since you last looked": the start of the visit before this one.
    last_seen_at = models.DateTimeField(null=True, blank=True)
    previous_seen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["family", "name", "id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_relation_display()})"

    @property
    def active(self) -> bool:
        return self.withdrawn_at is None


class SignInCode(models.Model):
    """A one-time code sent by email (where the council has a mail service)."""

    account = models.ForeignKey(FamilyAccount, on_delete=models.CASCADE, related_name="codes")
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    tries = models.IntegerField(default=0)


class Seen(models.Model):
    """A page a family member looked at: what the practitioner sees as "what the family
    has seen" (the audit log holds the same, for the data protection officer)."""

    account = models.ForeignKey(FamilyAccount, on_delete=models.CASCADE, related_name="seen")
    at = models.DateTimeField(db_index=True)
    page = models.CharField(max_length=60, help_text="Which page, in words.")
    path = models.CharField(max_length=200)

    class Meta:
        ordering = ["-at", "-id"]


class Shared(models.Model):
    """One item a practitioner chose to show the family (a case note); nothing else from
    the case record beyond the plan is ever shown."""

    class Kind(models.TextChoices):
        NOTE = "note", "Case note"

    family = models.ForeignKey(Family, on_delete=models.CASCADE, related_name="shared_items")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    object_id = models.BigIntegerField()
    shared_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    shared_at = models.DateTimeField()
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-shared_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "object_id"], name="shared_once"),
        ]


class ProposedAction(models.Model):
    """An action the family added; the practitioner accepts it into the plan (it becomes
    one of "what the family will do") or says why not."""

    family = models.ForeignKey(Family, on_delete=models.CASCADE, related_name="proposed_actions")
    account = models.ForeignKey(FamilyAccount, on_delete=models.PROTECT, related_name="proposed")
    text = models.CharField(max_length=500)
    due = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    accepted = models.BooleanField(null=True)
    reason = models.CharField(max_length=300, blank=True, help_text="Why not, in words.")
    action = models.OneToOneField(
        Action, null=True, blank=True, on_delete=models.SET_NULL, related_name="proposal"
    )

    class Meta:
        ordering = ["-created_at", "-id"]


class BeforeReview(models.Model):
    """What the family says is working and what is not, before a review."""

    family = models.ForeignKey(Family, on_delete=models.CASCADE, related_name="before_reviews")
    account = models.ForeignKey(FamilyAccount, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    working = models.TextField(blank=True)
    not_working = models.TextField(blank=True)

    class Meta:
        ordering = ["-at", "-id"]


class SelfAssessment(models.Model):
    """The family's own scores for the assessment's areas, shown beside the
    practitioner's."""

    family = models.ForeignKey(Family, on_delete=models.CASCADE, related_name="self_assessments")
    account = models.ForeignKey(FamilyAccount, on_delete=models.PROTECT, related_name="+")
    on = models.DateField()
    at = models.DateTimeField()

    class Meta:
        ordering = ["-on", "-id"]


class SelfScore(models.Model):
    assessment = models.ForeignKey(SelfAssessment, on_delete=models.CASCADE, related_name="scores")
    area = models.ForeignKey(AssessmentArea, on_delete=models.PROTECT)
    score = models.IntegerField(validators=[MinValueValidator(1), MaxValueValidator(10)])

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["assessment", "area"], name="one_self_score_per_area"),
            models.CheckConstraint(
                condition=models.Q(score__gte=1) & models.Q(score__lte=10),
                name="self_score_1_to_10",
            ),
        ]


class Feedback(models.Model):
    """A family member's feedback: anonymous (no account, no family), kept with the
    family's district and the day, for the figures by period and district."""

    class Helpful(models.IntegerChoices):
        VERY = 4, "Very helpful"
        QUITE = 3, "Quite helpful"
        A_LITTLE = 2, "A little helpful"
        NOT = 1, "Not helpful"

    district = models.CharField(max_length=100, blank=True, db_index=True)
    on = models.DateField(db_index=True)
    helpful = models.IntegerField(choices=Helpful.choices)
    better = models.TextField(blank=True, help_text="What could be better.")

    class Meta:
        ordering = ["-on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(helpful__gte=1) & models.Q(helpful__lte=4),
                name="feedback_helpful_1_to_4",
            ),
        ]
