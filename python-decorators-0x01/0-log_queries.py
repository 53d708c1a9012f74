#!/usr/bin/env python3
"""Task 0: log the SQL of every query a function runs, before it runs.

``@log_queries`` writes one line per call, before calling the function::

    [2026-01-01 12:00:00] Executing SQL Query: SELECT * FROM users

The SQL is the ``query`` argument (keyword, or the first positional string).
Where the line goes: through the ``decorators.log_queries`` logger at INFO
when the program has set up logging (any handler on that logger or its
parents, e.g. after ``logging.basicConfig()``); otherwise straight to
stdout, so a script that only imports this file still shows its queries.
After the call, the logger also records the time it took and the outcome:
the row count at DEBUG, or the error at ERROR (then re-raised unchanged).

Running this file runs ``fetch_all_users(query="SELECT * FROM users")``.
"""
import functools
import logging
import time
from datetime import datetime

import query_tools
import users_db

logger = logging.getLogger("decorators.log_queries")


def log_queries(func):
    """Log the SQL of each call to func (callable) before running it.

    Returns the wrapper; arguments and the return value pass through
    untouched, and an exception is logged and re-raised as it is.
    """
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        sql = query_tools.sql_of(args, kwargs)
        _announce(f"[{datetime.now():%Y-%m-%d %H:%M:%S}] "
                  f"Executing SQL Query: {sql}")
        start = time.perf_counter()
        try:
            result = func(*args, **kwargs)
        except Exception as error:
            logger.error("Query failed after %.2f ms: %s: %s",
                         (time.perf_counter() - start) * 1000,
                         type(error).__name__, error)
            raise
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug("Query done in %.2f ms: %s",
                         (time.perf_counter() - start) * 1000,
                         describe_result(result))
        return result

    return wrapper


def _announce(line: str) -> None:
    """Send the query line to logging if it is set up, else to stdout."""
    if logger.hasHandlers():
        logger.info("%s", line)
    else:
        print(line, flush=True)


def describe_result(result: object) -> str:
    """Say in a few words what a query function returned."""
    if isinstance(result, list):
        return f"{len(result)} row{'' if len(result) == 1 else 's'}"
    if result is None:
        return "no result"
    if isinstance(result, tuple):
        return "1 row"
    return f"returned {type(result).__name__}"


@log_queries
def fetch_all_users(query):
    """Run query (str) on users.db and return all its rows (list of tuples)."""
    conn = users_db.connect()
    try:
        return conn.execute(query).fetchall()
    finally:
        users_db.release(conn)


if __name__ == "__main__":
    users = fetch_all_users(query="SELECT * FROM users")
