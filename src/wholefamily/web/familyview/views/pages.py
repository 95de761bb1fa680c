"""The family's pages (to be written)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse


def _todo(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    raise Http404("Not yet")


home = plan = done = add = network = before_review = assessment = shared = feedback = _todo
preview = _todo
