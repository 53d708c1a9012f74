#!/usr/bin/env python3
"""Tests for 0-log_queries: a log line per call; failures logged, raised."""
import inspect
import logging
import re
import sqlite3
import unittest
from datetime import datetime
from pathlib import Path
from typing import Any

from db_fixture import DatabaseTestCase, task

mod = task("0-log_queries")
LINE = re.compile(
    r"^\[(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)\] Executing SQL Query: (.*) \| "
    r"params=(.*) \| (\d+\.\d\d) ms \| (.*)$")


class TestLogQueries(DatabaseTestCase):
    """log_queries logs timestamp, SQL, params, elapsed ms and outcome."""

    def run_logged(self, *args: Any, **kwargs: Any) -> Any:
        """Call fetch_all_users and return (result, the one log record)."""
        with self.assertLogs("decorators.log_queries", "INFO") as logs:
            result = mod.fetch_all_users(*args, **kwargs)
        self.assertEqual(len(logs.records), 1)
        return result, logs.records[0]

    def test_logs_one_line_with_sql_rows_and_time(self) -> None:
        before = datetime.now().replace(microsecond=0)
        rows, record = self.run_logged(query="SELECT * FROM users")
        after = datetime.now()
        self.assertEqual(len(rows), len(self.fetch("SELECT * FROM users")))
        match = LINE.match(record.getMessage())
        self.assertIsNotNone(match, record.getMessage())
        stamp, sql, params, ms, outcome = match.groups()
        self.assertTrue(before <= datetime.fromisoformat(stamp) <= after)
        self.assertEqual(sql, "SELECT * FROM users")
        self.assertEqual(params, "()")
        self.assertGreaterEqual(float(ms), 0.0)
        self.assertEqual(outcome, f"{len(rows)} rows")
        self.assertEqual(record.levelno, logging.INFO)

    def test_takes_sql_and_params_from_positional_arguments(self) -> None:
        rows, record = self.run_logged("SELECT * FROM users WHERE id = ?",
                                       (1,))
        self.assertEqual(rows[0][0], 1)
        self.assertIn("Executing SQL Query: SELECT * FROM users WHERE id = ?",
                      record.getMessage())
        self.assertIn("params=(1,)", record.getMessage())
        self.assertTrue(record.getMessage().endswith("| 1 row"))

    def test_multiline_sql_is_logged_on_one_line(self) -> None:
        _rows, record = self.run_logged(
            query="SELECT id,\n       name\n  FROM users\n WHERE id < 3;")
        self.assertIn("SELECT id, name FROM users WHERE id < 3 |",
                      record.getMessage())
        self.assertNotIn("\n", record.getMessage())

    def test_failure_is_logged_and_reraised(self) -> None:
        with self.assertLogs("decorators.log_queries", "INFO") as logs:
            with self.assertRaises(sqlite3.OperationalError) as caught:
                mod.fetch_all_users(query="SELEC * FROM users")
        self.assertIn("syntax error", str(caught.exception))
        (record,) = logs.records
        self.assertEqual(record.levelno, logging.ERROR)
        self.assertRegex(record.getMessage(),
                         r"SELEC \* FROM users \| params=\(\) \| [\d.]+ ms \|"
                         r" failed: OperationalError: .*syntax error")

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

        with self.assertLogs("decorators.log_queries", "INFO") as logs:
            result = echo("SELECT 2", 1, [2], key=marker)
        self.assertEqual(result, {"echo": ("SELECT 2", (1, [2]),
                                           {"key": marker}, marker)})
        self.assertTrue(logs.output[0].endswith("| returned dict"))

    def test_finds_query_after_a_connection_argument(self) -> None:
        @mod.log_queries
        def run(conn: sqlite3.Connection, query: str) -> list:
            return conn.execute(query).fetchall()

        conn = self.open()
        with self.assertLogs("decorators.log_queries", "INFO") as logs:
            run(conn, "SELECT name FROM users WHERE id = 1")
        self.assertIn("Query: SELECT name FROM users WHERE id = 1 |",
                      logs.output[0])

    def test_wraps_keeps_name_doc_and_signature(self) -> None:
        func = mod.fetch_all_users
        self.assertEqual(func.__name__, "fetch_all_users")
        self.assertIn("return all rows", func.__doc__)
        self.assertEqual(list(inspect.signature(func).parameters),
                         ["query", "params"])
        self.assertTrue(callable(func.__wrapped__))

    def test_source_imports_datetime_as_spec_requires(self) -> None:
        source = Path(mod.__file__).read_text(encoding="utf-8")
        self.assertIn("from datetime import datetime", source)


if __name__ == "__main__":
    unittest.main()
