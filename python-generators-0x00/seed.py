#!/usr/bin/env python3
"""Create the ALX_prodev database, its user_data table, and load a CSV.

The five contract functions (``connect_db``, ``create_database``,
``connect_to_prodev``, ``create_table``, ``insert_data``) keep the
curriculum's names and printed output.  Run as a script to seed in one step:

    ./seed.py [CSV]            # default user_data.csv; --help for usage

The script reads the whole file first and refuses a bad one before it
creates or prints anything; then it says how many rows it read, inserted and
found already present.  Settings come from the environment (see
``prodev_db``): ``MYSQL_HOST``, ``MYSQL_PORT``, ``MYSQL_USER``,
``MYSQL_PASSWORD``, ``MYSQL_DATABASE``, and ``PRODEV_BACKEND=sqlite`` for the
embedded backend.
"""
import argparse
import csv
import os
import sys
import time
import uuid
from pathlib import Path
from typing import Any, Iterator, List, NamedTuple, Optional, Tuple

import uuid_utils

import prodev_db
from prodev_db import ProdevConnectionError

# Rows per INSERT statement while loading (one transaction for the file).
INSERT_BATCH = 2000
# Progress goes to stderr every this many rows (so small seeds stay silent).
PROGRESS_EVERY = 100_000
MIN_AGE, MAX_AGE = 0, 150

MYSQL_TABLE = """
CREATE TABLE IF NOT EXISTS user_data (
    user_id CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    name VARCHAR(255) NOT NULL,
    email VARCHAR(255) NOT NULL,
    age DECIMAL(3,0) NOT NULL,
    -- insertion order for follow_users(); INVISIBLE keeps it out of SELECT *
    seq BIGINT UNSIGNED NOT NULL AUTO_INCREMENT INVISIBLE,
    PRIMARY KEY (user_id),
    UNIQUE KEY uq_user_data_email (email),
    UNIQUE KEY uq_user_data_seq (seq)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4
"""
# SQLite keeps insertion order in the implicit rowid.
SQLITE_TABLE = """
CREATE TABLE IF NOT EXISTS user_data (
    user_id CHAR(36) NOT NULL PRIMARY KEY,
    name VARCHAR(255) NOT NULL,
    email VARCHAR(255) NOT NULL UNIQUE,
    age DECIMAL(3,0) NOT NULL
)
"""
# Re-running a load never duplicates: a row whose email (or user_id) is
# already there is left as it is.
MYSQL_INSERT = ("INSERT INTO user_data (user_id, name, email, age) "
                "VALUES (%s, %s, %s, %s) "
                "ON DUPLICATE KEY UPDATE user_id = user_id")
SQLITE_INSERT = ("INSERT INTO user_data (user_id, name, email, age) "
                 "VALUES (%s, %s, %s, %s) ON CONFLICT DO NOTHING")

Row = Tuple[str, str, str, int]
HERE = Path(__file__).resolve().parent


class LoadReport(NamedTuple):
    """What one insert_data call did: CSV rows read, rows inserted."""

    read: int
    inserted: int

    @property
    def already_present(self) -> int:
        """Rows whose email or user_id was already in the table."""
        return self.read - self.inserted


class CSVFormatError(ValueError):
    """A CSV row cannot be loaded; the message names file, line and field."""

    def __init__(self, path: Any, line: int, field: str, problem: str) -> None:
        super().__init__(f"{path}, line {line}, field {field!r}: {problem}")
        self.path, self.line, self.field = str(path), line, field


# --------------------------------------------------------------------------
# The five contract functions


def connect_db():
    """Connect to the server with no database selected.

    Return the connection, or print one clear error line and return None.
    """
    try:
        return prodev_db.connect(with_database=False)
    except ProdevConnectionError as error:
        print(f"Error: {error}", file=sys.stderr)
        return None


def create_database(connection):
    """Create the database if it is missing; print nothing, keep it open.

    connection is one from connect_db().

    On SQLite the file is the database: connecting already made it.
    """
    if prodev_db.is_sqlite(connection):
        return
    name = prodev_db.settings().database
    cursor = connection.cursor()
    try:
        cursor.execute(f"CREATE DATABASE IF NOT EXISTS `{_ident(name)}` "
                       "CHARACTER SET utf8mb4")
    finally:
        cursor.close()


def connect_to_prodev():
    """Connect to ALX_prodev (or MYSQL_DATABASE); ages come back as int.

    Return the connection, or print one clear error line and return None.
    """
    try:
        return prodev_db.connect()
    except ProdevConnectionError as error:
        print(f"Error: {error}", file=sys.stderr)
        return None


def create_table(connection):
    """Create user_data if missing, commit, and say so.

    connection is one from connect_to_prodev().
    """
    cursor = connection.cursor()
    try:
        if prodev_db.is_sqlite(connection):
            cursor.execute(SQLITE_TABLE)
        else:
            cursor.execute(MYSQL_TABLE)
        connection.commit()
    finally:
        cursor.close()
    print("Table user_data created successfully")


def insert_data(connection, data):
    """Load the CSV file ``data`` into user_data; print nothing.

    connection is one from connect_to_prodev(); data is the path (str or
    Path) of a CSV file.  The file is read as a stream and inserted in
    batches inside one transaction.  Rows whose email (or user_id) is
    already present are skipped, so loading twice keeps the same rows.
    Quoted or unquoted fields, and an optional ``user_id`` column, are
    accepted.  Returns a LoadReport: rows read, inserted, already present.

    Raises CSVFormatError (file, line, field) for a malformed row and
    OSError for an unreadable file; in both cases nothing from this load is
    committed.
    """
    sql = SQLITE_INSERT if prodev_db.is_sqlite(connection) else MYSQL_INSERT
    progress = _Progress(data)
    inserted = 0
    cursor = connection.cursor()
    try:
        with prodev_db.native_parameters(connection):
            for batch in _batches(read_rows(data), INSERT_BATCH):
                cursor.executemany(sql, batch)
                # Affected rows: 1 per new row, 0 for one already present.
                inserted += cursor.rowcount
                progress.add(len(batch))
        connection.commit()
    except BaseException:
        _rollback_quietly(connection)
        raise
    finally:
        cursor.close()
    progress.done()
    return LoadReport(progress.rows, inserted)


# --------------------------------------------------------------------------
# CSV reading


def read_rows(path: Any) -> Iterator[Row]:
    """Yield validated ``(user_id, name, email, age)`` rows from a CSV.

    The first line is a header when it names ``name``, ``email`` and
    ``age`` (and maybe ``user_id``), in any order; otherwise the columns are
    ``name,email,age`` or ``user_id,name,email,age``.  Rows without a
    ``user_id`` get a fresh time-ordered UUID.  Raises CSVFormatError.
    """
    with open(path, newline="", encoding="utf-8-sig") as stream:
        reader = csv.reader(stream)
        columns: Optional[List[str]] = None
        end = 0   # the line the previous record ended on
        for record in reader:
            start, end = end + 1, reader.line_num
            if not record or record == [""]:
                continue
            if columns is None:
                columns = _columns(record)
                if columns is not None:
                    continue
                columns = (["user_id", "name", "email", "age"]
                           if len(record) == 4 else ["name", "email", "age"])
            # A record read over several lines, or one whose last field
            # ends in a line break (the quote ran on to the end of the file).
            if start != end or record[-1].endswith(("\n", "\r")):
                _unterminated_quote(path, start, end, columns, record)
            yield _row(path, start, columns, record)


def _unterminated_quote(path: Any, start: int, end: int, columns: List[str],
                        record: List[str]) -> None:
    """Raise for a record that spans lines: a quote was left open.

    None of the columns may hold a line break, so a field that holds one
    means its opening quote on line ``start`` was never closed (the csv
    module then reads on, up to line ``end`` or the end of the file).  The
    error names the field the quote opened.
    """
    index = next(i for i, text in enumerate(record)
                 if "\n" in text or "\r" in text)
    field = columns[index] if index < len(columns) else "(extra)"
    raise CSVFormatError(path, start, field,
                         f"unterminated quote (the field runs on to line "
                         f"{end})")


def _columns(record: List[str]) -> Optional[List[str]]:
    """Return the column names if ``record`` is a header, else None."""
    names = [field.strip().lower() for field in record]
    if {"name", "email", "age"} <= set(names):
        return names
    return None


def _row(path: Any, line: int, columns: List[str], record: List[str]) -> Row:
    """Check one CSV record and turn it into a table row.

    This runs once per row of million-row files: plain indexing, no dicts.
    """
    if len(record) != len(columns):
        if len(record) > len(columns):
            raise CSVFormatError(
                path, line, "(extra)",
                f"{len(record)} fields, expected {len(columns)}")
        raise CSVFormatError(path, line, columns[len(record)], "missing")
    name = record[columns.index("name")].strip()
    if not name:
        raise CSVFormatError(path, line, "name", "empty")
    email = record[columns.index("email")].strip()
    if not email:
        raise CSVFormatError(path, line, "email", "empty")
    if not 0 < email.rfind("@") < len(email) - 1:   # name@domain
        raise CSVFormatError(path, line, "email",
                             f"{email!r} is not an address (name@domain)")
    text = record[columns.index("age")].strip()
    if not (text.isascii() and text.lstrip("-").isdigit()):
        problem = f"{text!r} is not a whole number" if text else "empty"
        raise CSVFormatError(path, line, "age", problem)
    age = int(text)
    if not MIN_AGE <= age <= MAX_AGE:
        raise CSVFormatError(path, line, "age",
                             f"{age} is outside {MIN_AGE}..{MAX_AGE}")
    if "user_id" not in columns:
        return new_user_id(), name, email, age
    user_id = record[columns.index("user_id")].strip()
    if not user_id:
        return new_user_id(), name, email, age
    try:
        return str(uuid.UUID(user_id)), name, email, age
    except ValueError:
        raise CSVFormatError(path, line, "user_id",
                             f"{user_id!r} is not a UUID") from None


def new_user_id() -> str:
    """Return a new time-ordered UUID (RFC 9562 version 7) as text.

    Ids made by one process increase (uuid-utils keeps a counter within a
    millisecond), so InnoDB appends to the primary key instead of splitting
    pages at random, and keyset order matches load order.
    """
    return str(uuid_utils.uuid7())


def _batches(rows: Iterator[Row], size: int) -> Iterator[List[Row]]:
    """Group ``rows`` into lists of up to ``size``."""
    batch: List[Row] = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


# --------------------------------------------------------------------------
# Helpers


def _ident(name: str) -> str:
    """Check a database name before it goes into DDL (no placeholders)."""
    if not name or "`" in name or len(name) > 64:
        raise ProdevConnectionError(f"invalid database name {name!r}")
    return name


def _rollback_quietly(connection: Any) -> None:
    """Roll back, ignoring a connection that is already gone."""
    try:
        connection.rollback()
    except Exception:
        pass


class _Progress:
    """Report a long load on stderr every PROGRESS_EVERY rows."""

    def __init__(self, path: Any) -> None:
        self.path = os.fspath(path)
        self.rows = 0
        self.started = time.perf_counter()
        self.next_report = PROGRESS_EVERY

    def add(self, count: int) -> None:
        """Count ``count`` more rows and report when a mark is passed."""
        self.rows += count
        if self.rows >= self.next_report:
            self.next_report += PROGRESS_EVERY
            self._report("loaded")

    def done(self) -> None:
        """Report the end of a load that was long enough to report on."""
        if self.rows >= PROGRESS_EVERY:
            self._report("committed")

    def _report(self, verb: str) -> None:
        seconds = time.perf_counter() - self.started
        rate = self.rows / seconds if seconds else 0.0
        print(f"seed: {verb} {self.rows:,} rows from {self.path} "
              f"({rate:,.0f} rows/s)", file=sys.stderr, flush=True)


def check_csv(path: Any) -> int:
    """Read the whole CSV at ``path`` and return its number of rows.

    Nothing is stored: this is the check ``./seed.py`` makes before it
    touches the database.  Raises CSVFormatError or OSError like
    insert_data.
    """
    return sum(1 for _row in read_rows(path))


def seed(csv_path: Any = HERE / "user_data.csv") -> Optional[str]:
    """Create the database and table and load ``csv_path``.

    Return a one-line summary (rows read, inserted, already present,
    database, driver), or None when the server could not be reached (the
    error line is already printed).
    """
    connection = connect_db()
    if connection is None:
        return None
    try:
        create_database(connection)
    finally:
        connection.close()
    connection = connect_to_prodev()
    if connection is None:
        return None
    try:
        create_table(connection)
        report = insert_data(connection, csv_path)
        driver = prodev_db.driver_name(connection)
    finally:
        connection.close()
    where = prodev_db.settings()
    return (f"Read {report.read:,} rows from {csv_path} into "
            f"{where.database} ({where.where}, {driver}): "
            f"{report.inserted:,} inserted, "
            f"{report.already_present:,} already present")


def main(argv: Optional[List[str]] = None) -> int:
    """Check the CSV named on the command line, then seed; return 0 or 1.

    ``--help`` and bad arguments are handled by argparse (exit 0 and 2)
    before anything else happens.
    """
    parser = argparse.ArgumentParser(
        prog="seed.py",
        description="Create the database and its user_data table, then load "
                    "a CSV of users (name, email, age; optional user_id). "
                    "Rows already present are left as they are.")
    parser.add_argument("csv", nargs="?", type=Path,
                        default=HERE / "user_data.csv",
                        help="the file to load (default: user_data.csv "
                             "beside this script)")
    args = parser.parse_args(argv)
    try:
        check_csv(args.csv)
        summary = seed(args.csv)
    except CSVFormatError as error:
        print(f"Error: {error}", file=sys.stderr)
        return 1
    except OSError as error:
        print(f"Error: cannot read {args.csv} ({error.strerror})",
              file=sys.stderr)
        return 1
    if summary is None:
        return 1
    print(summary)
    return 0


if __name__ == "__main__":
    sys.exit(main())
