"""Settings, all read from the environment (see README "Configuration").

Nothing set: SQLite file, in-memory channel layer, local-memory cache, DEBUG off.
``DATABASE_URL`` switches to PostgreSQL (psycopg 3 with its pool), ``REDIS_URL``
switches the channel layer and the cache to Redis. ``DJANGO_ENV=production``
refuses to start without a real ``SECRET_KEY``.
"""

from __future__ import annotations

import ipaddress
import re
import secrets
import sys
from datetime import timedelta
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from config.env import database_from_url, env_bool, env_choice, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

# Under pytest the default is "test" (fast hasher), so a bare `pytest` behaves like `make test`.
ENVIRONMENT = env_choice(
    "DJANGO_ENV", "test" if "pytest" in sys.modules else "development", {"development", "test", "production"}
)
DEBUG = env_bool("DEBUG", default=False)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if ENVIRONMENT == "production":
        raise ImproperlyConfigured("SECRET_KEY must be set when DJANGO_ENV=production")
    # A fresh random key per process outside production: nothing secret is committed,
    # and sessions simply do not survive a restart of a development server.
    SECRET_KEY = "dev-" + secrets.token_urlsafe(48)
elif ENVIRONMENT == "production" and (len(SECRET_KEY) < 50 or SECRET_KEY.startswith("dev-")):
    raise ImproperlyConfigured("SECRET_KEY is too weak for production (50+ random characters)")

if ENVIRONMENT == "production" and DEBUG:
    # DEBUG's technical pages print settings and the request: never on a public server.
    raise ImproperlyConfigured("DEBUG must be off when DJANGO_ENV=production")

# Production names the hosts it serves; the loopback default is for development only.
_LOOPBACK_HOSTS = ["127.0.0.1", "localhost", "testserver"]
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [] if ENVIRONMENT == "production" else _LOOPBACK_HOSTS)
if ENVIRONMENT == "production" and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DJANGO_ENV=production")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "daphne",  # first, so `runserver` serves HTTP and WebSocket through ASGI
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "channels",
    "core",
    "accounts",
    "teams",
    "economy",
    "tournaments",
    "realtime",
    "notifications",
    "webhooks",
]
# The perf app (benchmarks, SLO guard, EXPLAIN, lock-log analysis, the stock-Channels
# fan-out) sits on top of the domain and never ships: production leaves it out, and
# PERF_APP=0 does the same anywhere (tests/test_without_perf.py proves nothing needs it).
PERF_APP = env_bool("PERF_APP", default=ENVIRONMENT != "production")
if PERF_APP:
    INSTALLED_APPS.append("perf")

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "config.admin_access.AdminGateMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "core.metrics.MetricsMiddleware",
    # Below the metrics: a 503 for a database outage is still counted by endpoint.
    "config.errors.DatabaseUnavailableMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

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
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL")
# Per process. The test default is larger because concurrency tests open one
# connection per thread (40 threads behind a barrier).
DB_POOL_MAX_SIZE = env_int("DB_POOL_MAX_SIZE", 48 if ENVIRONMENT == "test" else 16, minimum=1)
if DATABASE_URL:
    DATABASES = {"default": database_from_url(DATABASE_URL, pool_max_size=DB_POOL_MAX_SIZE)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": env_str("SQLITE_PATH", str(BASE_DIR / "db.sqlite3")),
            "OPTIONS": {
                # WAL lets readers proceed while one writer commits; IMMEDIATE makes a
                # write transaction take the write lock up front instead of failing
                # with "database is locked" when it upgrades from a read.
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: channel layer and cache ------------------------------------------------------
REDIS_URL = env_str("REDIS_URL")
if ENVIRONMENT == "production" and not REDIS_URL:
    # Without Redis, throttles count per worker and events never leave the worker that
    # published them: a multi-worker deployment would be silently wrong.
    raise ImproperlyConfigured("REDIS_URL must be set when DJANGO_ENV=production")
# Namespaces every key and channel this deployment writes to a shared Redis.
REDIS_PREFIX = env_str("REDIS_PREFIX", "arena")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL], "prefix": REDIS_PREFIX},
        }
    }
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": REDIS_PREFIX,
            # A request never waits long on an unreachable Redis (the throttles' counters).
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Auth -----------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if ENVIRONMENT == "test":
    # Hashing dominates a test suite that creates users; MD5 is fine for throwaway data.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _throttle_rate(name: str, default: str) -> str | None:
    """``N/second|minute|hour|day`` (DRF's syntax), or empty/``off`` for no limit."""
    raw = env_str(name, default).strip().lower()
    if raw in {"", "off"}:
        return None
    if not re.fullmatch(r"[1-9][0-9]*/(s|sec|second|m|min|minute|h|hour|d|day)", raw):
        raise ImproperlyConfigured(f"{name}={raw!r} is not a rate like 20/minute (or off)")
    return raw


REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"]
    + (["rest_framework.renderers.BrowsableAPIRenderer"] if DEBUG else []),
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "config.schema.AutoSchema",
    "EXCEPTION_HANDLER": "config.errors.exception_handler",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    # Only views that name a `throttle_scope` are limited (signup/token: "auth",
    # transfers: "transfers"); see docs/production.md "Throttling".
    "DEFAULT_THROTTLE_CLASSES": ["config.throttling.ScopedRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        # Off by default under tests (benchmarks repeat one user's transfer thousands
        # of times); tests/api/hardening switches them on.
        "auth": _throttle_rate("THROTTLE_AUTH_RATE", "" if ENVIRONMENT == "test" else "20/minute"),
        "transfers": _throttle_rate("THROTTLE_TRANSFERS_RATE", "" if ENVIRONMENT == "test" else "120/minute"),
        # WebSocket tickets, per user: a reconnecting page asks for one per attempt.
        "tickets": _throttle_rate("THROTTLE_TICKETS_RATE", "" if ENVIRONMENT == "test" else "60/minute"),
        "grants": _throttle_rate("THROTTLE_GRANTS_RATE", "" if ENVIRONMENT == "test" else "30/hour"),
    },
    # 0: the throttle keys anonymous clients by the socket's address, never by a
    # client-supplied X-Forwarded-For (DRF's default, None, trusts that header). The
    # server already rewrites the address from trusted proxies (FORWARDED_ALLOW_IPS).
    "NUM_PROXIES": env_int("NUM_PROXIES", 0, minimum=0),
}

# API tokens expire this long after they were issued (signing in again issues a new one).
API_TOKEN_TTL = timedelta(hours=env_int("API_TOKEN_TTL_HOURS", 24 * 7, minimum=1))
#: Seconds a token and its user stay in the cache that spares authentication its query
#: (accounts/token_cache.py); 0 reads the database on every request.
API_TOKEN_CACHE_SECONDS = env_int("API_TOKEN_CACHE_SECONDS", 300, minimum=0)
#: Seconds a tournament's row stays in the metadata cache of the read endpoints
#: (tournaments/cache.py); 0 reads the database on every request.
TOURNAMENT_CACHE_SECONDS = env_int("TOURNAMENT_CACHE_SECONDS", 300, minimum=0)

# Failed sign-ins, on every login path (API token, admin): per username (a password
# guessed from many addresses) and per client address (many usernames from one). Only
# failures count, so a user who types their password right is never slowed down.
# See docs/security.md "Brute force".
LOGIN_THROTTLE_RATES = {
    "username": _throttle_rate("THROTTLE_LOGIN_USERNAME_RATE", "" if ENVIRONMENT == "test" else "10/hour"),
    "ip": _throttle_rate("THROTTLE_LOGIN_IP_RATE", "" if ENVIRONMENT == "test" else "100/hour"),
}

# The organizer admin (docs/security.md "Brute force"): ADMIN_ENABLED=0 removes it;
# ADMIN_ALLOWED_NETWORKS (comma-separated addresses or CIDR networks) limits who reaches it.
ADMIN_ENABLED = env_bool("ADMIN_ENABLED", default=True)
ADMIN_ALLOWED_NETWORKS = env_list("ADMIN_ALLOWED_NETWORKS", [])
# /metrics (docs/security.md): a scraper sends "Authorization: Bearer $METRICS_TOKEN", or
# scrapes from an address in METRICS_ALLOWED_NETWORKS (loopback by default).
METRICS_TOKEN = env_str("METRICS_TOKEN")
if METRICS_TOKEN and len(METRICS_TOKEN) < 32:
    raise ImproperlyConfigured("METRICS_TOKEN is too short (32+ random characters)")
METRICS_ALLOWED_NETWORKS = env_list("METRICS_ALLOWED_NETWORKS", ["127.0.0.1", "::1"])
for _network in [*ADMIN_ALLOWED_NETWORKS, *METRICS_ALLOWED_NETWORKS]:
    try:
        ipaddress.ip_network(_network)
    except ValueError:
        raise ImproperlyConfigured(
            f"{_network!r} is not an address or network (ADMIN_/METRICS_ALLOWED_NETWORKS)"
        ) from None

SPECTACULAR_SETTINGS = {
    "TITLE": "Arena API",
    "DESCRIPTION": "Reference competitive-gaming platform: registration, results, broadcast, wallets.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Docs assets come from drf-spectacular-sidecar: the app works without internet.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
}

# --- Static files, security -------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if ENVIRONMENT == "production"
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Outside DEBUG, WhiteNoise serves static files straight from the finders in dev/test.
WHITENOISE_USE_FINDERS = ENVIRONMENT != "production"
# API bodies are tiny. The ASGI entry point refuses a larger body with a 413 before Django
# reads it (config/body_limit.py); Django's own check is the same figure, for WSGI.
REQUEST_BODY_MAX_BYTES = env_int("REQUEST_BODY_MAX_BYTES", 256 * 1024, minimum=1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = REQUEST_BODY_MAX_BYTES
# Django spools a body above this size to a temporary file: a body under the cap never does.
FILE_UPLOAD_MAX_MEMORY_SIZE = max(2_621_440, REQUEST_BODY_MAX_BYTES)

DEFAULT_EXCEPTION_REPORTER_FILTER = "config.error_reporting.ConnectionSafeExceptionReporterFilter"

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
if ENVIRONMENT == "production":
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 3600, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=False)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Domain settings ----------------------------------------------------------------------
# Transfer locking strategy (economy); the measurements behind the default are in the README
# ("Wallet transfers under contention") and docs/economy.md.
ECONOMY_TRANSFER_STRATEGY = env_choice(
    "ECONOMY_TRANSFER_STRATEGY", "conditional", {"optimistic", "pessimistic", "conditional"}
)
ECONOMY_TRANSFER_MAX_RETRIES = env_int("ECONOMY_TRANSFER_MAX_RETRIES", 8, minimum=1)
# Idempotency-Keys are kept at least this long (Stripe keeps 24 h); `manage.py
# economy_idempotency_expire` frees older ones (docs/economy.md "Idempotency").
ECONOMY_IDEMPOTENCY_KEY_RETENTION_HOURS = env_int("ECONOMY_IDEMPOTENCY_KEY_RETENTION_HOURS", 24, minimum=1)
# Grants mint coins: capped per call and per granting user per rolling 24 h (docs/economy.md "Grants").
ECONOMY_GRANT_MAX_AMOUNT = env_int("ECONOMY_GRANT_MAX_AMOUNT", 100_000, minimum=1)
ECONOMY_GRANT_DAILY_LIMIT = env_int("ECONOMY_GRANT_DAILY_LIMIT", 1_000_000, minimum=1)
# A team invitation is open this long; accepting it later answers 409 invite_expired.
TEAM_INVITE_TTL = timedelta(hours=env_int("TEAM_INVITE_TTL_HOURS", 24 * 7, minimum=1))
# A lost or refused database connection answers 503 with this Retry-After (config/errors.py).
DATABASE_UNAVAILABLE_RETRY_AFTER = env_int("DATABASE_UNAVAILABLE_RETRY_AFTER", 5, minimum=1)
# Realtime (docs/realtime.md): retention of the outbox for `?since=` resync (by count per
# tournament and by age; `manage.py realtime_prune` applies it), events queued per listener
# before a too-slow one is closed (4408), and the fan-out: the per-process hub, or stock
# Channels group_send (the perf app's, to measure against).
REALTIME_HISTORY_SIZE = env_int("REALTIME_HISTORY_SIZE", 1000, minimum=1)
REALTIME_HISTORY_MAX_AGE_HOURS = env_int("REALTIME_HISTORY_MAX_AGE_HOURS", 24 * 7, minimum=1)
# The relay: how often each hub compares the outbox's heads with what it handed on (the
# bound on how late an event whose delivery was missed arrives).
REALTIME_RELAY_SECONDS = env_int("REALTIME_RELAY_MS", 1000, minimum=10) / 1000
# Redis: connect/read timeout of every connection (a request never waits longer on a dead
# Redis), how long publishes are skipped after a failure, and the pub/sub watchdog's period
# (silent that long: PING; silent twice that long: the subscription is declared dead).
REALTIME_REDIS_TIMEOUT_SECONDS = env_int("REALTIME_REDIS_TIMEOUT_MS", 500, minimum=10) / 1000
REALTIME_REDIS_RETRY_SECONDS = env_int("REALTIME_REDIS_RETRY_MS", 2000, minimum=0) / 1000
REALTIME_REDIS_HEALTH_SECONDS = env_int("REALTIME_REDIS_HEALTH_MS", 2000, minimum=10) / 1000
REALTIME_QUEUE_SIZE = env_int("REALTIME_QUEUE_SIZE", 256, minimum=1)
# Sockets authenticate with a single-use ticket (realtime/tickets.py) or the session;
# the API token in the URL (?token=) is accepted only outside production, for scripts.
REALTIME_TICKET_TTL_SECONDS = env_int("REALTIME_TICKET_TTL_SECONDS", 30, minimum=1)
REALTIME_URL_TOKENS = env_bool("REALTIME_URL_TOKENS", default=ENVIRONMENT != "production")
REALTIME_FANOUT = env_choice("REALTIME_FANOUT", "hub", {"hub", "channels"})
if REALTIME_FANOUT == "channels" and not PERF_APP:
    raise ImproperlyConfigured("REALTIME_FANOUT=channels is the perf app's stock fan-out: it needs PERF_APP")

# --- Tasks: notifications, certificates, webhooks (docs/tasks.md) ------------------------
# Celery on the Redis broker. Without REDIS_URL tasks run eagerly, in the process that
# enqueues them, and `manage.py tasks_dispatch --loop` (started by `make run`) stands in
# for beat. Tasks carry ids only; what to do is in the database, so a lost message is
# found again by the next dispatch (docs/tasks.md "Nothing lost").
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_IGNORE_RESULT = True
# A task is acknowledged when it ends, and a worker child that dies mid-task puts it back.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_DEFAULT_QUEUE = "arena"
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "global_keyprefix": f"{REDIS_PREFIX}:celery:",
    # An unacknowledged message (its worker killed) goes back to the queue after this.
    "visibility_timeout": env_int("TASKS_VISIBILITY_TIMEOUT_SECONDS", 600, minimum=1),
    "socket_connect_timeout": 0.5,
    "socket_timeout": 2,
}
# How often beat runs the dispatchers that read the event log and the due retries.
TASKS_DISPATCH_SECONDS = env_int("TASKS_DISPATCH_MS", 1000, minimum=10) / 1000
# A worker owns a job (an email, an endpoint's next delivery) this long; past it, a dead
# worker's job is taken again. Longer than any one attempt.
TASKS_LEASE_SECONDS = env_int("TASKS_LEASE_SECONDS", 60, minimum=1)
# Retries: the n-th failure waits base * 2**(n-1) seconds, at most the cap.
TASKS_RETRY_BASE_SECONDS = env_int("TASKS_RETRY_BASE_MS", 10_000, minimum=1) / 1000
TASKS_RETRY_MAX_SECONDS = env_int("TASKS_RETRY_MAX_SECONDS", 3600, minimum=1)
NOTIFICATION_MAX_ATTEMPTS = env_int("NOTIFICATION_MAX_ATTEMPTS", 8, minimum=1)

# Email: the console in development, Django's SMTP backend in production (EMAIL_HOST...).
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if ENVIRONMENT == "production"
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=False)
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", str(BASE_DIR / "sent-mail"))
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Arena <noreply@arena.invalid>")
# Certificates for the players placed this high or better (1: champions only).
CERTIFICATE_MAX_PLACEMENT = env_int("CERTIFICATE_MAX_PLACEMENT", 3, minimum=1)
MEDIA_ROOT = env_str("MEDIA_ROOT", str(BASE_DIR / "media"))

# Webhooks (docs/webhooks.md): a delivery waits this long for an answer; an endpoint is
# disabled after this many failures in a row; signatures older than the replay window
# are refused by receivers (webhooks.signing.verify). Private, loopback and link-local
# addresses are refused as targets in production (SSRF), allowed elsewhere.
WEBHOOK_TIMEOUT_SECONDS = env_int("WEBHOOK_TIMEOUT_SECONDS", 10, minimum=1)
WEBHOOK_MAX_FAILURES = env_int("WEBHOOK_MAX_FAILURES", 10, minimum=1)
WEBHOOK_REPLAY_WINDOW_SECONDS = env_int("WEBHOOK_REPLAY_WINDOW_SECONDS", 300, minimum=1)
WEBHOOK_ALLOW_PRIVATE_TARGETS = env_bool("WEBHOOK_ALLOW_PRIVATE_TARGETS", default=ENVIRONMENT != "production")
WEBHOOK_BATCH = env_int("WEBHOOK_BATCH", 50, minimum=1)

# Lock observability (docs/locks.md): `lock_released` JSON lines go to stdout by default
# (the platform's log collector reads the stream), to LOCK_LOG_FILE when it is set, and
# nowhere under tests (which attach their own handler) or with LOCK_LOG=off.
LOCK_LOG = env_choice("LOCK_LOG", "off" if ENVIRONMENT == "test" else "stdout", {"stdout", "off"})
LOCK_LOG_FILE = env_str("LOCK_LOG_FILE")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "core.logging.JsonFormatter"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "json"},
        "lock_stdout": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stdout"},
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
    "loggers": {
        "arena.locks": {
            "handlers": ["lock_stdout"] if LOCK_LOG == "stdout" else [],
            "level": "INFO",
            "propagate": False,
        },
        # One JSON line per request from deploy.asgi; off (level above INFO, so the
        # middleware skips the work) unless REQUEST_LOG, which production defaults on.
        "arena.request": {
            "handlers": ["console"],
            "level": "INFO" if env_bool("REQUEST_LOG", default=ENVIRONMENT == "production") else "CRITICAL",
            "propagate": False,
        },
    },
}
if LOCK_LOG_FILE:
    LOGGING["handlers"]["lock_file"] = {  # type: ignore[index]
        "class": "logging.FileHandler",
        "filename": LOCK_LOG_FILE,
        "formatter": "json",
    }
    LOGGING["loggers"]["arena.locks"]["handlers"] = ["lock_file"]  # type: ignore[index]
