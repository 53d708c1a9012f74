"""Settings for the messaging API.

Everything that differs between machines comes from environment variables,
read here and nowhere else (``.env.example`` lists every one; a ``.env``
file fills in those the environment does not set):

- ``DJANGO_SECRET_KEY``: required in production, strong as ``check --deploy``
  defines it (at least 50 characters, 5 different ones, not
  ``django-insecure-...``) and not a shorter text repeated; otherwise the
  process refuses to start.  With ``DJANGO_DEBUG=1`` on loopback hosts only,
  a weak key is allowed, and without one each installation makes its own
  once, kept in ``DJANGO_SECRET_KEY_FILE`` (default ``.secret_key`` beside
  ``manage.py``, git-ignored).  Tests run with
  ``messaging_app/test_settings.py`` (a random key per run).
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
- ``DJANGO_LOGIN_FAILURE_LIMIT``, ``DJANGO_LOGIN_ADDRESS_FAILURE_LIMIT``,
  ``DJANGO_LOGIN_USERNAME_SLOWDOWN_AFTER``,
  ``DJANGO_LOGIN_USERNAME_SLOWDOWN_MAX_SECONDS``, ``DJANGO_LOGIN_LOCKOUT_SECONDS``:
  failed-login limits (``chats/accounts/login_limits.py``).
- ``DJANGO_SOCKET_RECHECK_SECONDS``: how often each server process rechecks,
  in one query, that the users of its open WebSockets are active with the
  same password.
- ``DJANGO_MAX_SOCKETS_PER_USER``, ``DJANGO_SOCKET_FRAMES_PER_SECOND``,
  ``DJANGO_TYPING_MIN_INTERVAL``: limits per user and per socket.
- ``DJANGO_PRESENCE_FLUSH_SECONDS``: how often each server process settles
  and announces the presence changes of its sockets' users, all at once.
- ``DJANGO_CONN_MAX_AGE``, ``DJANGO_DB_POOL_SIZE``, ``DJANGO_DB_POOL_TIMEOUT``:
  database connections (bounded; see DATABASES below).
- ``DJANGO_THROTTLE_ANON`` / ``DJANGO_THROTTLE_USER`` /
  ``DJANGO_THROTTLE_SEND`` / ``DJANGO_THROTTLE_CONVERSATION``: DRF rates such
  as ``100/min`` (conversation: conversations one user creates).
- ``DJANGO_MAX_BODY_BYTES``: the largest request body accepted (413 beyond).
- ``DJANGO_MAX_CONCURRENT_REQUESTS``: HTTP requests in progress per process
  (503 beyond).
- ``DJANGO_NUM_PROXIES``: how many trusted proxies append to
  ``X-Forwarded-For`` in front of the server (default 0: the header is ignored);
  with one or more, the proxy's ``X-Request-ID`` names the request in the log.
- ``DJANGO_LOG_LEVEL`` / ``DJANGO_LOG_FORMAT``: the root log level (default
  WARNING; each request's access line is INFO) and ``text`` or ``json`` lines;
  ``DJANGO_ACCESS_LOG=0`` leaves the access lines out.
"""
import os
import secrets
import tempfile
import warnings
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.checks.security.base import (SECRET_KEY_INSECURE_PREFIX, SECRET_KEY_MIN_LENGTH,
                                              SECRET_KEY_MIN_UNIQUE_CHARACTERS)
from django.core.exceptions import ImproperlyConfigured
from dotenv import load_dotenv

BASE_DIR = Path(__file__).resolve().parent.parent

# A .env file beside manage.py (or DJANGO_ENV_FILE; empty: none) fills in
# variables the environment does not set.
ENV_FILE = os.environ.get("DJANGO_ENV_FILE", str(BASE_DIR / ".env"))
if ENV_FILE:
    load_dotenv(ENV_FILE, override=False)

DEBUG = os.environ.get("DJANGO_DEBUG", "") == "1"

LOOPBACK_HOSTS = ["localhost", "127.0.0.1", "[::1]"]
_hosts = [h.strip() for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "").split(",") if h.strip()]

MAKE_A_KEY = ("make one with: python -c 'import secrets; "
              "print(secrets.token_urlsafe(50))'")


def _weakness(key: str) -> str:
    """Why key is too weak to sign tokens and sessions ('' when it is not).

    ``check --deploy``'s rules (security.W009: Django's insecure prefix,
    fewer than 50 characters or fewer than 5 different ones), and a shorter
    text repeated (``"changeme" * 7`` passes Django's rules)."""
    if key.startswith(SECRET_KEY_INSECURE_PREFIX):
        return "is in Django's insecure development form (django-insecure-...)"
    if len(key) < SECRET_KEY_MIN_LENGTH:
        return (f"is {len(key)} characters long "
                f"(at least {SECRET_KEY_MIN_LENGTH} are needed)")
    if len(set(key)) < SECRET_KEY_MIN_UNIQUE_CHARACTERS:
        return f"uses fewer than {SECRET_KEY_MIN_UNIQUE_CHARACTERS} different characters"
    if (key + key).find(key, 1) < len(key):
        return "is a shorter text repeated"
    return ""


def _installation_key(path: Path) -> str:
    """This installation's development key: read from path, made there
    (mode 0600) on first use.  Several processes starting at once agree on
    one: each writes its own file and links it into place, the first wins."""
    if not path.exists():
        spare = path.with_name(f"{path.name}.{os.getpid()}.new")
        descriptor = os.open(spare, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as spare_file:
            spare_file.write(secrets.token_urlsafe(50) + "\n")
        try:
            os.link(spare, path)
        except FileExistsError:
            pass
        finally:
            os.unlink(spare)
    return path.read_text().strip()


_loopback_only = set(_hosts) <= {*LOOPBACK_HOSTS, "testserver"}
# Where a debug server without DJANGO_SECRET_KEY keeps its own key (git-ignored).
SECRET_KEY_FILE = Path(os.environ.get("DJANGO_SECRET_KEY_FILE", "") or BASE_DIR / ".secret_key")
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if DEBUG and _loopback_only:
        # Made once per installation, so that development tokens survive
        # restarts and no two clones share a key (a token from one is refused
        # by the other); never for a server reachable under another name.
        SECRET_KEY = _installation_key(SECRET_KEY_FILE)
    else:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set; " + MAKE_A_KEY + " and set it (see .env.example)"
            + ("" if DEBUG else ", or set DJANGO_DEBUG=1 for local development on loopback"))
elif _weakness(SECRET_KEY) and not (DEBUG and _loopback_only):
    raise ImproperlyConfigured(
        f"DJANGO_SECRET_KEY {_weakness(SECRET_KEY)}; {MAKE_A_KEY}"
        + (" (a weak key is allowed in debug only while DJANGO_ALLOWED_HOSTS names "
           "loopback hosts alone)" if DEBUG else ""))

if _hosts:
    ALLOWED_HOSTS = _hosts
elif DEBUG:
    ALLOWED_HOSTS = [*LOOPBACK_HOSTS, "testserver"]
else:
    raise ImproperlyConfigured(
        "DJANGO_ALLOWED_HOSTS is not set: list the host names this server answers to, "
        "comma-separated (e.g. DJANGO_ALLOWED_HOSTS=chat.example.com), or set "
        "DJANGO_DEBUG=1 for local development")

INSTALLED_APPS = [
    # First, so that runserver is daphne's: HTTP and WebSockets in development.
    # Production runs uvicorn (the README).
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
    "axes",
    "chats",
    "webchat",
]

MIDDLEWARE = [
    # First: every log line of a request carries its id (X-Request-ID).
    "chats.http.request_id.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Static files (the chat page, admin, Swagger UI) before anything else runs.
    "chats.http.static.StaticFilesMiddleware",
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
#
# Connections are bounded.  Under ASGI every request's sync code runs in a
# thread of its own, so connections kept per thread (CONN_MAX_AGE > 0) pile
# up with the threads until the database refuses more: the default is 0, one
# connection per request, closed at its end.  On PostgreSQL,
# DJANGO_DB_POOL_SIZE > 0 instead shares a psycopg pool of at most that many
# connections per server process; a request waits up to
# DJANGO_DB_POOL_TIMEOUT seconds for one.  A database that refuses or fails
# answers 503 database_unavailable (chats.http.exceptions.server_error).
DB_POOL_SIZE = int(os.environ.get("DJANGO_DB_POOL_SIZE", "0"))
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=0 if DB_POOL_SIZE else int(os.environ.get("DJANGO_CONN_MAX_AGE", "0")),
    )
}
if DB_POOL_SIZE and DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": 1, "max_size": DB_POOL_SIZE,
        "timeout": float(os.environ.get("DJANGO_DB_POOL_TIMEOUT", "5")),
        # Idle connections above min_size close after this many seconds.
        "max_idle": 30}
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

# Failed-login limits (django-axes, see chats/accounts/login_limits.py): every
# authenticate() call is checked and counted first.  Debug's default limits
# are ten times higher (a developer's typos on the demo accounts lock nothing).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]


def _login_limit(name: str, default: int, debug_default: int) -> int:
    """A failed-login limit from DJANGO_LOGIN_<NAME> (a positive integer)."""
    raw = os.environ.get(f"DJANGO_LOGIN_{name}", "")
    if not raw.strip():
        return debug_default if DEBUG else default
    if not raw.strip().isdigit() or int(raw) < 1:
        raise ImproperlyConfigured(f"DJANGO_LOGIN_{name} must be a positive integer, got {raw!r}")
    return int(raw)


# Failures of one username from one address before that pair is locked out.
AXES_FAILURE_LIMIT = _login_limit("FAILURE_LIMIT", 10, 100)
# Failures from one address, all usernames together, before it is locked out.
LOGIN_ADDRESS_FAILURE_LIMIT = _login_limit("ADDRESS_FAILURE_LIMIT", 50, 500)
# Failures of one username, all addresses together, before each attempt waits
# a cool-down after its last failure: 1 s, doubling per further failure, at
# most LOGIN_USERNAME_SLOWDOWN_MAX_SECONDS.
LOGIN_USERNAME_SLOWDOWN_AFTER = _login_limit("USERNAME_SLOWDOWN_AFTER", 30, 300)
LOGIN_USERNAME_SLOWDOWN_MAX_SECONDS = _login_limit("USERNAME_SLOWDOWN_MAX_SECONDS", 60, 60)
# How long a lockout lasts after the last failure, and how long failures count.
AXES_COOLOFF_TIME = timedelta(seconds=_login_limit("LOCKOUT_SECONDS", 900, 900))
AXES_HANDLER = "chats.accounts.login_limits.LoginLimitHandler"
# The lockout counts per (username, address) pair, and a success clears only
# its own pair's failures; the per-address and per-username limits are the
# handler's.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_CALLABLE = "chats.accounts.login_limits.username_key"
# Attempts refused during a lockout are not counted and do not extend it (no
# endless lockout of a victim).
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

REDIS_URL = os.environ.get("REDIS_URL", "")
# Seconds any Redis call may take before it counts as failed (chats.http.outage):
# a down or hung Redis then slows a request by at most this, once.
REDIS_TIMEOUT = float(os.environ.get("DJANGO_REDIS_TIMEOUT", "1"))
# "local": what throttles count in while Redis is unavailable.
LOCAL_CACHE = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
               "LOCATION": "local"}
# One connection pool per process, not one per request's thread (chats.http.redis_pool).
REDIS_CACHE_OPTIONS = {"pool_class": "chats.http.redis_pool.ProcessConnectionPool",
                       "socket_connect_timeout": REDIS_TIMEOUT,
                       "socket_timeout": REDIS_TIMEOUT}
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                          "LOCATION": REDIS_URL, "OPTIONS": REDIS_CACHE_OPTIONS},
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
# Seconds a user must wait between two typing notices for one conversation
# (across all of that user's sockets).
TYPING_MIN_INTERVAL = float(os.environ.get("DJANGO_TYPING_MIN_INTERVAL", "2"))
# Open WebSockets per user, across every server process sharing REDIS_URL (in
# this process without Redis); one more is closed with 4429.
MAX_SOCKETS_PER_USER = int(os.environ.get("DJANGO_MAX_SOCKETS_PER_USER", "20"))
# Frames a socket may send per second (bursts of 4x that); beyond it frames are
# dropped with a rate_limited error, and a sustained flood closes it with 4429.
SOCKET_FRAMES_PER_SECOND = float(os.environ.get("DJANGO_SOCKET_FRAMES_PER_SECOND", "5"))
# Seconds between two rounds, in each server process, that settle the presence
# of the users whose first socket opened or last one closed (a few queries and one
# presence message per conversation, whatever the number: chats.realtime.presence_batch).
PRESENCE_FLUSH_SECONDS = float(os.environ.get("DJANGO_PRESENCE_FLUSH_SECONDS", "1"))

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
# Request bodies over this many bytes are refused with 413 before any of them
# is read (chats.http.guards.BodyLimit); Django's own check agrees.
MAX_BODY_BYTES = int(os.environ.get("DJANGO_MAX_BODY_BYTES", str(1024 * 1024)))
DATA_UPLOAD_MAX_MEMORY_SIZE = MAX_BODY_BYTES
# HTTP requests in progress per server process; one more is answered 503
# overloaded with Retry-After (chats.http.guards.ConcurrencyLimit).
MAX_CONCURRENT_REQUESTS = int(os.environ.get("DJANGO_MAX_CONCURRENT_REQUESTS", "64"))

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



def rate_from_env(name: str, default: str):
    """A DRF rate from DJANGO_THROTTLE_<NAME>, else default; ``off`` means no limit."""
    value = os.environ.get(f"DJANGO_THROTTLE_{name.upper()}", default)
    return None if value.strip().lower() in ("off", "none", "") else value


THROTTLE_RATES = {
    "anon": rate_from_env("anon", "60/min"),
    "user": rate_from_env("user", "1200/min"),
    "send": rate_from_env("send", "120/min"),
    "conversation": rate_from_env("conversation", "30/hour"),
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework_simplejwt.authentication.JWTAuthentication",
        "rest_framework.authentication.SessionAuthentication",
        # HTTP Basic in debug only (curl by hand): it hashes a password on
        # every request, before any throttle runs.
        *(["rest_framework.authentication.BasicAuthentication"] if DEBUG else []),
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "chats.pagination.MessagePagination",
    "PAGE_SIZE": 20,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "chats.filters.BoundedSearchFilter",
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

if not DEBUG:
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
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = os.environ.get("DJANGO_HSTS_INCLUDE_SUBDOMAINS", "0") == "1"
SECURE_HSTS_PRELOAD = os.environ.get("DJANGO_HSTS_PRELOAD", "0") == "1"

# Log lines: time, level, logger, the request's id (chats.http.request_id;
# "-" outside a request), message; DJANGO_LOG_FORMAT=json writes one JSON
# object a line instead (python-json-logger), for a log collector.  One
# handler, on the root logger: every logger propagates to it and none has
# its own, so no line is written twice (uvicorn's loggers included: their
# own handlers are replaced; its access line gives way to chats.request's,
# which carries the request id).
LOG_LEVEL = os.environ.get("DJANGO_LOG_LEVEL", "WARNING").strip().upper() or "WARNING"
LOG_FORMAT = os.environ.get("DJANGO_LOG_FORMAT", "text").strip().lower() or "text"
ACCESS_LOG = os.environ.get("DJANGO_ACCESS_LOG", "1") != "0"
if LOG_FORMAT not in ("text", "json"):
    raise ImproperlyConfigured(
        f"DJANGO_LOG_FORMAT is {LOG_FORMAT!r}: use text (the default) or json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "chats.http.request_id.RequestIdFilter"}},
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "pythonjsonlogger.json.JsonFormatter",
                 "fmt": "%(levelname)s %(name)s %(request_id)s %(message)s",
                 "rename_fields": {"levelname": "level", "name": "logger"},
                 "timestamp": "time"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT,
                             "filters": ["request_id"]}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    # Django's own defaults give "django" and "django.server" handlers of their own.
    "loggers": {"django": {"handlers": [], "level": LOG_LEVEL},
                "django.server": {"handlers": [], "propagate": True},
                "django.request": {"level": "WARNING"},
                # axes logs each failed login (a security log).
                "axes": {"level": "WARNING"},
                # Oversize bodies and bad hosts.
                "django.security": {"level": "WARNING"},
                # One access line per request: method, path, status, milliseconds
                # (DJANGO_ACCESS_LOG=0: none).
                "chats.request": {"level": "INFO" if ACCESS_LOG else "WARNING"},
                # runserver (daphne) would log each request a second time.
                "django.channels.server": {"level": "WARNING"},
                "uvicorn": {"handlers": []},
                "uvicorn.error": {"handlers": []},
                "uvicorn.access": {"handlers": [], "propagate": False}},
}
