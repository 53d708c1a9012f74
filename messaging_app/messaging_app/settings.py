"""Settings for the messaging API.

Everything that differs between machines comes from environment variables,
read here and nowhere else (see ``.env.example``):

- ``DJANGO_SECRET_KEY``: required in production.  Without it the process
  refuses to start, unless ``DJANGO_DEBUG=1`` (a fixed development key) or
  the command is ``manage.py test`` (a random key per process).
- ``DJANGO_DEBUG``: ``1`` turns debug on; anything else leaves it off.
- ``DJANGO_ALLOWED_HOSTS``: comma-separated host names.
- ``DATABASE_URL``: any dj-database-url URL; default is SQLite in WAL mode
  at ``db.sqlite3`` beside ``manage.py``.
- ``REDIS_URL``: when set, the cache (throttle counters) and the Channels
  layer (WebSocket delivery) live in Redis, so every server process shares
  the same limits and delivers each other's events.
- ``DJANGO_THROTTLE_ANON`` / ``DJANGO_THROTTLE_USER`` /
  ``DJANGO_THROTTLE_SEND``: DRF rates such as ``100/min``.
"""
import os
import secrets
import sys
import tempfile
import warnings
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

TESTING = len(sys.argv) > 1 and sys.argv[1] == "test"
DEBUG = os.environ.get("DJANGO_DEBUG", "") == "1"

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if TESTING:
        SECRET_KEY = secrets.token_urlsafe(50)
    elif DEBUG:
        SECRET_KEY = "django-insecure-development-only-key-never-use-in-production"
    else:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set; set it (see .env.example), "
            "or set DJANGO_DEBUG=1 for local development"
        )

_hosts = os.environ.get("DJANGO_ALLOWED_HOSTS", "")
if _hosts:
    ALLOWED_HOSTS = [h.strip() for h in _hosts.split(",") if h.strip()]
elif DEBUG or TESTING:
    ALLOWED_HOSTS = ["localhost", "127.0.0.1", "[::1]", "testserver"]
else:
    ALLOWED_HOSTS = []

INSTALLED_APPS = [
    # First, so that runserver is daphne's: it serves HTTP and WebSockets.
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework_simplejwt",
    "rest_framework_simplejwt.token_blacklist",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "channels",
    "chats",
    "webchat",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Static files (the chat page, admin, Swagger UI) before anything else runs.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "chats.middleware.RejectNullBytesMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "messaging_app.urls"

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

WSGI_APPLICATION = "messaging_app.wsgi.application"
ASGI_APPLICATION = "messaging_app.asgi.application"

# Database: DATABASE_URL, else a SQLite file in WAL mode.  IMMEDIATE
# transactions make concurrent writers queue on the lock instead of failing
# halfway with "database is locked".
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DJANGO_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update({
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    })
    # Tests use a file, not SQLite's default in-memory database: concurrency
    # tests write from several threads and end-to-end tests from server
    # processes, which all need to see the same data.
    DATABASES["default"]["TEST"] = {
        "NAME": os.path.join(tempfile.gettempdir(), f"messaging_test_{os.getpid()}.sqlite3")}

AUTH_USER_MODEL = "chats.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    # Hashing strength is not under test; MD5 keeps the suite fast.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                          "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Channels: in-process delivery by default (one server process); with
# REDIS_URL several processes or machines share delivery through Redis.
if REDIS_URL:
    # socket_timeout=None: redis-py 8 defaults to 5 s, which aborts the
    # layer's blocking BZPOPMIN on any socket idle for 5 s and drops it
    # (django/channels_redis#422); chats/tests/test_e2e.py idles past it.
    # max_connections: redis-py's pool refuses (MaxConnectionsError) beyond
    # its default 100 instead of waiting; 200 sockets connecting at once
    # (bench/bench_realtime.py) each run group_add concurrently.
    CHANNEL_LAYERS = {"default": {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        "CONFIG": {"hosts": [{
            "address": REDIS_URL, "socket_timeout": None,
            "max_connections": int(os.environ.get("DJANGO_REDIS_MAX_CONNECTIONS", "1000"))}],
            "capacity": 1000}}}
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer",
                                  "CONFIG": {"capacity": 1000}}}
# capacity: events queued per socket before the layer drops new ones (default 100).  A
# dropped message.created is repaired by the consumer's gap fill on the next one.
# Seconds a WebSocket must wait between two typing notices for one conversation.
TYPING_MIN_INTERVAL = float(os.environ.get("DJANGO_TYPING_MIN_INTERVAL", "2"))

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# whitenoise serves STATIC_ROOT (after collectstatic) and, indexed once at
# start-up, the apps' own static folders: a fresh clone serves the chat page
# under any server without a collectstatic step.
WHITENOISE_USE_FINDERS = True
# ...so a missing STATIC_ROOT (no collectstatic yet) is normal, not worth a warning.
warnings.filterwarnings("ignore", message=r"No directory at: .*staticfiles", category=UserWarning)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"



def _rate(name: str, default: str):
    """A DRF rate from DJANGO_THROTTLE_<NAME>; ``off`` means no limit.

    Tests run unthrottled (the throttle tests set their own rates).
    """
    value = os.environ.get(f"DJANGO_THROTTLE_{name.upper()}", "off" if TESTING else default)
    return None if value.strip().lower() in ("off", "none", "") else value


THROTTLE_RATES = {
    "anon": _rate("anon", "60/min"),
    "user": _rate("user", "1200/min"),
    "send": _rate("send", "120/min"),
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework_simplejwt.authentication.JWTAuthentication",
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.BasicAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "chats.pagination.MessagePagination",
    "PAGE_SIZE": 20,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PARSER_CLASSES": [
        "chats.parsers.StrictJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_THROTTLE_CLASSES": [
        "chats.throttles.AnonThrottle",
        "chats.throttles.UserThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": THROTTLE_RATES,
    "EXCEPTION_HANDLER": "chats.exceptions.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

SIMPLE_JWT = {
    "USER_ID_FIELD": "user_id",
    "USER_ID_CLAIM": "user_id",
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=15),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=7),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": False,
    "AUTH_HEADER_TYPES": ("Bearer",),
    "SIGNING_KEY": SECRET_KEY,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Messaging API",
    "DESCRIPTION": (
        "Conversations and messages between users. Authenticate with a JWT "
        "from /api/token/ (header `Authorization: Bearer <access>`). Errors are "
        "JSON objects with a human `detail` and a stable `code`; validation "
        "errors add `errors`, a map from field to messages."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI's files come from the sidecar package: /api/docs/ works offline.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "chats.schema.add_error_responses",
    ],
}

if not DEBUG and not TESTING:
    SESSION_COOKIE_SECURE = os.environ.get("DJANGO_SECURE_COOKIES", "1") == "1"
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "WARNING")},
    # 4xx answers are the point of many tests; keep their log lines out of the report.
    "loggers": {"django.request": {"level": "ERROR" if TESTING else "WARNING"},
                # runserver (daphne) logs each request here; once is enough.
                "django.channels.server": {"handlers": ["console"], "level": "INFO",
                                           "propagate": False}},
}
