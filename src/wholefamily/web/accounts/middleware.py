"""Session idle timeout and the security headers Django does not set itself."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'self'; object-src 'none'"
)


LAST_SEEN_EVERY = 60  # seconds


class IdleTimeoutMiddleware:
    """Log a user out after SESSION_IDLE_SECONDS without a request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = int(time.time())
            last = int(request.session.get("last_seen", now))
            idle = int(request.session.get("idle_seconds", settings.SESSION_IDLE_SECONDS))
            if now - last > idle:
                logout(request)
                request.session["timed_out"] = True
            elif now - last >= LAST_SEEN_EVERY or "last_seen" not in request.session:
                # Saved at most once a minute: writing the session on every
                # request costs a database write per page for a clock that
                # only needs minutes.
                request.session["last_seen"] = now
        return self.get_response(request)


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", CSP)
        response.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if request.user.is_authenticated:
            # Pages with personal data are never kept by the browser or a proxy.
            response["Cache-Control"] = "no-store"
        return response
