"""`record(request, action, ...)`: one audit entry for what the user just did."""

from __future__ import annotations

from django.http import HttpRequest

from wholefamily.web.audit.models import AuditEntry


def record(
    request: HttpRequest,
    action: str,
    object_type: str = "",
    object_id: str = "",
    detail: str = "",
    username: str | None = None,
) -> AuditEntry:
    user = request.user
    profile = getattr(user, "profile", None) if user.is_authenticated else None
    role = profile.role if profile else ""
    if not role and user.is_authenticated and hasattr(user, "family_account"):
        role = "family"  # a family member's own account (web.familyview)
    return AuditEntry.objects.create(
        username=username if username is not None else user.get_username(),
        role=role,
        action=action,
        object_type=object_type,
        object_id=str(object_id)[:64],
        page=request.path[:200],
        detail=detail[:300],
    )
