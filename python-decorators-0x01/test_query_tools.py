#!/usr/bin/env python3
"""Tests for query_tools: finding a call's SQL and telling reads apart."""
import unittest

import query_tools as qt


class TestIsReadQuery(unittest.TestCase):
    """is_read_query accepts only statements that cannot change data."""

    def test_reads(self) -> None:
        for sql in ("SELECT * FROM users", "select 1", "  (SELECT 1)",
                    "/* c */ SELECT 1", "-- c\nSELECT 1", "VALUES (1), (2)",
                    "WITH t AS (SELECT 1) SELECT * FROM t",
                    "WITH t AS (SELECT 'delete me' AS x) SELECT x FROM t",
                    "SELECT updated_at FROM users"):
            with self.subTest(sql=sql):
                self.assertTrue(qt.is_read_query(sql))

    def test_writes_and_everything_else(self) -> None:
        for sql in ("UPDATE users SET age = 1", "insert into t values (1)",
                    "DELETE FROM users", "REPLACE INTO t VALUES (1)",
                    "WITH t AS (SELECT 1) DELETE FROM users",
                    "WITH t AS (SELECT 1) INSERT INTO u SELECT * FROM t",
                    "CREATE TABLE x (a)", "PRAGMA journal_mode = WAL",
                    "BEGIN", "", "   "):
            with self.subTest(sql=sql):
                self.assertFalse(qt.is_read_query(sql))


class TestSqlOf(unittest.TestCase):
    """sql_of finds the SQL of a call without looking at a signature."""

    def test_query_keyword_wins(self) -> None:
        self.assertEqual(qt.sql_of(("SELECT 1",), {"query": "SELECT 2"}),
                         "SELECT 2")

    def test_first_positional_string_after_a_connection(self) -> None:
        conn = object()
        self.assertEqual(qt.sql_of((conn, "SELECT 1", "x"), {}), "SELECT 1")
        self.assertEqual(qt.sql_of(("SELECT 1",), {}), "SELECT 1")

    def test_none_when_there_is_no_sql(self) -> None:
        self.assertIsNone(qt.sql_of((1, 2), {}))
        self.assertIsNone(qt.sql_of((), {"query": 42}))


if __name__ == "__main__":
    unittest.main()
