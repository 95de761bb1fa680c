"""Settings for the test suite: a throwaway workspace, a fixed key, fast password hashing.

DATABASE_URL still selects PostgreSQL, so `.ci/run` runs the same tests on both.
"""

from __future__ import annotations

import os
import tempfile

os.environ.setdefault("WHOLEFAMILY_WORKSPACE", tempfile.mkdtemp(prefix="wholefamily-test-"))
os.environ.setdefault("WHOLEFAMILY_SECRET_KEY", "insecure-key-for-the-test-suite-only-0123456789")

from wholefamily.web.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# The tests render pages without collecting static files first: names as they are,
# found where they lie (`wholefamily serve`'s hashed, compressed files are tested
# through the command itself).
STORAGES = {
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
STATIC_ROOT = None  # type: ignore[assignment]

if DATABASES["default"]["ENGINE"].endswith("sqlite3"):  # noqa: F405
    # A file, as `serve` uses, rather than SQLite's shared in-memory database: that one
    # locks table by table and fails a second writer at once ("database table is
    # locked") instead of making it wait, so requests in two threads could not be tested.
    DATABASES["default"]["TEST"] = {"NAME": str(WORKSPACE / "test-cases.sqlite3")}  # noqa: F405
