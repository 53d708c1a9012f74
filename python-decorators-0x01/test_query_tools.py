#!/usr/bin/env python3
"""Tests for query_tools: finding, normalising and classifying SQL."""
import unittest
from typing import Any

import query_tools as qt


class TestNormalizeSql(unittest.TestCase):
    """normalize_sql puts a statement on one canonical line."""

    def test_collapses_whitespace_and_drops_semicolons(self) -> None:
        self.assertEqual(qt.normalize_sql("  SELECT *\n\t FROM users ;; "),
                         "SELECT * FROM users")

    def test_keeps_string_literals_and_quoted_names_intact(self) -> None:
        sql = "SELECT \"a  b\" FROM t WHERE x = 'two  spaces\n'"
        self.assertEqual(qt.normalize_sql(sql), sql)

    def test_comments_become_spaces(self) -> None:
        self.assertEqual(
            qt.normalize_sql("SELECT 1 -- note\n/* more */ FROM t"),
            "SELECT 1 FROM t")

    def test_keeps_case(self) -> None:
        self.assertEqual(qt.normalize_sql("select Name from users"),
                         "select Name from users")


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

    def test_classify_combines_both(self) -> None:
        self.assertEqual(qt.classify(" SELECT 1 ;"), ("SELECT 1", True))
        self.assertEqual(qt.classify("DELETE FROM t"), ("DELETE FROM t",
                                                        False))


class TestSqlGetter(unittest.TestCase):
    """sql_getter finds the SQL and parameters of a call."""

    def test_query_keyword_or_position(self) -> None:
        def run(conn: Any, query: str, params: Any = ()) -> None:
            """A query function."""

        get = qt.sql_getter(run)
        self.assertEqual(get((None, "SELECT 1", (2,)), {}),
                         ("SELECT 1", (2,)))
        self.assertEqual(get((None,), {"query": "SELECT 3",
                                       "params": [4]}), ("SELECT 3", [4]))
        self.assertEqual(get((None,), {}), (None, ()))

    def test_first_positional_without_a_query_parameter(self) -> None:
        def run(sql: str) -> None:
            """A query function with another parameter name."""

        self.assertEqual(qt.sql_getter(run)(("SELECT 1",), {}),
                         ("SELECT 1", ()))
        self.assertEqual(qt.sql_getter(run)((42,), {}), (None, ()))

    def test_query_position(self) -> None:
        def kw_only(conn: Any, *, query: str) -> None:
            """Keyword-only SQL."""

        self.assertIsNone(qt.query_position(kw_only))
        self.assertEqual(qt.query_position(len, 1), 1)


class TestFreeze(unittest.TestCase):
    """freeze makes call arguments usable in a cache key."""

    def test_hashable_values_are_unchanged(self) -> None:
        value = (1, "a", None)
        self.assertIs(qt.freeze(value), value)

    def test_lists_dicts_and_sets(self) -> None:
        self.assertEqual(qt.freeze([1, [2, 3]]), (1, (2, 3)))
        self.assertEqual(qt.freeze({"b": 2, "a": [1]}),
                         qt.freeze({"a": [1], "b": 2}))
        self.assertEqual(qt.freeze({1, 2}), frozenset({1, 2}))
        self.assertNotEqual(qt.freeze({"a": 1}), (("a", 1),))

    def test_unhashable_objects_raise_type_error(self) -> None:
        class Opaque:
            __hash__ = None  # type: ignore[assignment]

        with self.assertRaises(TypeError):
            qt.freeze([Opaque()])


if __name__ == "__main__":
    unittest.main()
