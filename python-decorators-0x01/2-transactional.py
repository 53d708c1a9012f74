#!/usr/bin/env python3
"""Task 2: run a function inside a database transaction.

``@transactional`` (stacked under ``@with_db_connection``) takes the
connection from the first argument (or ``conn=``) and:

* when no transaction is open: issues ``BEGIN``, commits when the function
  returns, and on any exception rolls back and re-raises the original
  exception (a failing rollback is logged, never raised in its place);
* when one is already open (an outer ``@transactional`` call on the same
  connection, or a transaction the caller began): runs the function in a
  ``SAVEPOINT``, released on success and rolled back to on failure, so an
  inner failure that the outer function catches undoes only the inner
  work; whoever opened the transaction commits it.
"""
import functools
import logging
import sqlite3

with_db_connection = __import__("1-with_db_connection").with_db_connection

logger = logging.getLogger("decorators.transactional")

# SQLite lets savepoints share a name: ROLLBACK TO and RELEASE act on the
# most recent one, so nested calls need no counter.
SAVEPOINT = "transactional"


def transactional(func):
    """Commit func's work on success; roll back and re-raise on error.

    func (callable) takes a sqlite3 connection as its first argument.
    Returns the wrapper, which returns func's result.
    """
    @functools.wraps(func)
    def wrapper(conn, *args, **kwargs):
        if conn.in_transaction:
            return _in_savepoint(conn, func, args, kwargs)
        conn.execute("BEGIN")
        try:
            result = func(conn, *args, **kwargs)
            conn.commit()
        except BaseException:
            _undo(conn.rollback, func)
            raise
        return result

    return wrapper


def _in_savepoint(conn, func, args, kwargs):
    """Run func inside a savepoint; undo only its work if it raises."""
    conn.execute(f"SAVEPOINT {SAVEPOINT}")
    try:
        result = func(conn, *args, **kwargs)
    except BaseException:
        def roll_back_to_savepoint():
            conn.execute(f"ROLLBACK TO SAVEPOINT {SAVEPOINT}")
            conn.execute(f"RELEASE SAVEPOINT {SAVEPOINT}")
        _undo(roll_back_to_savepoint, func)
        raise
    conn.execute(f"RELEASE SAVEPOINT {SAVEPOINT}")
    return result


def _undo(roll_back, func):
    """Run a rollback step; log (never raise) its own failure."""
    try:
        roll_back()
    except sqlite3.Error as error:
        logger.error("rollback for %s failed: %s: %s",
                     getattr(func, "__qualname__", func),
                     type(error).__name__, error)


@with_db_connection
@transactional
def update_user_email(conn, user_id, new_email):
    """Set the email (str) of user user_id (int); rolled back on error."""
    cursor = conn.cursor()
    cursor.execute("UPDATE users SET email = ? WHERE id = ?",
                   (new_email, user_id))


if __name__ == "__main__":
    update_user_email(user_id=1, new_email='Crawford_Cartwright@hotmail.com')
