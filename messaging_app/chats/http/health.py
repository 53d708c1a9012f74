"""Probes for load balancers and orchestrators, unauthenticated and cheap.

``GET /healthz`` (liveness): whether this server's dependencies answer: one
``SELECT 1`` and, when ``REDIS_URL`` is set, one Redis ``PING``, each bounded
by ``REDIS_TIMEOUT`` / the database's own connect timeout.  200 when all
answer, 503 naming the one that does not.

``GET /readyz`` (readiness: send traffic here?): the database takes a write
(an UPDATE rolled back at once, so a read-only replica or file fails it),
Redis answers when configured, and every migration is applied.  200, or 503
with what is wrong in the body, and a warning in the log.
"""
import functools
import logging

import redis
from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
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


logger = logging.getLogger(__name__)
# Migrations, once all applied, stay applied for this process's life: the
# graph is loaded from disk until then, not on every probe.
_migrations_applied = False


def database_write_problem() -> str:
    """'' when the database takes a write, else why not (rolled back either way)."""
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("UPDATE django_migrations SET app = app WHERE id = "
                               "(SELECT MIN(id) FROM django_migrations)")
            transaction.set_rollback(True)
        return ""
    except DatabaseError as exc:
        return f"unavailable: {str(exc).strip().splitlines()[0]}"


def unapplied_migrations() -> list[str]:
    """The migrations not applied yet (``app.name``), [] when none are."""
    global _migrations_applied
    if _migrations_applied:
        return []
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    pending = [f"{migration.app_label}.{migration.name}" for migration, _ in plan]
    _migrations_applied = not pending
    return pending


@require_GET
def readyz(request):
    checks = {"database": database_write_problem() or "ok"}
    if checks["database"] == "ok":
        try:
            pending = unapplied_migrations()
        except DatabaseError as exc:
            pending = [f"unreadable: {exc}"]
        checks["migrations"] = (f"{len(pending)} not applied: {', '.join(pending)}"
                                if pending else "ok")
    if settings.REDIS_URL:
        checks["redis"] = "ok" if redis_answers() else "unavailable"
    ready = all(value == "ok" for value in checks.values())
    if not ready:
        logger.warning("not ready: %s", "; ".join(
            f"{name} {value}" for name, value in checks.items() if value != "ok"))
    return JsonResponse({"status": "ready" if ready else "unavailable", **checks},
                        status=200 if ready else 503)
