"""Settings for the messaging API.

Everything that differs between machines comes from environment variables,
read here and nowhere else (``.env.example`` lists every one; a ``.env``
file fills in those the environment does not set):

- ``DJANGO_SECRET_KEY``: required in production, at least 50 characters and
  not ``django-insecure-...``; otherwise the process refuses to start, unless
  ``DJANGO_DEBUG=1`` on loopback hosts only (a fixed development key) or the
  command is ``manage.py test`` (a random key per process).
- ``DJANGO_DEBUG``: ``1`` turns debug on; anything else leaves it off.
- ``DJANGO_ALLOWED_HOSTS``: comma-separated host names; required outside debug.
- ``DJANGO_SECURE_PROXY_SSL_HEADER``, ``DJANGO_CSRF_TRUSTED_ORIGINS``,
  ``DJANGO_SSL_REDIRECT``, ``DJANGO_HSTS_*``: serving behind a TLS proxy.
- ``DATABASE_URL``: any dj-database-url URL; default is SQLite in WAL mode
  at ``db.sqlite3`` beside ``manage.py``.
- ``REDIS_URL``: when set, the cache (throttle counters) and the Channels
  layer (WebSocket delivery) live in Redis, so every server process shares
  the same limits and delivers each other's events; ``DJANGO_REDIS_TIMEOUT``
  bounds each Redis call (``chats/outage.py``: what still works without it).
- ``DJANGO_LOGIN_FAILURE_LIMIT`` / ``DJANGO_LOGIN_LOCKOUT_SECONDS``: failed
  logins allowed per username and per client, and the lockout after them.
- ``DJANGO_SOCKET_RECHECK_SECONDS``: how often an open WebSocket rechecks
  that its user is active with the same password.
- ``DJANGO_THROTTLE_ANON`` / ``DJANGO_THROTTLE_USER`` /
  ``DJANGO_THROTTLE_SEND``: DRF rates such as ``100/min``.
- ``DJANGO_NUM_PROXIES``: how many trusted proxies append to
  ``X-Forwarded-For`` in front of the server (default 0: the header is ignored).
"""
import importlib.util
import os
import secrets
import sys
import tempfile
import warnings
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from dotenv import load_dotenv

BASE_DIR = Path(__file__).resolve().parent.parent

TESTING = len(sys.argv) > 1 and sys.argv[1] == "test"

# A .env file beside manage.py (or DJANGO_ENV_FILE; empty: none) fills in
# variables the environment does not set.  Test runs ignore it, so that they
# do not depend on a developer's local configuration.
ENV_FILE = os.environ.get("DJANGO_ENV_FILE", str(BASE_DIR / ".env"))
if ENV_FILE and not TESTING:
    load_dotenv(ENV_FILE, override=False)

DEBUG = os.environ.get("DJANGO_DEBUG", "") == "1"

LOOPBACK_HOSTS = ["localhost", "127.0.0.1", "[::1]"]
_hosts = [h.strip() for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "").split(",") if h.strip()]

MAKE_A_KEY = ("make one with: python -c 'import secrets; "
              "print(secrets.token_urlsafe(50))'")


def _weakness(key: str) -> str:
    """Why key is too weak to sign tokens and sessions ('' when it is not)."""
    if key.startswith("django-insecure-"):
        return "is in Django's insecure development form (django-insecure-...)"
    if len(key) < 50:
        return f"is {len(key)} characters long (at least 50 are needed)"
    if len(set(key)) < 5:
        return "uses fewer than 5 different characters"
    return ""


SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if TESTING:
        SECRET_KEY = secrets.token_urlsafe(50)
    elif DEBUG and set(_hosts) <= {*LOOPBACK_HOSTS, "testserver"}:
        # Fixed, so development tokens survive restarts; never for a server
        # reachable under another name.
        SECRET_KEY = "django-insecure-development-only-key-never-use-in-production"
    else:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set; " + MAKE_A_KEY + " and set it (see .env.example)"
            + ("" if DEBUG else ", or set DJANGO_DEBUG=1 for local development on loopback"))
elif not DEBUG and _weakness(SECRET_KEY):
    raise ImproperlyConfigured(
        f"DJANGO_SECRET_KEY {_weakness(SECRET_KEY)}; {MAKE_A_KEY}")

if _hosts:
    ALLOWED_HOSTS = _hosts
elif DEBUG or TESTING:
    ALLOWED_HOSTS = [*LOOPBACK_HOSTS, "testserver"]
else:
    raise ImproperlyConfigured(
        "DJANGO_ALLOWED_HOSTS is not set: list the host names this server answers to, "
        "comma-separated (e.g. DJANGO_ALLOWED_HOSTS=chat.example.com), or set "
        "DJANGO_DEBUG=1 for local development")

INSTALLED_APPS = [
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
    "axes",
    "chats",
    "webchat",
]
if importlib.util.find_spec("daphne"):
    # First, so that runserver is daphne's and serves WebSockets too.  daphne
    # is a development requirement; production runs uvicorn.
    INSTALLED_APPS.insert(0, "daphne")

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Static files (the chat page, admin, Swagger UI) before anything else runs.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "chats.http.middleware.RejectNullBytesMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last: turns a locked-out login on Django's own views into a 429.
    "axes.middleware.AxesMiddleware",
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

# Failed-login limits (django-axes, see chats/login_limits.py): every
# authenticate() call is checked and counted first.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("DJANGO_LOGIN_FAILURE_LIMIT", "10"))
AXES_COOLOFF_TIME = timedelta(seconds=int(os.environ.get("DJANGO_LOGIN_LOCKOUT_SECONDS", "900")))
# Counted per username and, separately, per client address.
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
# A lockout ends AXES_COOLOFF_TIME after the last counted failure; attempts
# during it are refused without extending it (no endless lockout of a victim).
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_CLIENT_IP_CALLABLE = "chats.accounts.login_limits.client_address"
AXES_LOCKOUT_CALLABLE = "chats.accounts.login_limits.lockout_response"
AXES_DISABLE_ACCESS_LOG = True  # no row per successful login
AXES_VERBOSE = False

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
# Seconds any Redis call may take before it counts as failed (chats.http.outage):
# a down or hung Redis then slows a request by at most this, once.
REDIS_TIMEOUT = float(os.environ.get("DJANGO_REDIS_TIMEOUT", "1"))
# "local": what throttles count in while Redis is unavailable.
LOCAL_CACHE = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
               "LOCATION": "local"}
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                          "LOCATION": REDIS_URL,
                          "OPTIONS": {"socket_connect_timeout": REDIS_TIMEOUT,
                                      "socket_timeout": REDIS_TIMEOUT}},
              "local": LOCAL_CACHE}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
              "local": LOCAL_CACHE}

# Channels: in-process delivery by default (one server process); with
# REDIS_URL several processes or machines share delivery through Redis.
if REDIS_URL:
    # The layer's blocking read waits 1 s (chats/channel_layer.py), so the
    # socket timeout can be REDIS_TIMEOUT + 1 s: idle sockets stay open and a
    # hung Redis is noticed.  max_connections: redis-py's pool refuses
    # (MaxConnectionsError) beyond its default 100 instead of waiting; 200
    # sockets connecting at once (bench/bench_realtime.py) each run group_add.
    CHANNEL_LAYERS = {"default": {
        "BACKEND": "chats.realtime.channel_layer.BoundedRedisChannelLayer",
        "CONFIG": {"hosts": [{
            "address": REDIS_URL,
            "socket_connect_timeout": REDIS_TIMEOUT,
            "socket_timeout": REDIS_TIMEOUT + 1,
            "max_connections": int(os.environ.get("DJANGO_REDIS_MAX_CONNECTIONS", "1000"))}],
            "capacity": 1000}}}
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer",
                                  "CONFIG": {"capacity": 1000}}}
# capacity: events queued per socket before the layer drops new ones (default 100).  A
# dropped message.created is repaired by the consumer's gap fill on the next one.
# Seconds between two checks, by each open WebSocket, that its user is still
# active with the same password (chats.accounts.revocation); notices close them sooner.
SOCKET_RECHECK_SECONDS = float(os.environ.get("DJANGO_SOCKET_RECHECK_SECONDS", "30"))
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

# Message attachments go through Django's storage API (``attachments``):
# files under DJANGO_MEDIA_ROOT (default media/ beside manage.py), or an
# S3-compatible bucket when DJANGO_ATTACHMENTS_BUCKET is set (django-storages;
# it reads AWS_S3_ENDPOINT_URL, AWS_S3_REGION_NAME, AWS_ACCESS_KEY_ID and
# AWS_SECRET_ACCESS_KEY).  Nothing is served from there directly: only the
# API's authorized download view reads the files.
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT", BASE_DIR / "media"))
ATTACHMENT_MAX_BYTES = int(os.environ.get("DJANGO_ATTACHMENT_MAX_BYTES", str(10 * 1024 * 1024)))
_ATTACHMENTS_BUCKET = os.environ.get("DJANGO_ATTACHMENTS_BUCKET", "")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    "attachments": {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {"bucket_name": _ATTACHMENTS_BUCKET, "default_acl": "private",
                    "file_overwrite": False, "querystring_auth": True},
    } if _ATTACHMENTS_BUCKET else {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": MEDIA_ROOT / "attachments"},
    },
}



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
        "chats.http.parsers.StrictJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_THROTTLE_CLASSES": [
        "chats.http.throttles.AnonThrottle",
        "chats.http.throttles.UserThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": THROTTLE_RATES,
    # Clients are told apart by the socket's address; X-Forwarded-For is read
    # only when proxies in front of the server are declared (the address the
    # last of them appended), since a client can write anything there.
    "NUM_PROXIES": int(os.environ.get("DJANGO_NUM_PROXIES", "0")),
    "EXCEPTION_HANDLER": "chats.http.exceptions.exception_handler",
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

# Behind a proxy that terminates TLS: the header it sets to "https" on the
# requests it forwards (e.g. X-Forwarded-Proto), so that Django knows a
# request was secure (https:// links, the CSRF origin check of admin logins).
_proxy_ssl_header = os.environ.get("DJANGO_SECURE_PROXY_SSL_HEADER", "").strip()
if _proxy_ssl_header:
    SECURE_PROXY_SSL_HEADER = ("HTTP_" + _proxy_ssl_header.upper().replace("-", "_"), "https")
# Origins (scheme://host[:port]) whose form posts are trusted, e.g. https://chat.example.com.
CSRF_TRUSTED_ORIGINS = [o.strip() for o in os.environ.get("DJANGO_CSRF_TRUSTED_ORIGINS", "")
                        .split(",") if o.strip()]
SECURE_SSL_REDIRECT = os.environ.get("DJANGO_SSL_REDIRECT", "0") == "1"
# A load balancer's health probe may come over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = os.environ.get("DJANGO_HSTS_INCLUDE_SUBDOMAINS", "0") == "1"
SECURE_HSTS_PRELOAD = os.environ.get("DJANGO_HSTS_PRELOAD", "0") == "1"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "WARNING")},
    # 4xx answers are the point of many tests; keep their log lines out of the report.
    "loggers": {"django.request": {"level": "ERROR" if TESTING else "WARNING"},
                # axes logs each failed login (a security log); tests fail many on purpose.
                "axes": {"level": "ERROR" if TESTING else "WARNING"},
                # Oversize bodies and bad hosts (also on purpose in tests).
                "django.security": {"level": "CRITICAL" if TESTING else "WARNING"},
                # runserver (daphne) logs each request here; once is enough.
                "django.channels.server": {"handlers": ["console"], "level": "INFO",
                                           "propagate": False}},
}
