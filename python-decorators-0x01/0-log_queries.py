#!/usr/bin/env python3
"""Task 0: log every SQL query a function runs.

``@log_queries`` writes one line per call to the ``decorators.log_queries``
logger, after the call::

    [2026-01-01 12:00:00] Executing SQL Query: SELECT * FROM users \
| params=() | 0.21 ms | 10 rows

The timestamp is when the call started; the SQL (the ``query`` argument,
keyword or first positional) is shown on one line; then the bound parameters,
the elapsed milliseconds and the outcome: the number of rows returned, or
``failed: <ExceptionType>: <message>``.  Failed calls are logged at ERROR and
the exception is re-raised unchanged; successful ones at INFO.

Running this file configures logging to print those lines and runs
``fetch_all_users(query="SELECT * FROM users")``.
"""
import functools
import logging
import sys
import time
from datetime import datetime
from typing import Any, Callable, List, Sequence, TypeVar

import query_tools
import users_db

F = TypeVar("F", bound=Callable[..., Any])

logger = logging.getLogger("decorators.log_queries")


def describe_result(result: Any) -> str:
    """Say in a few words what a query function returned."""
    if isinstance(result, list):
        return f"{len(result)} row{'' if len(result) == 1 else 's'}"
    if result is None:
        return "no result"
    if isinstance(result, tuple):
        return "1 row"
    return f"returned {type(result).__name__}"


def log_queries(func: F) -> F:
    """Log the SQL, parameters, duration and outcome of each call to ``func``.

    The SQL is taken from the ``query`` keyword or the first positional
    argument (see ``query_tools.sql_getter``); arguments and the return value
    pass through untouched.
    """
    get_sql = query_tools.sql_getter(func, default_index=0)

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        sql, params = get_sql(args, kwargs)
        started_at = datetime.now()
        start = time.perf_counter()
        try:
            result = func(*args, **kwargs)
        except Exception as exc:
            logger.error("[%s] Executing SQL Query: %s | params=%r | "
                         "%.2f ms | failed: %s: %s",
                         started_at.strftime("%Y-%m-%d %H:%M:%S"),
                         query_tools.normalize_sql(sql) if sql else sql,
                         params, (time.perf_counter() - start) * 1000,
                         type(exc).__name__, exc)
            raise
        if logger.isEnabledFor(logging.INFO):
            logger.info("[%s] Executing SQL Query: %s | params=%r | "
                        "%.2f ms | %s",
                        started_at.strftime("%Y-%m-%d %H:%M:%S"),
                        query_tools.normalize_sql(sql) if sql else sql,
                        params, (time.perf_counter() - start) * 1000,
                        describe_result(result))
        return result

    return wrapper  # type: ignore[return-value]


@log_queries
def fetch_all_users(query: str, params: Sequence[Any] = ()) -> List[tuple]:
    """Run ``query`` (optional ``params``) on users.db; return all rows."""
    conn = users_db.connect()
    try:
        rows = conn.execute(query, params).fetchall()
        conn.commit()
        return rows
    finally:
        users_db.release(conn)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(message)s",
                        stream=sys.stdout)
    users = fetch_all_users(query="SELECT * FROM users")
