"""Django settings for lgcloud.

Everything that differs between a laptop and the data centre comes from the
environment: DATABASE_URL (default: SQLite under var/), LGCLOUD_SECRET_KEY,
LGCLOUD_DEBUG, LGCLOUD_ALLOWED_HOSTS, LGCLOUD_SECURE_COOKIES.
"""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path
from typing import Any

import dj_database_url
from whitenoise.compress import Compressor

from lgcloud.platform.observability.logs import logging_config

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
    "lgcloud.platform.continuity",
]
INSTALLED_APPS += [a for a in os.environ.get("LGCLOUD_EXTRA_APPS", "").split(",") if a]

MIDDLEWARE = [
    "lgcloud.platform.observability.request_id.RequestIdMiddleware",
    "lgcloud.platform.observability.metrics.MetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "lgcloud.platform.web.middleware.ContentSecurityPolicyMiddleware",
    "lgcloud.platform.web.glyphs.PrivateUseMiddleware",
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


def _database(url: str) -> dict[str, Any]:
    """dj_database_url's parse, plus libpq's list of hosts (`postgres://u:p@db1:5432,db2:5432/lgcloud`):
    the application connects to whichever of them is writable (target_session_attrs=read-write unless the
    URL says otherwise), so a promoted standby is found after a failover without changing configuration."""
    hosts = re.match(r"^(postgres(?:ql)?://(?:[^@/]*@)?)([^/?]*,[^/?]*)(.*)$", url)
    if not hosts:
        return dict(dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True))
    db: dict[str, Any] = dict(dj_database_url.parse(hosts[1] + "placeholder" + hosts[3], conn_max_age=60,
                                                    conn_health_checks=True))
    pairs = [h.rsplit(":", 1) if re.search(r":\d+$", h) else [h, "5432"] for h in hosts[2].split(",")]
    db["HOST"] = ",".join(h for h, _ in pairs)
    db["PORT"] = ",".join(p for _, p in pairs)
    db.setdefault("OPTIONS", {}).setdefault("target_session_attrs", "read-write")
    db["OPTIONS"].setdefault("connect_timeout", 3)  # a dead site is skipped within seconds
    return db


DATABASES = {"default": _database(os.environ.get("DATABASE_URL", _default_sqlite))}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Our backend sets the tenant session setting that row-level security keys on.
    DATABASES["default"]["ENGINE"] = "lgcloud.platform.db.postgresql"
    if _env_bool("LGCLOUD_DB_PREPARED", True):
        # Parameters bound by the server, and a statement executed a few times on a connection prepared there
        # (psycopg's prepare_threshold): no parse and plan per request for the counter's fixed texts. Connections
        # are kept (CONN_MAX_AGE), so the prepared statements are too; psycopg keeps at most prepared_max of them.
        DATABASES["default"].setdefault("OPTIONS", {})
        DATABASES["default"]["OPTIONS"].setdefault("server_side_binding", True)
        DATABASES["default"]["OPTIONS"].setdefault("prepare_threshold", 5)
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
# Source maps (5 MB of the API docs' bundles, twice: hashed and plain names) are fetched by a browser's developer
# tools only: not compressed, which was half of collectstatic's time where brotli is installed.
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = (*Compressor.SKIP_COMPRESS_EXTENSIONS, "map")

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

LOGGING = logging_config()
# Who may read /metrics: these client addresses, or a scraper presenting this bearer token.
LGCLOUD_METRICS_ALLOW = tuple(os.environ.get("LGCLOUD_METRICS_ALLOW", "127.0.0.1,::1").split(","))
LGCLOUD_METRICS_TOKEN = os.environ.get("LGCLOUD_METRICS_TOKEN", "")
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

# The annual 国保税 assessment computes in worker processes (fork) from this many households up (below: a thread of
# the process); 0 workers keeps it in one process. See lgcloud.areas.insurance.batch.
NHI_ASSESS_PROCESS_THRESHOLD = int(os.environ.get("LGCLOUD_NHI_ASSESS_PROCESS_THRESHOLD", "20000"))
NHI_ASSESS_WORKERS = int(os.environ.get("LGCLOUD_NHI_ASSESS_WORKERS", "2"))
# Documents issued within `documents.deferred()` (the demo loader's 督促状) have their PDFs built by a forked worker
# while the caller goes on (off: built in the caller's process). See lgcloud.platform.documents.twophase.
LGCLOUD_DOCUMENT_WORKER = os.environ.get("LGCLOUD_DOCUMENT_WORKER", "1") == "1"
