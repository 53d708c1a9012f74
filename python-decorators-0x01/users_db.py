#!/usr/bin/env python3
"""The module's SQLite database: where it lives, how it is built and opened.

``users.db`` holds one table::

    users(id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL,
          email TEXT NOT NULL, age INTEGER)

It is built from ``users.csv`` (committed) and never committed itself.  Every
connection the task files open goes through :func:`connect`, which builds the
file first when it is missing, so each task script works in a fresh clone.

Where the database is (decided once, at import, then by :func:`configure`):

* ``USERS_DB`` environment variable, a path (relative paths are taken from
  the working directory at import time);
* otherwise ``users.db`` next to this file, i.e. exactly
  ``sqlite3.connect('users.db')`` when run from the module folder (as the
  curriculum does), and still the same file when run from anywhere else.

``USERS_DB_TIMEOUT`` (seconds, default 5.0) is SQLite's busy timeout: how long
a statement waits for another connection's lock before raising
``sqlite3.OperationalError: database is locked``.

Run ``./users_db.py`` to (re)build the database; ``--rows N`` pads it with
deterministic synthetic users up to N rows (used by the benchmark).
"""
import argparse
import csv
import os
import sqlite3
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator, List, Optional, Tuple

MODULE_DIR = Path(__file__).resolve().parent
DEFAULT_DATABASE = str(MODULE_DIR / "users.db")
USERS_CSV = MODULE_DIR / "users.csv"
DEFAULT_TIMEOUT = 5.0

SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    email TEXT NOT NULL,
    age INTEGER
)
"""

UserRow = Tuple[int, str, str, Optional[int]]


ChangeListener = Callable[[], None]
ConnectHook = Callable[[sqlite3.Connection], None]


class Settings:
    """Where :func:`connect` opens the database, and its busy timeout."""

    def __init__(self) -> None:
        self.database = _resolve(os.environ.get("USERS_DB")
                                 or DEFAULT_DATABASE)
        self.timeout = float(os.environ.get("USERS_DB_TIMEOUT")
                             or DEFAULT_TIMEOUT)


def _resolve(path: str) -> str:
    """Return ``path`` made absolute, leaving ``:memory:`` and URIs alone."""
    if path == ":memory:" or path.startswith("file:"):
        return path
    return os.path.abspath(path)


settings = Settings()
_built: set = set()
_build_lock = threading.Lock()
_change_listeners: List[ChangeListener] = []
_connect_hooks: List[ConnectHook] = []


def configure(database: Optional[str] = None,
              timeout: Optional[float] = None) -> None:
    """Change the database file and/or busy timeout used by :func:`connect`.

    Pointing at another file tells the change listeners: what they hold
    about the old one no longer applies.
    """
    if timeout is not None:
        settings.timeout = float(timeout)
    if database is not None and _resolve(str(database)) != settings.database:
        settings.database = _resolve(str(database))
        notify_change()


@contextmanager
def using_database(database: str,
                   timeout: Optional[float] = None) -> Iterator[str]:
    """Point :func:`connect` at ``database`` for the ``with`` block only."""
    saved = (settings.database, settings.timeout)
    configure(database, timeout)
    try:
        yield settings.database
    finally:
        configure(*saved)


def read_users(csv_path: Path = USERS_CSV) -> List[UserRow]:
    """Return the users in ``csv_path`` (header ``id,name,email,age``).

    An empty ``age`` becomes ``None``.  Raises ``ValueError`` naming the line
    when a row is malformed.
    """
    rows: List[UserRow] = []
    with open(csv_path, newline="", encoding="utf-8") as handle:
        for line_no, record in enumerate(csv.DictReader(handle), start=2):
            try:
                age = record["age"].strip()
                rows.append((int(record["id"]), record["name"].strip(),
                             record["email"].strip(),
                             int(age) if age else None))
            except (KeyError, ValueError, AttributeError) as exc:
                raise ValueError(f"{csv_path}:{line_no}: bad user row "
                                 f"{record!r} ({exc})") from exc
    return rows


def synthetic_users(start_id: int, count: int) -> Iterator[UserRow]:
    """Yield ``count`` deterministic made-up users, ids from ``start_id``."""
    for user_id in range(start_id, start_id + count):
        yield (user_id, f"User {user_id}", f"user{user_id}@example.com",
               18 + user_id % 70)


def build_database(path: str, rows: Optional[int] = None,
                   csv_path: Path = USERS_CSV) -> str:
    """(Re)build the users database at ``path`` and return its path.

    The table is filled from ``csv_path``, then padded with synthetic users up
    to ``rows`` rows when ``rows`` is larger.  The file is written beside the
    target and renamed into place, so a reader never sees half a database.
    """
    path = _resolve(str(path))
    users = read_users(csv_path)
    if rows is not None and rows > len(users):
        next_id = max(row[0] for row in users) + 1 if users else 1
        users.extend(synthetic_users(next_id, rows - len(users)))
    tmp = f"{path}.building-{os.getpid()}-{threading.get_ident()}"
    if os.path.exists(tmp):
        os.remove(tmp)
    conn = sqlite3.connect(tmp)
    try:
        conn.execute(SCHEMA)
        conn.executemany(
            "INSERT INTO users (id, name, email, age) VALUES (?, ?, ?, ?)",
            users)
        conn.commit()
    finally:
        conn.close()
    os.replace(tmp, path)
    _built.add(path)
    return path


def ensure_database(path: Optional[str] = None) -> str:
    """Build the database at ``path`` (default: the configured one) if missing.

    A missing or empty file counts as missing.  ``:memory:`` and URIs are
    left alone.  Returns the resolved path.
    """
    path = settings.database if path is None else _resolve(str(path))
    if path in _built or path == ":memory:" or path.startswith("file:"):
        return path
    with _build_lock:
        if path not in _built:
            if not os.path.exists(path) or os.path.getsize(path) == 0:
                build_database(path)
            _built.add(path)
    return path


def connect() -> sqlite3.Connection:
    """Open the configured database (building it first if it is missing).

    Pair every call with :func:`release`.  Each file is checked once per
    process; deleting it while the process runs is not noticed (SQLite
    would then create an empty file).
    """
    path = ensure_database()
    conn = sqlite3.connect(path, timeout=settings.timeout)
    try:
        for hook in _connect_hooks:
            hook(conn)
    except BaseException:
        release(conn)
        raise
    return conn


def add_connect_hook(hook: ConnectHook) -> None:
    """Call ``hook(conn)`` on every connection :func:`connect` opens.

    For per-connection set-up: ``row_factory``, pragmas, or a
    ``set_trace_callback`` that counts the statements run (as the tests do).
    """
    if hook not in _connect_hooks:
        _connect_hooks.append(hook)


def remove_connect_hook(hook: ConnectHook) -> None:
    """Stop calling ``hook`` on new connections (no error if absent)."""
    if hook in _connect_hooks:
        _connect_hooks.remove(hook)


def release(conn: sqlite3.Connection) -> None:
    """Close ``conn``; if it changed any row, tell the change listeners.

    Uncommitted changes are rolled back by ``close()``; listeners are told
    anyway (forgetting too much is safe, too little is not).
    """
    try:
        changed = conn.total_changes
    except sqlite3.ProgrammingError:  # already closed by the function
        return
    conn.close()
    if changed:
        notify_change()


def add_change_listener(listener: ChangeListener) -> None:
    """Call ``listener()`` when the data :func:`connect` gives may change.

    That is: after a connection from :func:`connect` that changed rows is
    released, and when :func:`configure` points at another file.
    """
    if listener not in _change_listeners:
        _change_listeners.append(listener)


def remove_change_listener(listener: ChangeListener) -> None:
    """Stop calling ``listener`` (no error if absent)."""
    if listener in _change_listeners:
        _change_listeners.remove(listener)


def notify_change() -> None:
    """Call every change listener."""
    for listener in list(_change_listeners):
        listener()


def main(argv: Optional[List[str]] = None) -> int:
    """Command line: build the database and say where and how big it is."""
    parser = argparse.ArgumentParser(description="Build the users database.")
    parser.add_argument("--path", default=settings.database,
                        help="database file (default: %(default)s)")
    parser.add_argument("--rows", type=int, default=None,
                        help="pad with synthetic users up to this many rows")
    args = parser.parse_args(argv)
    path = build_database(args.path, rows=args.rows)
    conn = sqlite3.connect(path)
    try:
        (count,) = conn.execute("SELECT COUNT(*) FROM users").fetchone()
    finally:
        conn.close()
    print(f"Built {path} with {count} users")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
