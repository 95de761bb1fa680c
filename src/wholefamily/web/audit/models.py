"""The audit log: every view, download and change of personal data.

Append-only, and not only by convention: the model refuses to update or
delete an entry, and the migration adds database triggers (SQLite and
PostgreSQL) that reject UPDATE and DELETE on the table.
"""

from __future__ import annotations

from typing import Any

from django.db import models


class Action(models.TextChoices):
    VIEW = "view", "Viewed"
    DOWNLOAD = "download", "Downloaded"
    CHANGE = "change", "Changed"
    CREATE = "create", "Created"
    LOGIN = "login", "Signed in"
    LOGIN_FAILED = "login_failed", "Sign-in failed"
    LOGOUT = "logout", "Signed out"
    DENIED = "denied", "Refused access"


class AppendOnlyError(Exception):
    pass


class AuditEntry(models.Model):
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    username = models.CharField(max_length=150, db_index=True)
    role = models.CharField(max_length=20, blank=True)
    action = models.CharField(max_length=20, choices=Action.choices, db_index=True)
    object_type = models.CharField(max_length=40, blank=True)
    object_id = models.CharField(max_length=64, blank=True, db_index=True)
    page = models.CharField(max_length=200, blank=True, help_text="The path, never a query.")
    detail = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name_plural = "audit entries"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise AppendOnlyError("audit entries cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise AppendOnlyError("audit entries cannot be deleted")
