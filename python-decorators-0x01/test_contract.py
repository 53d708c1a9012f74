#!/usr/bin/env python3
"""The curriculum's contract, as its checkers and peer drivers see it.

Def lines grepped as text, the log line a peer driver sees on its terminal,
fixed retry delays, and ``query_cache[sql]``.
"""
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

from db_fixture import DatabaseTestCase, task

HERE = Path(__file__).resolve().parent
ALL = "SELECT * FROM users"
STAMP = r"\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\]"

# The curriculum's def lines, word for word (checkers grep them).
DEF_LINES = {
    "0-log_queries.py": ["def log_queries(func):",
                         "def fetch_all_users(query):"],
    "1-with_db_connection.py": ["def with_db_connection(func):",
                                "def get_user_by_id(conn, user_id):"],
    "2-transactional.py": ["def transactional(func):",
                           "def update_user_email(conn, user_id, "
                           "new_email):"],
    "3-retry_on_failure.py": ["def fetch_users_with_retry(conn):"],
    "4-cache_query.py": ["def cache_query(func):",
                         "def fetch_users_with_cache(conn, query):"],
}


class TestDefLines(unittest.TestCase):
    """Each task file keeps the curriculum's def lines exactly."""

    def test_def_lines_are_the_curriculums(self) -> None:
        for name, lines in DEF_LINES.items():
            text = (HERE / name).read_text(encoding="utf-8").splitlines()
            with self.subTest(file=name):
                self.assertEqual([line for line in lines
                                  if line not in text], [])

    def test_retry_factory_starts_with_the_curriculum_parameters(
            self) -> None:
        """Extra options come after retries=3, delay=2, keyword-only."""
        text = (HERE / "3-retry_on_failure.py").read_text(encoding="utf-8")
        self.assertRegex(text, r"\ndef retry_on_failure\(retries=3, "
                               r"delay=2(\)|, \*,)")


class TestPeerDriver(unittest.TestCase):
    """A driver written by someone else, run as a script from the folder."""

    def test_log_line_shows_before_the_call_without_logging_setup(
            self) -> None:
        tmp = tempfile.TemporaryDirectory(prefix="decorators-peer-")
        self.addCleanup(tmp.cleanup)
        folder = Path(tmp.name) / "python-decorators-0x01"
        shutil.copytree(HERE, folder, ignore=shutil.ignore_patterns(
            "*.db", "*.db-journal", "__pycache__", "bench"))
        driver = (
            "log_queries = __import__('0-log_queries')\n"
            "\n"
            "@log_queries.log_queries\n"
            "def probe(query):\n"
            "    print('inside probe')\n"
            "\n"
            "probe(query='SELECT 42')\n"
            "fetch_all_users = log_queries.fetch_all_users\n"
            "users = fetch_all_users(query='SELECT * FROM users')\n"
            "print(len(users))\n")
        (folder / "peer-main.py").write_text(driver, encoding="utf-8")
        env = {k: v for k, v in os.environ.items()
               if k not in ("USERS_DB", "USERS_DB_TIMEOUT")}
        done = subprocess.run([sys.executable, "peer-main.py"], cwd=folder,
                              env=env, capture_output=True, text=True,
                              timeout=60)
        self.assertEqual((done.returncode, done.stderr), (0, ""))
        lines = done.stdout.splitlines()
        self.assertEqual(len(lines), 4, done.stdout)
        self.assertRegex(lines[0],
                         rf"^{STAMP} Executing SQL Query: SELECT 42$")
        self.assertEqual(lines[1], "inside probe")
        self.assertRegex(lines[2], rf"^{STAMP} Executing SQL Query: "
                                   r"SELECT \* FROM users$")
        self.assertEqual(lines[3], "10")


class Flaky:
    """Raises 'database is locked' ``failures`` times, then returns 'ok'."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        if self.calls <= self.failures:
            raise sqlite3.OperationalError("database is locked")
        return "ok"


class TestRetryDelays(DatabaseTestCase):
    """retry_on_failure(retries, delay) waits delay seconds, every time."""

    def setUp(self) -> None:
        super().setUp()
        self.sleeps = self.record_sleeps()
        self.retry = task("3-retry_on_failure")

    def test_curriculum_arguments_wait_the_same_delay_each_time(
            self) -> None:
        flaky = Flaky(3)
        wrapped = self.retry.retry_on_failure(retries=3, delay=2)(flaky)
        with self.assertLogs("decorators.retry", "WARNING"):
            self.assertEqual(wrapped(), "ok")
        self.assertEqual((flaky.calls, self.sleeps), (4, [2, 2, 2]))

    def test_defaults_are_three_retries_two_seconds(self) -> None:
        flaky = Flaky(10)
        with self.assertLogs("decorators.retry", "WARNING"):
            with self.assertRaises(sqlite3.OperationalError):
                self.retry.retry_on_failure()(flaky)()
        self.assertEqual((flaky.calls, self.sleeps), (4, [2, 2, 2]))


class TestQueryCacheDict(DatabaseTestCase):
    """query_cache is keyed by the SQL text, as a learner inspects it."""

    def setUp(self) -> None:
        super().setUp()
        self.cache = task("4-cache_query")
        self.log = self.trace_all()

    def test_query_cache_holds_the_rows_under_the_sql(self) -> None:
        rows = self.cache.fetch_users_with_cache(query=ALL)
        self.assertEqual(self.cache.query_cache[ALL], rows)
        self.assertEqual(rows, self.fetch(ALL))

    def test_clearing_the_dict_runs_the_sql_again(self) -> None:
        self.cache.fetch_users_with_cache(query=ALL)
        self.cache.fetch_users_with_cache(query=ALL)
        self.assertEqual(self.log.statements.count(ALL), 1)
        self.cache.query_cache.clear()
        self.cache.fetch_users_with_cache(query=ALL)
        self.assertEqual(self.log.statements.count(ALL), 2)
        self.assertIn(ALL, self.cache.query_cache)

    def test_sql_that_differs_by_a_space_is_another_key(self) -> None:
        spaced = "SELECT *  FROM users"
        self.cache.fetch_users_with_cache(query=ALL)
        self.cache.fetch_users_with_cache(query=spaced)
        self.assertEqual(sorted(self.cache.query_cache), sorted([ALL,
                                                                 spaced]))


if __name__ == "__main__":
    unittest.main()
