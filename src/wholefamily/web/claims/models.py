"""Payment-by-results claims.

A claim is prepared for a period (a quarter): the families whose outcomes are
met at the period's last day, each with an evidence pack. A team manager
signs each family off; a signed line is immutable (the model refuses, and a
database trigger rejects any UPDATE or DELETE of a signed line), and a family
is never claimed twice for the same result: a partial unique index on
(family, framework, result) over signed lines, in the database itself.
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

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        if self.signed_at is not None:
            raise ClaimError("a signed claim line cannot be deleted")
        return super().delete(*args, **kwargs)
