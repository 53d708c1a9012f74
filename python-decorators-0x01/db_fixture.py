#!/usr/bin/env python3
"""Test support: a freshly built users database in a temp dir per test.

Not a test module itself (its name does not match ``test*.py``).  Every test
talks to a real SQLite file; nothing about the database is mocked.
"""
import importlib
import os
import sqlite3
import tempfile
import threading
import unittest
from types import ModuleType
from typing import Any, Callable, List, Sequence
from unittest.mock import patch

import users_db


def task(name: str) -> ModuleType:
    """Import a task file whose name starts with a digit."""
    return importlib.import_module(name)


class StatementLog:
    """Collects the SQL text of every statement a connection runs.

    Installed with ``conn.set_trace_callback(log)`` (or on every connection
    ``users_db.connect`` opens, through :meth:`DatabaseTestCase.trace_all`).
    """

    def __init__(self) -> None:
        self.statements: List[str] = []

    def __call__(self, sql: str) -> None:
        self.statements.append(sql)

    def matching(self, prefix: str) -> List[str]:
        """Return the statements starting with ``prefix`` (any case)."""
        return [s for s in self.statements
                if s.lstrip().upper().startswith(prefix.upper())]


class DatabaseTestCase(unittest.TestCase):
    """Each test gets its own users.db, built from users.csv, in a temp dir.

    ``users_db.connect`` (hence ``@with_db_connection``) points at it, with a
    short busy timeout so lock tests are quick; the query cache starts empty.
    """

    busy_timeout = 0.05

    def setUp(self) -> None:
        tmp = tempfile.TemporaryDirectory(prefix="decorators-test-")
        self.addCleanup(tmp.cleanup)
        self.tmp_dir = tmp.name
        self.db_path = users_db.build_database(
            os.path.join(tmp.name, "users.db"))
        ctx = users_db.using_database(self.db_path, self.busy_timeout)
        ctx.__enter__()
        self.addCleanup(ctx.__exit__, None, None, None)
        cache = task("4-cache_query")
        cache.cache_clear()
        self.addCleanup(cache.cache_clear)

    def open(self, **kwargs: Any) -> sqlite3.Connection:
        """Open a separate connection to this test's database."""
        conn = sqlite3.connect(self.db_path, **kwargs)
        self.addCleanup(conn.close)
        return conn

    def fetch(self, sql: str, params: Sequence[Any] = ()) -> List[tuple]:
        """Run a read on a separate connection (sees committed data only)."""
        conn = sqlite3.connect(self.db_path)
        try:
            return conn.execute(sql, params).fetchall()
        finally:
            conn.close()

    def email_of(self, user_id: int) -> str:
        """Return the committed email of a user."""
        return self.fetch("SELECT email FROM users WHERE id = ?",
                          (user_id,))[0][0]

    def trace_all(self) -> StatementLog:
        """Log every statement of every connection ``users_db`` opens."""
        log = StatementLog()

        def hook(conn: sqlite3.Connection) -> None:
            conn.set_trace_callback(log)

        users_db.add_connect_hook(hook)
        self.addCleanup(users_db.remove_connect_hook, hook)
        return log

    def keep_connections(self) -> List[sqlite3.Connection]:
        """Collect every connection ``users_db.connect`` opens."""
        opened: List[sqlite3.Connection] = []
        hook: Callable[[sqlite3.Connection], None] = opened.append
        users_db.add_connect_hook(hook)
        self.addCleanup(users_db.remove_connect_hook, hook)
        return opened

    def hold_lock(self) -> threading.Event:
        """Hold an EXCLUSIVE lock from another thread until the event is set.

        The returned event carries the holder thread as ``.thread``, so a
        test can set the event and join it to release the lock at a chosen
        moment; the lock is released at cleanup in any case.
        """
        locked, release = threading.Event(), threading.Event()

        def holder() -> None:
            conn = sqlite3.connect(self.db_path, isolation_level=None)
            try:
                conn.execute("BEGIN EXCLUSIVE")
                locked.set()
                release.wait(10)
                conn.execute("COMMIT")
            finally:
                conn.close()

        thread = threading.Thread(target=holder, daemon=True)
        thread.start()
        self.assertTrue(locked.wait(5))

        def stop() -> None:
            release.set()
            thread.join(5)
        self.addCleanup(stop)
        release.thread = thread  # type: ignore[attr-defined]
        return release

    def record_sleeps(self) -> List[float]:
        """Replace the retry sleep seam with a recorder; return the list.

        Retries then wait for nothing, and the test reads the delays asked
        for.  The seam is restored at cleanup.
        """
        sleeps: List[float] = []
        patcher = patch.object(task("3-retry_on_failure"), "sleep",
                               sleeps.append)
        patcher.start()
        self.addCleanup(patcher.stop)
        return sleeps
