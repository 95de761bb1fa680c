"""The practitioner side of the family view (to be written)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse


def _todo(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    raise Http404("Not yet")


section = invite = withdraw_invitation = withdraw = decide = share = _todo
