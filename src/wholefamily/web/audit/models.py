"""The audit log: every view, download and change of personal data.

Append-only, and not only by convention: the model refuses to update or
delete an entry, and the migrations add database triggers (SQLite and
PostgreSQL) that reject UPDATE, DELETE, TRUNCATE and SQLite's REPLACE (which
deletes without firing delete triggers) on the table. On PostgreSQL the app
serves as a role that owns nothing, so it cannot switch the triggers off.

Tamper-evident as well: each entry is a link of a hash chain (`chain.py`),
so an entry changed, removed or slipped in by someone who can bypass the
triggers (the tables' owner) is found by `wholefamily audit verify`.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils import timezone

from wholefamily.web.audit.chain import GENESIS, appending, digest


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


class AuditManager(models.Manager["AuditEntry"]):
    def bulk_create(self, *args: Any, **kwargs: Any) -> Any:
        raise AppendOnlyError("audit entries are written one at a time, each linked to the last")


class AuditEntry(models.Model):
    at = models.DateTimeField(default=timezone.now, editable=False, db_index=True)
    username = models.CharField(max_length=150, db_index=True)
    role = models.CharField(max_length=20, blank=True)
    action = models.CharField(max_length=20, choices=Action.choices, db_index=True)
    object_type = models.CharField(max_length=40, blank=True)
    object_id = models.CharField(max_length=64, blank=True, db_index=True)
    page = models.CharField(max_length=200, blank=True, help_text="The path, never a query.")
    detail = models.CharField(max_length=300, blank=True)
    seq = models.BigIntegerField(null=True, unique=True, editable=False, help_text="In the chain.")
    prev_hash = models.CharField(max_length=64, blank=True, editable=False)
    hash = models.CharField(max_length=64, blank=True, editable=False)

    objects = AuditManager()

    CHAIN = "audit"
    CONTENT = ("at", "username", "role", "action", "object_type", "object_id", "page", "detail")

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name_plural = "audit entries"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise AppendOnlyError("audit entries cannot be changed")
        with appending(self.CHAIN):
            head = (
                AuditEntry.objects.filter(seq__isnull=False)
                .order_by("-seq")
                .values_list("seq", "hash")
                .first()
            )
            self.seq, self.prev_hash = (head[0] + 1, head[1]) if head else (1, GENESIS)
            self.at = timezone.now()  # the time it was written, whatever the caller said
            self.hash = digest(self.CHAIN, self.seq, self.prev_hash, self.content())
            super().save(*args, **kwargs)

    def content(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.CONTENT}

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise AppendOnlyError("audit entries cannot be deleted")
