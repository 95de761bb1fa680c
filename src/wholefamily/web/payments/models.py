"""Family Network Support Packages (FNSPs), the budgets they draw on, and the ledger.

- A `Budget` is money for one financial year ("2026/27"), one district (a local
  coordination group) and one purpose group (FNSPs, family support packages,
  commissioned services).
- A `Package` is a request to pay or supply a member of the family's network for one
  child: its purpose, the amount of each payment, one-off or recurring (weekly or
  monthly, from a start to an end), the budget it draws on, and the family group
  decision-making meeting that identified it (or the family's no-network record). The
  lead practitioner proposes it; a team manager or the head of service approves or
  refuses it (`version` makes two decisions at once one: see `services.decide`).
- A `LedgerEntry` is one movement of money against a budget: the commitment made on
  approval (the package's whole value), a payment (one per due date), or a reversal
  of an earlier entry (its amount negated; a correction is never an edit). Entries
  are never changed or deleted: database triggers refuse it (migration 0002).

Money is kept in integer pence (exact on SQLite and PostgreSQL alike, sums included);
`money.py` turns it into "£1,234.50" and reads "1234.50" back.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from wholefamily.web.families.models import Family, Person
from wholefamily.web.networks.models import Meeting, NetworkMember, NoNetwork

USER = settings.AUTH_USER_MODEL


class Group(models.TextChoices):
    FNSP = "fnsp", "Family Network Support Packages"
    FAMILY_SUPPORT = "family_support", "Family support packages"
    COMMISSIONED = "commissioned", "Commissioned services"


class Budget(models.Model):
    year = models.CharField(max_length=7, help_text='A financial year: "2026/27".')
    district = models.CharField(max_length=100)
    group = models.CharField(max_length=14, choices=Group.choices)
    pence = models.BigIntegerField(help_text="The budget, in pence.")
    # Raised by every approval that draws on the budget: the conditional UPDATE that
    # locks the row while the budget's position is checked (`services.decide`).
    version = models.PositiveIntegerField(default=0)
    by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-year", "district", "group"]
        constraints = [
            models.UniqueConstraint(fields=["year", "district", "group"], name="one_budget_each"),
            models.CheckConstraint(condition=Q(pence__gt=0), name="budget_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.district}: {self.get_group_display()}"


class Purpose(models.TextChoices):
    GOODS = "goods", "Goods"
    FURNITURE = "furniture", "Furniture"
    TRANSPORT = "transport", "Transport"
    CHILDCARE = "childcare", "Childcare"
    ACTIVITIES = "activities", "Activities"
    BOUGHT_IN = "bought_in", "Bought-in support"
    HOUSING = "housing", "Housing costs"
    OTHER = "other", "Other"


class Frequency(models.TextChoices):
    ONE_OFF = "one_off", "One-off"
    WEEKLY = "weekly", "Weekly"
    MONTHLY = "monthly", "Monthly"


class State(models.TextChoices):
    PROPOSED = "proposed", "Waiting for approval"
    APPROVED = "approved", "Approved"
    REFUSED = "refused", "Refused"


class Package(models.Model):
    family = models.ForeignKey(Family, on_delete=models.PROTECT, related_name="packages")
    child = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="packages")
    payee = models.ForeignKey(NetworkMember, on_delete=models.PROTECT, related_name="packages")
    purpose = models.CharField(max_length=10, choices=Purpose.choices)
    what = models.CharField(max_length=300, help_text="What it pays for, in words.")
    pence = models.BigIntegerField(help_text="Each payment (a one-off: the whole), in pence.")
    frequency = models.CharField(max_length=8, choices=Frequency.choices)
    starts_on = models.DateField(help_text="A one-off: the day it is paid.")
    ends_on = models.DateField(null=True, blank=True, help_text="A recurring package's last day.")
    budget = models.ForeignKey(Budget, on_delete=models.PROTECT, related_name="packages")
    meeting = models.ForeignKey(
        Meeting, null=True, blank=True, on_delete=models.PROTECT, related_name="packages"
    )
    no_network = models.ForeignKey(
        NoNetwork, null=True, blank=True, on_delete=models.PROTECT, related_name="packages"
    )
    state = models.CharField(max_length=8, choices=State.choices, default=State.PROPOSED)
    version = models.PositiveIntegerField(default=0)
    proposed_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    proposed_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    refusal = models.TextField(blank=True, help_text="Why it was refused.")

    class Meta:
        ordering = ["-proposed_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(pence__gt=0), name="package_amount_positive"),
            models.CheckConstraint(
                condition=(Q(frequency="one_off") & Q(ends_on__isnull=True))
                | (~Q(frequency="one_off") & Q(ends_on__gte=F("starts_on"))),
                name="package_recurring_has_end",
            ),
            models.CheckConstraint(
                condition=(Q(meeting__isnull=False) & Q(no_network__isnull=True))
                | (Q(meeting__isnull=True) & Q(no_network__isnull=False)),
                name="package_meeting_or_no_network",
            ),
            models.CheckConstraint(
                condition=Q(state="proposed", decided_by__isnull=True)
                | (~Q(state="proposed") & Q(decided_by__isnull=False)),
                name="package_decision_has_decider",
            ),
        ]


class Kind(models.TextChoices):
    COMMITMENT = "commitment", "Commitment"
    PAYMENT = "payment", "Payment"


class LedgerEntry(models.Model):
    """One movement of money against a budget; never changed or deleted.

    A reversal has the kind of the entry it reverses, the opposite amount and
    `reverses` set: a budget's committed total is the sum of its commitment entries,
    its paid total the sum of its payment entries, reversals included."""

    budget = models.ForeignKey(Budget, on_delete=models.PROTECT, related_name="entries")
    package = models.ForeignKey(Package, on_delete=models.PROTECT, related_name="entries")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    pence = models.BigIntegerField()
    on = models.DateField(help_text="The day it counts: a payment's due date.")
    due_on = models.DateField(null=True, blank=True, help_text="A payment: the due date paid.")
    reference = models.CharField(max_length=40, unique=True)
    reverses = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by"
    )
    reason = models.CharField(max_length=300, blank=True)
    by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["on", "id"]
        verbose_name_plural = "ledger entries"
        constraints = [
            # Never paid twice for one due date (a reversed payment stays its date's one).
            models.UniqueConstraint(
                fields=["package", "due_on"],
                condition=Q(kind="payment", reverses__isnull=True),
                name="one_payment_per_due_date",
            ),
            models.UniqueConstraint(
                fields=["package"],
                condition=Q(kind="commitment", reverses__isnull=True),
                name="one_commitment_per_package",
            ),
            models.CheckConstraint(
                condition=(Q(reverses__isnull=True) & Q(pence__gt=0))
                | (Q(reverses__isnull=False) & Q(pence__lt=0)),
                name="entry_sign",
            ),
            models.CheckConstraint(
                condition=Q(kind="commitment") | Q(due_on__isnull=False),
                name="payment_has_due_date",
            ),
        ]

    @property
    def is_reversal(self) -> bool:
        return self.reverses_id is not None
