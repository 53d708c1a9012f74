"""``GET /healthz``: whether this server's dependencies answer, for load balancers.

Unauthenticated and cheap: one ``SELECT 1`` and, when ``REDIS_URL`` is set,
one Redis ``PING``, each bounded by ``REDIS_TIMEOUT`` / the database's own
connect timeout.  200 when all answer, 503 naming the one that does not.
"""
import functools

import redis
from django.conf import settings
from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.views.decorators.http import require_GET

from .outage import REDIS_ERRORS


@functools.cache
def _redis_client(url: str, timeout: float) -> redis.Redis:
    return redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout)


def database_answers() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except DatabaseError:
        return False


def redis_answers() -> bool:
    try:
        return bool(_redis_client(settings.REDIS_URL, settings.REDIS_TIMEOUT).ping())
    except REDIS_ERRORS:
        return False


@require_GET
def healthz(request):
    checks = {"database": database_answers()}
    if settings.REDIS_URL:
        checks["redis"] = redis_answers()
    healthy = all(checks.values())
    body = {"status": "ok" if healthy else "unavailable",
            **{name: "ok" if up else "unavailable" for name, up in checks.items()}}
    return JsonResponse(body, status=200 if healthy else 503)
