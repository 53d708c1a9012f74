#!/usr/bin/env python3
"""Follow user_data as it grows: a generator of rows inserted after it starts.

``follow_users()`` remembers the insertion position of the newest row, then
polls for rows past it, in insertion order, every ``poll_interval`` seconds,
until it is closed or nothing new arrives for ``idle_timeout`` seconds.  The
position is the ``seq`` column on MySQL/MariaDB (``AUTO_INCREMENT
INVISIBLE``, so ``SELECT *`` still returns the four SPEC columns) and the
implicit ``rowid`` on SQLite.

Run as a script to add users, one every ``--interval`` seconds (the writer
side of ``5-main.py``); their emails carry ``--tag``, so
:func:`remove_tagged_users` can take them out again:

    ./live_updates.py --count 5 --interval 0.5 --tag demo
"""
import argparse
import sys
import time
from typing import Any, Iterator, Optional

import prodev_db

seed = __import__('seed')

# Caveat: an AUTO_INCREMENT value is taken at INSERT time but seen at COMMIT
# time.  If two writers commit out of order, a row with a smaller seq can
# appear after the follower has moved past it.  Loads here commit one
# transaction at a time, which keeps seq order and commit order the same.
_MYSQL_POSITION = "seq"
_SQLITE_POSITION = "rowid"


def _queries(connection: Any) -> tuple:
    """Return (start query, page query) for the connection's backend."""
    column = (_SQLITE_POSITION if prodev_db.is_sqlite(connection)
              else _MYSQL_POSITION)
    start = f"SELECT COALESCE(MAX({column}), 0) FROM user_data"
    page = (f"SELECT {column}, {prodev_db.USER_COLUMNS} FROM user_data "
            f"WHERE {column} > %s ORDER BY {column} LIMIT %s")
    return start, page


def follow_users(poll_interval: float = 1.0,
                 idle_timeout: Optional[float] = None,
                 batch_size: int = 1000,
                 from_start: bool = False) -> Iterator[dict]:
    """Return a generator of user dicts for rows inserted after this call.

    The starting position is read now, so rows inserted between this call
    and the first ``next()`` are not missed; rows come in insertion order.

    ``poll_interval``: seconds between polls when nothing is new.
    ``idle_timeout``: stop after this many seconds without a new row
    (None: follow until the generator is closed).  ``from_start=True``
    yields the rows already present first.  The generator owns its
    connection and closes it when it stops or is closed.
    Raises ValueError for a negative interval or a batch size below 1.
    """
    if poll_interval < 0 or batch_size < 1:
        raise ValueError(f"poll_interval must be >= 0 and batch_size >= 1, "
                         f"got {poll_interval!r} and {batch_size!r}")
    # autocommit: each poll sees rows committed since the previous one
    # (inside one REPEATABLE READ transaction it would not).
    connection = prodev_db.connect(int_ages=False, autocommit=True)
    try:
        start_sql, page_sql = _queries(connection)
        last = 0 if from_start else _scalar(connection, start_sql)
    except BaseException:
        prodev_db.close_quietly(connection)
        raise
    return _follow(connection, page_sql, last, poll_interval, idle_timeout,
                   batch_size)


def _follow(connection: Any, page_sql: str, last: Any, poll_interval: float,
            idle_timeout: Optional[float], batch_size: int) -> Iterator[dict]:
    """The polling loop behind :func:`follow_users`; closes ``connection``."""
    try:
        idle_since = time.monotonic()
        while True:
            cursor = connection.cursor()
            cursor.execute(page_sql, (last, batch_size))
            rows = cursor.fetchall()   # bounded by LIMIT
            cursor.close()
            if rows:
                last = rows[-1][0]
                idle_since = time.monotonic()
                yield from (dict(user_id=r[1], name=r[2], email=r[3],
                                 age=r[4]) for r in rows)
                continue
            if (idle_timeout is not None
                    and time.monotonic() - idle_since >= idle_timeout):
                return
            time.sleep(poll_interval)
    finally:
        prodev_db.close_quietly(connection)


def _scalar(connection: Any, sql: str) -> Any:
    """Return the single value of a one-row query."""
    cursor = connection.cursor()
    try:
        cursor.execute(sql)
        return cursor.fetchone()[0]
    finally:
        cursor.close()


def add_user(connection: Any, name: str, email: str, age: int) -> str:
    """Insert one user (skipped if the email exists), commit, return its id."""
    user_id = seed.new_user_id()
    sql = (seed.SQLITE_INSERT if prodev_db.is_sqlite(connection)
           else seed.MYSQL_INSERT)
    cursor = connection.cursor()
    try:
        cursor.execute(sql, (user_id, name, email, age))
        connection.commit()
    finally:
        cursor.close()
    return user_id


# Emails of the users the writer adds: a LIKE pattern with number="%".
TAGGED_EMAIL = "live.{tag}.{number}@example.com"


def remove_tagged_users(tag: str) -> int:
    """Delete the users the writer added with ``tag``; return how many."""
    connection = prodev_db.connect()
    cursor = connection.cursor()
    try:
        cursor.execute("DELETE FROM user_data WHERE email LIKE %s",
                       (TAGGED_EMAIL.format(tag=tag, number="%"),))
        connection.commit()
        return cursor.rowcount
    finally:
        cursor.close()
        connection.close()


def main(argv: Optional[list] = None) -> int:
    """Add ``--count`` users, one every ``--interval`` seconds."""
    parser = argparse.ArgumentParser(description="Add users over time.")
    parser.add_argument("--count", type=int, default=5)
    parser.add_argument("--interval", type=float, default=0.5)
    parser.add_argument("--tag", default=str(int(time.time())),
                        help="makes the generated emails unique")
    args = parser.parse_args(argv)
    connection = prodev_db.connect()
    try:
        for number in range(1, args.count + 1):
            time.sleep(args.interval)
            add_user(connection, f"Live User {number}",
                     TAGGED_EMAIL.format(tag=args.tag, number=number),
                     20 + number)
    finally:
        connection.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
