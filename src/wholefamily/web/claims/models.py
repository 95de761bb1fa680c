"""Payment-by-results claims.

A claim is prepared for a period (a quarter): the families whose outcomes are
met at the period's last day, each with an evidence pack. A team manager
signs each family off; a signed line is immutable (the model refuses, and a
database trigger rejects any UPDATE or DELETE of a signed line), and a family
is never claimed twice for the same result: a partial unique index on
(family, framework, result) over signed lines, in the database itself.
Signing makes the line a link of a hash chain over the signed lines
(`audit/chain.py`), so a signed line changed by someone who can bypass the
triggers is found by `wholefamily audit verify`.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models

from wholefamily.web.families.models import Family
from wholefamily.web.progress.models import Progress


class ClaimError(Exception):
    pass


class Claim(models.Model):
    period = models.CharField(max_length=7, help_text="A quarter: 2025Q1.")
    framework = models.CharField(max_length=60)
    claim_date = models.DateField(help_text="C: the last day of the period.")
    prepared_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-claim_date", "framework"]
        constraints = [
            models.UniqueConstraint(fields=["period", "framework"], name="one_claim_a_period")
        ]

    def __str__(self) -> str:
        return f"{self.framework} {self.period}"


class Line(models.Model):
    """One family in a claim, for one result (the framework's results payment)."""

    claim = models.ForeignKey(Claim, on_delete=models.PROTECT, related_name="lines")
    family = models.ForeignKey(Family, on_delete=models.PROTECT, related_name="claim_lines")
    framework = models.CharField(max_length=60)
    result = models.CharField(max_length=20, help_text="progress or employment")
    progress = models.ForeignKey(Progress, on_delete=models.PROTECT)
    amount = models.IntegerField(default=0, help_text="Pounds")
    pack = models.CharField(max_length=500, blank=True, help_text="The evidence pack's file.")
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT
    )
    signed_at = models.DateTimeField(null=True, blank=True)
    seq = models.BigIntegerField(
        null=True, unique=True, editable=False, help_text="In the chain of signed lines."
    )
    prev_hash = models.CharField(max_length=64, blank=True, editable=False)
    hash = models.CharField(max_length=64, blank=True, editable=False)

    CHAIN = "claim_line"
    CONTENT = (
        "claim_id",
        "family_id",
        "framework",
        "result",
        "progress_id",
        "amount",
        "pack",
        "signed_by_id",
        "signed_at",
    )

    class Meta:
        ordering = ["claim", "family__family_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["family", "framework", "result"],
                condition=models.Q(signed_at__isnull=False),
                name="a_result_is_claimed_once",
            ),
            models.UniqueConstraint(fields=["claim", "family", "result"], name="one_line"),
        ]

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and Line.objects.filter(pk=self.pk, signed_at__isnull=False):
            raise ClaimError("a signed claim line cannot be changed")
        super().save(*args, **kwargs)

    def content(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.CONTENT}

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        if self.signed_at is not None:
            raise ClaimError("a signed claim line cannot be deleted")
        return super().delete(*args, **kwargs)


class Funding(models.Model):
    """What a framework pays in a financial year (the council's settings)."""

    framework = models.CharField(max_length=60)
    year = models.CharField(max_length=7, help_text="Financial year: 2025/26.")
    attachment = models.IntegerField(help_text="Pounds per family worked with.")
    results = models.IntegerField(help_text="Pounds per family turned around.")
    upfront_share = models.DecimalField(
        max_digits=4, decimal_places=3, default=0, help_text="Share paid up front, 0 to 1."
    )

    class Meta:
        ordering = ["framework", "year"]
        constraints = [
            models.UniqueConstraint(fields=["framework", "year"], name="one_funding_a_year"),
            models.CheckConstraint(
                condition=models.Q(upfront_share__gte=0) & models.Q(upfront_share__lte=1),
                name="upfront_share_0_to_1",
            ),
        ]


class Target(models.Model):
    """Families to work with and to turn around, in a year (and a district, or all)."""

    framework = models.CharField(max_length=60)
    year = models.CharField(max_length=7)
    district = models.CharField(max_length=100, blank=True, help_text="Blank: the county.")
    work_with = models.IntegerField(default=0)
    turn_around = models.IntegerField(default=0)

    class Meta:
        ordering = ["framework", "year", "district"]
        constraints = [
            models.UniqueConstraint(fields=["framework", "year", "district"], name="one_target")
        ]


class Receipt(models.Model):
    """Money received from government."""

    framework = models.CharField(max_length=60)
    year = models.CharField(max_length=7)
    amount = models.IntegerField()
    received_on = models.DateField()
    note = models.CharField(max_length=200, blank=True)
