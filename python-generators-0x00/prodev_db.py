"""Settings, connections and streaming plumbing shared by the task files.

Everything that depends on the backend lives here, read in one place:

==================  ==========================================  ==========
variable            meaning                                     default
==================  ==========================================  ==========
PRODEV_BACKEND      ``mysql`` or ``sqlite``                     ``mysql``
MYSQL_HOST          server host (fallback ``DB_HOST``)          localhost
MYSQL_PORT          server port (fallback ``DB_PORT``)          3306
MYSQL_USER          user (fallback ``DB_USER``)                 root
MYSQL_PASSWORD      password (fallback ``DB_PASSWORD``)         (empty)
MYSQL_DATABASE      database name (fallback ``DB_NAME``)        ALX_prodev
MYSQL_USE_PURE      ``1`` forces the pure-Python protocol       ``0``
PRODEV_SQLITE_PATH  SQLite file for ``PRODEV_BACKEND=sqlite``   see below
==================  ==========================================  ==========

The SQLite file defaults to ``<database name>.sqlite3`` in this folder
(``ALX_prodev.sqlite3``).  The SQLite connection speaks the same dialect the
task files use with mysql-connector: ``%s`` placeholders and
``cursor(dictionary=True)``.

Besides connections, this module holds what the task files share: the user
query (``USERS_SQL``), the streaming cursor that closes itself however the
reader stops, the row-to-dict step, the size check, and ``clean_exit()``,
which turns a connection error into one line for the driver scripts.
"""
import contextlib
import itertools
import os
import sqlite3
import sys
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterator, List, Optional, Sequence

import mysql.connector
from mysql.connector import errorcode
from mysql.connector.conversion import MySQLConverter

HERE = Path(__file__).resolve().parent
DEFAULT_DATABASE = "ALX_prodev"
# Rows fetched per round trip by the streaming generators: large enough to
# amortise the fetch call, small enough to keep memory flat.
STREAM_BATCH = 1000

# Ages are ints, produced one way: every query this module's code writes
# selects ``AGE``, whose ``CAST`` gives an int on every backend and keeps
# mysql-connector's C extension on its fast conversion path (a Python
# converter class costs a call per value).  Only the curriculum's own
# ``SELECT *`` (``paginate_users``, ``0-main.py``) cannot name the column;
# for it ``connect_to_prodev()`` installs IntegralDecimalConverter.
AGE = "CAST(age AS SIGNED INTEGER) AS age"
# The four user columns, for every reader of user_data.
USER_COLUMNS = f"user_id, name, email, {AGE}"
USERS_SQL = f"SELECT {USER_COLUMNS} FROM user_data"


class ProdevConnectionError(RuntimeError):
    """The database cannot be reached; ``str()`` is one line saying why.

    ``reported`` is true when the message was already printed (by
    ``seed.connect_to_prodev``), so :func:`clean_exit` does not repeat it.
    """

    def __init__(self, message: str, reported: bool = False) -> None:
        super().__init__(message)
        self.reported = reported


def _env(*names: str, default: str = "") -> str:
    """Return the first non-empty environment variable among ``names``."""
    for name in names:
        value = os.environ.get(name)
        if value:
            return value
    return default


@dataclass(frozen=True)
class Settings:
    """Connection settings, read from the environment by :func:`settings`."""

    backend: str
    host: str
    port: int
    user: str
    password: str
    database: str
    use_pure: bool
    sqlite_path: Path

    @property
    def where(self) -> str:
        """Say where the database lives, for messages."""
        if self.backend == "sqlite":
            return f"SQLite file {self.sqlite_path}"
        return f"MySQL at {self.host}:{self.port}"


def settings() -> Settings:
    """Read the settings from the environment (on every call: tests change it).

    Raises ProdevConnectionError for an unknown backend or a bad port.
    """
    backend = _env("PRODEV_BACKEND", default="mysql").lower()
    if backend not in ("mysql", "sqlite"):
        raise ProdevConnectionError(
            f"PRODEV_BACKEND must be 'mysql' or 'sqlite', got {backend!r}")
    port_text = _env("MYSQL_PORT", "DB_PORT", default="3306")
    try:
        port = int(port_text)
    except ValueError:
        raise ProdevConnectionError(
            f"MYSQL_PORT must be a number, got {port_text!r}") from None
    database = _env("MYSQL_DATABASE", "DB_NAME", default=DEFAULT_DATABASE)
    sqlite_path = Path(_env("PRODEV_SQLITE_PATH",
                            default=str(HERE / f"{database}.sqlite3")))
    return Settings(
        backend=backend,
        host=_env("MYSQL_HOST", "DB_HOST", default="localhost"),
        port=port,
        user=_env("MYSQL_USER", "DB_USER", default="root"),
        password=_env("MYSQL_PASSWORD", "DB_PASSWORD"),
        database=database,
        use_pure=_env("MYSQL_USE_PURE") in ("1", "true", "yes"),
        sqlite_path=sqlite_path,
    )


# --------------------------------------------------------------------------
# MySQL / MariaDB


class IntegralDecimalConverter(MySQLConverter):
    """Return DECIMAL values without a fractional part as ``int``.

    ``age`` is ``DECIMAL(3,0)``; callers expect ``'age': 67``, not
    ``Decimal('67')``.  With a converter class set, mysql-connector's C
    extension hands raw bytes to this Python converter too, so the rule holds
    for both protocols (the tests check both).
    """

    def _decimal_to_python(self, value: bytes, desc: Any = None) -> Any:
        text = value.decode("ascii")
        if "." in text:
            return Decimal(text)
        return int(text)

    _newdecimal_to_python = _decimal_to_python


def _mysql_message(error: mysql.connector.Error, cfg: Settings) -> str:
    """Turn a connection error into one line: where, why, what to set."""
    cause = (getattr(error, "msg", None) or str(error)).splitlines()[0]
    if error.errno in (errorcode.ER_ACCESS_DENIED_ERROR,
                       errorcode.ER_ACCESS_DENIED_NO_PASSWORD_ERROR,
                       errorcode.ER_DBACCESS_DENIED_ERROR):
        return (f"MySQL at {cfg.host}:{cfg.port} refused user {cfg.user!r} "
                f"({cause}); set MYSQL_USER and MYSQL_PASSWORD")
    if error.errno == errorcode.ER_BAD_DB_ERROR:
        return (f"Database {cfg.database} does not exist on {cfg.where}; "
                "run ./0-main.py or ./seed.py to create and seed it")
    if error.errno in (errorcode.CR_CONN_HOST_ERROR,
                       errorcode.CR_CONNECTION_ERROR,
                       errorcode.CR_UNKNOWN_HOST, 2013):
        return (f"Cannot reach {cfg.where} ({cause}); "
                "set MYSQL_HOST / MYSQL_PORT, start a server, "
                "or use PRODEV_BACKEND=sqlite")
    return (f"Cannot connect to {cfg.where} ({cause}); check MYSQL_HOST, "
            "MYSQL_PORT, MYSQL_USER and MYSQL_PASSWORD")


def _connect_mysql(cfg: Settings, with_database: bool, int_ages: bool,
                   **extra: Any) -> Any:
    """Open a mysql-connector connection (C extension unless MYSQL_USE_PURE).

    Raises ProdevConnectionError with a one-line message.
    """
    options = dict(host=cfg.host, port=cfg.port, user=cfg.user,
                   password=cfg.password, use_pure=cfg.use_pure,
                   connection_timeout=5, charset="utf8mb4")
    if with_database:
        options["database"] = cfg.database
    if int_ages:
        options["converter_class"] = IntegralDecimalConverter
    options.update(extra)
    try:
        return mysql.connector.connect(**options)
    except mysql.connector.Error as error:
        raise ProdevConnectionError(_mysql_message(error, cfg)) from None


# --------------------------------------------------------------------------
# SQLite


def _dict_row(cursor: sqlite3.Cursor, row: tuple) -> dict:
    """Row factory giving ``{column: value}`` like a dictionary cursor."""
    return dict(zip([d[0] for d in cursor.description], row, strict=True))


class SQLiteCursor(sqlite3.Cursor):
    """A sqlite3 cursor that accepts mysql-connector's ``%s`` placeholders."""

    def execute(self, sql: str, parameters: Sequence = ()) -> "SQLiteCursor":
        """Run ``sql`` with every ``%s`` replaced by ``?``.

        The rewrite is plain text replacement of the two characters ``%s``,
        wherever they are: it does not parse SQL, so a ``%s`` inside a
        string literal or a comment becomes ``?`` too.  Nothing else is
        rewritten: ``%%`` stays ``%%`` (mysql-connector would send ``%``),
        and named ``%(name)s`` parameters are not supported.  The queries
        of this module use positional ``%s`` and no literal percent signs.
        """
        return super().execute(sql.replace("%s", "?"), parameters)

    def executemany(self, sql: str, seq: Any) -> "SQLiteCursor":
        """Run ``sql`` for every parameter tuple (``%s`` as in execute)."""
        return super().executemany(sql.replace("%s", "?"), seq)

    @property
    def column_names(self) -> tuple:
        """Column names of the last result, like mysql-connector's cursor."""
        return tuple(d[0] for d in self.description or ())


class SQLiteConnection(sqlite3.Connection):
    """A sqlite3 connection whose ``cursor()`` takes mysql-connector options.

    ``cursor(dictionary=True)`` yields dicts; ``buffered`` is accepted and
    ignored (SQLite cursors always step lazily).
    """

    backend = "sqlite"

    def cursor(self, factory: Any = None, *, dictionary: bool = False,
               buffered: Optional[bool] = None) -> SQLiteCursor:
        """Return a cursor; with ``dictionary=True`` rows come as dicts."""
        cursor = super().cursor(factory or SQLiteCursor)
        if dictionary:
            cursor.row_factory = _dict_row
        return cursor

    @property
    def unread_result(self) -> bool:
        """SQLite never blocks a connection on an unread result."""
        return False


def _connect_sqlite(cfg: Settings) -> SQLiteConnection:
    """Open the SQLite file, with a stand-in ``INFORMATION_SCHEMA.SCHEMATA``.

    The stand-in lets the canonical ``0-main.py`` query run unchanged.
    """
    try:
        cfg.sqlite_path.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(str(cfg.sqlite_path), timeout=30,
                                     factory=SQLiteConnection)
        connection.execute("ATTACH DATABASE ':memory:' AS INFORMATION_SCHEMA")
        connection.execute(
            "CREATE TABLE INFORMATION_SCHEMA.SCHEMATA (SCHEMA_NAME TEXT)")
        connection.execute(
            "INSERT INTO INFORMATION_SCHEMA.SCHEMATA VALUES (?)",
            (cfg.database,))
        connection.commit()
    except (sqlite3.Error, OSError) as error:
        raise ProdevConnectionError(
            f"Cannot open {cfg.where} ({error}); set PRODEV_SQLITE_PATH "
            "to a writable file") from None
    return connection


# --------------------------------------------------------------------------
# Public helpers


def connect(with_database: bool = True, int_ages: bool = True,
            **extra: Any) -> Any:
    """Open a connection for the configured backend.

    ``with_database=False`` connects to the server with no database selected
    (MySQL only).  ``int_ages`` installs :class:`IntegralDecimalConverter`;
    the streaming generators turn it off and cast ``age`` in SQL instead,
    which keeps the C extension's fast conversion path.  ``extra`` goes to
    ``mysql.connector.connect``.  Raises ProdevConnectionError.
    """
    cfg = settings()
    if cfg.backend == "sqlite":
        return _connect_sqlite(cfg)
    return _connect_mysql(cfg, with_database, int_ages, **extra)


def is_sqlite(connection: Any) -> bool:
    """Tell whether ``connection`` is the embedded SQLite backend."""
    return isinstance(connection, sqlite3.Connection)


def driver_name(connection: Any) -> str:
    """Name the driver that runs: C extension, pure Python, or SQLite."""
    if is_sqlite(connection):
        return f"sqlite3 {sqlite3.sqlite_version}"
    kind = type(connection).__name__
    if kind == "CMySQLConnection":
        return f"mysql-connector {mysql.connector.__version__} (C extension)"
    return f"mysql-connector {mysql.connector.__version__} (pure Python)"


def abort(connection: Any) -> None:
    """Close ``connection`` at once, even with an unread result pending.

    A clean ``close()`` on an unbuffered result either raises ``Unread result
    found`` (cursor) or first reads every remaining row (C extension).  Here
    the socket is simply dropped: the server ends the query and the session.
    Never raises.
    """
    with contextlib.suppress(Exception):
        # The C extension has no public call for this: its close() frees
        # the result first, which reads every remaining row.  _cmysql is
        # the extension's handle; its close() is mysql_close(), no draining.
        handle = getattr(connection, "_cmysql", None)
        if handle is not None:
            handle.close()
        elif hasattr(connection, "shutdown") and not is_sqlite(connection):
            connection.shutdown()  # pure Python: close the socket, no QUIT
    with contextlib.suppress(Exception):
        connection.close()


@contextlib.contextmanager
def native_parameters(connection: Any) -> Iterator[None]:
    """Let the C extension escape query parameters in C for a while.

    With a ``converter_class`` installed (``connect_to_prodev`` has one, for
    int ages), mysql-connector's C extension escapes every parameter through
    the Python converter, which is half the cost of a big load.  Inside this
    block the converter is detached (C extension only; the pure-Python
    protocol needs it), so use it for writes, not for reading rows.
    """
    if type(connection).__name__ != "CMySQLConnection" or not getattr(
            connection, "converter", None):
        yield
        return
    converter = connection.converter
    connection.converter = None
    try:
        yield
    finally:
        connection.converter = converter


def close_quietly(connection: Any, cursor: Any = None) -> None:
    """Close ``cursor`` and ``connection``; abort if rows are still unread."""
    try:
        unread = bool(getattr(connection, "unread_result", False))
    except Exception:
        unread = True
    if unread:
        abort(connection)
        return
    with contextlib.suppress(Exception):
        if cursor is not None:
            cursor.close()
    with contextlib.suppress(Exception):
        connection.close()


@contextlib.contextmanager
def streaming_cursor(sql: str, params: Sequence = (),
                     **connect_options: Any) -> Iterator[Any]:
    """Run ``sql`` on a connection of its own and give its unbuffered cursor.

    The caller reads with ``fetchmany``.  On leaving the block, however it is
    left (exhausted, ``break``, ``GeneratorExit`` from ``islice``, an
    exception), cursor and connection are released at once and nothing is
    written to stderr.  Raises ProdevConnectionError.
    """
    connection = connect(int_ages=False, **connect_options)
    cursor = None
    try:
        cursor = connection.cursor()
        cursor.execute(sql, tuple(params))
        yield cursor
    finally:
        close_quietly(connection, cursor)


def as_dicts(columns: Sequence[str], rows: Sequence[tuple]) -> List[dict]:
    """Return ``rows`` as dicts keyed by ``columns`` (one list per fetch)."""
    # map() keeps the per-row work in C: about 1.5x the speed of a
    # comprehension with zip(strict=True).  Every row of one result has as
    # many values as there are columns, so nothing needs checking.
    return list(map(dict, map(zip, itertools.repeat(columns), rows)))


def positive_int(name: str, value: Any) -> int:
    """Return ``value`` if it is an int >= 1, else raise ValueError.

    ``True`` and ``"10"`` are refused too: a size is a plain int.
    """
    if type(value) is not int or value < 1:
        raise ValueError(f"{name} must be a positive int, got {value!r}")
    return value


@contextlib.contextmanager
def clean_exit() -> Iterator[None]:
    """Run a driver script's body and end it cleanly on the two usual stops.

    A :class:`ProdevConnectionError` becomes its one-line message on stderr
    and exit status 1 (nothing more when the message was already printed).
    A closed stdout (``./2-main.py | head -n 5``) ends the run quietly:
    stdout is pointed at /dev/null, as the Python documentation recommends,
    so the flush at exit does not fail again.
    """
    try:
        yield
    except ProdevConnectionError as error:
        if not error.reported:
            print(f"Error: {error}", file=sys.stderr)
        sys.exit(1)
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(1)
