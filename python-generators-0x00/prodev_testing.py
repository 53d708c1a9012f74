"""Test support: run a test case against MariaDB/MySQL and against SQLite.

A case class mixes in :class:`MySQLBackend` or :class:`SQLiteBackend`.  Each
points the environment at a database of its own (never ``ALX_prodev``):
``PRODEV_TEST_DATABASE`` (default ``ALX_prodev_test``) on the server, a
temporary file for SQLite.  When the server cannot be reached the MySQL
cases skip with the reason, unless ``REQUIRE_MYSQL=1``, which makes them
fail.
"""
import contextlib
import csv
import functools
import importlib
import io
import os
import shutil
import tempfile
import unittest
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Tuple

import mysql.connector

import prodev_db

HERE = Path(__file__).resolve().parent
CSV_PATH = HERE / "user_data.csv"
TEST_DATABASE = os.environ.get("PRODEV_TEST_DATABASE", "ALX_prodev_test")
ENV_KEYS = ("PRODEV_BACKEND", "MYSQL_DATABASE", "DB_NAME",
            "PRODEV_SQLITE_PATH", "MYSQL_USE_PURE")


def load_task(name: str) -> Any:
    """Import a task file by its curriculum name, e.g. ``0-stream_users``."""
    return importlib.import_module(name)


def csv_users(path: Path = CSV_PATH) -> List[Tuple[str, str, int]]:
    """Read (name, email, age) rows straight from a CSV, for comparisons."""
    with open(path, newline="", encoding="utf-8") as stream:
        return [(r["name"], r["email"], int(r["age"]))
                for r in csv.DictReader(stream)]


def mysql_admin() -> Any:
    """Connect to the configured server with no database (may raise)."""
    cfg = prodev_db.settings()
    return mysql.connector.connect(host=cfg.host, port=cfg.port,
                                   user=cfg.user, password=cfg.password,
                                   connection_timeout=5, autocommit=True)


@functools.lru_cache(maxsize=None)
def mysql_unavailable_reason() -> Optional[str]:
    """Return why the server cannot be used, or None when it can."""
    try:
        mysql_admin().close()
        return None
    except (mysql.connector.Error, prodev_db.ProdevConnectionError) as error:
        cfg = prodev_db.settings()
        return (f"MySQL not reachable at {cfg.host}:{cfg.port} "
                f"({str(error).splitlines()[0]})")


def require_mysql() -> bool:
    """Tell whether a missing server must fail instead of skip."""
    return os.environ.get("REQUIRE_MYSQL") == "1"


@contextlib.contextmanager
def quiet() -> Iterator[Tuple[io.StringIO, io.StringIO]]:
    """Capture stdout and stderr (the test reads them afterwards)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        yield out, err


class Backend(unittest.TestCase):
    """Base: set the environment for one backend and seed user_data.csv."""

    backend = ""
    saved_env: Dict[str, Optional[str]] = {}

    @classmethod
    def setUpClass(cls) -> None:
        """Point the environment at this backend's test database."""
        super().setUpClass()
        cls.saved_env = {key: os.environ.get(key) for key in ENV_KEYS}
        for key in ENV_KEYS:
            os.environ.pop(key, None)
        cls.seed = load_task("seed")

    @classmethod
    def tearDownClass(cls) -> None:
        """Put the environment back as it was."""
        for key, value in cls.saved_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        super().tearDownClass()

    @classmethod
    def reset_database(cls) -> None:
        """Drop and recreate the test database, table empty."""
        raise NotImplementedError

    @classmethod
    def seeded(cls, path: Path = CSV_PATH) -> None:
        """Reset the database and load ``path`` with the seed functions."""
        cls.reset_database()
        with quiet():
            connection = cls.seed.connect_to_prodev()
            cls.seed.create_table(connection)
            cls.seed.insert_data(connection, path)
            connection.close()

    def query(self, sql: str, params: tuple = ()) -> List[tuple]:
        """Run one query on a fresh connection and return all rows."""
        connection = prodev_db.connect()
        try:
            cursor = connection.cursor()
            cursor.execute(sql, params)
            rows = cursor.fetchall()
            cursor.close()
            return rows
        finally:
            connection.close()

    def count(self) -> int:
        """Return the number of rows in user_data."""
        return self.query("SELECT COUNT(*) FROM user_data")[0][0]

    def child_env(self, **extra: str) -> Dict[str, str]:
        """Environment for a driver subprocess on this backend."""
        env = dict(os.environ)
        env.update(extra)
        return env

    def scratch_env(self) -> Dict[str, str]:
        """Environment pointing at a database no test creates (see below)."""
        raise NotImplementedError

    def scratch_exists(self) -> bool:
        """Tell whether the scratch database exists (a script made it)."""
        raise NotImplementedError


class MySQLBackend(Backend):
    """Run the case on MariaDB/MySQL, database ``TEST_DATABASE``."""

    backend = "mysql"

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Mark each MySQL case class skipped when the server is away.

        This is what ``@unittest.skip`` does to a class, decided when the
        class is defined: every test is then reported (and counted) as
        skipped with the reason, where a SkipTest raised in setUpClass
        would count the whole class as one skip.  With REQUIRE_MYSQL=1
        nothing is marked and setUpClass fails instead.
        """
        super().__init_subclass__(**kwargs)
        reason = mysql_unavailable_reason()
        if reason and not require_mysql():
            cls.__unittest_skip__ = True
            cls.__unittest_skip_why__ = reason

    @classmethod
    def setUpClass(cls) -> None:
        """Skip (or fail with REQUIRE_MYSQL=1) when the server is away."""
        reason = mysql_unavailable_reason()
        if reason:
            if require_mysql():
                raise RuntimeError(f"REQUIRE_MYSQL=1 but {reason}")
            raise unittest.SkipTest(reason)
        super().setUpClass()
        os.environ["PRODEV_BACKEND"] = "mysql"
        os.environ["MYSQL_DATABASE"] = TEST_DATABASE

    @classmethod
    def tearDownClass(cls) -> None:
        """Drop the test database, then restore the environment."""
        try:
            cls.drop_database()
        finally:
            super().tearDownClass()

    @classmethod
    def drop_database(cls, name: str = TEST_DATABASE) -> None:
        """Drop the test database (or database ``name``) if it exists."""
        admin = mysql_admin()
        try:
            cursor = admin.cursor()
            cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")
            cursor.close()
        finally:
            admin.close()

    def scratch_env(self) -> Dict[str, str]:
        """Point a child at database ``<TEST_DATABASE>_scratch``."""
        self.addCleanup(self.drop_database, f"{TEST_DATABASE}_scratch")
        return self.child_env(MYSQL_DATABASE=f"{TEST_DATABASE}_scratch")

    def scratch_exists(self) -> bool:
        """Ask the server whether the scratch database exists."""
        rows = self.query("SELECT SCHEMA_NAME FROM INFORMATION_SCHEMA.SCHEMATA"
                          " WHERE SCHEMA_NAME = %s",
                          (f"{TEST_DATABASE}_scratch",))
        return bool(rows)

    @classmethod
    def reset_database(cls) -> None:
        """Drop and recreate the test database with an empty user_data."""
        cls.drop_database()
        with quiet():
            connection = cls.seed.connect_db()
            cls.seed.create_database(connection)
            connection.close()


class SQLiteBackend(Backend):
    """Run the case on a temporary SQLite file."""

    backend = "sqlite"
    tmpdir = ""

    @classmethod
    def setUpClass(cls) -> None:
        """Use a file in a temporary folder of its own."""
        super().setUpClass()
        cls.tmpdir = tempfile.mkdtemp(prefix="prodev-test-")
        os.environ["PRODEV_BACKEND"] = "sqlite"
        os.environ["MYSQL_DATABASE"] = TEST_DATABASE
        os.environ["PRODEV_SQLITE_PATH"] = str(
            Path(cls.tmpdir) / f"{TEST_DATABASE}.sqlite3")

    @classmethod
    def tearDownClass(cls) -> None:
        """Remove the temporary folder."""
        shutil.rmtree(cls.tmpdir, ignore_errors=True)
        super().tearDownClass()

    def scratch_env(self) -> Dict[str, str]:
        """Point a child at a SQLite file that does not exist yet."""
        path = Path(self.tmpdir) / "scratch.sqlite3"
        self.addCleanup(path.unlink, missing_ok=True)
        return self.child_env(PRODEV_SQLITE_PATH=str(path))

    def scratch_exists(self) -> bool:
        """Tell whether a script made the scratch file."""
        return (Path(self.tmpdir) / "scratch.sqlite3").exists()

    @classmethod
    def reset_database(cls) -> None:
        """Delete the SQLite file; connecting makes a new one."""
        path = Path(os.environ["PRODEV_SQLITE_PATH"])
        for leftover in (path, Path(f"{path}-journal")):
            leftover.unlink(missing_ok=True)


# --------------------------------------------------------------------------
# A server with a row-based binary log (the binlog follower's tests)

BINLOG_HOST = os.environ.get("MYSQL_BINLOG_HOST", "127.0.0.1")
BINLOG_PORT = os.environ.get("MYSQL_BINLOG_PORT", "3307")


@functools.lru_cache(maxsize=None)
def binlog_unavailable_reason() -> Optional[str]:
    """Return why the binlog server cannot be used, or None when it can."""
    where = f"{BINLOG_HOST}:{BINLOG_PORT}"
    cfg = prodev_db.settings()
    try:
        connection = mysql.connector.connect(
            host=BINLOG_HOST, port=int(BINLOG_PORT), user=cfg.user,
            password=cfg.password, connection_timeout=5)
    except (mysql.connector.Error, ValueError) as error:
        return (f"no MySQL with a binlog at {where} "
                f"({str(error).splitlines()[0]}); start one with "
                "../.ci/start-mariadb-binlog or set MYSQL_BINLOG_HOST / "
                "MYSQL_BINLOG_PORT")
    try:
        cursor = connection.cursor()
        cursor.execute("SELECT @@log_bin, @@binlog_format")
        log_bin, binlog_format = cursor.fetchone()
    finally:
        connection.close()
    if str(log_bin) != "1" or binlog_format != "ROW":
        return (f"MySQL at {where} has log_bin={log_bin}, binlog_format="
                f"{binlog_format}; the binlog tests need log_bin on and ROW")
    return None


class BinlogBackend(MySQLBackend):
    """Run the case on the binlog server (MYSQL_BINLOG_HOST/PORT).

    The server defaults to 127.0.0.1:3307, where ``.ci/start-mariadb-binlog``
    starts one.  Skips with the reason when it is away or has no row-based
    binlog; ``REQUIRE_MYSQL=1`` makes that a failure.
    """

    binlog_saved_env: Dict[str, Optional[str]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Mark the class skipped when the binlog server is away."""
        super().__init_subclass__(**kwargs)
        reason = binlog_unavailable_reason()
        if reason and not require_mysql():
            cls.__unittest_skip__ = True
            cls.__unittest_skip_why__ = reason

    @classmethod
    def setUpClass(cls) -> None:
        """Point MYSQL_HOST/MYSQL_PORT at the binlog server."""
        reason = binlog_unavailable_reason()
        if reason:
            if require_mysql():
                raise RuntimeError(f"REQUIRE_MYSQL=1 but {reason}")
            raise unittest.SkipTest(reason)
        cls.binlog_saved_env = {key: os.environ.get(key)
                                for key in ("MYSQL_HOST", "MYSQL_PORT")}
        os.environ["MYSQL_HOST"] = BINLOG_HOST
        os.environ["MYSQL_PORT"] = BINLOG_PORT
        try:
            super().setUpClass()
        except BaseException:
            cls._restore_binlog_env()
            raise

    @classmethod
    def tearDownClass(cls) -> None:
        """Drop the test database there, then point back."""
        try:
            super().tearDownClass()
        finally:
            cls._restore_binlog_env()

    @classmethod
    def _restore_binlog_env(cls) -> None:
        for key, value in cls.binlog_saved_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
