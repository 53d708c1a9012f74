#!/usr/bin/env python3
"""Tests for 1-with_db_connection: open, pass, always close."""
import inspect
import re
import sqlite3
import unittest
from pathlib import Path
from typing import Any, List

from db_fixture import DatabaseTestCase, task

mod = task("1-with_db_connection")


class TestWithDbConnection(DatabaseTestCase):
    """with_db_connection passes a connection and closes it in finally."""

    def assert_closed(self, conn: sqlite3.Connection) -> None:
        with self.assertRaisesRegex(sqlite3.ProgrammingError, "closed"):
            conn.execute("SELECT 1")

    def test_get_user_by_id_returns_the_row_tuple(self) -> None:
        expected = self.fetch("SELECT * FROM users WHERE id = 1")[0]
        self.assertEqual(mod.get_user_by_id(user_id=1), expected)
        self.assertEqual(mod.get_user_by_id(1), expected)

    def test_unknown_id_gives_none(self) -> None:
        self.assertIsNone(mod.get_user_by_id(user_id=424242))

    def test_closes_the_connection_on_success(self) -> None:
        seen: List[sqlite3.Connection] = []

        @mod.with_db_connection
        def grab(conn: sqlite3.Connection) -> int:
            seen.append(conn)
            return conn.execute("SELECT COUNT(*) FROM users").fetchone()[0]

        self.assertGreater(grab(), 0)
        self.assert_closed(seen[0])

    def test_closes_the_connection_when_the_function_raises(self) -> None:
        seen: List[sqlite3.Connection] = []
        error = RuntimeError("boom")

        @mod.with_db_connection
        def fail(conn: sqlite3.Connection) -> None:
            seen.append(conn)
            raise error

        with self.assertRaises(RuntimeError) as caught:
            fail()
        self.assertIs(caught.exception, error)
        self.assert_closed(seen[0])

    def test_task_function_leaves_no_connection_open(self) -> None:
        opened = self.keep_connections()
        mod.get_user_by_id(user_id=1)
        self.assertEqual(len(opened), 1)
        self.assert_closed(opened[0])

    def test_passes_arguments_through_and_returns_result(self) -> None:
        @mod.with_db_connection
        def echo(conn: sqlite3.Connection, *args: Any, **kwargs: Any) -> Any:
            self.assertIsInstance(conn, sqlite3.Connection)
            return args, kwargs

        marker = object()
        self.assertEqual(echo(1, [2], key=marker),
                         ((1, [2]), {"key": marker}))

    def test_uses_the_configured_database(self) -> None:
        @mod.with_db_connection
        def where(conn: sqlite3.Connection) -> str:
            return conn.execute("PRAGMA database_list").fetchone()[2]

        self.assertEqual(Path(where()).resolve(), Path(self.db_path).resolve())

    def test_uncommitted_changes_are_discarded(self) -> None:
        @mod.with_db_connection
        def scribble(conn: sqlite3.Connection) -> None:
            conn.execute("UPDATE users SET name = 'Nope' WHERE id = 1")

        before = self.fetch("SELECT name FROM users WHERE id = 1")
        scribble()
        self.assertEqual(self.fetch("SELECT name FROM users WHERE id = 1"),
                         before)

    def test_signature_drops_the_connection_parameter(self) -> None:
        func = mod.get_user_by_id
        self.assertEqual(func.__name__, "get_user_by_id")
        self.assertIn("users row", func.__doc__)
        self.assertEqual(list(inspect.signature(func).parameters),
                         ["user_id"])
        self.assertEqual(
            list(inspect.signature(func.__wrapped__).parameters),
            ["conn", "user_id"])

    def test_other_task_files_import_it_instead_of_copying(self) -> None:
        for name in ("2-transactional", "3-retry_on_failure",
                     "4-cache_query"):
            with self.subTest(name=name):
                other = task(name)
                self.assertIs(other.with_db_connection,
                              mod.with_db_connection)
                source = Path(other.__file__).read_text(encoding="utf-8")
                self.assertIsNone(
                    re.search(r"def with_db_connection", source))
                self.assertIn("1-with_db_connection", source)


if __name__ == "__main__":
    unittest.main()
