#!/usr/bin/env python3
"""Tests for 4-cache_query: hits skip SQL; bound, TTL, invalidation."""
import inspect
import os
import sqlite3
import threading
import unittest
from typing import Any, List, Sequence

import users_db
from db_fixture import DatabaseTestCase, task

mod = task("4-cache_query")
tx = task("2-transactional")
ALL = "SELECT * FROM users"


@mod.with_db_connection
@mod.cache_query
def run_sql(conn: sqlite3.Connection, query: str) -> List[tuple]:
    """Run any SQL and commit."""
    rows = conn.execute(query).fetchall()
    conn.commit()
    return rows


class CacheTestCase(DatabaseTestCase):
    """Counts the SQL statements every users_db connection runs."""

    def setUp(self) -> None:
        super().setUp()
        self.log = self.trace_all()
        self.addCleanup(mod.configure_cache, 256, 0)

    def executed(self, sql: str = ALL) -> int:
        return self.log.statements.count(sql)


class TestCacheHits(CacheTestCase):
    """A repeated read is answered without running SQL."""

    def test_hit_does_not_execute_sql(self) -> None:
        first = mod.fetch_users_with_cache(query=ALL)
        second = mod.fetch_users_with_cache(query=ALL)
        self.assertEqual(first, self.fetch(ALL))
        self.assertEqual(second, first)
        self.assertEqual(self.executed(), 1)
        self.assertEqual(mod.fetch_users_with_cache.cache_info(),
                         mod.CacheInfo(hits=1, misses=1, maxsize=256,
                                       currsize=1))

    def test_query_cache_is_a_plain_dict_keyed_by_sql(self) -> None:
        rows = mod.fetch_users_with_cache(ALL)
        self.assertIs(type(mod.query_cache), dict)
        self.assertEqual(mod.query_cache, {ALL: rows})

    def test_sql_from_positional_or_keyword_argument(self) -> None:
        mod.fetch_users_with_cache(ALL)
        mod.fetch_users_with_cache(query=ALL)
        self.assertEqual(self.executed(), 1)

    def test_calls_with_more_arguments_run_uncached(self) -> None:
        @mod.with_db_connection
        @mod.cache_query
        def select(conn: sqlite3.Connection, query: str,
                   params: Sequence[Any] = ()) -> List[tuple]:
            return conn.execute(query, params).fetchall()

        sql = "SELECT name FROM users WHERE id = ?"
        first, second = select(sql, (1,)), select(sql, (2,))
        self.assertNotEqual(first, second)
        self.assertEqual(len(self.log.statements), 2)
        self.assertEqual(mod.query_cache, {})
        self.assertEqual(select("SELECT 7"), [(7,)])
        self.assertEqual(mod.query_cache, {"SELECT 7": [(7,)]})

    def test_a_cached_none_is_a_hit(self) -> None:
        @mod.with_db_connection
        @mod.cache_query
        def one(conn: sqlite3.Connection, query: str) -> Any:
            return conn.execute(query).fetchone()

        sql = "SELECT * FROM users WHERE id = 424242"
        self.assertIsNone(one(sql))
        self.assertIsNone(one(sql))
        self.assertEqual(self.executed(sql), 1)
        self.assertEqual(one.cache_info().hits, 1)

    def test_works_with_a_connection_opened_elsewhere(self) -> None:
        @mod.cache_query
        def read(conn: sqlite3.Connection, query: str) -> list:
            return conn.execute(query).fetchall()

        log: List[str] = []
        conn = self.open()
        conn.set_trace_callback(log.append)
        first = read(conn, ALL)
        self.assertEqual(read(conn, ALL), first)
        self.assertEqual(log.count(ALL), 1)

    def test_hit_returns_a_copy(self) -> None:
        rows = mod.fetch_users_with_cache(query=ALL)
        rows.clear()
        hit = mod.fetch_users_with_cache(query=ALL)
        hit.append("junk")
        self.assertEqual(mod.fetch_users_with_cache(query=ALL),
                         self.fetch(ALL))

    def test_pointing_at_another_database_empties_the_cache(self) -> None:
        other = users_db.build_database(os.path.join(self.tmp_dir, "o.db"))
        conn = sqlite3.connect(other)
        conn.execute("DELETE FROM users WHERE id > 1")
        conn.commit()
        conn.close()
        here = mod.fetch_users_with_cache(query=ALL)
        with users_db.using_database(other):
            there = mod.fetch_users_with_cache(query=ALL)
        self.assertEqual(len(there), 1)
        self.assertEqual(mod.fetch_users_with_cache(query=ALL), here)

    def test_with_cte_reads_are_cached(self) -> None:
        sql = "WITH young AS (SELECT * FROM users WHERE age < 30) " \
              "SELECT COUNT(*) FROM young"
        run_sql(sql)
        run_sql(sql)
        self.assertEqual(self.executed(sql), 1)

    def test_cache_clear_and_info(self) -> None:
        mod.fetch_users_with_cache(query=ALL)
        mod.fetch_users_with_cache(query=ALL)
        mod.fetch_users_with_cache.cache_clear()
        self.assertEqual(mod.cache_info(), mod.CacheInfo(0, 0, 256, 0))
        mod.fetch_users_with_cache(query=ALL)
        self.assertEqual(self.executed(), 2)

    def test_wraps_keeps_name_doc_and_signature(self) -> None:
        func = mod.fetch_users_with_cache
        self.assertEqual(func.__name__, "fetch_users_with_cache")
        self.assertIn("cached", func.__doc__)
        self.assertEqual(list(inspect.signature(func).parameters),
                         ["query"])
        self.assertTrue(callable(func.cache_info))


class TestCacheInvalidation(CacheTestCase):
    """Writes through the module's functions drop stale reads."""

    def test_update_user_email_invalidates_cached_reads(self) -> None:
        before = mod.fetch_users_with_cache(query=ALL)
        tx.update_user_email(user_id=1, new_email="new@example.com")
        after = mod.fetch_users_with_cache(query=ALL)
        self.assertNotEqual(before, after)
        self.assertEqual(after[0][2], "new@example.com")
        self.assertEqual(self.executed(), 2)

    def test_write_query_is_not_cached_and_invalidates(self) -> None:
        mod.fetch_users_with_cache(query=ALL)
        delete = "DELETE FROM users WHERE id = 2"
        run_sql(delete)
        run_sql(delete)
        self.assertEqual(self.executed(delete), 2)
        self.assertEqual(len(mod.fetch_users_with_cache(query=ALL)),
                         len(self.fetch(ALL)))
        self.assertEqual(self.executed(), 2)

    def test_with_cte_writes_are_not_cached(self) -> None:
        sql = ("WITH old AS (SELECT id FROM users WHERE age > 60) "
               "DELETE FROM users WHERE id IN (SELECT id FROM old)")
        run_sql(sql)
        run_sql(sql)
        self.assertEqual(self.executed(sql), 2)

    def test_plain_connection_write_through_decorator_invalidates(
            self) -> None:
        @mod.with_db_connection
        def rename(conn: sqlite3.Connection) -> None:
            conn.execute("UPDATE users SET name = 'Renamed' WHERE id = 1")
            conn.commit()

        mod.fetch_users_with_cache(query=ALL)
        rename()
        self.assertEqual(mod.fetch_users_with_cache(query=ALL)[0][1],
                         "Renamed")

    def test_read_inside_an_open_transaction_bypasses_the_cache(
            self) -> None:
        mod.fetch_users_with_cache(query=ALL)

        @mod.with_db_connection
        def rename_and_read(conn: sqlite3.Connection) -> list:
            conn.execute("UPDATE users SET name = 'Pending' WHERE id = 1")
            return mod.fetch_users_with_cache.__wrapped__(conn, ALL)

        self.assertEqual(rename_and_read()[0][1], "Pending")
        self.assertEqual(mod.fetch_users_with_cache(query=ALL)[0][1],
                         self.fetch(ALL)[0][1])

    def test_result_computed_during_an_invalidation_is_not_stored(
            self) -> None:
        @mod.with_db_connection
        @mod.cache_query
        def racing(conn: sqlite3.Connection, query: str) -> list:
            rows = conn.execute(query).fetchall()
            mod.invalidate()  # a writer commits meanwhile
            return rows

        racing(ALL)
        racing(ALL)
        self.assertEqual(self.executed(), 2)
        self.assertEqual(mod.query_cache, {})


class TestCacheBounds(CacheTestCase):
    """LRU bound, TTL, thread safety."""

    def test_least_recently_used_entry_is_evicted(self) -> None:
        mod.configure_cache(maxsize=2)
        queries = [f"SELECT * FROM users WHERE id = {n}" for n in (1, 2, 3)]
        mod.fetch_users_with_cache(query=queries[0])
        mod.fetch_users_with_cache(query=queries[1])
        mod.fetch_users_with_cache(query=queries[0])  # 0 is now recent
        mod.fetch_users_with_cache(query=queries[2])  # evicts 1
        self.assertEqual(list(mod.query_cache), [queries[0], queries[2]])
        mod.fetch_users_with_cache(query=queries[0])
        mod.fetch_users_with_cache(query=queries[1])
        self.assertEqual([self.executed(q) for q in queries], [1, 2, 1])

    def test_ttl_expires_entries(self) -> None:
        now = [1000.0]
        saved = mod.clock
        mod.clock = lambda: now[0]
        self.addCleanup(setattr, mod, "clock", saved)
        mod.configure_cache(ttl=30)
        mod.fetch_users_with_cache(ALL)
        now[0] += 29
        mod.fetch_users_with_cache(ALL)
        self.assertEqual(self.executed(), 1)
        now[0] += 2
        mod.fetch_users_with_cache(ALL)
        self.assertEqual(self.executed(), 2)
        self.assertEqual(mod.cache_info()[:2], (1, 2))

    def test_bad_settings_are_rejected(self) -> None:
        for kwargs in ({"maxsize": 0}, {"maxsize": 2.5}, {"ttl": -1}):
            with self.subTest(**kwargs):
                with self.assertRaises(ValueError):
                    mod.configure_cache(**kwargs)

    def test_concurrent_callers_agree(self) -> None:
        mod.configure_cache(maxsize=4)
        queries = [f"SELECT * FROM users WHERE id <= {n}" for n in range(6)]
        errors: List[BaseException] = []
        start = threading.Barrier(6)

        def worker(offset: int) -> None:
            try:
                start.wait()
                for i in range(60):
                    n = (i + offset) % len(queries)
                    rows = mod.fetch_users_with_cache(query=queries[n])
                    if len(rows) != n:
                        raise AssertionError((n, len(rows)))
            except BaseException as exc:  # reported below
                errors.append(exc)

        threads = [threading.Thread(target=worker, args=(k,))
                   for k in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        self.assertEqual(errors, [])
        info = mod.cache_info()
        self.assertEqual(info.hits + info.misses, 360)
        self.assertEqual(info.misses, len(self.log.statements))
        self.assertLessEqual(len(mod.query_cache), 4)


if __name__ == "__main__":
    unittest.main()
