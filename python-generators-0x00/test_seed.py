#!/usr/bin/env python3
"""seed.py on MariaDB and SQLite: schema, printed output, loading rules."""
import tempfile
import unittest.mock
import unittest
from pathlib import Path

import prodev_db
from prodev_testing import (CSV_PATH, MySQLBackend, SQLiteBackend,
                            csv_users, quiet)

GOOD = ('"name","email","age"\n'
        '"Ann One","ann.one@example.com","30"\n'
        '"Bob Two","bob.two@example.com","41"\n'
        '"Cy Three","cy.three@example.com","52"\n')
# (extra line, field named in the error); the bad row is on line 5.
MALFORMED = [
    ('"Dee Four","dee.four@example.com"\n', "age"),
    ('"Dee Four","dee.four@example.com","old"\n', "age"),
    ('"Dee Four","dee.four@example.com","151"\n', "age"),
    ('"Dee Four","dee.four@example.com","-3"\n', "age"),
    ('"","dee.four@example.com","33"\n', "name"),
    ('"Dee Four","  ","33"\n', "email"),
    ('"Dee Four","dee.four@example.com","33","x"\n', "(extra)"),
    # An email needs an @ with text on both sides.
    ('"Dee Four","dee.four.example.com","33"\n', "email"),
    ('"Dee Four","dee.four@","33"\n', "email"),
    # Unterminated quotes: the field runs on to the end of the file.
    ('"Dee Four,dee.four@example.com,33\n', "name"),
    ('"Dee Four","dee.four@example.com,33\n', "email"),
]


class SeedChecks:
    """Checks shared by both backends (mixed into a Backend case)."""

    def setUp(self) -> None:
        """Start every test from an empty table."""
        self.reset_database()
        with quiet():
            connection = self.seed.connect_to_prodev()
            self.seed.create_table(connection)
            connection.close()
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)

    def write_csv(self, text: str, name: str = "data.csv") -> Path:
        """Write ``text`` to a CSV file in a temporary folder."""
        path = Path(self.tmp.name) / name
        path.write_text(text, encoding="utf-8", newline="")
        return path

    def load(self, path: Path) -> int:
        """Load ``path`` with insert_data on a fresh connection."""
        connection = self.seed.connect_to_prodev()
        try:
            return self.seed.insert_data(connection, path)
        finally:
            connection.close()

    def rows(self) -> set:
        """Return the table as a set of (name, email, age)."""
        return set(self.query("SELECT name, email, age FROM user_data"))

    def test_create_table_prints_exact_line(self) -> None:
        """create_table prints exactly one line; again on a second call."""
        connection = self.seed.connect_to_prodev()
        with quiet() as (out, err):
            self.seed.create_table(connection)
        connection.close()
        self.assertEqual(out.getvalue(),
                         "Table user_data created successfully\n")
        self.assertEqual(err.getvalue(), "")

    def test_create_database_and_insert_data_print_nothing(self) -> None:
        """create_database and insert_data are silent."""
        with quiet() as (out, err):
            connection = self.seed.connect_db()
            self.seed.create_database(connection)
            connection.close()
            self.load(CSV_PATH)
        self.assertEqual((out.getvalue(), err.getvalue()), ("", ""))

    def test_select_star_returns_the_four_columns(self) -> None:
        """SELECT * gives user_id, name, email, age in that order."""
        self.load(CSV_PATH)
        connection = self.seed.connect_to_prodev()
        cursor = connection.cursor()
        cursor.execute("SELECT * FROM user_data LIMIT 1")
        cursor.fetchall()
        names = [d[0] for d in cursor.description]
        connection.close()
        self.assertEqual(names, ["user_id", "name", "email", "age"])

    def test_loads_the_csv_with_int_ages(self) -> None:
        """All 1000 rows arrive, ages as int, ids as 36-char UUIDs."""
        report = self.load(CSV_PATH)
        self.assertEqual((report.read, report.inserted,
                          report.already_present), (1000, 1000, 0))
        self.assertEqual(self.rows(), set(csv_users()))
        ids = self.query("SELECT user_id, age FROM user_data")
        self.assertTrue(all(len(i) == 36 and type(a) is int for i, a in ids))

    def test_reloading_keeps_the_same_rows(self) -> None:
        """A second load of the same file changes nothing, and says so."""
        self.load(CSV_PATH)
        before = set(self.query("SELECT * FROM user_data"))
        report = self.load(CSV_PATH)
        after = set(self.query("SELECT * FROM user_data"))
        self.assertEqual(len(after), 1000)
        self.assertEqual(before, after)
        self.assertEqual(report, (1000, 0))
        self.assertEqual(report.already_present, 1000)

    def test_report_counts_new_and_present_rows(self) -> None:
        """Rows already there (same email) are counted apart from new ones."""
        self.load(self.write_csv(GOOD))
        report = self.load(self.write_csv(
            GOOD + '"Dee Four","dee.four@example.com","33"\n', "more.csv"))
        self.assertEqual((report.read, report.inserted,
                          report.already_present), (4, 1, 3))
        self.assertEqual(self.count(), 4)

    def test_unterminated_quote_mid_file_names_its_line(self) -> None:
        """A quote left open swallows the next line; the error says where."""
        path = self.write_csv(GOOD
                              + '"Dee Four,dee.four@example.com,33\n'
                              + '"Eve Five","eve.five@example.com","44"\n')
        with self.assertRaises(self.seed.CSVFormatError) as caught:
            self.load(path)
        self.assertEqual((caught.exception.line, caught.exception.field),
                         (5, "name"))
        self.assertIn("unterminated quote", str(caught.exception))
        self.assertEqual(self.count(), 0)

    def test_malformed_row_rolls_back_the_whole_load(self) -> None:
        """A bad row names file, line and field; nothing is committed."""
        for extra, field in MALFORMED:
            with self.subTest(row=extra.strip()):
                path = self.write_csv(GOOD + extra)
                with self.assertRaises(self.seed.CSVFormatError) as caught:
                    self.load(path)
                message = str(caught.exception)
                self.assertIn(str(path), message)
                self.assertIn("line 5", message)
                self.assertIn(repr(field), message)
                self.assertEqual(caught.exception.line, 5)
                self.assertEqual(self.count(), 0)

    def test_bad_row_after_many_batches_commits_nothing(self) -> None:
        """Rows from earlier INSERT batches are rolled back too."""
        good = "".join(f'"N{i}","n{i}@example.com","{i % 90 + 1}"\n'
                       for i in range(self.seed.INSERT_BATCH * 2 + 10))
        path = self.write_csv('"name","email","age"\n' + good + '"x","y",""\n')
        with self.assertRaises(self.seed.CSVFormatError):
            self.load(path)
        self.assertEqual(self.count(), 0)

    def test_accepts_unquoted_csv_and_header_in_any_order(self) -> None:
        """Unquoted fields and a reordered header load the same rows."""
        path = self.write_csv("age,name,email\n30,Ann One,ann.one@example.com"
                              "\n41,Bob Two,bob.two@example.com\n")
        self.load(path)
        self.assertEqual(self.rows(), {("Ann One", "ann.one@example.com", 30),
                                       ("Bob Two", "bob.two@example.com", 41)})

    def test_uses_user_id_column_when_present(self) -> None:
        """A user_id column is stored as given."""
        uid = "0b7e8f2a-3c1d-4e5f-8a9b-0c1d2e3f4a5b"
        path = self.write_csv(
            f'"user_id","name","email","age"\n'
            f'"{uid}","Ann One","ann.one@example.com","30"\n')
        self.load(path)
        self.assertEqual(self.query("SELECT * FROM user_data"),
                         [(uid, "Ann One", "ann.one@example.com", 30)])

    def test_rejects_a_user_id_that_is_not_a_uuid(self) -> None:
        """A malformed user_id is reported by field."""
        path = self.write_csv('"user_id","name","email","age"\n'
                              '"nope","Ann One","ann.one@example.com","30"\n')
        with self.assertRaisesRegex(self.seed.CSVFormatError,
                                    "line 2, field 'user_id'"):
            self.load(path)

    def test_insert_data_leaves_the_connection_usable(self) -> None:
        """After insert_data the same connection still gives int ages."""
        connection = self.seed.connect_to_prodev()
        self.seed.insert_data(connection, CSV_PATH)
        cursor = connection.cursor()
        cursor.execute("SELECT COUNT(*) FROM user_data")
        self.assertEqual(cursor.fetchall(), [(1000,)])
        cursor.execute("SELECT * FROM user_data LIMIT 1")
        self.assertIs(type(cursor.fetchall()[0][3]), int)
        cursor.close()
        connection.close()

    def test_awkward_text_round_trips_exactly(self) -> None:
        """Quotes, backslashes, commas and non-ASCII survive the load."""
        name = 'O\'Brien \\ "Quote", Ünïcødé 😀 %s'
        email = "o'brien+tag@exämple.com"
        path = self.write_csv(
            '"name","email","age"\n'
            + '"{}","{}","7"\n'.format(name.replace('"', '""'), email))
        self.load(path)
        self.assertEqual(self.rows(), {(name, email, 7)})

    def test_progress_goes_to_stderr_for_big_loads(self) -> None:
        """Loads past PROGRESS_EVERY rows report on stderr, not stdout."""
        for name, value in (("PROGRESS_EVERY", 400), ("INSERT_BATCH", 100)):
            self.addCleanup(setattr, self.seed, name,
                            getattr(self.seed, name))
            setattr(self.seed, name, value)
        with quiet() as (out, err):
            self.load(CSV_PATH)
        self.assertEqual(out.getvalue(), "")
        lines = err.getvalue().splitlines()
        self.assertEqual(len(lines), 3)
        self.assertIn("loaded 400 rows", lines[0])
        self.assertIn("committed 1,000 rows", lines[-1])

    def test_missing_file_raises_and_commits_nothing(self) -> None:
        """An unreadable path raises OSError."""
        with self.assertRaises(OSError):
            self.load(Path(self.tmp.name) / "missing.csv")
        self.assertEqual(self.count(), 0)


class TestSeedMySQL(SeedChecks, MySQLBackend):
    """seed.py against the MariaDB/MySQL server."""

    def test_schema_types(self) -> None:
        """Column types and keys follow the SPEC table."""
        rows = self.query(
            "SELECT COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, COLUMN_KEY, EXTRA"
            " FROM INFORMATION_SCHEMA.COLUMNS WHERE TABLE_SCHEMA = %s AND "
            "TABLE_NAME = 'user_data' ORDER BY ORDINAL_POSITION",
            (prodev_db.settings().database,))
        columns = {r[0]: r[1:] for r in rows}
        self.assertEqual(columns["user_id"][:3], ("char(36)", "NO", "PRI"))
        self.assertEqual(columns["name"][:2], ("varchar(255)", "NO"))
        self.assertEqual(columns["email"][:3], ("varchar(255)", "NO", "UNI"))
        self.assertEqual(columns["age"][:2], ("decimal(3,0)", "NO"))
        self.assertIn("INVISIBLE", columns["seq"][3].upper())

    def test_ages_are_int_with_c_extension_and_pure_python(self) -> None:
        """connect_to_prodev() gives int ages with both protocols."""
        self.load(CSV_PATH)
        seen = {}
        for pure in ("0", "1"):
            with self.subTest(use_pure=pure):
                with unittest.mock.patch.dict("os.environ",
                                              {"MYSQL_USE_PURE": pure}):
                    connection = self.seed.connect_to_prodev()
                seen[pure] = type(connection).__name__
                for dictionary in (False, True):
                    cursor = connection.cursor(dictionary=dictionary)
                    cursor.execute("SELECT * FROM user_data LIMIT 3")
                    for row in cursor.fetchall():
                        age = row["age"] if dictionary else row[3]
                        self.assertIs(type(age), int)
                    cursor.close()
                connection.close()
        self.assertEqual(seen, {"0": "CMySQLConnection",
                                "1": "MySQLConnection"})

    def test_create_database_uses_configured_name(self) -> None:
        """The test database is used; ALX_prodev is never touched."""
        self.assertNotEqual(prodev_db.settings().database, "ALX_prodev")
        rows = self.query("SELECT DATABASE()")
        self.assertEqual(rows[0][0], prodev_db.settings().database)


class TestSeedSQLite(SeedChecks, SQLiteBackend):
    """seed.py against the embedded SQLite backend."""

    def test_schema_types(self) -> None:
        """Declared types follow the SPEC table."""
        rows = self.query("PRAGMA table_info(user_data)")
        declared = {r[1]: (r[2].upper(), r[3], r[5]) for r in rows}
        self.assertEqual(declared["user_id"], ("CHAR(36)", 1, 1))
        self.assertEqual(declared["name"][:2], ("VARCHAR(255)", 1))
        self.assertEqual(declared["age"][:2], ("DECIMAL(3,0)", 1))
        self.assertEqual(list(declared), ["user_id", "name", "email", "age"])

    def test_schemata_stand_in_names_the_database(self) -> None:
        """The canonical INFORMATION_SCHEMA query works on SQLite."""
        rows = self.query("SELECT SCHEMA_NAME FROM INFORMATION_SCHEMA.SCHEMATA"
                          " WHERE SCHEMA_NAME = %s",
                          (prodev_db.settings().database,))
        self.assertEqual(len(rows), 1)


if __name__ == "__main__":
    unittest.main()
