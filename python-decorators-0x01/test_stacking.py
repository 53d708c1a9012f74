#!/usr/bin/env python3
"""The decorators stacked together, in the orders the README documents."""
import inspect
import sqlite3
import unittest
from typing import Any
from unittest.mock import patch

import users_db
from db_fixture import DatabaseTestCase, task

logq = task("0-log_queries")
conn_mod = task("1-with_db_connection")
tx = task("2-transactional")
retry = task("3-retry_on_failure")
cache = task("4-cache_query")


@conn_mod.with_db_connection
@retry.retry_on_failure(retries=2, delay=0.01)
@cache.cache_query
def lookup(conn: sqlite3.Connection, query: str) -> Any:
    """Return the first row of a read."""
    return conn.execute(query).fetchone()


@conn_mod.with_db_connection
@retry.retry_on_failure(retries=2, delay=0.01)
@tx.transactional
def rename(conn: sqlite3.Connection, user_id: int, name: str) -> None:
    """Rename a user (committed as one transaction, retried when locked)."""
    conn.execute("UPDATE users SET name = ? WHERE id = ?", (name, user_id))


class TestFullStack(DatabaseTestCase):
    """with_db_connection > retry_on_failure > cache_query (reads) and
    with_db_connection > retry_on_failure > transactional (writes)."""

    def setUp(self) -> None:
        super().setUp()
        self.sleeps = self.record_sleeps()

    def test_signature_and_metadata_survive_the_stack(self) -> None:
        self.assertEqual(lookup.__name__, "lookup")
        self.assertEqual(lookup.__doc__, "Return the first row of a read.")
        self.assertEqual(list(inspect.signature(lookup).parameters),
                         ["query"])
        self.assertTrue(callable(lookup.cache_clear))

    def test_read_is_cached_and_a_committed_write_invalidates(self) -> None:
        log = self.trace_all()
        sql = "SELECT name FROM users WHERE id = 1"
        self.assertEqual(lookup(sql), self.fetch(sql)[0])
        lookup(sql)
        self.assertEqual(len(log.matching("SELECT name")), 1)
        rename(1, "Stacked")
        self.assertEqual(lookup(sql), ("Stacked",))
        self.assertEqual(len(log.matching("SELECT name")), 2)

    def test_write_retried_through_a_real_lock(self) -> None:
        release = self.hold_lock()

        def unlock(seconds: float) -> None:
            self.sleeps.append(seconds)
            release.set()
            release.thread.join(5)  # type: ignore[attr-defined]

        with patch.object(retry, "sleep", unlock):
            with self.assertLogs("decorators.retry", "WARNING"):
                rename(2, "After lock")
        self.assertEqual(len(self.sleeps), 1)
        self.assertEqual(self.fetch("SELECT name FROM users WHERE id = 2"),
                         [("After lock",)])

    def test_connections_are_closed(self) -> None:
        opened = self.keep_connections()
        lookup("SELECT 1")
        rename(3, "Closed")
        self.assertEqual(len(opened), 2)
        for conn in opened:
            with self.assertRaises(sqlite3.ProgrammingError):
                conn.execute("SELECT 1")


class TestLoggedConnection(DatabaseTestCase):
    """log_queries under with_db_connection finds the SQL after conn."""

    def test_logs_the_query_of_a_connected_function(self) -> None:
        @conn_mod.with_db_connection
        @logq.log_queries
        def count(conn: sqlite3.Connection, query: str) -> list:
            return conn.execute(query).fetchall()

        with self.assertLogs("decorators.log_queries", "INFO") as logs:
            self.assertEqual(count("SELECT COUNT(*) FROM users"),
                             self.fetch("SELECT COUNT(*) FROM users"))
        self.assertTrue(logs.output[0].endswith(
            "Executing SQL Query: SELECT COUNT(*) FROM users"))

    def test_failing_connect_hook_leaves_nothing_open(self) -> None:
        opened = self.keep_connections()

        def broken(conn: sqlite3.Connection) -> None:
            raise RuntimeError("hook failed")

        users_db.add_connect_hook(broken)
        self.addCleanup(users_db.remove_connect_hook, broken)
        with self.assertRaisesRegex(RuntimeError, "hook failed"):
            conn_mod.get_user_by_id(1)
        with self.assertRaises(sqlite3.ProgrammingError):
            opened[0].execute("SELECT 1")


if __name__ == "__main__":
    unittest.main()
