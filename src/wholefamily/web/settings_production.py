"""Production settings: the app behind HTTPS on a council server.

DJANGO_SETTINGS_MODULE=wholefamily.web.settings_production. It needs
WHOLEFAMILY_SECRET_KEY and WHOLEFAMILY_ALLOWED_HOSTS from the environment;
`manage.py check --deploy` is clean with it (a test proves it). Static files are
collected, hashed and compressed as in the base settings (`serve` does it).
"""

from __future__ import annotations

import os

from django.core.exceptions import ImproperlyConfigured

from wholefamily.web.settings import *  # noqa: F403

DEBUG = False
SECRET_KEY = os.environ.get("WHOLEFAMILY_SECRET_KEY", "").strip()
if not SECRET_KEY:
    raise ImproperlyConfigured(
        "WHOLEFAMILY_SECRET_KEY is not set: the production settings need a long random "
        "secret key in it (for example the output of "
        "`python -c 'import secrets; print(secrets.token_urlsafe(50))'`)"
    )
SECURE_SSL_REDIRECT = True
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = 365 * 24 * 60 * 60
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
