#!/usr/bin/env python3
"""The generators on MariaDB and SQLite: shape, coverage, early exit."""
import ast
import contextlib
import gc
import os
import sys
import time
import types
import unittest
import unittest.mock
from itertools import islice
from typing import Any, List

import prodev_db
from prodev_testing import (MySQLBackend, SQLiteBackend, csv_users,
                            load_task, mysql_admin, quiet)

KEYS = ["user_id", "name", "email", "age"]


class StreamChecks:
    """Checks shared by both backends; the table holds user_data.csv."""

    @classmethod
    def setUpClass(cls) -> None:
        """Seed the backend once for the whole class."""
        super().setUpClass()
        cls.seeded()
        cls.expected = sorted(csv_users())
        cls.stream = load_task("0-stream_users")
        cls.batches = load_task("1-batch_processing")
        cls.pages = load_task("2-lazy_paginate")
        cls.keyset = load_task("keyset_paginate")
        cls.ages = load_task("4-stream_ages")

    def triples(self, users: List[dict]) -> List[tuple]:
        """Sort users as (name, email, age) for comparison with the CSV."""
        return sorted((u["name"], u["email"], u["age"]) for u in users)

    def assert_user(self, user: Any) -> None:
        """A user is a dict with exactly the four keys and an int age."""
        self.assertIsInstance(user, dict)
        self.assertEqual(list(user), KEYS)
        self.assertIs(type(user["age"]), int)
        self.assertEqual(len(user["user_id"]), 36)

    # -- task 0 ---------------------------------------------------------

    def test_stream_users_yields_every_row_once(self) -> None:
        """stream_users is a generator over all rows, as SPEC dicts."""
        stream = self.stream.stream_users()
        self.assertIsInstance(stream, types.GeneratorType)
        users = list(stream)
        for user in users[:5] + users[-5:]:
            self.assert_user(user)
        self.assertEqual(self.triples(users), self.expected)
        self.assertEqual(len({u["user_id"] for u in users}), 1000)

    def test_calling_the_module_streams_too(self) -> None:
        """(compat) stream_users = __import__('0-stream_users'); call it."""
        first = list(islice(self.stream(), 6))
        self.assertEqual(len(first), 6)
        self.assert_user(first[0])

    def test_stream_users_fetches_in_batches(self) -> None:
        """Rows are read with fetchmany, one batch at a time."""
        with unittest.mock.patch.object(prodev_db, "STREAM_BATCH", 7):
            calls = []
            real = prodev_db.streaming_cursor

            @contextlib.contextmanager
            def spy(*args: Any, **kwargs: Any) -> Any:
                with real(*args, **kwargs) as cursor:
                    original = cursor.fetchmany

                    def fetchmany(size: int) -> Any:
                        rows = original(size)
                        calls.append(len(rows))
                        return rows
                    cursor.fetchmany = fetchmany
                    yield cursor

            with unittest.mock.patch.object(prodev_db, "streaming_cursor",
                                            spy):
                self.assertEqual(len(list(self.stream.stream_users())), 1000)
        self.assertEqual(max(calls), 7)
        self.assertEqual(sum(calls), 1000)

    # -- task 1 ---------------------------------------------------------

    def test_batches_have_the_requested_size(self) -> None:
        """Batches are full lists except possibly the last."""
        sizes = [len(b) for b in self.batches.stream_users_in_batches(64)]
        self.assertEqual(sizes, [64] * 15 + [40])

    def test_batches_cover_every_row(self) -> None:
        """All batches together hold every row once."""
        users = [u for batch in self.batches.stream_users_in_batches(333)
                 for u in batch]
        self.assert_user(users[0])
        self.assertEqual(self.triples(users), self.expected)

    def test_batch_processing_prints_users_over_25(self) -> None:
        """One dict per line, exactly the users with age > 25."""
        with quiet() as (out, _):
            result = self.batches.batch_processing(50)
        self.assertIsNone(result)
        printed = [ast.literal_eval(line)
                   for line in out.getvalue().splitlines()]
        self.assertEqual(self.triples(printed),
                         [u for u in self.expected if u[2] > 25])

    # -- task 2 ---------------------------------------------------------

    def test_paginate_users_returns_a_page(self) -> None:
        """A page holds dicts with int ages; the last page is short."""
        page = self.pages.paginate_users(10, 0)
        self.assertEqual(len(page), 10)
        self.assert_user(page[0])
        self.assertEqual(len(self.pages.paginate_users(10, 995)), 5)
        self.assertEqual(self.pages.paginate_users(10, 1000), [])

    def test_lazy_paginate_covers_every_row_once(self) -> None:
        """OFFSET and keyset pages both cover each row exactly once."""
        for lazy in (self.pages.lazy_paginate,
                     self.keyset.lazy_paginate_keyset):
            with self.subTest(generator=lazy.__name__):
                pages = list(lazy(97))
                self.assertEqual([len(p) for p in pages], [97] * 10 + [30])
                users = [u for page in pages for u in page]
                self.assertEqual(len({u["user_id"] for u in users}), 1000)
                self.assertEqual(self.triples(users), self.expected)

    def test_lazy_paginate_fetches_only_when_asked(self) -> None:
        """Each next() runs one page query; none before the first."""
        calls = []
        real = self.pages.paginate_users

        def counting(size: int, offset: int) -> list:
            calls.append(offset)
            return real(size, offset)

        with unittest.mock.patch.object(self.pages, "paginate_users",
                                        counting):
            pages = self.pages.lazy_pagination(400)
            self.assertEqual(calls, [])
            next(pages)
            next(pages)
            self.assertEqual(calls, [0, 400])
            self.assertEqual(len(list(pages)), 1)
            self.assertEqual(calls, [0, 400, 800, 1200])

    def test_keyset_pages_follow_user_id_order(self) -> None:
        """paginate_users_after continues after the given user_id."""
        first = self.keyset.paginate_users_after(5)
        ids = [u["user_id"] for u in first]
        self.assertEqual(ids, sorted(ids))
        second = self.keyset.paginate_users_after(5, ids[-1])
        self.assertGreater(second[0]["user_id"], ids[-1])

    # -- task 4 ---------------------------------------------------------

    def test_average_is_the_exact_mean(self) -> None:
        """The streamed average equals the CSV's mean."""
        ages = [age for _, _, age in self.expected]
        self.assertEqual(self.ages.calculate_average_age(),
                         sum(ages) / len(ages))

    def test_stream_user_ages_yields_ints(self) -> None:
        """Ages come one by one, as ints."""
        ages = list(self.ages.stream_user_ages())
        self.assertEqual(sorted(ages), sorted(a for _, _, a in self.expected))
        self.assertTrue(all(type(a) is int for a in ages))

    def test_average_age_prints_the_line(self) -> None:
        """(compat) average_age prints the SPEC line and returns the value."""
        with quiet() as (out, _):
            value = self.ages.average_age()
        self.assertEqual(out.getvalue(), f"Average age of users: {value}\n")

    # -- early exit -----------------------------------------------------

    def abandon(self, how: str) -> None:
        """Leave a generator early in one of several ways."""
        if how == "islice":
            list(islice(self.stream.stream_users(), 3))
        elif how == "break":
            for _ in self.batches.stream_users_in_batches(10):
                break
        elif how == "exception":
            with contextlib.suppress(KeyError):
                for _ in self.ages.stream_user_ages():
                    raise KeyError("consumer failed")
        elif how == "close":
            stream = self.stream.stream_users()
            next(stream)
            stream.close()
        elif how == "page":
            pages = self.keyset.lazy_paginate_keyset(10)
            next(pages)
            del pages

    def test_early_exit_is_silent(self) -> None:
        """Abandoned generators print nothing, not even unraisables."""
        unraisable = []
        with unittest.mock.patch.object(sys, "unraisablehook",
                                        unraisable.append), \
                quiet() as (out, err):
            for how in ("islice", "break", "exception", "close", "page"):
                self.abandon(how)
            gc.collect()
        self.assertEqual((out.getvalue(), err.getvalue()), ("", ""))
        self.assertEqual(unraisable, [])

    def test_stream_after_early_exit_still_works(self) -> None:
        """A new stream after an abandoned one reads everything."""
        self.abandon("islice")
        self.assertEqual(len(list(self.stream.stream_users())), 1000)


class TestStreamsMySQL(StreamChecks, MySQLBackend):
    """The generators against MariaDB/MySQL."""

    def sessions(self, admin: Any) -> tuple:
        """(Threads_connected, sessions on the test database)."""
        cursor = admin.cursor()
        cursor.execute("SHOW GLOBAL STATUS LIKE 'Threads_connected'")
        threads = int(cursor.fetchone()[1])
        cursor.execute("SELECT COUNT(*) FROM INFORMATION_SCHEMA.PROCESSLIST"
                       " WHERE DB = %s", (prodev_db.settings().database,))
        ours = cursor.fetchone()[0]
        cursor.close()
        return threads, ours

    def settle(self, admin: Any, threads: int) -> tuple:
        """Poll briefly until the server has seen the disconnects."""
        deadline = time.monotonic() + 5
        now = self.sessions(admin)
        while now[0] > threads and time.monotonic() < deadline:
            time.sleep(0.05)
            now = self.sessions(admin)
        return now

    def test_200_abandoned_generators_leave_no_connection(self) -> None:
        """Threads_connected is back to where it was after 200 exits."""
        admin = mysql_admin()
        self.addCleanup(admin.close)
        threads, ours = self.sessions(admin)
        self.assertEqual(ours, 0)
        ways = ("islice", "break", "exception", "close", "page")
        with quiet() as (_, err):
            for number in range(200):
                self.abandon(ways[number % len(ways)])
        self.assertEqual(err.getvalue(), "")
        after_threads, after_ours = self.settle(admin, threads)
        self.assertEqual(after_ours, 0)
        self.assertLessEqual(after_threads, threads)

    def test_early_exit_is_immediate_on_a_pending_result(self) -> None:
        """Closing mid-result does not read the rest: the socket drops."""
        sql = ("SELECT a.user_id FROM user_data a CROSS JOIN user_data b")
        with prodev_db.streaming_cursor(sql) as cursor:
            self.assertEqual(len(cursor.fetchmany(5)), 5)
            started = time.perf_counter()
        elapsed = time.perf_counter() - started
        # A million-row remainder would take ~0.5 s to drain.
        self.assertLess(elapsed, 0.25)

    def test_unreachable_server_is_one_line(self) -> None:
        """connect_db prints one clear line and returns None."""
        with unittest.mock.patch.dict("os.environ", {"MYSQL_PORT": "1"}), \
                quiet() as (out, err):
            self.assertIsNone(self.seed.connect_db())
            self.assertIsNone(self.seed.connect_to_prodev())
        self.assertEqual(out.getvalue(), "")
        lines = err.getvalue().splitlines()
        self.assertEqual(len(lines), 2)
        self.assertRegex(lines[0], r"^Error: Cannot reach MySQL at .*:1 ")
        self.assertIn("MYSQL_HOST", lines[0])

    def test_generators_raise_a_clear_error_when_unreachable(self) -> None:
        """A stream on a bad port raises ProdevConnectionError."""
        with unittest.mock.patch.dict("os.environ", {"MYSQL_PORT": "1"}):
            with self.assertRaisesRegex(prodev_db.ProdevConnectionError,
                                        "Cannot reach MySQL"):
                next(self.stream.stream_users())


class TestStreamsSQLite(StreamChecks, SQLiteBackend):
    """The generators against the embedded SQLite backend."""

    def test_file_is_unlocked_after_early_exit(self) -> None:
        """After abandoned streams a writer gets the file at once."""
        for how in ("islice", "break", "exception", "close", "page"):
            self.abandon(how)
        connection = prodev_db.connect()
        connection.execute("PRAGMA busy_timeout = 0")
        connection.execute("BEGIN EXCLUSIVE")
        connection.rollback()
        connection.close()


class TestStreamsMySQLPure(StreamChecks, MySQLBackend):
    """The generators with mysql-connector's pure-Python protocol."""

    @classmethod
    def setUpClass(cls) -> None:
        """Force MYSQL_USE_PURE=1 for the whole class."""
        super().setUpClass()
        os.environ["MYSQL_USE_PURE"] = "1"

    def test_the_pure_protocol_runs(self) -> None:
        """connect_to_prodev gives the pure-Python connection class."""
        connection = self.seed.connect_to_prodev()
        self.addCleanup(connection.close)
        self.assertEqual(type(connection).__name__, "MySQLConnection")


if __name__ == "__main__":
    unittest.main()
