#!/usr/bin/env python3
"""Tests for users_db: building users.db from users.csv and opening it."""
import io
import os
import sqlite3
import tempfile
import unittest
from contextlib import redirect_stdout

import users_db
from db_fixture import DatabaseTestCase


class TestBuildDatabase(DatabaseTestCase):
    """build_database makes the table SPEC describes, from users.csv."""

    def test_schema_matches_spec(self) -> None:
        columns = self.fetch("PRAGMA table_info(users)")
        self.assertEqual(
            [(c[1], c[2], c[3], c[5]) for c in columns],
            [("id", "INTEGER", 0, 1), ("name", "TEXT", 1, 0),
             ("email", "TEXT", 1, 0), ("age", "INTEGER", 0, 0)])
        (sql,) = self.fetch("SELECT sql FROM sqlite_master "
                            "WHERE name = 'users'")[0]
        self.assertIn("AUTOINCREMENT", sql)

    def test_rows_come_from_the_csv(self) -> None:
        rows = self.fetch("SELECT * FROM users ORDER BY id")
        self.assertEqual(rows, users_db.read_users())
        self.assertEqual(rows[0][0], 1)
        self.assertGreaterEqual(len(rows), 10)

    def test_empty_age_becomes_null(self) -> None:
        ages = [row[3] for row in self.fetch("SELECT * FROM users")]
        self.assertIn(None, ages)

    def test_rows_argument_pads_with_synthetic_users(self) -> None:
        path = users_db.build_database(
            os.path.join(self.tmp_dir, "big.db"), rows=250)
        conn = sqlite3.connect(path)
        self.addCleanup(conn.close)
        ids = [r[0] for r in conn.execute("SELECT id FROM users ORDER BY id")]
        self.assertEqual(ids, list(range(1, 251)))
        emails = [r[0] for r in conn.execute("SELECT email FROM users")]
        self.assertEqual(len(set(emails)), 250)

    def test_rebuild_replaces_the_file(self) -> None:
        conn = self.open()
        conn.execute("DELETE FROM users")
        conn.commit()
        conn.close()
        users_db.build_database(self.db_path)
        self.assertEqual(len(self.fetch("SELECT * FROM users")),
                         len(users_db.read_users()))
        self.assertEqual(
            [f for f in os.listdir(self.tmp_dir) if "building" in f], [])

    def test_malformed_csv_names_the_line(self) -> None:
        bad = os.path.join(self.tmp_dir, "bad.csv")
        with open(bad, "w", encoding="utf-8") as handle:
            handle.write("id,name,email,age\n1,A,a@x.com,3\nzz,B,b@x.com,4\n")
        with self.assertRaisesRegex(ValueError, r"bad\.csv:3"):
            users_db.read_users(bad)


class TestConnect(DatabaseTestCase):
    """connect() opens the configured file and builds it when missing."""

    def test_builds_a_missing_database(self) -> None:
        path = os.path.join(self.tmp_dir, "sub", "fresh.db")
        os.makedirs(os.path.dirname(path))
        self.assertFalse(os.path.exists(path))
        with users_db.using_database(path):
            conn = users_db.connect()
            try:
                row = conn.execute("SELECT id FROM users WHERE id = 1")
                self.assertEqual(row.fetchone(), (1,))
            finally:
                users_db.release(conn)
        self.assertTrue(os.path.exists(path))

    def test_existing_database_is_not_rebuilt(self) -> None:
        conn = self.open()
        conn.execute("UPDATE users SET name = 'Kept' WHERE id = 1")
        conn.commit()
        users_db.ensure_database(self.db_path)
        opened = users_db.connect()
        try:
            self.assertEqual(opened.execute(
                "SELECT name FROM users WHERE id = 1").fetchone(), ("Kept",))
        finally:
            users_db.release(opened)

    def test_default_is_users_db_in_the_module_folder(self) -> None:
        folder = os.path.dirname(os.path.abspath(users_db.__file__))
        self.assertEqual(users_db.DEFAULT_DATABASE,
                         os.path.join(folder, "users.db"))

    def test_using_database_restores_the_previous_setting(self) -> None:
        before = users_db.settings.database
        with users_db.using_database(os.path.join(self.tmp_dir, "x.db"), 1):
            self.assertTrue(users_db.settings.database.endswith("x.db"))
        self.assertEqual(users_db.settings.database, before)

    def test_release_reports_writes_only(self) -> None:
        seen = []

        def listener() -> None:
            seen.append("changed")

        users_db.add_change_listener(listener)
        self.addCleanup(users_db.remove_change_listener, listener)
        conn = users_db.connect()
        conn.execute("SELECT * FROM users").fetchall()
        users_db.release(conn)
        self.assertEqual(seen, [])
        conn = users_db.connect()
        conn.execute("UPDATE users SET age = 1 WHERE id = 2")
        conn.commit()
        users_db.release(conn)
        self.assertEqual(seen, ["changed"])
        with users_db.using_database(os.path.join(self.tmp_dir, "o.db")):
            self.assertEqual(len(seen), 2)
        self.assertEqual(len(seen), 3)

    def test_release_tolerates_a_closed_connection(self) -> None:
        conn = users_db.connect()
        conn.close()
        users_db.release(conn)

    def test_command_line_builds_the_database(self) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "cli.db")
            out = io.StringIO()
            with redirect_stdout(out):
                status = users_db.main(["--path", path, "--rows", "20"])
            self.assertEqual(status, 0)
            self.assertIn("with 20 users", out.getvalue())
            conn = sqlite3.connect(path)
            try:
                self.assertEqual(conn.execute(
                    "SELECT COUNT(*) FROM users").fetchone(), (20,))
            finally:
                conn.close()


if __name__ == "__main__":
    unittest.main()
