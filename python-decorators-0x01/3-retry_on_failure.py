#!/usr/bin/env python3
"""Task 3: retry a database call that failed for a transient reason.

``@retry_on_failure(retries=3, delay=2)`` calls the function; when it raises
a transient error it waits ``delay`` seconds and tries again, ``retries``
times at most (``1 + retries`` attempts in all), then re-raises the last
error unchanged.  There is no wait after the last failure.

* Transient: ``sqlite3.OperationalError`` whose SQLite result code is
  ``SQLITE_BUSY`` or ``SQLITE_LOCKED`` ("database is locked").  Syntax
  errors, "no such table" and everything else are raised at once.
  ``retry_on`` (exception types) widens that to other errors.
* With only ``retries`` and ``delay`` every wait is ``delay`` seconds.
  Growing waits are opt-in keywords: ``backoff`` (each wait is the previous
  one times ``backoff``), ``max_delay`` (a cap) and ``jitter`` (each wait
  shortened at random by up to that fraction, so competing writers do not
  retry in step).
* Each retry is logged at WARNING on ``decorators.retry``; giving up at
  ERROR.  Waiting goes through the module-level :func:`sleep`, the one seam
  tests replace.

Stack it under ``@with_db_connection`` to retry on the same connection (the
curriculum's order), or over it to get a fresh connection per attempt; put
it over ``@transactional`` so each attempt is a whole transaction.
"""
import functools
import logging
import random
import sqlite3
import time

with_db_connection = __import__("1-with_db_connection").with_db_connection

logger = logging.getLogger("decorators.retry")

SQLITE_BUSY = 5
SQLITE_LOCKED = 6
# For errors made without a result code (by hand, or by older Pythons).
TRANSIENT_MESSAGES = ("database is locked", "database table is locked",
                      "database is busy")


def sleep(seconds):
    """Wait seconds (float): the one place retries sleep (tests patch it)."""
    time.sleep(seconds)


def is_transient_error(error):
    """Say whether error (an exception) may succeed if tried again.

    SQLite errors are transient only when busy or locked; any other
    exception that reached the check (chosen through ``retry_on``) is.
    """
    if isinstance(error, sqlite3.Error):
        code = getattr(error, "sqlite_errorcode", None)
        if code is not None:
            return code & 0xFF in (SQLITE_BUSY, SQLITE_LOCKED)
        message = str(error).lower()
        return any(text in message for text in TRANSIENT_MESSAGES)
    return True


def wait_before(retry, delay, backoff=1, max_delay=None, jitter=0):
    """Return the seconds to wait before retry number retry (1-based).

    delay * backoff ** (retry - 1), capped at max_delay, then shortened by
    a random fraction of at most jitter.  With the defaults: delay.
    """
    seconds = delay * backoff ** (retry - 1)
    if max_delay is not None:
        seconds = min(seconds, max_delay)
    if jitter:
        seconds *= 1 - jitter * random.random()
    return seconds


def retry_on_failure(retries=3, delay=2, *, backoff=1, max_delay=None,
                     jitter=0, retry_on=(sqlite3.OperationalError,)):
    """Make a decorator that retries transient failures (see module doc).

    retries (int >= 0) and delay (seconds >= 0) are the curriculum's; the
    keyword-only backoff (>= 1), max_delay (seconds or None), jitter (0..1)
    and retry_on (a tuple of exception types) are opt-in.  Raises
    ValueError at once for a value outside those ranges.
    """
    if type(retries) is not int or retries < 0:
        raise ValueError(f"retries must be an int >= 0, got {retries!r}")
    if delay < 0 or (max_delay is not None and max_delay < 0):
        raise ValueError(f"delay and max_delay must be >= 0, got "
                         f"{delay!r} and {max_delay!r}")
    if backoff < 1:
        raise ValueError(f"backoff must be >= 1, got {backoff!r}")
    if not 0 <= jitter <= 1:
        raise ValueError(f"jitter must be within [0, 1], got {jitter!r}")
    attempts = retries + 1

    def decorator(func):
        name = getattr(func, "__qualname__", repr(func))

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            for attempt in range(1, attempts + 1):
                try:
                    return func(*args, **kwargs)
                except retry_on as error:
                    if not is_transient_error(error):
                        raise
                    if attempt == attempts:
                        logger.error("%s failed (attempt %d/%d), giving up: "
                                     "%s: %s", name, attempt, attempts,
                                     type(error).__name__, error)
                        raise
                    pause = wait_before(attempt, delay, backoff, max_delay,
                                        jitter)
                    logger.warning("%s failed (attempt %d/%d), retrying in "
                                   "%.3gs: %s: %s", name, attempt, attempts,
                                   pause, type(error).__name__, error)
                    sleep(pause)

        return wrapper

    return decorator


@with_db_connection
@retry_on_failure(retries=3, delay=1)
def fetch_users_with_retry(conn):
    """Return every users row (list of tuples), retrying while locked."""
    cursor = conn.cursor()
    cursor.execute("SELECT * FROM users")
    return cursor.fetchall()


if __name__ == "__main__":
    users = fetch_users_with_retry()
    print(users)
