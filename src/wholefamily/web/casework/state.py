"""Changing a family's case: the check and the write in one transaction, the row locked.

Every step that depends on the family's case goes through `lock` inside
`transaction.atomic()`. It is one conditional UPDATE of the family's row:

    UPDATE families_family SET version = version + 1
     WHERE id = %s AND status IN (<the states the step is allowed in>)
       AND version = %s            -- the version the user's form was opened at

The UPDATE locks the row until the transaction ends, on PostgreSQL (a row
lock) and on SQLite (the database's write lock), so of two requests at once
the second waits, then finds the row no longer matches: it is told the case
changed, and writes nothing. The check is the write, so nothing can change
between them. (`select_for_update` would lock on PostgreSQL only; SQLite
ignores it.)

Steps that change the case (`CHANGES_CASE`: the central check, allocation,
consent, intensity, step up or down, closure, a review's next date, a
manager's correction of the start date, reopening, a nomination reopening a
family) raise the version, so a form opened before
any of them is stale. Steps that only add to the case (an assessment, an
action, a note, a baseline, a need found) keep the version, so two people
adding notes do not get in each other's way, but still lock the row and
check the state: nothing is added to a case closed a moment before.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from django.db import transaction
from django.db.models import F

from wholefamily.web.casework.access import WHEN, visible_families
from wholefamily.web.families.models import Family

CHANGES_CASE = {
    "check",
    "allocate",
    "consent",
    "intensity",
    "step",
    "close",
    "review",
    "correct",
    "reopen",
}


class CaseChanged(Exception):
    """The case is not as the form was opened on: `family` is how it is now."""

    def __init__(self, family: Family, stale: bool) -> None:
        super().__init__(family.family_id)
        self.family = family
        self.stale = stale

    def message(self) -> str:
        now = self.family.get_status_display()
        if self.stale:
            return (
                "Someone else changed this family’s case after you opened this page. "
                f"The case is now: {now}. Check the case as it is now, then save again "
                "if your change is still needed."
            )
        return (
            f"Someone else changed this family’s case after you opened this page. "
            f"The case is now: {now}, so this cannot be saved."
        )


class NotVisible(Exception):
    """The family was moved out of the user's sight (reallocated) meanwhile."""


def seen_version(posted: Any) -> int | None:
    """The version a posted form was opened at; None when the form carries none
    (the case is then still checked and written under the lock, without the
    stale-form check). A version that is not a number matches no case."""
    raw = posted.get("version")
    if raw is None or raw == "":
        return None
    try:
        return int(raw)
    except (TypeError, ValueError):
        return -1


def guard(
    family: Family,
    statuses: Collection[str] | None,
    seen: int | None = None,
    changes: bool = True,
    **values: Any,
) -> Family:
    """Lock the family's row if it is in one of `statuses` (any, for None) and at
    version `seen` (any, for None), raise its version if `changes`, set `values`,
    and return the family as it now is; raise CaseChanged if it does not match.

    Must run inside transaction.atomic(): the lock lasts until its end."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("a change of a family's case must run inside transaction.atomic()")
    rows = Family.objects.filter(pk=family.pk)
    if statuses is not None:
        rows = rows.filter(status__in=list(statuses))
    if seen is not None:
        rows = rows.filter(version=seen)
    matched = rows.update(version=F("version") + 1 if changes else F("version"), **values)
    now = Family.objects.get(pk=family.pk)
    if matched != 1:
        raise CaseChanged(now, stale=seen is not None and now.version != seen)
    return now


def lock(user: Any, family: Family, what: str, seen: int | None) -> Family:
    """The family, locked, for the step `what` by `user`: still
    visible to them (404 otherwise), still in a state the step is allowed in and,
    for a step that changes the case, still at the version `seen`. NotVisible
    when it is no longer the user's (the caller answers 404 once the transaction
    is rolled back, so that the refusal stays in the audit log)."""
    changes = what in CHANGES_CASE
    now = guard(family, WHEN.get(what), seen if changes else None, changes=changes)
    if not visible_families(user).filter(pk=now.pk).exists():
        raise NotVisible(now.family_id)
    return now
