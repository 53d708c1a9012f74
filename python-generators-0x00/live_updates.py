#!/usr/bin/env python3
"""Follow user_data as it grows: a generator of rows inserted after it starts.

Two ways to follow, one interface (``follow_users()``):

``source="polling"`` (the default) remembers the insertion position of the
newest row, then asks for rows past it every ``poll_interval`` seconds.  The
position is the ``seq`` column on MySQL/MariaDB (``AUTO_INCREMENT
INVISIBLE``, so ``SELECT *`` still returns the four SPEC columns) and the
implicit ``rowid`` on SQLite.  An ``AUTO_INCREMENT`` value is taken at
INSERT time but seen at COMMIT time: when two writers commit out of order, a
row with a smaller ``seq`` that commits after the follower moved past it is
never seen.

``source="binlog"`` reads the server's binary log instead, as a replica
does (python-mysql-replication): rows come in commit order, each exactly
once, none missed, and each carries its :class:`BinlogPosition`, so a
follower restarted with ``since=`` goes on exactly after the last row it
handled.  It can also report updates and deletes.  The server needs
``log_bin`` on, ``binlog_format=ROW``, ``binlog_row_metadata=FULL`` (the
column names) and a user with ``REPLICATION SLAVE`` and ``REPLICATION
CLIENT``.  ``source="auto"`` uses the binlog when all of that holds and
polls otherwise, with one warning saying why.

Run as a script to add users, one every ``--interval`` seconds (the writer
side of ``5-main.py``); their emails carry ``--tag``, so
:func:`remove_tagged_users` can take them out again:

    ./live_updates.py --count 5 --interval 0.5 --tag demo
"""
import argparse
import random
import re
import sys
import time
import warnings
from dataclasses import dataclass
from typing import Any, Iterable, Iterator, List, Optional, Tuple, Union

import mysql.connector

import prodev_db

seed = __import__('seed')

_MYSQL_POSITION = "seq"
_SQLITE_POSITION = "rowid"
SOURCES = ("polling", "binlog", "auto")
EVENTS = ("insert", "update", "delete")
USER_KEYS = ("user_id", "name", "email", "age")


class BinlogUnavailable(prodev_db.ProdevConnectionError):
    """The binary log cannot be followed; ``str()`` says what is missing.

    ``missing`` lists each missing piece (``log_bin``, ``binlog_format``,
    ``binlog_row_metadata``, ``binlog_row_image``, ``REPLICATION SLAVE``,
    ``REPLICATION CLIENT``, or ``MySQL`` for the SQLite backend).
    """

    def __init__(self, message: str, missing: Tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.missing = missing


@dataclass(frozen=True, order=True)
class BinlogPosition:
    """Where one row change sits in the binary log.

    ``file`` and ``offset`` name the start of the row's transaction (a
    replica can start reading there); ``row`` counts the user_data row
    changes before it in that transaction.  ``str()`` gives
    ``file:offset:row``, which :meth:`parse` reads back, so a position can
    be saved as text and handed to ``follow_users(since=...)``.
    """

    file: str
    offset: int
    row: int = -1

    def __str__(self) -> str:
        return f"{self.file}:{self.offset}:{self.row}"

    @classmethod
    def parse(cls, text: Union[str, "BinlogPosition"]) -> "BinlogPosition":
        """Read ``file:offset:row``; raise ValueError naming the text."""
        if isinstance(text, BinlogPosition):
            return text
        match = re.fullmatch(r"(.+):(\d+):(-?\d+)", str(text))
        if not match:
            raise ValueError(f"since must be a BinlogPosition or "
                             f"'file:offset:row', got {text!r}")
        return cls(match[1], int(match[2]), int(match[3]))


class Change(dict):
    """One row change: the user's four columns, plus what and where.

    It is the user dict (``user_id``, ``name``, ``email``, ``age``; for a
    delete, the row that was deleted; for an update, the row after it), so
    code written for polling reads it unchanged.  ``event`` is ``insert``,
    ``update`` or ``delete``; ``position`` the :class:`BinlogPosition`;
    ``before`` the row before an update (``None`` otherwise).
    """

    def __init__(self, values: dict, event: str, position: BinlogPosition,
                 before: Optional[dict] = None) -> None:
        super().__init__(values)
        self.event = event
        self.position = position
        self.before = before

    def __repr__(self) -> str:
        return (f"Change({self.event}, {dict.__repr__(self)}, "
                f"at {self.position})")


def follow_users(poll_interval: float = 1.0,
                 idle_timeout: Optional[float] = None,
                 batch_size: int = 1000,
                 from_start: bool = False,
                 source: str = "polling",
                 since: Union[None, str, BinlogPosition] = None,
                 events: Iterable[str] = ("insert",)) -> Iterator[dict]:
    """Return a generator of user dicts for rows inserted after this call.

    The starting position is read now, so rows inserted between this call
    and the first ``next()`` are not missed.

    ``poll_interval``: seconds between polls when nothing is new (binlog:
    how often the idle server says it is alive, which is when
    ``idle_timeout`` is checked).  ``idle_timeout``: stop after this many
    seconds without a new row (None: follow until the generator is closed).
    ``source``: ``"polling"``, ``"binlog"`` or ``"auto"`` (module
    docstring).  Polling only: ``batch_size`` rows per query, and
    ``from_start=True`` yields the rows already present first.  Binlog
    only: ``since`` (a :class:`BinlogPosition` or its text) starts right
    after that row instead of at the end of the log; ``events`` picks among
    ``"insert"``, ``"update"`` and ``"delete"``.  Binlog items are
    :class:`Change` dicts; polling items are plain dicts.

    The generator owns its connection (binlog: the replication connection)
    and closes it when it stops or is closed.  Raises ValueError for a bad
    argument, BinlogUnavailable when ``source="binlog"`` (or ``"auto"``
    with updates or deletes asked) and the server or the user lacks what
    the binlog needs, ProdevConnectionError when the server is away.
    """
    if poll_interval < 0 or batch_size < 1:
        raise ValueError(f"poll_interval must be >= 0 and batch_size >= 1, "
                         f"got {poll_interval!r} and {batch_size!r}")
    if source not in SOURCES:
        raise ValueError(f"source must be one of {SOURCES}, got {source!r}")
    events = tuple(events)
    unknown = [e for e in events if e not in EVENTS]
    if unknown or not events:
        raise ValueError(f"events must be some of {EVENTS}, got {events!r}")
    start = None if since is None else BinlogPosition.parse(since)
    binlog_only = start is not None or events != ("insert",)
    if source == "polling" and binlog_only:
        raise ValueError("since= and events other than ('insert',) need "
                         "source='binlog' (polling sees inserts only)")
    if source != "polling" and from_start:
        raise ValueError("from_start=True is for polling; the binlog "
                         "starts at its end or at since=")

    if source != "polling":
        why = binlog_problems(events)
        if not why:
            return _follow_binlog(events, start, poll_interval,
                                  idle_timeout)
        error = BinlogUnavailable(
            "Cannot follow the binlog: " + "; ".join(text for _, text in why),
            tuple(name for names, _ in why for name in names))
        if source == "binlog" or binlog_only:
            raise error
        warnings.warn(f"follow_users: polling instead. {error}",
                      RuntimeWarning, stacklevel=2)
    return _follow_polling(poll_interval, idle_timeout, batch_size,
                           from_start)


# --------------------------------------------------------------------------
# Polling


def _queries(connection: Any) -> tuple:
    """Return (start query, page query) for the connection's backend."""
    column = (_SQLITE_POSITION if prodev_db.is_sqlite(connection)
              else _MYSQL_POSITION)
    start = f"SELECT COALESCE(MAX({column}), 0) FROM user_data"
    page = (f"SELECT {column}, {prodev_db.USER_COLUMNS} FROM user_data "
            f"WHERE {column} > %s ORDER BY {column} LIMIT %s")
    return start, page


def _follow_polling(poll_interval: float, idle_timeout: Optional[float],
                    batch_size: int, from_start: bool) -> Iterator[dict]:
    """Open the connection, note the start, return the polling loop."""
    # autocommit: each poll sees rows committed since the previous one
    # (inside one REPEATABLE READ transaction it would not).
    connection = prodev_db.connect(int_ages=False, autocommit=True)
    try:
        start_sql, page_sql = _queries(connection)
        last = 0 if from_start else _scalar(connection, start_sql)
    except BaseException:
        prodev_db.close_quietly(connection)
        raise
    return _poll(connection, page_sql, last, poll_interval, idle_timeout,
                 batch_size)


def _poll(connection: Any, page_sql: str, last: Any, poll_interval: float,
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
                yield from (dict(zip(USER_KEYS, r[1:], strict=True))
                            for r in rows)
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


# --------------------------------------------------------------------------
# Binary log

# Global privileges that cover each replication need (MariaDB 10.5+ shows
# REPLICATION CLIENT as BINLOG MONITOR).
_SLAVE_GRANTS = {"ALL PRIVILEGES", "REPLICATION SLAVE"}
_CLIENT_GRANTS = {"ALL PRIVILEGES", "REPLICATION CLIENT", "BINLOG MONITOR",
                  "SUPER"}


def binlog_problems(events: Iterable[str] = ("insert",)) -> List[tuple]:
    """Say what keeps the configured server and user from the binlog.

    Returns ``(names, explanation)`` pairs, empty when the binlog can be
    followed for ``events``.  Raises ProdevConnectionError when the server
    is away.
    """
    if prodev_db.settings().backend == "sqlite":
        return [(("MySQL",), "PRODEV_BACKEND=sqlite has no binary log")]
    connection = prodev_db.connect(with_database=False, autocommit=True)
    try:
        return _server_problems(connection, tuple(events))
    finally:
        prodev_db.close_quietly(connection)


def _variable(connection: Any, name: str) -> Optional[str]:
    """Return a global server variable as text, None if it does not exist."""
    cursor = connection.cursor()
    try:
        cursor.execute("SHOW GLOBAL VARIABLES LIKE %s", (name,))
        row = cursor.fetchone()
        return None if row is None else str(row[1])
    finally:
        cursor.close()


def _global_grants(connection: Any) -> set:
    """Return the current user's privileges ON *.* (grant text, uppercase)."""
    cursor = connection.cursor()
    try:
        cursor.execute("SHOW GRANTS")
        lines = [row[0] for row in cursor.fetchall()]
    finally:
        cursor.close()
    granted = set()
    for line in lines:
        match = re.match(r"GRANT (.+?) ON \*\.\* TO ", line, re.I)
        if match:
            granted.update(p.strip().upper() for p in match[1].split(","))
    return granted


def _server_problems(connection: Any, events: tuple) -> List[tuple]:
    """The checks of :func:`binlog_problems` on an open connection."""
    cfg = prodev_db.settings()
    where = f"MySQL at {cfg.host}:{cfg.port}"
    problems = []
    if _variable(connection, "log_bin") != "ON":
        problems.append((("log_bin",), f"{where} has log_bin OFF (start "
                         "it with --log-bin --binlog-format=ROW "
                         "--server-id=1)"))
        return problems
    binlog_format = _variable(connection, "binlog_format")
    if binlog_format != "ROW":
        problems.append((("binlog_format",), f"{where} has binlog_format="
                         f"{binlog_format}, not ROW (--binlog-format=ROW)"))
    metadata = _variable(connection, "binlog_row_metadata")
    if metadata != "FULL":
        problems.append((
            ("binlog_row_metadata",),
            f"{where} has binlog_row_metadata={metadata or 'unsupported'}, "
            "not FULL, so row events carry no column names "
            "(--binlog-row-metadata=FULL; MariaDB 10.5+ or MySQL 8.0.14+)"))
    image = _variable(connection, "binlog_row_image")
    if image != "FULL" and set(events) & {"update", "delete"}:
        problems.append((("binlog_row_image",), f"{where} has "
                         f"binlog_row_image={image}, not FULL, so updates "
                         "and deletes lack columns (--binlog-row-image=FULL)"))
    granted = _global_grants(connection)
    lacking = tuple(name for name, enough in (
        ("REPLICATION SLAVE", _SLAVE_GRANTS),
        ("REPLICATION CLIENT", _CLIENT_GRANTS)) if not granted & enough)
    if lacking:
        problems.append((lacking, f"user {cfg.user!r} lacks "
                         f"{' and '.join(lacking)} (GRANT "
                         f"{', '.join(lacking)} ON *.* TO the user)"))
    return problems


def _binlog_end(connection: Any) -> BinlogPosition:
    """Return the position where the server writes its next transaction."""
    cursor = connection.cursor()
    try:
        try:
            cursor.execute("SHOW BINARY LOG STATUS")   # MySQL 8.2+
        except mysql.connector.Error:
            cursor.execute("SHOW MASTER STATUS")
        row = cursor.fetchone()
    finally:
        cursor.close()
    return BinlogPosition(row[0], int(row[1]))


def _follow_binlog(events: tuple, since: Optional[BinlogPosition],
                   heartbeat: float,
                   idle_timeout: Optional[float]) -> Iterator["Change"]:
    """Note the start now, return the binlog reader generator."""
    if since is None:
        connection = prodev_db.connect(with_database=False)
        try:
            since = _binlog_end(connection)
        finally:
            prodev_db.close_quietly(connection)
    return _read_binlog(events, since, max(0.05, heartbeat), idle_timeout)


def _read_binlog(events: tuple, since: BinlogPosition, heartbeat: float,
                 idle_timeout: Optional[float]) -> Iterator[Change]:
    """Yield user_data row changes from ``since`` on; close the stream.

    A transaction starts where the previous one ended: after an XID event
    (a commit), after a query event other than ``BEGIN`` (``COMMIT`` of a
    non-transactional table, or DDL), or at the head of the next file.  The
    rows of ``since``'s own transaction up to ``since.row`` were delivered
    before, so they are skipped.
    """
    # Imported here: only the binlog source needs the library.
    from pymysqlreplication import BinLogStreamReader
    from pymysqlreplication.event import (
        HeartbeatLogEvent, QueryEvent, RotateEvent, XidEvent)
    from pymysqlreplication.row_event import (
        DeleteRowsEvent, UpdateRowsEvent, WriteRowsEvent)

    kinds = {WriteRowsEvent: "insert", UpdateRowsEvent: "update",
             DeleteRowsEvent: "delete"}
    cfg = prodev_db.settings()
    stream = BinLogStreamReader(
        connection_settings=dict(host=cfg.host, port=cfg.port, user=cfg.user,
                                 password=cfg.password, charset="utf8mb4",
                                 connect_timeout=5),
        # A replica id of its own: the server drops an older connection
        # that uses the same one.
        server_id=random.SystemRandom().randint(2 ** 20, 2 ** 32 - 1),
        log_file=since.file, log_pos=since.offset, resume_stream=True,
        blocking=True, slave_heartbeat=heartbeat,
        only_events=[*kinds, XidEvent, QueryEvent, RotateEvent,
                     HeartbeatLogEvent],
        only_schemas=[cfg.database], only_tables=["user_data"],
        enable_logging=False)
    transaction = (since.file, since.offset)
    row = 0
    idle_since = time.monotonic()
    try:
        # The first read connects.  python-mysql-replication 1.0.17 opens
        # its schema connection with PyMySQL's old ``db=`` keyword; that
        # DeprecationWarning says nothing a user of ours can act on.
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="'db' is deprecated",
                                    category=DeprecationWarning)
            event = _next_event(stream, cfg)
        while True:
            kind = kinds.get(type(event))
            if kind is not None:
                for values in event.rows:
                    position = BinlogPosition(*transaction, row)
                    row += 1
                    if kind not in events or (
                            transaction == (since.file, since.offset)
                            and position.row <= since.row):
                        continue
                    idle_since = time.monotonic()
                    yield _change(kind, values, position)
            elif isinstance(event, RotateEvent):
                transaction, row = (event.next_binlog, event.position), 0
            elif isinstance(event, XidEvent) or (
                    isinstance(event, QueryEvent)
                    and event.query.strip().upper() != "BEGIN"):
                transaction, row = (stream.log_file, stream.log_pos), 0
            if (idle_timeout is not None
                    and time.monotonic() - idle_since >= idle_timeout):
                return
            event = _next_event(stream, cfg)
    finally:
        stream.close()


def _next_event(stream: Any, cfg: Any) -> Any:
    """Read the next event; a lost or refused stream becomes one line."""
    import pymysql

    try:
        return stream.fetchone()
    except pymysql.MySQLError as error:
        code = error.args[0] if error.args else None
        message = str(error.args[1] if len(error.args) > 1 else error)
        if code == 1236:   # ER_MASTER_FATAL_ERROR_READING_BINLOG
            raise BinlogUnavailable(
                f"MySQL at {cfg.host}:{cfg.port} cannot send the binlog from "
                f"{stream.log_file}:{stream.log_pos} ({message}); the file "
                "may have been purged: start without since=",
                ("binlog file",)) from None
        raise prodev_db.ProdevConnectionError(
            f"Lost the binlog stream from MySQL at {cfg.host}:{cfg.port} "
            f"({message})") from None


def _change(kind: str, values: dict, position: BinlogPosition) -> Change:
    """Build a :class:`Change` from one row of a rows event."""
    before = None
    if kind == "update":
        before = _user(values["before_values"])
        row = values["after_values"]
    else:
        row = values["values"]
    return Change(_user(row), kind, position, before)


def _user(values: dict) -> dict:
    """The four user columns of a binlog row, age as an int.

    Binlog rows never pass through SQL, so ``prodev_db.AGE`` cannot cast
    them: the library decodes ``DECIMAL(3,0)`` as a Decimal.
    """
    return {"user_id": values["user_id"], "name": values["name"],
            "email": values["email"], "age": int(values["age"])}


# --------------------------------------------------------------------------
# The writer side of the demos


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
