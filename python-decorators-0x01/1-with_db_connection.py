#!/usr/bin/env python3
"""Task 1: open a database connection for a function and always close it.

``@with_db_connection`` opens ``users.db`` (``users_db.connect()``: the same
file as ``sqlite3.connect('users.db')`` run from this folder; ``USERS_DB``
or ``users_db.configure()`` point it elsewhere, and the file is built from
``users.csv`` when missing), passes the connection as the first positional
argument, forwards every other argument, returns the result and closes the
connection in ``finally``, on success and on error alike.  Uncommitted
changes are discarded by the close; use ``@transactional`` to commit.

The wrapper's signature is the function's minus that first parameter, since
callers never pass the connection.
"""
import functools
import inspect
from typing import Any, Callable, Optional, Tuple

import users_db


def with_db_connection(func: Callable[..., Any]) -> Callable[..., Any]:
    """Call ``func(conn, *args, **kwargs)`` on a fresh connection; close it."""
    connect = users_db.connect
    release = users_db.release

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        conn = connect()
        try:
            return func(conn, *args, **kwargs)
        finally:
            release(conn)

    signature = _without_first_parameter(func)
    if signature is not None:
        wrapper.__signature__ = signature  # type: ignore[attr-defined]
    return wrapper


def _without_first_parameter(
        func: Callable[..., Any]) -> Optional[inspect.Signature]:
    """Return ``func``'s signature without its connection parameter."""
    try:
        signature = inspect.signature(func)
    except (TypeError, ValueError):
        return None
    parameters = list(signature.parameters.values())
    if not parameters or parameters[0].kind not in (
            inspect.Parameter.POSITIONAL_ONLY,
            inspect.Parameter.POSITIONAL_OR_KEYWORD):
        return None
    return signature.replace(parameters=parameters[1:])


@with_db_connection
def get_user_by_id(conn: Any, user_id: int) -> Optional[Tuple[Any, ...]]:
    """Return the users row with this id as a tuple, or ``None``."""
    cursor = conn.cursor()
    cursor.execute("SELECT * FROM users WHERE id = ?", (user_id,))
    return cursor.fetchone()


if __name__ == "__main__":
    user = get_user_by_id(user_id=1)
    print(user)
