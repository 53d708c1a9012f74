#!/usr/bin/env python3
"""Task 3: retry a database call that failed for a transient reason.

``@retry_on_failure(retries=3, delay=2)`` calls the function; when it raises
a *transient* error it waits and tries again, ``retries`` times at most
(``1 + retries`` attempts in all), then re-raises the last error unchanged.

* Transient by default: ``sqlite3.OperationalError`` whose SQLite result
  code is ``SQLITE_BUSY`` or ``SQLITE_LOCKED`` ("database is locked",
  "database table is locked").  Syntax errors, "no such table", integrity
  errors and everything else are raised at once, never retried.
  ``retry_on`` (exception types) and ``is_transient`` (a predicate) change
  that.
* Waits grow exponentially: ``delay * backoff ** (n - 1)`` before retry
  ``n``, capped at ``max_delay``, then jittered down by up to ``jitter``
  (a fraction) so that competing writers do not retry in step.  There is no
  wait after the last failure.
* Each retry is logged at WARNING on ``decorators.retry`` (function, attempt
  n/m, the wait, the error); giving up is logged at ERROR.
* Waiting goes through the module-level :func:`sleep`, the one seam tests
  replace.

Stack it under ``@with_db_connection`` to retry on the same connection (the
curriculum's order), or over it to get a fresh connection per attempt; put
it over ``@transactional`` so each attempt is a whole transaction.
"""
import functools
import logging
import random
import sqlite3
import time
from typing import Any, Callable, List, Tuple, Type, TypeVar

with_db_connection = __import__("1-with_db_connection").with_db_connection

F = TypeVar("F", bound=Callable[..., Any])

logger = logging.getLogger("decorators.retry")

SQLITE_BUSY = 5
SQLITE_LOCKED = 6
TRANSIENT_MESSAGES = ("database is locked", "database table is locked",
                      "database is busy")

_random = random.Random()


def sleep(seconds: float) -> None:
    """Wait ``seconds``; the single place retries sleep (tests patch it)."""
    time.sleep(seconds)


def is_transient_error(exc: BaseException) -> bool:
    """Say whether ``exc`` may succeed if tried again.

    SQLite errors are transient only when busy/locked; any other exception
    type that reached the check (chosen through ``retry_on``) is transient.
    """
    if isinstance(exc, sqlite3.Error):
        code = getattr(exc, "sqlite_errorcode", None)
        if code is not None:
            return code & 0xFF in (SQLITE_BUSY, SQLITE_LOCKED)
        message = str(exc).lower()
        return any(text in message for text in TRANSIENT_MESSAGES)
    return True


def backoff_delay(retry: int, delay: float, backoff: float = 2.0,
                  max_delay: float = 30.0, jitter: float = 0.1) -> float:
    """Return the wait before retry number ``retry`` (1-based), in seconds.

    ``min(max_delay, delay * backoff ** (retry - 1))``, then multiplied by a
    random factor in ``[1 - jitter, 1]``, so it never exceeds the cap.
    """
    base = min(max_delay, delay * backoff ** (retry - 1))
    if jitter:
        base *= 1.0 - jitter * _random.random()
    return base


def retry_on_failure(
        retries: int = 3, delay: float = 2, *,
        backoff: float = 2.0, max_delay: float = 30.0, jitter: float = 0.1,
        retry_on: Tuple[Type[BaseException], ...] = (
            sqlite3.OperationalError,),
        is_transient: Callable[[BaseException], bool] = is_transient_error,
) -> Callable[[F], F]:
    """Make a decorator that retries transient failures (see module doc).

    Raises ``ValueError`` at decoration time for negative ``retries`` or
    ``delay``, ``backoff < 1``, ``jitter`` outside ``[0, 1]``.
    """
    if not isinstance(retries, int) or retries < 0:
        raise ValueError(f"retries must be an int >= 0, got {retries!r}")
    if delay < 0 or max_delay < 0:
        raise ValueError(f"delay and max_delay must be >= 0, got "
                         f"{delay!r} and {max_delay!r}")
    if backoff < 1:
        raise ValueError(f"backoff must be >= 1, got {backoff!r}")
    if not 0 <= jitter <= 1:
        raise ValueError(f"jitter must be within [0, 1], got {jitter!r}")
    retry_on = tuple(retry_on)
    attempts = retries + 1

    def decorator(func: F) -> F:
        name = getattr(func, "__qualname__", repr(func))

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            attempt = 1
            while True:
                try:
                    return func(*args, **kwargs)
                except retry_on as exc:
                    if not is_transient(exc):
                        raise
                    if attempt >= attempts:
                        logger.error("%s failed (attempt %d/%d), giving up: "
                                     "%s: %s", name, attempt, attempts,
                                     type(exc).__name__, exc)
                        raise
                    pause = backoff_delay(attempt, delay, backoff,
                                          max_delay, jitter)
                    logger.warning("%s failed (attempt %d/%d), retrying in "
                                   "%.3fs: %s: %s", name, attempt, attempts,
                                   pause, type(exc).__name__, exc)
                    sleep(pause)
                    attempt += 1

        return wrapper  # type: ignore[return-value]

    return decorator


@with_db_connection
@retry_on_failure(retries=3, delay=1)
def fetch_users_with_retry(conn: Any) -> List[tuple]:
    """Return every users row, retrying while the database is locked."""
    cursor = conn.cursor()
    cursor.execute("SELECT * FROM users")
    return cursor.fetchall()


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    users = fetch_users_with_retry()
    print(users)
