"""Django settings for running the app on a council's own machine.

Everything that differs between machines comes from the environment:
WHOLEFAMILY_WORKSPACE (the workspace folder; the case database lives there
unless DATABASE_URL names another), DATABASE_URL (postgres://...: the role the
app serves as), DATABASE_OWNER_URL (the same database as the role that owns the
tables: used only to migrate and grant, see docs/postgresql.md),
WHOLEFAMILY_SECRET_KEY (kept in the workspace when unset), WHOLEFAMILY_DEBUG,
WHOLEFAMILY_LA_CODE (the council's DfE code on statutory returns; 838, the demo's).
`settings_production` adds what a server behind HTTPS needs.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url

HERE = Path(__file__).resolve().parent
WORKSPACE = Path(os.environ.get("WHOLEFAMILY_WORKSPACE", "workspace")).resolve()


def _secret_key() -> str:
    """From the environment, else one generated once and kept in the workspace."""
    if key := os.environ.get("WHOLEFAMILY_SECRET_KEY"):
        return key
    path = WORKSPACE / "web-secret-key"
    if not path.is_file():
        WORKSPACE.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = os.environ.get("WHOLEFAMILY_DEBUG", "") == "1"
ALLOWED_HOSTS = [
    h.strip() for h in os.environ.get("WHOLEFAMILY_ALLOWED_HOSTS", "localhost,127.0.0.1").split(",")
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.forms",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "wholefamily.web.accounts",
    "wholefamily.web.audit",
    "wholefamily.web.families",
    "wholefamily.web.casework",
    "wholefamily.web.progress",
    "wholefamily.web.claims",
    "wholefamily.web.reporting",
    "wholefamily.web.team",
    "wholefamily.web.familyhelp",
    "wholefamily.web.protection",
    "wholefamily.web.networks",
    "wholefamily.web.payments",
    "wholefamily.web.places",
    "wholefamily.web.returns",
    "wholefamily.web.familyview",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "wholefamily.web.accounts.middleware.IdleTimeoutMiddleware",
    "wholefamily.web.familyview.boundary.FamilyBoundaryMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wholefamily.web.accounts.middleware.SecurityHeadersMiddleware",
]

ROOT_URLCONF = "wholefamily.web.urls"
WSGI_APPLICATION = "wholefamily.web.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [HERE / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wholefamily.web.accounts.context.role",
            ],
        },
    }
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{WORKSPACE / 'cases.sqlite3'}", conn_max_age=60
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # Several requests write at once (audit entries): wait for the lock, not fail.
    DATABASES["default"]["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}
# The tables' owner, for migrations and grants only (`wholefamily.web.audit.roles`);
# never a connection the app serves requests on.
DATABASE_OWNER = (
    dj_database_url.parse(os.environ["DATABASE_OWNER_URL"])
    if os.environ.get("DATABASE_OWNER_URL")
    else None
)
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"  # our GOV.UK widget templates
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

# Sessions end 8 hours after login at the latest, after 30 idle minutes, and with the browser.
SESSION_COOKIE_AGE = 8 * 60 * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_IDLE_SECONDS = 30 * 60
# A family member's sessions are shorter: 15 idle minutes, 2 hours at most.
FAMILY_SESSION_IDLE_SECONDS = 15 * 60
FAMILY_SESSION_MAX_SECONDS = 2 * 60 * 60
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
# Login throttling: this many failures for one username or from one address in the window.
LOGIN_FAILURES_ALLOWED = 5
LOGIN_FAILURE_WINDOW_SECONDS = 15 * 60

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
# Translations are on for the family's own view, whose strings are marked for them
# (`locale/`, docs/family-view.md); staff pages are in English.
USE_I18N = True
LANGUAGES = [("en-gb", "English"), ("cy", "Cymraeg")]
LOCALE_PATHS = [HERE / "locale"]
# The languages a family member can choose between (each needs its translations in
# locale/); English only until a council adds its own, e.g. "en-gb,cy".
FAMILY_LANGUAGES = [
    code.strip() for code in os.environ.get("WHOLEFAMILY_FAMILY_LANGUAGES", "en-gb").split(",")
]
USE_TZ = True
DATE_FORMAT = "j F Y"
FORMAT_MODULE_PATH = ["wholefamily.web.formats"]  # GOV.UK's "14 April 2025"

STATIC_URL = "/static/"
STATICFILES_DIRS = [HERE / "static"]
# `wholefamily serve` collects the static files into the workspace first: each gets a
# name with its content's hash and gzip and Brotli copies, and WhiteNoise serves the
# hashed names as immutable (cached for ten years: a new file is a new name).
STATIC_ROOT = WORKSPACE / "web-static"
WHITENOISE_KEEP_ONLY_HASHED_FILES = True  # half the files to compress; nothing asks for the rest
STORAGES = {
    "staticfiles": {"BACKEND": "wholefamily.web.storage.StaticStorage"},
}

# The council's three-digit DfE LA code for the statutory returns (the Children in Need
# census); the workspace's census.yaml may set it instead (web/returns/services.py).
WHOLEFAMILY_LA_CODE = os.environ.get("WHOLEFAMILY_LA_CODE", "838")

# Family Network Support Packages: a team manager approves a package whose whole value
# (every payment of a recurring one) is at most this many pounds; the head of service
# approves above it (web/payments/services.py).
WHOLEFAMILY_FNSP_MANAGER_LIMIT = os.environ.get("WHOLEFAMILY_FNSP_MANAGER_LIMIT", "500.00")

# Page sizes.
FAMILIES_PER_PAGE = 50

# No personal data in logs: requests are not logged with their bodies, and
# errors go to stderr without local variables.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {
        "django": {"handlers": ["console"], "level": "WARNING"},
        "django.security": {"handlers": ["console"], "level": "WARNING"},
    },
}

# Mail, for a family member's one-time sign-in codes: WHOLEFAMILY_MAIL unset means no
# mail service (family members sign in with a password only); "file" writes each message
# to WORKSPACE/mail (the demo); "smtp://host:port" sends through that server.
MAIL = os.environ.get("WHOLEFAMILY_MAIL", "").strip()
FAMILY_EMAIL_CODES = bool(MAIL)
DEFAULT_FROM_EMAIL = os.environ.get("WHOLEFAMILY_MAIL_FROM", "family-support@example.invalid")
if MAIL == "file":
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = str(WORKSPACE / "mail")
elif MAIL.startswith("smtp://"):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    _host, _, _port = MAIL.removeprefix("smtp://").partition(":")
    EMAIL_HOST, EMAIL_PORT = _host, int(_port or 25)
elif MAIL:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured('WHOLEFAMILY_MAIL must be "file" or "smtp://host:port"')
