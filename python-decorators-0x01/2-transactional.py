#!/usr/bin/env python3
"""Task 2: run a function inside a database transaction.

``@transactional`` (stacked under ``@with_db_connection``) takes the
connection from the first argument (or ``conn=``) and:

* outermost call: commits when the function returns; on any exception rolls
  back and re-raises the original exception (a failing rollback is logged,
  never raised in its place);
* nested call on the same connection (another ``@transactional`` function
  called from inside one, or a transaction the caller already opened): runs
  in a ``SAVEPOINT``, released on success and rolled back to on failure, so
  an inner failure that the outer function catches undoes only the inner
  work; only the outermost call commits.

Works with the default ``sqlite3`` transaction handling (``BEGIN`` is issued
implicitly before the first write, so a read-only call costs no extra
statements) and with ``isolation_level=None`` connections (an explicit
``BEGIN`` is issued).  After a commit that changed rows the write listeners
are told (the query cache of task 4 drops that database's entries).
"""
import functools
import logging
import sqlite3
from typing import Any, Callable, Dict, TypeVar

import users_db

with_db_connection = __import__("1-with_db_connection").with_db_connection

F = TypeVar("F", bound=Callable[..., Any])

logger = logging.getLogger("decorators.transactional")

# How many transactional calls are running on a connection: an attribute of
# the UsersConnection objects users_db.connect() opens; for any other
# connection, here by id(connection).  An entry lives only while a call
# runs, so a recycled id() cannot collide.
_depths: Dict[int, int] = {}
UsersConnection = users_db.UsersConnection


def transactional(func: F) -> F:
    """Commit ``func``'s work on success; roll back and re-raise on error."""
    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        conn = args[0] if args else kwargs["conn"]
        own = type(conn) is UsersConnection
        if own:
            depth = conn.transaction_depth
        else:
            key = id(conn)
            depth = _depths.get(key, 0)
        if depth or conn.in_transaction:
            return _nested(conn, own, depth, func, args, kwargs)
        # Outermost call: the whole transaction is ours.
        if own:
            conn.transaction_depth = 1
        else:
            _depths[key] = 1
        changes = conn.total_changes
        try:
            if conn.isolation_level is None:
                conn.execute("BEGIN")
            result = func(*args, **kwargs)
            conn.commit()
        except BaseException:
            _quietly(conn.rollback, func)
            raise
        finally:
            if own:
                conn.transaction_depth = 0
            else:
                del _depths[key]
        if conn.total_changes != changes:
            users_db.notify_write(users_db.database_of(conn))
        return result

    return wrapper  # type: ignore[return-value]


def _nested(conn: sqlite3.Connection, own: bool, depth: int,
            func: Callable[..., Any], args: Any, kwargs: Any) -> Any:
    """Run a nested call in a savepoint, keeping the depth count."""
    if own:
        conn.transaction_depth = depth + 1  # type: ignore[attr-defined]
    else:
        _depths[id(conn)] = depth + 1
    try:
        return _run_in_savepoint(conn, depth, func, args, kwargs)
    finally:
        if own:
            conn.transaction_depth = depth  # type: ignore[attr-defined]
        elif depth:
            _depths[id(conn)] = depth
        else:
            del _depths[id(conn)]


def _run_in_savepoint(conn: sqlite3.Connection, depth: int,
                      func: Callable[..., Any], args: Any, kwargs: Any) -> Any:
    """Run ``func`` inside ``SAVEPOINT``; undo only its work if it raises."""
    name = f"transactional_{depth}"
    if not conn.in_transaction:
        # The outer call has not written yet: open the transaction it will
        # commit, so releasing this savepoint cannot commit on its own.
        conn.execute("BEGIN")
    conn.execute(f"SAVEPOINT {name}")
    try:
        result = func(*args, **kwargs)
    except BaseException:
        def undo() -> None:
            conn.execute(f"ROLLBACK TO SAVEPOINT {name}")
            conn.execute(f"RELEASE SAVEPOINT {name}")
        _quietly(undo, func)
        raise
    conn.execute(f"RELEASE SAVEPOINT {name}")
    return result


def _quietly(undo: Callable[[], Any], func: Callable[..., Any]) -> None:
    """Run a rollback step; log (never raise) its own failure."""
    try:
        undo()
    except sqlite3.Error as exc:
        logger.error("rollback for %s failed: %s: %s",
                     getattr(func, "__qualname__", func),
                     type(exc).__name__, exc)


@with_db_connection
@transactional
def update_user_email(conn: Any, user_id: int, new_email: str) -> None:
    """Set the email of user ``user_id``; committed, rolled back on error."""
    cursor = conn.cursor()
    cursor.execute("UPDATE users SET email = ? WHERE id = ?",
                   (new_email, user_id))


if __name__ == "__main__":
    update_user_email(user_id=1, new_email='Crawford_Cartwright@hotmail.com')
