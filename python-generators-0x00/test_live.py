#!/usr/bin/env python3
"""follow_users: rows inserted after the start, in order, then idle stop."""
import time
import unittest
from itertools import islice

import prodev_db
from prodev_testing import MySQLBackend, SQLiteBackend, load_task


class LiveChecks:
    """follow_users on either backend; the table starts with the CSV."""

    @classmethod
    def setUpClass(cls) -> None:
        """Seed once; each test adds its own rows."""
        super().setUpClass()
        cls.seeded()
        cls.live = load_task("live_updates")

    def add(self, *numbers: int) -> list:
        """Insert users with these numbers; return their emails."""
        connection = prodev_db.connect()
        emails = []
        try:
            for number in numbers:
                email = f"{self.id()}.{number}@example.com".lower()
                self.live.add_user(connection, f"Live {number}", email,
                                   number % 100 + 1)
                emails.append(email)
        finally:
            connection.close()
        return emails

    def test_yields_only_rows_inserted_after_start_in_order(self) -> None:
        """Existing rows are skipped; new ones come in insertion order."""
        stream = self.live.follow_users(poll_interval=0.01, idle_timeout=0.3)
        emails = self.add(3, 1, 2)
        seen = [user["email"] for user in stream]
        self.assertEqual(seen, emails)

    def test_rows_arriving_while_following_are_picked_up(self) -> None:
        """Rows inserted between polls show up in later polls."""
        stream = self.live.follow_users(poll_interval=0.01)
        first = self.add(10)
        self.assertEqual(next(stream)["email"], first[0])
        second = self.add(11, 12)
        got = [u["email"] for u in islice(stream, 2)]
        stream.close()
        self.assertEqual(got, second)

    def test_from_start_yields_existing_rows_first(self) -> None:
        """from_start=True replays the table from the first row."""
        stream = self.live.follow_users(poll_interval=0.01, idle_timeout=0.1,
                                        from_start=True, batch_size=128)
        users = list(stream)
        self.assertGreaterEqual(len(users), 1000)
        self.assertEqual(list(users[0]), ["user_id", "name", "email", "age"])
        self.assertIs(type(users[0]["age"]), int)

    def test_idle_timeout_ends_the_stream(self) -> None:
        """With nothing new the generator stops after the idle timeout."""
        started = time.monotonic()
        self.assertEqual(list(self.live.follow_users(poll_interval=0.02,
                                                     idle_timeout=0.2)), [])
        self.assertGreaterEqual(time.monotonic() - started, 0.2)

    def test_select_star_still_has_four_columns(self) -> None:
        """The insertion-order column stays out of SELECT *."""
        connection = prodev_db.connect()
        cursor = connection.cursor()
        cursor.execute("SELECT * FROM user_data LIMIT 1")
        cursor.fetchall()
        self.assertEqual([d[0] for d in cursor.description],
                         ["user_id", "name", "email", "age"])
        connection.close()

    def test_bad_arguments_raise_at_call_time(self) -> None:
        """A negative interval or an empty batch is refused at once."""
        with self.assertRaises(ValueError):
            self.live.follow_users(poll_interval=-1)
        with self.assertRaises(ValueError):
            self.live.follow_users(batch_size=0)


class TestLiveMySQL(LiveChecks, MySQLBackend):
    """follow_users on MariaDB/MySQL (INVISIBLE seq column)."""


class TestLiveSQLite(LiveChecks, SQLiteBackend):
    """follow_users on SQLite (rowid)."""


if __name__ == "__main__":
    unittest.main()
