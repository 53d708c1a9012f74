#!/usr/bin/env python3
"""Tests for 3-retry_on_failure: transient errors only, backoff, real locks."""
import inspect
import os
import sqlite3
import tempfile
import unittest
from typing import Any, Callable, List
from unittest.mock import patch

from db_fixture import DatabaseTestCase, task

mod = task("3-retry_on_failure")


def locked_error() -> sqlite3.OperationalError:
    """Make a real 'database is locked' error from two real connections."""
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "lock.db")
        holder = sqlite3.connect(path, isolation_level=None)
        holder.execute("CREATE TABLE t (x)")
        holder.execute("BEGIN EXCLUSIVE")
        other = sqlite3.connect(path, timeout=0)
        try:
            other.execute("SELECT * FROM t")
        except sqlite3.OperationalError as exc:
            return exc
        finally:
            other.close()
            holder.close()
    raise AssertionError("the database was not locked")


class Flaky:
    """Fails ``failures`` times with fresh errors, then works."""

    def __init__(self, failures: int,
                 make_error: Callable[[], BaseException]) -> None:
        self.failures = failures
        self.make_error = make_error
        self.calls = 0
        self.raised: List[BaseException] = []

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.calls += 1
        if self.calls <= self.failures:
            error = self.make_error()
            self.raised.append(error)
            raise error
        return ("ok", args, kwargs)


class RetryTestCase(DatabaseTestCase):
    """Replaces the sleep seam with a recorder (no real waiting)."""

    def setUp(self) -> None:
        super().setUp()
        self.sleeps = self.record_sleeps()


class TestRetryWithRealLocks(RetryTestCase):
    """A lock held by another connection in another thread."""

    def test_retries_while_locked_then_succeeds(self) -> None:
        release = self.hold_lock()

        def sleep_and_unlock(seconds: float) -> None:
            self.sleeps.append(seconds)
            release.set()
            release.thread.join(5)  # type: ignore[attr-defined]

        with patch.object(mod, "sleep", sleep_and_unlock):
            with self.assertLogs("decorators.retry", "WARNING") as logs:
                users = mod.fetch_users_with_retry()
        self.assertEqual(users, self.fetch("SELECT * FROM users"))
        self.assertEqual(len(self.sleeps), 1)
        self.assertEqual(self.sleeps, [1])
        (line,) = logs.output  # one retry: two attempts
        self.assertIn("fetch_users_with_retry failed (attempt 1/4)", line)
        self.assertIn("OperationalError: database is locked", line)

    def test_gives_up_after_four_attempts_without_a_last_sleep(self) -> None:
        self.hold_lock()
        attempts = []

        @mod.with_db_connection
        @mod.retry_on_failure(retries=3, delay=1)
        def read_all(conn: sqlite3.Connection) -> list:
            attempts.append(conn)
            return conn.execute("SELECT * FROM users").fetchall()

        with self.assertLogs("decorators.retry", "WARNING") as logs:
            with self.assertRaisesRegex(sqlite3.OperationalError,
                                        "database is locked"):
                read_all()
        self.assertEqual(len(attempts), 4)
        self.assertEqual(len(set(map(id, attempts))), 1)  # same connection
        self.assertEqual(len(self.sleeps), 3)
        self.assertIn("attempt 4/4), giving up", logs.output[-1])
        self.assertEqual(len(logs.output), 4)

    def test_syntax_error_is_tried_exactly_once(self) -> None:
        calls = []

        @mod.with_db_connection
        @mod.retry_on_failure(retries=3, delay=1)
        def bad_sql(conn: sqlite3.Connection) -> list:
            calls.append(1)
            return conn.execute("SELEC * FROM users").fetchall()

        with self.assertRaisesRegex(sqlite3.OperationalError, "syntax"):
            bad_sql()
        self.assertEqual((len(calls), self.sleeps), (1, []))

    def test_integrity_error_is_not_retried(self) -> None:
        calls = []

        @mod.with_db_connection
        @mod.retry_on_failure(retries=3, delay=1)
        def duplicate(conn: sqlite3.Connection) -> None:
            calls.append(1)
            conn.execute("INSERT INTO users (id, name, email) "
                         "VALUES (1, 'Dup', 'dup@example.com')")

        with self.assertRaises(sqlite3.IntegrityError):
            duplicate()
        self.assertEqual((len(calls), self.sleeps), (1, []))

    def test_missing_table_is_not_retried(self) -> None:
        flaky = Flaky(1, lambda: sqlite3.OperationalError("no such table: x"))
        with self.assertRaises(sqlite3.OperationalError):
            mod.retry_on_failure()(flaky)()
        self.assertEqual(flaky.calls, 1)


class TestRetryPolicy(RetryTestCase):
    """Counting, backoff, jitter, cap and configuration."""

    def test_fails_three_times_then_succeeds(self) -> None:
        flaky = Flaky(3, locked_error)
        wrapped = mod.retry_on_failure(retries=3, delay=1)(flaky)
        with self.assertLogs("decorators.retry", "WARNING"):
            self.assertEqual(wrapped(1, k=2), ("ok", (1,), {"k": 2}))
        self.assertEqual(flaky.calls, 4)
        self.assertEqual(self.sleeps, [1, 1, 1])

    def test_backoff_is_opt_in(self) -> None:
        flaky = Flaky(3, locked_error)
        wrapped = mod.retry_on_failure(retries=3, delay=1, backoff=2)(flaky)
        with self.assertLogs("decorators.retry", "WARNING"):
            wrapped()
        self.assertEqual(self.sleeps, [1, 2, 4])

    def test_reraises_the_last_error_unchanged(self) -> None:
        flaky = Flaky(10, locked_error)
        wrapped = mod.retry_on_failure(retries=2, delay=0.5)(flaky)
        with self.assertLogs("decorators.retry", "WARNING"):
            with self.assertRaises(sqlite3.OperationalError) as caught:
                wrapped()
        self.assertEqual(flaky.calls, 3)
        self.assertIs(caught.exception, flaky.raised[-1])
        self.assertEqual(len(self.sleeps), 2)

    def test_backoff_is_capped(self) -> None:
        flaky = Flaky(5, locked_error)
        wrapped = mod.retry_on_failure(retries=5, delay=1, backoff=2,
                                       max_delay=3)(flaky)
        with self.assertLogs("decorators.retry", "WARNING"):
            wrapped()
        self.assertEqual(self.sleeps, [1, 2, 3, 3, 3])

    def test_jitter_stays_within_bounds(self) -> None:
        for retry in range(1, 200):
            base = min(30.0, 0.5 * 2 ** (retry - 1))
            pause = mod.wait_before(retry, 0.5, backoff=2, max_delay=30,
                                    jitter=0.25)
            self.assertTrue(0.75 * base <= pause <= base, (retry, pause))
        pauses = {mod.wait_before(1, 1.0, jitter=0.5) for _ in range(20)}
        self.assertGreater(len(pauses), 1)
        self.assertEqual({mod.wait_before(n, 1.5) for n in range(1, 9)},
                         {1.5})

    def test_zero_retries_means_one_attempt(self) -> None:
        flaky = Flaky(1, locked_error)
        with self.assertLogs("decorators.retry", "ERROR"):
            with self.assertRaises(sqlite3.OperationalError):
                mod.retry_on_failure(retries=0)(flaky)()
        self.assertEqual((flaky.calls, self.sleeps), (1, []))

    def test_configurable_exception_types(self) -> None:
        flaky = Flaky(2, lambda: ConnectionError("reset"))
        wrapped = mod.retry_on_failure(
            retries=2, delay=0, retry_on=(ConnectionError,))(flaky)
        with self.assertLogs("decorators.retry", "WARNING"):
            self.assertEqual(wrapped()[0], "ok")
        self.assertEqual(flaky.calls, 3)

    def test_other_exception_types_are_not_retried(self) -> None:
        flaky = Flaky(1, lambda: ValueError("bad"))
        with self.assertRaises(ValueError):
            mod.retry_on_failure()(flaky)()
        self.assertEqual(flaky.calls, 1)

    def test_transient_classification(self) -> None:
        self.assertTrue(mod.is_transient_error(locked_error()))
        self.assertTrue(mod.is_transient_error(
            sqlite3.OperationalError("database is locked")))
        self.assertFalse(mod.is_transient_error(
            sqlite3.OperationalError('near "SELEC": syntax error')))
        self.assertFalse(mod.is_transient_error(sqlite3.IntegrityError("x")))
        self.assertTrue(mod.is_transient_error(TimeoutError()))

    def test_bad_arguments_are_rejected(self) -> None:
        for kwargs in ({"retries": -1}, {"retries": 1.5}, {"delay": -1},
                       {"backoff": 0.5}, {"jitter": 2}):
            with self.subTest(**kwargs):
                with self.assertRaises(ValueError):
                    mod.retry_on_failure(**kwargs)

    def test_defaults_are_three_retries_two_seconds(self) -> None:
        parameters = inspect.signature(mod.retry_on_failure).parameters
        self.assertEqual(parameters["retries"].default, 3)
        self.assertEqual(parameters["delay"].default, 2)

    def test_wraps_keeps_name_doc_and_signature(self) -> None:
        func = mod.fetch_users_with_retry
        self.assertEqual(func.__name__, "fetch_users_with_retry")
        self.assertIn("retrying", func.__doc__)
        self.assertEqual(list(inspect.signature(func).parameters), [])

        @mod.retry_on_failure(retries=1)
        def sample(a: int, b: str = "x") -> str:
            """Doc."""
            return b * a
        self.assertEqual(str(inspect.signature(sample)),
                         "(a: int, b: str = 'x') -> str")
        self.assertEqual(sample(2, b="y"), "yy")


if __name__ == "__main__":
    unittest.main()
