#!/usr/bin/env python3
"""follow_users(source="binlog"): commit order, exactly once, errors, memory.

These run on a server with a row-based binary log, found at
MYSQL_BINLOG_HOST:MYSQL_BINLOG_PORT (default 127.0.0.1:3307; start one with
``../.ci/start-mariadb-binlog``).  Without it they skip with the reason;
``REQUIRE_MYSQL=1`` makes that a failure.
"""
import gc
import os
import subprocess
import sys
import time
import unittest
import warnings
from itertools import islice
from typing import Any, List

import prodev_db
from prodev_testing import (BinlogBackend, MySQLBackend, SQLiteBackend,
                            load_task, mysql_admin)

live = load_task("live_updates")
# A user of the binlog server without replication privileges.
PLAIN_USER = "prodev_no_replication"


def rss_mb() -> float:
    """This process's resident set size now, in MB (Linux /proc)."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


class BinlogCase(BinlogBackend):
    """Shared helpers: a table with the CSV, writers on own connections."""

    @classmethod
    def setUpClass(cls) -> None:
        """Seed once; each test adds rows of its own."""
        super().setUpClass()
        cls.seeded()

    def writer(self) -> Any:
        """A connection of the test's own, closed at the end of the test."""
        connection = prodev_db.connect()
        self.addCleanup(prodev_db.close_quietly, connection)
        return connection

    def email(self, label: Any) -> str:
        """An email unique to this test and ``label``."""
        return f"{self._testMethodName}.{label}@example.com".lower()

    def insert(self, connection: Any, *labels: Any, commit: bool = True
               ) -> List[str]:
        """Insert one user per label in one transaction; return emails."""
        emails = [self.email(label) for label in labels]
        cursor = connection.cursor()
        cursor.executemany(
            self.seed.MYSQL_INSERT,
            [(self.seed.new_user_id(), f"Binlog {label}", email, 30)
             for label, email in zip(labels, emails, strict=True)])
        cursor.close()
        if commit:
            connection.commit()
        return emails

    def follow(self, **options: Any) -> Any:
        """A binlog follower closed at the end of the test."""
        options.setdefault("poll_interval", 0.05)
        options.setdefault("idle_timeout", 1.0)
        stream = live.follow_users(source="binlog", **options)
        self.addCleanup(stream.close)
        return stream


class TestBinlogFollower(BinlogCase):
    """What the binlog gives and polling cannot."""

    def test_out_of_order_commits_binlog_delivers_both_polling_misses_one(
            self) -> None:
        """Two writers commit out of order: polling loses the early row.

        Writer A inserts first (smaller seq) but commits last; polling has
        moved past B's row by then and never sees A's.  The binlog has both,
        in commit order.
        """
        polling = live.follow_users(poll_interval=0.01, idle_timeout=0.5)
        self.addCleanup(polling.close)
        binlog = self.follow()
        first, second = self.writer(), self.writer()
        early = self.insert(first, "early", commit=False)
        late = self.insert(second, "late")
        self.assertEqual(next(polling)["email"], late[0])
        first.commit()
        self.assertEqual([u["email"] for u in polling], [])
        self.assertEqual([u["email"] for u in binlog], late + early)

    def test_restart_with_since_repeats_and_loses_nothing(self) -> None:
        """Stop in the middle of a transaction, restart from the position."""
        connection = self.writer()
        stream = self.follow()
        emails = (self.insert(connection, 1, 2, 3)
                  + self.insert(connection, 4, 5)
                  + self.insert(connection, 6))
        seen = list(islice(stream, 4))       # stops inside the 2nd commit
        stream.close()
        saved = str(seen[-1].position)       # what a follower would store
        emails += self.insert(connection, 7, 8)
        rest = list(self.follow(since=saved))
        got = [c["email"] for c in seen + rest]
        self.assertEqual(got, emails)
        positions = [c.position for c in seen + rest]
        self.assertEqual(len(set(positions)), len(positions))
        self.assertEqual(positions, sorted(positions))

    def test_restart_after_a_whole_transaction(self) -> None:
        """A position at a transaction's last row resumes at the next one."""
        connection = self.writer()
        stream = self.follow()
        emails = self.insert(connection, 1, 2) + self.insert(connection, 3)
        seen = list(islice(stream, 2))
        stream.close()
        rest = list(self.follow(since=seen[-1].position))
        self.assertEqual([c["email"] for c in seen + rest], emails)

    def test_positions_and_restarts_cross_a_new_binlog_file(self) -> None:
        """FLUSH BINARY LOGS between two commits: both rows, resumable."""
        connection = self.writer()
        stream = self.follow()
        emails = self.insert(connection, 1)
        self.query("FLUSH BINARY LOGS")
        emails += self.insert(connection, 2)
        seen = list(stream)
        self.assertEqual([c["email"] for c in seen], emails)
        self.assertNotEqual(seen[0].position.file, seen[1].position.file)
        emails += self.insert(connection, 3)
        rest = list(self.follow(since=seen[0].position))
        self.assertEqual([c["email"] for c in rest], emails[1:])

    def test_updates_and_deletes_are_reported_with_before_and_after(
            self) -> None:
        """events= picks the kinds; an update carries the row before it."""
        connection = self.writer()
        stream = self.follow(events=("update", "delete"))
        email, = self.insert(connection, "changed")
        cursor = connection.cursor()
        cursor.execute("UPDATE user_data SET age = 31 WHERE email = %s",
                       (email,))
        cursor.execute("DELETE FROM user_data WHERE email = %s", (email,))
        connection.commit()
        cursor.close()
        changes = list(stream)
        self.assertEqual([c.event for c in changes], ["update", "delete"])
        update, delete = changes
        self.assertEqual((update.before["age"], update["age"]), (30, 31))
        self.assertEqual(delete["email"], email)
        self.assertEqual(list(update), ["user_id", "name", "email", "age"])
        self.assertIs(type(update["age"]), int)

    def test_closing_ends_the_replication_connection(self) -> None:
        """close() drops the server's Binlog Dump thread."""
        stream = self.follow(idle_timeout=None)
        self.insert(self.writer(), "x")
        next(stream)
        self.assertGreaterEqual(self.dump_threads(), 1)
        stream.close()
        deadline = time.monotonic() + 5
        while self.dump_threads() and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertEqual(self.dump_threads(), 0)

    def dump_threads(self) -> int:
        """Count the server's replication (Binlog Dump) connections."""
        return self.query("SELECT COUNT(*) FROM information_schema.PROCESSLIST"
                          " WHERE COMMAND LIKE 'Binlog Dump%%'")[0][0]

    def test_demo_shows_polling_missing_what_the_binlog_gets(self) -> None:
        """out_of_order_demo.py: polling 1 of 2, binlog 2 of 2, exit 0."""
        proc = subprocess.run(
            [sys.executable, "out_of_order_demo.py"], env=self.child_env(),
            capture_output=True, text=True, timeout=60, check=False)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertIn("polling saw 1 of 2 new users; the binlog saw 2 of 2",
                      proc.stdout)
        self.assertEqual(proc.stderr, "")

    def test_a_bad_since_is_refused_at_call_time(self) -> None:
        """since= must be a position or its text."""
        with self.assertRaisesRegex(ValueError, "file:offset:row"):
            live.follow_users(source="binlog", since="nowhere")
        with self.assertRaisesRegex(ValueError, "source='binlog'"):
            live.follow_users(since="mariadb-bin.000001:4:0")


class TestBinlogMemory(BinlogCase):
    """A large stream is followed in constant memory."""

    ROWS, TRANSACTIONS = 200_000, 200

    def test_200k_rows_in_200_transactions_grow_rss_under_50_mb(
            self) -> None:
        """RSS after the first transaction vs its peak over the stream."""
        stream = self.follow(idle_timeout=2.0)
        connection = self.writer()
        per = self.ROWS // self.TRANSACTIONS
        cursor = connection.cursor()
        for number in range(self.TRANSACTIONS):
            cursor.executemany(self.seed.MYSQL_INSERT, [
                (self.seed.new_user_id(), "Many", f"many.{number}.{i}@m.org",
                 i % 100 + 1) for i in range(per)])
            connection.commit()
        cursor.close()
        gc.collect()
        count = 0
        baseline = peak = 0.0
        for count, _ in enumerate(stream, 1):
            if count == per:
                baseline = peak = rss_mb()
            elif count % 5000 == 0:
                peak = max(peak, rss_mb())
        self.assertEqual(count, self.ROWS)
        self.assertLess(peak - baseline, 50,
                        f"RSS grew from {baseline:.1f} to {peak:.1f} MB")


class TestBinlogErrorsAndFallback(BinlogCase):
    """A server or user that cannot give the binlog: error or one warning."""

    @classmethod
    def setUpClass(cls) -> None:
        """Create a user with table rights but no replication rights."""
        super().setUpClass()
        admin = mysql_admin()
        cursor = admin.cursor()
        cursor.execute(f"DROP USER IF EXISTS '{PLAIN_USER}'@'%'")
        cursor.execute(f"CREATE USER '{PLAIN_USER}'@'%' "
                       "IDENTIFIED BY 'plain-pass'")
        cursor.execute("GRANT SELECT, INSERT, UPDATE, DELETE ON "
                       f"`{prodev_db.settings().database}`.* TO "
                       f"'{PLAIN_USER}'@'%'")
        cursor.close()
        admin.close()

    @classmethod
    def tearDownClass(cls) -> None:
        """Drop the user."""
        admin = mysql_admin()
        cursor = admin.cursor()
        cursor.execute(f"DROP USER IF EXISTS '{PLAIN_USER}'@'%'")
        cursor.close()
        admin.close()
        super().tearDownClass()

    def as_plain_user(self) -> None:
        """Connect as the user without replication rights in this test."""
        for key, value in (("MYSQL_USER", PLAIN_USER),
                           ("MYSQL_PASSWORD", "plain-pass")):
            self.addCleanup(self.restore, key, os.environ.get(key))
            os.environ[key] = value

    @staticmethod
    def restore(key: str, value: Any) -> None:
        """Put one environment variable back."""
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value

    def set_global(self, name: str, value: str) -> None:
        """Set a global server variable for this test only."""
        old = self.query(f"SELECT @@GLOBAL.{name}")[0][0]
        self.query(f"SET GLOBAL {name} = %s", (value,))
        self.addCleanup(self.query, f"SET GLOBAL {name} = %s", (old,))

    def test_binlog_without_privileges_names_both(self) -> None:
        """The error names REPLICATION SLAVE and REPLICATION CLIENT."""
        self.as_plain_user()
        with self.assertRaises(live.BinlogUnavailable) as caught:
            live.follow_users(source="binlog")
        self.assertEqual(caught.exception.missing,
                         ("REPLICATION SLAVE", "REPLICATION CLIENT"))
        self.assertIn("REPLICATION SLAVE and REPLICATION CLIENT",
                      str(caught.exception))
        self.assertIn(PLAIN_USER, str(caught.exception))

    def test_statement_format_and_minimal_metadata_are_named(self) -> None:
        """binlog_format and binlog_row_metadata appear with their values."""
        self.set_global("binlog_format", "STATEMENT")
        self.set_global("binlog_row_metadata", "MINIMAL")
        with self.assertRaises(live.BinlogUnavailable) as caught:
            live.follow_users(source="binlog")
        self.assertEqual(caught.exception.missing,
                         ("binlog_format", "binlog_row_metadata"))
        self.assertIn("binlog_format=STATEMENT, not ROW",
                      str(caught.exception))
        self.assertIn("binlog_row_metadata=MINIMAL, not FULL",
                      str(caught.exception))

    def test_auto_falls_back_to_polling_with_one_warning(self) -> None:
        """auto without privileges polls, and says why once."""
        self.as_plain_user()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("default")
            streams = [live.follow_users(source="auto", poll_interval=0.01,
                                         idle_timeout=0.3)
                       for _ in range(2)]
        for stream in streams:
            self.addCleanup(stream.close)
        self.assertEqual(len(caught), 1, [str(w.message) for w in caught])
        self.assertIn("REPLICATION SLAVE", str(caught[0].message))
        email, = self.insert(self.writer(), "polled")
        self.assertEqual([u["email"] for u in streams[0]], [email])

    def test_auto_uses_the_binlog_when_it_can(self) -> None:
        """auto with everything in place gives binlog changes, no warning."""
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            stream = live.follow_users(source="auto", poll_interval=0.05,
                                       idle_timeout=0.5)
        self.addCleanup(stream.close)
        email, = self.insert(self.writer(), "auto")
        change, = list(stream)
        self.assertEqual((change.event, change["email"]), ("insert", email))

    def test_auto_with_updates_asked_raises_instead_of_polling(self) -> None:
        """Polling cannot see updates, so auto does not fall back then."""
        self.as_plain_user()
        with self.assertRaises(live.BinlogUnavailable):
            live.follow_users(source="auto", events=("insert", "update"))


class TestBinlogOffServer(MySQLBackend):
    """The main server (MYSQL_HOST/MYSQL_PORT) when it has no log_bin."""

    def test_binlog_on_a_server_without_log_bin_names_log_bin(self) -> None:
        """source='binlog' says log_bin is OFF."""
        admin = mysql_admin()
        try:
            cursor = admin.cursor()
            cursor.execute("SELECT @@log_bin")
            log_bin = cursor.fetchone()[0]
        finally:
            admin.close()
        if str(log_bin) == "1":
            self.skipTest("the main server has log_bin on; "
                          "nothing to refuse there")
        with self.assertRaises(live.BinlogUnavailable) as caught:
            live.follow_users(source="binlog")
        self.assertEqual(caught.exception.missing, ("log_bin",))
        self.assertIn("log_bin OFF", str(caught.exception))


class TestBinlogOnSQLite(SQLiteBackend):
    """SQLite has no binlog: binlog refuses, auto polls with a warning."""

    @classmethod
    def setUpClass(cls) -> None:
        """Seed the SQLite file."""
        super().setUpClass()
        cls.seeded()

    def test_binlog_names_mysql_and_auto_polls(self) -> None:
        """The error says why; auto warns once and still follows."""
        with self.assertRaisesRegex(live.BinlogUnavailable, "sqlite"):
            live.follow_users(source="binlog")
        with self.assertWarnsRegex(RuntimeWarning, "polling instead"):
            stream = live.follow_users(source="auto", poll_interval=0.01,
                                       idle_timeout=0.2)
        connection = prodev_db.connect()
        live.add_user(connection, "Lite", "lite.auto@example.com", 40)
        connection.close()
        self.assertEqual([u["email"] for u in stream],
                         ["lite.auto@example.com"])


if __name__ == "__main__":
    unittest.main()
