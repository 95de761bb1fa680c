"""Baselines (frozen at the start of the work) and progress measured against them.

A baseline is never edited: a correction is a new version with its reason.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from wholefamily.web.families.models import Family


class Baseline(models.Model):
    family = models.ForeignKey(Family, on_delete=models.PROTECT, related_name="baselines")
    version = models.PositiveIntegerField()
    start = models.DateField(help_text="S: the date the work started.")
    framework = models.CharField(max_length=60)
    drop_id = models.CharField(max_length=100)
    needs = models.CharField(max_length=300, help_text="The needs at S, ; separated.")
    counts = models.JSONField(help_text="[[need, test index, rows at S], ...]")
    claimants = models.JSONField(help_text="{person_id: weeks of work needed}")
    reason = models.CharField(max_length=300)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["family", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["family", "version"], name="one_baseline_version")
        ]

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None:
            raise ValueError("a baseline is never changed: freeze a new version with a reason")
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    @property
    def need_list(self) -> list[str]:
        return [n for n in self.needs.split(";") if n]


class Progress(models.Model):
    """A family's outcome tests at a date against its baseline (`wholefamily movement`)."""

    family = models.ForeignKey(Family, on_delete=models.CASCADE, related_name="progress")
    baseline = models.ForeignKey(Baseline, on_delete=models.PROTECT)
    at = models.DateField()
    drop_id = models.CharField(max_length=100)
    route = models.CharField(max_length=12, blank=True, help_text="progress, employment or ''")
    employed = models.BooleanField(default=False)
    needs = models.JSONField(help_text="[{need, met, tests: [[name, at_start, now, passed]]}]")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["family", "-at", "-created_at"]


class ProgressTest(models.Model):
    """One outcome test of a measurement as a row, so figures over many families are
    sums in the database (the programme's movement) rather than reads of every JSON."""

    progress = models.ForeignKey(Progress, on_delete=models.CASCADE, related_name="test_rows")
    family = models.ForeignKey(Family, on_delete=models.CASCADE, related_name="+")
    at = models.DateField()
    need = models.CharField(max_length=40)
    test = models.CharField(max_length=200)
    at_start = models.IntegerField()
    now = models.IntegerField()
    passed = models.BooleanField()

    class Meta:
        indexes = [models.Index(fields=["at", "test"])]


def rows_of_tests(progress: list[Progress]) -> list[ProgressTest]:
    """The rows of measurements already saved (their JSON `needs`), to bulk-create."""
    return [
        ProgressTest(
            progress_id=p.pk,
            family_id=p.family_id,
            at=p.at,
            need=n["need"],
            test=str(t[0])[:200],
            at_start=int(t[1]),
            now=int(t[2]),
            passed=bool(t[3]),
        )
        for p in progress
        for n in p.needs
        for t in n["tests"]
    ]


class FoundNeed(models.Model):
    """A need the key worker found during the work. Where the framework says so
    (sf-2022), it is judged at the claim date with the needs at the start."""

    family = models.ForeignKey(Family, on_delete=models.PROTECT, related_name="found_needs")
    need = models.CharField(max_length=40)
    found_on = models.DateField()
    note = models.CharField(max_length=500, help_text="What was found (no names).")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["found_on", "need"]
        constraints = [models.UniqueConstraint(fields=["family", "need"], name="need_found_once")]

    def __str__(self) -> str:
        return f"{self.need} found {self.found_on}"
