"""WSGI entry point: `wholefamily serve` runs it under Waitress."""

from __future__ import annotations

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wholefamily.web.settings")
application = get_wsgi_application()
