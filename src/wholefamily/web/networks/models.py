"""A family's network, and family group decision making (Families First, 2025).

- A `NetworkMember` is someone the family names as part of its network: a relative, a
  friend, a neighbour, a faith or community member; where they live, how to reach them,
  what they offer, and whether their support is formal (arranged with the council, paid
  or supported) or informal. `Relationship` says what they are to each child, and
  whether they hold parental responsibility for that child.
- `NoNetwork` records, with its reason, that a family has no network to draw on (so a
  support package can still be considered without a meeting).
- Family group decision making: an `Offer` (the statutory pre-proceedings offer among
  them, with the letter before proceedings), a `Meeting` (a family network meeting or a
  family group conference: coordinator, date, who came, private family time, outcome)
  and the family's own plan made there, `PlanItem` rows: what each network member will
  do, and the support it identifies (which a Family Network Support Package may pay for).
  A plan item becomes an action of the family plan (`casework.Action`) owned by its
  network member.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from wholefamily.web.families.models import Family, Person

USER = settings.AUTH_USER_MODEL


class NetworkMember(models.Model):
    class Kind(models.TextChoices):
        RELATIVE = "relative", "Relative"
        FRIEND = "friend", "Friend"
        NEIGHBOUR = "neighbour", "Neighbour"
        COMMUNITY = "community", "Faith or community member"
        OTHER = "other", "Other"

    class Support(models.TextChoices):
        INFORMAL = "informal", "Informal support"
        FORMAL = "formal", "Formal support (arranged with the council)"

    family = models.ForeignKey(Family, on_delete=models.CASCADE, related_name="network")
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    lives_at = models.CharField(max_length=300, blank=True, help_text="Where they live.")
    phone = models.CharField(max_length=30, blank=True)
    email = models.EmailField(max_length=200, blank=True)
    offers = models.TextField(blank=True, help_text="What they offer, in the family's words.")
    support = models.CharField(max_length=10, choices=Support.choices, default=Support.INFORMAL)
    named_by_family = models.BooleanField(default=True)
    added_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True, help_text="No longer in the network.")
    by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["ended_on", "name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=F("added_on")),
                name="network_member_ends_after_added",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def current(self) -> bool:
        return self.ended_on is None


class Relationship(models.Model):
    """What a network member is to one child."""

    class To(models.TextChoices):
        PARENT = "parent", "Parent (not living with the child)"
        STEP_PARENT = "step_parent", "Step-parent"
        GRANDPARENT = "grandparent", "Grandparent"
        GREAT_GRANDPARENT = "great_grandparent", "Great-grandparent"
        AUNT_UNCLE = "aunt_uncle", "Aunt or uncle"
        SIBLING = "sibling", "Brother or sister"
        COUSIN = "cousin", "Cousin"
        FAMILY_FRIEND = "family_friend", "Family friend"
        NEIGHBOUR = "neighbour", "Neighbour"
        COMMUNITY = "community", "Faith or community member"
        OTHER = "other", "Other"

    # Rows of the network map: generations above (+) or below (-) the children.
    GENERATION = {
        "great_grandparent": 3,
        "grandparent": 2,
        "parent": 1,
        "step_parent": 1,
        "aunt_uncle": 1,
        "family_friend": 1,
        "neighbour": 1,
        "community": 1,
        "other": 1,
        "sibling": 0,
        "cousin": 0,
    }

    member = models.ForeignKey(
        NetworkMember, on_delete=models.CASCADE, related_name="relationships"
    )
    child = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="network_ties")
    relationship = models.CharField(max_length=20, choices=To.choices)
    parental_responsibility = models.BooleanField(default=False)

    class Meta:
        ordering = ["child_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["member", "child"], name="one_relationship_per_child")
        ]


class NoNetwork(models.Model):
    """The family has no network to draw on, and why (recorded by a practitioner)."""

    family = models.ForeignKey(Family, on_delete=models.CASCADE, related_name="no_network")
    on = models.DateField()
    reason = models.TextField()
    by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-on", "-id"]


class Offer(models.Model):
    """An offer of family group decision making, or a request for it (from a school, a
    GP, the family). At the pre-proceedings stage the offer is statutory: it must be
    made by the day of the letter before proceedings."""

    class Source(models.TextChoices):
        PRACTITIONER = "practitioner", "Offered by the lead practitioner"
        FAMILY = "family", "Asked for by the family"
        SCHOOL = "school", "Asked for by a school"
        GP = "gp", "Asked for by a GP"
        OTHER = "other", "Asked for by another professional"

    class Outcome(models.TextChoices):
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"
        NOT_HELD = "not_held", "Accepted but not held"

    family = models.ForeignKey(Family, on_delete=models.CASCADE, related_name="fgdm_offers")
    source = models.CharField(max_length=12, choices=Source.choices)
    made_on = models.DateField()
    pre_proceedings = models.BooleanField(default=False)
    letter_before_proceedings_on = models.DateField(null=True, blank=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, blank=True)
    outcome_on = models.DateField(null=True, blank=True)
    reason = models.TextField(blank=True, help_text="Why declined or not held.")
    by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-made_on", "-id"]

    @property
    def in_time(self) -> bool | None:
        """A pre-proceedings offer is in time when made on or before the letter."""
        if not self.pre_proceedings or self.letter_before_proceedings_on is None:
            return None
        return self.made_on <= self.letter_before_proceedings_on


class Meeting(models.Model):
    class Kind(models.TextChoices):
        NETWORK_MEETING = "network_meeting", "Family network meeting"
        CONFERENCE = "conference", "Family group conference"

    class Outcome(models.TextChoices):
        PLAN = "plan", "The family made a plan"
        NO_PLAN = "no_plan", "No plan agreed"

    family = models.ForeignKey(Family, on_delete=models.CASCADE, related_name="fgdm_meetings")
    offer = models.ForeignKey(
        Offer, null=True, blank=True, on_delete=models.PROTECT, related_name="meetings"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    coordinator = models.CharField(max_length=100)
    held_on = models.DateField()
    came = models.ManyToManyField(NetworkMember, blank=True, related_name="meetings")
    others = models.TextField(blank=True, help_text="Others who came, one per line.")
    private_family_time = models.BooleanField(default=True)
    outcome = models.CharField(max_length=8, choices=Outcome.choices)
    notes = models.TextField(blank=True)
    by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-held_on", "-id"]


class PlanItem(models.Model):
    """One line of the family's own plan: what a network member will do, and the support
    it needs (a Family Network Support Package may pay for it)."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="plan")
    member = models.ForeignKey(NetworkMember, on_delete=models.PROTECT, related_name="plan_items")
    what = models.CharField(max_length=500)
    by_when = models.DateField()
    support_needed = models.CharField(
        max_length=300, blank=True, help_text="Support identified (money, goods)."
    )
    action = models.OneToOneField(
        "casework.Action",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="network_item",
        help_text="The family-plan action it became.",
    )

    class Meta:
        ordering = ["by_when", "id"]


class LivingArrangement(models.Model):
    """Who a child lives with, from when (kinship, Families First item 6). A child has
    one arrangement at a time: the services refuse one that overlaps another. The
    carer may be a member of the family's network."""

    class Kind(models.TextChoices):
        PARENTS = "parents", "With their parents"
        INFORMAL_KINSHIP = "informal_kinship", "Informal kinship care (with family or friends)"
        SGO = "sgo", "Special guardianship order"
        CAO = "cao", "Child arrangements order"
        FOSTER = "foster", "Foster care"
        RESIDENTIAL = "residential", "Residential care"

    # Living with their birth family or with people they already know.
    AT_HOME = ("parents", "informal_kinship", "sgo", "cao")
    # In the care of the council.
    IN_CARE = ("foster", "residential")

    family = models.ForeignKey(Family, on_delete=models.CASCADE, related_name="arrangements")
    child = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="arrangements")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    carer = models.ForeignKey(
        NetworkMember,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="arrangements",
        help_text="The network member the child lives with, if one.",
    )
    carer_name = models.CharField(
        max_length=100, blank=True, help_text="Who the child lives with, if not in the network."
    )
    started_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)
    by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["child_id", "-started_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=F("started_on")),
                name="living_arrangement_ends_after_start",
            ),
        ]
        indexes = [models.Index(fields=["kind", "started_on"])]

    @property
    def current(self) -> bool:
        return self.ended_on is None
