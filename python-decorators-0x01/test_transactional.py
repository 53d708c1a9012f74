#!/usr/bin/env python3
"""Tests for 2-transactional: commit, rollback, savepoints for nesting."""
import inspect
import logging
import sqlite3
import unittest

from db_fixture import DatabaseTestCase, StatementLog, task

mod = task("2-transactional")
transactional = mod.transactional
NEW_EMAIL = "Crawford_Cartwright@hotmail.com"


class Boom(Exception):
    """An error a test function raises on purpose."""


@transactional
def set_name(conn: sqlite3.Connection, user_id: int, name: str) -> None:
    """Rename a user."""
    conn.execute("UPDATE users SET name = ? WHERE id = ?", (name, user_id))


@transactional
def set_name_then_fail(conn: sqlite3.Connection, user_id: int,
                       name: str) -> None:
    """Rename a user, then raise Boom."""
    conn.execute("UPDATE users SET name = ? WHERE id = ?", (name, user_id))
    raise Boom(name)


class TestTransactional(DatabaseTestCase):
    """transactional commits on success and rolls back on error."""

    def name_of(self, user_id: int) -> str:
        return self.fetch("SELECT name FROM users WHERE id = ?",
                          (user_id,))[0][0]

    def test_update_user_email_is_committed(self) -> None:
        self.assertNotEqual(self.email_of(1), NEW_EMAIL)
        self.assertIsNone(mod.update_user_email(user_id=1,
                                                new_email=NEW_EMAIL))
        self.assertEqual(self.email_of(1), NEW_EMAIL)

    def test_rollback_leaves_the_row_unchanged(self) -> None:
        before = self.email_of(1)
        error = Boom("after the update")

        @mod.with_db_connection
        @transactional
        def update_then_fail(conn: sqlite3.Connection) -> None:
            conn.execute("UPDATE users SET email = 'x@y.z' WHERE id = 1")
            self.assertTrue(conn.in_transaction)
            raise error

        with self.assertRaises(Boom) as caught:
            update_then_fail()
        self.assertIs(caught.exception, error)
        self.assertEqual(self.email_of(1), before)

    def test_rollback_on_a_connection_that_stays_open(self) -> None:
        conn = self.open()
        with self.assertRaises(Boom):
            set_name_then_fail(conn, 2, "Gone")
        self.assertFalse(conn.in_transaction)
        self.assertNotEqual(conn.execute(
            "SELECT name FROM users WHERE id = 2").fetchone()[0], "Gone")

    def test_savepoint_rollback_keeps_the_outer_work(self) -> None:
        @transactional
        def outer(conn: sqlite3.Connection) -> str:
            set_name(conn, 2, "Outer before")
            try:
                set_name_then_fail(conn, 3, "Inner")
            except Boom:
                pass
            set_name(conn, 4, "Outer after")
            return "done"

        original_3 = self.name_of(3)
        conn = self.open()
        log = StatementLog()
        conn.set_trace_callback(log)
        self.assertEqual(outer(conn), "done")
        self.assertEqual(self.name_of(2), "Outer before")
        self.assertEqual(self.name_of(3), original_3)
        self.assertEqual(self.name_of(4), "Outer after")
        self.assertEqual(len(log.matching("SAVEPOINT")), 3)
        self.assertEqual(len(log.matching("RELEASE SAVEPOINT")), 3)
        self.assertEqual(len(log.matching("ROLLBACK TO SAVEPOINT")), 1)
        self.assertEqual(len(log.matching("COMMIT")), 1)

    def test_inner_success_is_undone_when_the_outer_fails(self) -> None:
        @transactional
        def outer(conn: sqlite3.Connection) -> None:
            set_name(conn, 2, "Inner ok")
            raise Boom("outer")

        before = self.name_of(2)
        with self.assertRaises(Boom):
            outer(self.open())
        self.assertEqual(self.name_of(2), before)

    def test_inner_first_write_does_not_commit_on_release(self) -> None:
        """The inner call opens the transaction; only the outer commits."""
        seen = {}

        @transactional
        def outer(conn: sqlite3.Connection) -> None:
            set_name(conn, 5, "Inner first")
            seen["committed"] = self.fetch(
                "SELECT name FROM users WHERE id = 5")[0][0]
            raise Boom("outer")

        before = self.name_of(5)
        with self.assertRaises(Boom):
            outer(self.open(timeout=0.05))
        self.assertEqual(seen["committed"], before)
        self.assertEqual(self.name_of(5), before)

    def test_joins_a_transaction_the_caller_opened(self) -> None:
        conn = self.open()
        conn.execute("UPDATE users SET name = 'Caller' WHERE id = 6")
        set_name(conn, 7, "Joined")
        self.assertTrue(conn.in_transaction)  # not committed by us
        self.assertNotEqual(self.name_of(7), "Joined")
        conn.commit()
        self.assertEqual(self.name_of(6), "Caller")
        self.assertEqual(self.name_of(7), "Joined")

    def test_autocommit_connection_gets_an_explicit_transaction(self) -> None:
        conn = self.open(isolation_level=None)
        before = self.name_of(2)
        with self.assertRaises(Boom):
            set_name_then_fail(conn, 2, "Autocommit")
        self.assertEqual(self.name_of(2), before)
        set_name(conn, 2, "Committed")
        self.assertEqual(self.name_of(2), "Committed")

    def test_a_call_is_one_transaction(self) -> None:
        @transactional
        def read(conn: sqlite3.Connection) -> list:
            return conn.execute("SELECT id FROM users").fetchall()

        conn = self.open()
        log = StatementLog()
        conn.set_trace_callback(log)
        self.assertTrue(read(conn))
        self.assertEqual(log.statements,
                         ["BEGIN", "SELECT id FROM users", "COMMIT"])

    def test_failing_rollback_does_not_hide_the_error(self) -> None:
        @transactional
        def close_then_fail(conn: sqlite3.Connection) -> None:
            conn.execute("UPDATE users SET name = 'X' WHERE id = 2")
            conn.close()
            raise Boom("original")

        with self.assertLogs("decorators.transactional", logging.ERROR):
            with self.assertRaisesRegex(Boom, "original"):
                close_then_fail(sqlite3.connect(self.db_path))

    def test_connection_is_usable_after_a_failure(self) -> None:
        conn = self.open()
        set_name(conn, 2, "A")
        with self.assertRaises(Boom):
            set_name_then_fail(conn, 2, "B")
        self.assertFalse(conn.in_transaction)
        set_name(conn, 2, "C")
        self.assertEqual(self.name_of(2), "C")

    def test_accepts_the_connection_by_keyword(self) -> None:
        set_name(conn=self.open(), user_id=8, name="Keyword")
        self.assertEqual(self.name_of(8), "Keyword")

    def test_wraps_keeps_name_doc_and_signature(self) -> None:
        self.assertEqual(set_name.__name__, "set_name")
        self.assertEqual(set_name.__doc__, "Rename a user.")
        self.assertEqual(list(inspect.signature(set_name).parameters),
                         ["conn", "user_id", "name"])
        self.assertEqual(
            list(inspect.signature(mod.update_user_email).parameters),
            ["user_id", "new_email"])


if __name__ == "__main__":
    unittest.main()
