"""Django settings for lgcloud.

Everything that differs between a laptop and the data centre comes from the
environment: DATABASE_URL (default: SQLite under var/), LGCLOUD_SECRET_KEY,
LGCLOUD_DEBUG, LGCLOUD_ALLOWED_HOSTS, LGCLOUD_SECURE_COOKIES.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = Path(os.environ.get("LGCLOUD_HOME", Path.cwd()))
VAR_DIR = PROJECT_DIR / "var"


def _env_bool(name: str, default: bool) -> bool:
    return os.environ.get(name, "1" if default else "0").lower() in {"1", "true", "yes", "on"}


def _secret_key() -> str:
    key = os.environ.get("LGCLOUD_SECRET_KEY")
    if key:
        return key
    # The embedded default keeps a generated key under var/ so sessions survive restarts.
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = _env_bool("LGCLOUD_DEBUG", False)
ALLOWED_HOSTS = os.environ.get("LGCLOUD_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "ninja",  # serves Swagger UI for /api/v1/docs from its own static files, not a CDN
    "lgcloud.platform.tenancy",
    "lgcloud.platform.accounts",
    "lgcloud.platform.audit",
    "lgcloud.platform.params",
    "lgcloud.platform.documents",
    "lgcloud.platform.calc",
    "lgcloud.platform.events",
    "lgcloud.platform.worklists",
    "lgcloud.platform.metering",
    "lgcloud.group.customization",
    "lgcloud.group.nationwide",
    "lgcloud.group.costs",
    "lgcloud.areas.registry",
    "lgcloud.areas.insurance",
    "lgcloud.areas.pension",
    "lgcloud.areas.welfare",
    "lgcloud.areas.taxation",
    "lgcloud.areas.revenue",
    "lgcloud.platform.interchange",
    "lgcloud.platform.web",
    "lgcloud.platform.api",
    "lgcloud.platform.demo",
]
INSTALLED_APPS += [a for a in os.environ.get("LGCLOUD_EXTRA_APPS", "").split(",") if a]

MIDDLEWARE = [
    "lgcloud.platform.audit.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "lgcloud.platform.web.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "lgcloud.platform.accounts.middleware.TwoFactorMiddleware",
    "lgcloud.platform.tenancy.middleware.TenantMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "lgcloud.urls"
WSGI_APPLICATION = "lgcloud.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "lgcloud.platform.web.context_processors.shell",
            ],
        },
    },
]

_default_sqlite = f"sqlite:///{VAR_DIR / 'lgcloud.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", _default_sqlite), conn_max_age=60, conn_health_checks=True
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Our backend sets the tenant session setting that row-level security keys on.
    DATABASES["default"]["ENGINE"] = "lgcloud.platform.db.postgresql"
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.Staff"
AUTHENTICATION_BACKENDS = ["lgcloud.platform.accounts.backends.StaffBackend"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", "日本語")]
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Hashed, compressed file names when served for real (the run command collects with this on);
    # plain names in tests and development, where nothing has been collected.
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if _env_bool("LGCLOUD_STATIC_MANIFEST", False)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# Sessions and cookies: short-lived, HTTP-only, same-site; Secure when served over TLS.
SECURE_COOKIES = _env_bool("LGCLOUD_SECURE_COOKIES", False)
SESSION_COOKIE_AGE = 60 * 60 * 8
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Strict"
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Strict"
CSRF_COOKIE_SECURE = SECURE_COOKIES
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if SECURE_COOKIES:
    SECURE_HSTS_SECONDS = 31536000
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)

# Login lockout: after this many consecutive failures the account is locked for LOCKOUT_MINUTES.
LOGIN_MAX_FAILURES = 5
LOGIN_LOCKOUT_MINUTES = 15
LOGIN_MAX_FAILURES_PER_ADDRESS = 30  # any accounts, from one address, within the lockout period
TOTP_MAX_FAILURES = 5

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LGCLOUD_LOG_LEVEL", "WARNING")},
}
CSRF_FAILURE_VIEW = "lgcloud.platform.web.views.csrf_failure"
LGCLOUD_PUBLIC_URL = os.environ.get("LGCLOUD_PUBLIC_URL", "http://127.0.0.1:8000")

# The audit log's sealer (lgcloud.platform.audit.sealing): how often the events worker seals, the longest a
# record may stay unsealed before `audit verify` reports it, the Ed25519 key that signs the sealed heads (a
# file outside the database; generated under var/ only by the embedded default — production provisions it,
# docs/operations.md) and the external, append-only store of signed heads (production: the backup repository).
LGCLOUD_AUDIT_SEAL_INTERVAL = float(os.environ.get("LGCLOUD_AUDIT_SEAL_INTERVAL", "5"))
LGCLOUD_AUDIT_MAX_UNSEALED_SECONDS = float(os.environ.get("LGCLOUD_AUDIT_MAX_UNSEALED_SECONDS", "60"))
LGCLOUD_AUDIT_SIGNING_KEY = os.environ.get("LGCLOUD_AUDIT_SIGNING_KEY", str(VAR_DIR / "audit_signing_key.pem"))
LGCLOUD_AUDIT_GENERATE_KEY = "LGCLOUD_AUDIT_SIGNING_KEY" not in os.environ
LGCLOUD_AUDIT_VERIFY_KEY = os.environ.get("LGCLOUD_AUDIT_VERIFY_KEY", "")
LGCLOUD_AUDIT_HEADS_DIR = os.environ.get("LGCLOUD_AUDIT_HEADS_DIR", str(VAR_DIR / "audit-heads"))
