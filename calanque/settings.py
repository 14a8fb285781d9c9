"""Django settings, read from the environment (see README, "Configuration").

Deployment facts live here (where the database is, which port, which domain);
per-académie policy that administrators change at run time lives in the
database. A bare checkout boots on SQLite under ``./var`` with a local outbox.
"""

import os
from pathlib import Path
from urllib.parse import urlparse

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.utils.translation import gettext_lazy as _

from calanque.config import (
    ConfigError,
    env_bool,
    env_choice,
    env_domain,
    env_int,
    env_list,
    env_port,
    env_str,
    env_url,
    secret_from_home,
)

BASE_DIR = Path(__file__).resolve().parent

# --- Where state lives -------------------------------------------------------
CALANQUE_HOME = Path(env_str("CALANQUE_HOME", "var")).expanduser().resolve()
try:
    CALANQUE_HOME.mkdir(parents=True, exist_ok=True)
except OSError as exc:
    raise ConfigError(f"CALANQUE_HOME : impossible de créer {CALANQUE_HOME} ({exc.strerror}).") from None

DEBUG = env_bool("CALANQUE_DEBUG", False)
# Set by `calanque demo`: shows the demo outbox page and banner.
CALANQUE_DEMO = env_bool("CALANQUE_DEMO", False)
SECRET_KEY = env_str("CALANQUE_SECRET_KEY") or secret_from_home(CALANQUE_HOME, "secret_key")
# Keyed hash of the NUMEN: separate from SECRET_KEY so that rotating the
# session/CSRF key does not orphan every stored NUMEN fingerprint.
CALANQUE_NUMEN_KEY = env_str("CALANQUE_NUMEN_KEY") or secret_from_home(CALANQUE_HOME, "numen_key")

# TOTP keys are encrypted at rest with this key (kept out of the database).
CALANQUE_OTP_KEY = env_str("CALANQUE_OTP_KEY") or secret_from_home(CALANQUE_HOME, "otp_key")

CALANQUE_HTTP_HOST = env_str("CALANQUE_HTTP_HOST", "127.0.0.1")
CALANQUE_HTTP_PORT = env_port("CALANQUE_HTTP_PORT", 8000)
CALANQUE_SMTP_HOST = env_str("CALANQUE_SMTP_HOST", "127.0.0.1")
CALANQUE_SMTP_PORT = env_port("CALANQUE_SMTP_PORT", 2525)
# Largest message accepted over SMTP (announced with the SIZE extension).
CALANQUE_SMTP_MAX_SIZE = env_int("CALANQUE_SMTP_MAX_SIZE", 25 * 1024 * 1024, minimum=1024)
# Processes of `calanque smtpd` listening on the same port (SO_REUSEPORT):
# by default one per core, up to 4.
CALANQUE_SMTP_PROCESSES = env_int("CALANQUE_SMTP_PROCESSES", min(os.cpu_count() or 1, 4), minimum=1, maximum=64)
# Close the database connection after each SMTP command (tests, and
# databases behind a pooler); off, connections live CONN_MAX_AGE.
CALANQUE_SMTP_CLOSE_CONNECTIONS = env_bool("CALANQUE_SMTP_CLOSE_CONNECTIONS", False)
# STARTTLS on the inbound port when both are set (PEM files).
CALANQUE_SMTP_TLS_CERT = env_str("CALANQUE_SMTP_TLS_CERT")
CALANQUE_SMTP_TLS_KEY = env_str("CALANQUE_SMTP_TLS_KEY")
# Where raw messages are kept: a BlobStore subclass (mail/blobs.py).
CALANQUE_BLOB_BACKEND = env_str("CALANQUE_BLOB_BACKEND", "calanque.mail.blobs.LocalBlobStore")
# With calanque.mail.blobs.S3BlobStore: an S3-compatible object store.
CALANQUE_S3_ENDPOINT = env_url("CALANQUE_S3_ENDPOINT", ("http", "https"))
CALANQUE_S3_BUCKET = env_str("CALANQUE_S3_BUCKET", "")
CALANQUE_S3_REGION = env_str("CALANQUE_S3_REGION", "us-east-1")
CALANQUE_S3_PREFIX = env_str("CALANQUE_S3_PREFIX", "blobs/")
CALANQUE_S3_ACCESS_KEY = env_str("CALANQUE_S3_ACCESS_KEY", "")
CALANQUE_S3_SECRET_KEY = env_str("CALANQUE_S3_SECRET_KEY", "")
CALANQUE_WEB_WORKERS = env_int("CALANQUE_WEB_WORKERS", 3, minimum=1, maximum=64)
# The mail domain of the default académie (the one `calanque demo` creates).
CALANQUE_DOMAIN = env_domain("CALANQUE_DOMAIN", "ac-aix-marseille.fr")

# The address users type in their browser. Its scheme decides whether cookies
# are Secure and HSTS is sent; its host is the only one accepted.
CALANQUE_PUBLIC_URL = env_url("CALANQUE_PUBLIC_URL", ("http", "https")) or (
    f"http://127.0.0.1:{CALANQUE_HTTP_PORT}/"
)
_public = urlparse(CALANQUE_PUBLIC_URL)
HTTPS = _public.scheme == "https"
ALLOWED_HOSTS = env_list("CALANQUE_ALLOWED_HOSTS", [_public.hostname, "127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = [f"{_public.scheme}://{_public.netloc}"]
# Behind a TLS-terminating proxy that sets X-Forwarded-Proto.
if env_bool("CALANQUE_BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    USE_X_FORWARDED_HOST = False

# --- Applications ------------------------------------------------------------
INSTALLED_APPS = [
    "dsfr",
    "calanque.core",
    "calanque.academy",
    "calanque.accounts",
    "calanque.directory",
    "calanque.mail",
    "calanque.webmail",
    "calanque.assistance",
    "calanque.smtp",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "csp",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "calanque.core.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "calanque.core.middleware.AcademyMiddleware",
    "calanque.accounts.middleware.SessionPolicyMiddleware",
    "calanque.accounts.middleware.FirstSignInMiddleware",
]

ROOT_URLCONF = "calanque.urls"
WSGI_APPLICATION = "calanque.wsgi.application"
AUTH_USER_MODEL = "academy.Staff"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "calanque.core.context_processors.portal",
            ],
        },
    },
]

# --- Data --------------------------------------------------------------------
_database_url = env_url("CALANQUE_DATABASE_URL", ("postgres", "postgresql", "sqlite"))
if _database_url:
    DATABASES = {"default": dj_database_url.parse(_database_url, conn_max_age=60, conn_health_checks=True)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": CALANQUE_HOME / "calanque.sqlite3",
            "OPTIONS": {
                # Several processes (web, smtpd, worker) share the file: WAL lets
                # readers run beside the writer, FULL makes every commit durable,
                # IMMEDIATE takes the write lock at BEGIN so that two writers
                # queue on the busy timeout instead of failing with "database is
                # locked" half-way through a transaction.
                "transaction_mode": "IMMEDIATE",
                "timeout": 30,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;",
            },
            "TEST": {"NAME": CALANQUE_HOME / "test.sqlite3"} if env_bool("CALANQUE_TEST_ON_DISK", False) else {},
            # Kept open between requests, as on PostgreSQL: opening the file
            # and setting the pragmas was an eighth of a folder page.
            "CONN_MAX_AGE": 60,
            "CONN_HEALTH_CHECKS": True,
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CALANQUE_REDIS_URL = env_url("CALANQUE_REDIS_URL", ("redis", "rediss", "unix"))
if CALANQUE_REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CALANQUE_REDIS_URL,
            "KEY_PREFIX": env_str("CALANQUE_REDIS_PREFIX", "calanque"),
        }
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    SESSION_ENGINE = "django.contrib.sessions.backends.db"

# --- Mail to the outside: the relay of the outbound queue (mail/outbound.py) --
# Without a relay (the demo), outbound mail is kept in CALANQUE_HOME/outbox/.
_relay = env_url("CALANQUE_SMTP_RELAY", ("smtp", "smtps"))
if _relay:
    _r = urlparse(_relay)
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = _r.hostname
    EMAIL_PORT = _r.port or (465 if _r.scheme == "smtps" else 25)
    EMAIL_USE_SSL = _r.scheme == "smtps"
    EMAIL_HOST_USER = _r.username or ""
    EMAIL_HOST_PASSWORD = _r.password or ""
else:
    EMAIL_HOST = ""
    EMAIL_USE_SSL = False
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = CALANQUE_HOME / "outbox"
CALANQUE_SMTP_RELAY_STARTTLS = env_bool("CALANQUE_SMTP_RELAY_STARTTLS", False)
# DKIM signing of outgoing mail (PEM RSA private key; the public key goes in
# DNS at <selector>._domainkey.<académie domain>).
CALANQUE_DKIM_KEY_FILE = env_str("CALANQUE_DKIM_KEY_FILE")
CALANQUE_DKIM_SELECTOR = env_str("CALANQUE_DKIM_SELECTOR", "calanque")
DEFAULT_FROM_EMAIL = env_str("CALANQUE_FROM_EMAIL", f"ne-pas-repondre@{CALANQUE_DOMAIN}")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Passwords and sessions --------------------------------------------------
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [{"NAME": "calanque.accounts.passwords.AcademyPasswordValidator"}]
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = HTTPS
# Absolute lifetime of a session, and how long it survives without activity.
SESSION_COOKIE_AGE = env_int("CALANQUE_SESSION_MAX_AGE", 12 * 3600, minimum=300)
CALANQUE_SESSION_IDLE = env_int("CALANQUE_SESSION_IDLE", 30 * 60, minimum=60)
# Failures before growing lock-outs start: per account, and per client IP.
CALANQUE_SIGNIN_ACCOUNT_FAILURES = env_int("CALANQUE_SIGNIN_ACCOUNT_FAILURES", 5, minimum=1)
CALANQUE_SIGNIN_IP_FAILURES = env_int("CALANQUE_SIGNIN_IP_FAILURES", 50, minimum=1)
CSRF_COOKIE_SECURE = HTTPS
CSRF_COOKIE_HTTPONLY = True
CSRF_FAILURE_VIEW = "calanque.core.errors.csrf_failure"
LANGUAGE_COOKIE_SECURE = HTTPS
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"

# --- HTTP security headers ---------------------------------------------------
SECURE_SSL_REDIRECT = HTTPS
SECURE_HSTS_SECONDS = 63072000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = False
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [NONE],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "manifest-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        # Only our own message bodies, inside a sandboxed iframe.
        "frame-src": [SELF],
        "base-uri": [NONE],
        "object-src": [NONE],
    }
}
SILENCED_SYSTEM_CHECKS = [
    # SECURE_HSTS_PRELOAD is a choice of the operator (it is hard to undo).
    "security.W021",
]

# --- Language and time -------------------------------------------------------
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("Français")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

# --- Static files ------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = CALANQUE_HOME / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Files not yet collected are still served (a fresh checkout, the tests).
WHITENOISE_USE_FINDERS = True

AUTHENTICATION_BACKENDS = ["calanque.accounts.backends.StaffBackend"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["stderr"], "level": env_choice("CALANQUE_LOG_LEVEL", "INFO", LOG_LEVELS)},
    # aiosmtpd logs every SMTP command at INFO.
    "loggers": {"mail.log": {"level": "WARNING"}},
}
