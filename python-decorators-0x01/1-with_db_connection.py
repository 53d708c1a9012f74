#!/usr/bin/env python3
"""Task 1: open a database connection for a function and always close it.

``@with_db_connection`` opens ``users.db`` (``users_db.connect()``: the same
file as ``sqlite3.connect('users.db')`` run from this folder, built from
``users.csv`` when missing; ``USERS_DB`` points it elsewhere), passes the
connection as the first positional argument, forwards every other argument,
returns the result and closes the connection in ``finally``, on success and
on error alike.  Uncommitted changes are discarded by the close; use
``@transactional`` to commit.
"""
import functools
import inspect

import users_db


def with_db_connection(func):
    """Call func(conn, *args, **kwargs) on a new connection; close it after.

    func (callable) takes the connection as its first argument; callers of
    the returned wrapper leave it out, and the wrapper's signature says so.
    """
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        conn = users_db.connect()
        try:
            return func(conn, *args, **kwargs)
        finally:
            users_db.release(conn)

    # Callers never pass the connection: show the signature without it.
    signature = inspect.signature(func)
    parameters = list(signature.parameters.values())[1:]
    wrapper.__signature__ = signature.replace(parameters=parameters)
    return wrapper


@with_db_connection
def get_user_by_id(conn, user_id):
    """Return the users row with user_id (int) as a tuple, or None."""
    cursor = conn.cursor()
    cursor.execute("SELECT * FROM users WHERE id = ?", (user_id,))
    return cursor.fetchone()


if __name__ == "__main__":
    user = get_user_by_id(user_id=1)
    print(user)
