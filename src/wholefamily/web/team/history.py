"""What the family page reads from this app.

`timeline_items(family)`: this app's entries for the family's timeline, newest first,
each a dict in the shape the family page's timeline uses:
``{"on": date, "what": str, "detail": str, "by": user}``.

`involved(family)`: the professionals working with the family now.

`key_worker_contact(family)`: how to reach the family's key worker (the block partners see).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from wholefamily.web.families.models import Family
from wholefamily.web.team.models import Professional, TeamContact, TeamHistory, WorkContact


def timeline_items(family: Family) -> list[dict[str, Any]]:
    return [
        {"on": h.on, "what": h.get_kind_display(), "detail": h.detail, "by": h.by}
        for h in TeamHistory.objects.filter(family=family).select_related("by")
    ]


def involved(family: Family) -> list[Professional]:
    return list(Professional.objects.filter(family=family, ended_on__isnull=True))


def note(family: Family, kind: str, on: date, detail: str, by: Any) -> TeamHistory:
    return TeamHistory.objects.create(family=family, kind=kind, on=on, detail=detail[:300], by=by)


def key_worker_contact(family: Family) -> dict[str, Any]:
    """The key worker's name, team, and a work phone and email: their own where recorded,
    else their team's (the duty line and shared mailbox)."""
    worker, team = family.key_worker, family.team
    if team is None and worker is not None:
        team = getattr(getattr(worker, "profile", None), "team", None)
    own = WorkContact.objects.filter(user=worker).first() if worker is not None else None
    shared = TeamContact.objects.filter(team=team).first() if team is not None else None
    return {
        "worker": worker,
        "name": (worker.get_full_name() or worker.get_username()) if worker else "",
        "team": team,
        "phone": (own and own.phone) or (shared and shared.phone) or "",
        "email": (own and own.email) or (shared and shared.email) or "",
    }
