#!/usr/bin/env python3
"""Tests for 0-log_queries: the SQL line before the call, then the outcome."""
import contextlib
import inspect
import io
import logging
import re
import sqlite3
import unittest
from datetime import datetime
from pathlib import Path
from typing import Any

from db_fixture import DatabaseTestCase, task

mod = task("0-log_queries")
LINE = re.compile(r"^\[(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)\] "
                  r"Executing SQL Query: (.*)$")


class TestLogQueries(DatabaseTestCase):
    """log_queries logs the SQL first, then the time and the outcome."""

    def run_logged(self, func: Any, *args: Any, **kwargs: Any) -> Any:
        """Call func with DEBUG logging; return (result, the records)."""
        with self.assertLogs("decorators.log_queries", "DEBUG") as logs:
            result = func(*args, **kwargs)
        return result, logs.records

    def test_sql_line_then_time_and_row_count(self) -> None:
        before = datetime.now().replace(microsecond=0)
        rows, (first, second) = self.run_logged(
            mod.fetch_all_users, query="SELECT * FROM users")
        match = LINE.match(first.getMessage())
        self.assertIsNotNone(match, first.getMessage())
        stamp, sql = match.groups()
        self.assertTrue(before <= datetime.fromisoformat(stamp)
                        <= datetime.now())
        self.assertEqual(sql, "SELECT * FROM users")
        self.assertEqual(first.levelno, logging.INFO)
        self.assertEqual(rows, self.fetch("SELECT * FROM users"))
        self.assertRegex(second.getMessage(),
                         rf"^Query done in \d+\.\d\d ms: {len(rows)} rows$")
        self.assertEqual(second.levelno, logging.DEBUG)

    def test_line_comes_before_the_call(self) -> None:
        seen = []

        @mod.log_queries
        def probe(query: str) -> None:
            seen.append(len(logs.records))

        with self.assertLogs("decorators.log_queries", "INFO") as logs:
            probe("SELECT 1")
        self.assertEqual(seen, [1])

    def test_without_logging_set_up_the_line_goes_to_stdout(self) -> None:
        logger = logging.getLogger("decorators.log_queries")
        self.assertFalse(logger.hasHandlers())
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            mod.fetch_all_users(query="SELECT id FROM users")
        self.assertRegex(out.getvalue(), r"^\[[^]]+\] Executing SQL Query: "
                                         r"SELECT id FROM users\n$")

    def test_sql_is_shown_as_given(self) -> None:
        sql = "SELECT id,\n       name\n  FROM users WHERE id < 3;"
        _rows, records = self.run_logged(mod.fetch_all_users, query=sql)
        self.assertEqual(records[0].getMessage().partition(
            "Executing SQL Query: ")[2], sql)

    def test_failure_is_logged_and_reraised(self) -> None:
        with self.assertLogs("decorators.log_queries", "INFO") as logs:
            with self.assertRaises(sqlite3.OperationalError) as caught:
                mod.fetch_all_users(query="SELEC * FROM users")
        self.assertIn("syntax error", str(caught.exception))
        first, second = logs.records
        self.assertIn("Executing SQL Query: SELEC * FROM users",
                      first.getMessage())
        self.assertEqual(second.levelno, logging.ERROR)
        self.assertRegex(second.getMessage(), r"^Query failed after [\d.]+ ms:"
                                              r" OperationalError: .*syntax")

    def test_reraises_the_same_exception_object(self) -> None:
        error = KeyError("boom")

        @mod.log_queries
        def explode(query: str) -> None:
            raise error

        with self.assertLogs("decorators.log_queries", "ERROR"):
            with self.assertRaises(KeyError) as caught:
                explode("SELECT 1")
        self.assertIs(caught.exception, error)

    def test_arguments_and_result_pass_through_untouched(self) -> None:
        marker = object()

        @mod.log_queries
        def echo(query: str, *args: Any, **kwargs: Any) -> Any:
            return {"echo": (query, args, kwargs, marker)}

        result, records = self.run_logged(echo, "SELECT 2", 1, [2],
                                          key=marker)
        self.assertEqual(result, {"echo": ("SELECT 2", (1, [2]),
                                           {"key": marker}, marker)})
        self.assertTrue(records[1].getMessage().endswith(": returned dict"))

    def test_finds_query_after_a_connection_argument(self) -> None:
        @mod.log_queries
        def run(conn: sqlite3.Connection, query: str) -> list:
            return conn.execute(query).fetchall()

        _rows, records = self.run_logged(run, self.open(),
                                         "SELECT name FROM users WHERE id = 1")
        self.assertTrue(records[0].getMessage().endswith(
            "Query: SELECT name FROM users WHERE id = 1"))

    def test_wraps_keeps_name_doc_and_signature(self) -> None:
        func = mod.fetch_all_users
        self.assertEqual(func.__name__, "fetch_all_users")
        self.assertIn("all its rows", func.__doc__)
        self.assertEqual(list(inspect.signature(func).parameters), ["query"])
        self.assertTrue(callable(func.__wrapped__))

    def test_source_imports_datetime_as_the_curriculum_asks(self) -> None:
        source = Path(mod.__file__).read_text(encoding="utf-8")
        self.assertIn("from datetime import datetime", source)


if __name__ == "__main__":
    unittest.main()
