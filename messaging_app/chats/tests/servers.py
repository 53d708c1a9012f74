"""Start and stop real ASGI server processes on the test database (for E2E tests)."""
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.db import connection

MODULE_DIR = Path(__file__).resolve().parents[2]


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_database_url() -> str:
    """A DATABASE_URL naming the database this test run uses."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    if connection.vendor == "postgresql":
        auth = quote(db["USER"] or "")
        if db.get("PASSWORD"):
            auth += ":" + quote(db["PASSWORD"])
        return (f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/"
                f"{db['NAME']}")
    raise RuntimeError(f"no server support for {connection.vendor}")


def redis_url_for_tests():
    """REDIS_URL_FOR_TESTS, else the local Redis if it answers; None without one."""
    url = os.environ.get("REDIS_URL_FOR_TESTS", "redis://127.0.0.1:6379/15")
    try:
        import redis
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except Exception:  # noqa: BLE001 - any failure means "no Redis here"
        if os.environ.get("REDIS_URL_FOR_TESTS"):
            raise
        return None
    return url


class HangingPort:
    """A TCP port that accepts connections and never answers: a hung Redis."""

    def __init__(self):
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(128)  # the kernel completes handshakes; nobody reads
        self.port = self.socket.getsockname()[1]

    def close(self) -> None:
        self.socket.close()


class Server:
    """``uvicorn messaging_app.asgi:application`` on a free port of 127.0.0.1."""

    def __init__(self, redis_url=None, env=None, port=None):
        """env: extra variables for the process; a value of None unsets one."""
        self.port = port or free_port()
        self.log = ""
        extra = env or {}
        env = {**os.environ,
               "DJANGO_SETTINGS_MODULE": "messaging_app.settings",
               "DJANGO_SECRET_KEY": settings.SECRET_KEY,
               "DATABASE_URL": test_database_url(),
               "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
               "DJANGO_CONN_MAX_AGE": "0",
               "DJANGO_DEBUG": "0",
               "DJANGO_SECURE_COOKIES": "0",
               # No access line per request in the log the tests read.
               "DJANGO_ACCESS_LOG": "0",
               **{f"DJANGO_THROTTLE_{k}": "off" for k in ("ANON", "USER", "SEND", "CONVERSATION")}}
        env.pop("REDIS_URL", None)
        if redis_url:
            env["REDIS_URL"] = redis_url
        env.update(extra)
        self.env = {k: v for k, v in env.items() if v is not None}  # None: unset it
        self.start()

    def start(self) -> None:
        """Start the process on self.port and wait until it accepts connections."""
        # The log goes to a file: a pipe nobody reads while the test runs fills
        # up (64 KiB of tracebacks) and then blocks the server.
        self.stderr = tempfile.TemporaryFile()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "messaging_app.asgi:application",
             "--host", "127.0.0.1", "--port", str(self.port), "--log-level", "warning",
             "--no-access-log"],
            cwd=MODULE_DIR, env=self.env, stdout=subprocess.DEVNULL, stderr=self.stderr)
        self.wait_ready()

    def read_log(self) -> str:
        """What the process has written to stderr so far."""
        self.stderr.seek(0)
        return self.stderr.read().decode(errors="replace")

    @property
    def http(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def wait_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("server exited: " + self.read_log())
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"server on port {self.port} did not start in {timeout} s")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if not self.stderr.closed:
            self.log = self.read_log()
            self.stderr.close()


class RunserverProcess(Server):
    """``manage.py runserver`` (no reloader) run by another interpreter, on a free port.

    ``python`` is that interpreter (e.g. a venv holding only the runtime
    requirements); debug is on, as in development.
    """

    def __init__(self, python: str, env=None):
        self.python = python
        super().__init__(env={"DJANGO_DEBUG": "1", **(env or {})})

    def start(self) -> None:
        self.stderr = tempfile.TemporaryFile()
        self.process = subprocess.Popen(
            [self.python, "manage.py", "runserver", "--noreload", f"127.0.0.1:{self.port}"],
            cwd=MODULE_DIR, env=self.env, stdout=subprocess.DEVNULL, stderr=self.stderr)
        self.wait_ready(timeout=60.0)
