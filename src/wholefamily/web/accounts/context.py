from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from wholefamily.web.accounts.models import Role


def role(request: HttpRequest) -> dict[str, Any]:
    profile = getattr(request.user, "profile", None) if request.user.is_authenticated else None
    return {"role": profile.role if profile else "", "Role": Role}
