"""Log lines as an operator reads them: a real uvicorn process's stderr.

Every line has a time, a level, the logger and the id of the request it
belongs to (echoed as X-Request-ID); DJANGO_LOG_FORMAT=json writes one JSON
object a line; no line is written twice.  A missing PostgreSQL database is
one line naming the createdb to run.
"""
import json
import os
import re
import subprocess
import sys
import uuid
from collections import Counter

import requests
from django.test import SimpleTestCase, TransactionTestCase, tag

from .servers import MODULE_DIR, Server
from .test_configuration import run_django

TEXT_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} (?P<level>[A-Z]+) "
                       r"(?P<logger>[\w.]+) \[(?P<request_id>[^\]]+)\] (?P<message>.*)$")
PROXY_ID = "edge-" + uuid.uuid4().hex[:12]


@tag("slow")
class ServerLogTests(TransactionTestCase):
    def serve(self, **env) -> Server:
        server = Server(env={"DJANGO_NUM_PROXIES": "1", "DJANGO_ACCESS_LOG": "1", **env})
        self.addCleanup(server.stop)
        return server

    def exchange(self, server: Server) -> dict:
        """Three requests; returns {which: the X-Request-ID answered}."""
        ids = {}
        # A proxy's sane id is kept; a 404 logs a warning and an access line.
        response = requests.get(f"{server.http}/api/no-such-page/",
                                headers={"X-Request-ID": PROXY_ID}, timeout=10)
        self.assertEqual(response.status_code, 404)
        ids["proxy"] = response.headers["X-Request-ID"]
        # An id that does not look like one is replaced.
        response = requests.get(f"{server.http}/healthz",
                                headers={"X-Request-ID": "x y<script>"}, timeout=10)
        ids["insane"] = response.headers["X-Request-ID"]
        response = requests.get(f"{server.http}/healthz", timeout=10)
        ids["none"] = response.headers["X-Request-ID"]
        server.stop()
        return ids

    def check_lines(self, records: list[dict], ids: dict) -> None:
        self.assertEqual(ids["proxy"], PROXY_ID)
        self.assertRegex(ids["insane"], r"^[0-9a-f]{32}$")
        self.assertRegex(ids["none"], r"^[0-9a-f]{32}$")
        self.assertNotEqual(ids["insane"], ids["none"])
        # The 404's two lines (Django's warning, the access line) carry the proxy's id.
        by_request = {r["logger"]: r["message"] for r in records if r["request_id"] == PROXY_ID}
        self.assertEqual(len([r for r in records if r["request_id"] == PROXY_ID]), 2, records)
        self.assertEqual(by_request["django.request"], "Not Found: /api/no-such-page/")
        self.assertRegex(by_request["chats.request"], r"^GET /api/no-such-page/ 404 [\d.]+ms$")
        access = [r["message"] for r in records if r["logger"] == "chats.request"]
        self.assertEqual(len(access), 3, records)
        for request_id in ids.values():
            self.assertIn(request_id, {r["request_id"] for r in records})
        repeated = [line for line, n in Counter(
            (r["logger"], r["message"], r["request_id"]) for r in records).items() if n > 1]
        self.assertEqual(repeated, [], "lines written more than once")

    def test_text_lines_carry_time_level_logger_and_request_id(self):
        server = self.serve()
        ids = self.exchange(server)
        lines = [line for line in server.log.splitlines() if line.strip()]
        records = []
        for line in lines:
            match = TEXT_LINE.match(line)
            self.assertIsNotNone(match, f"not in the log format: {line!r}")
            records.append(match.groupdict())
        self.check_lines(records, ids)

    def test_json_lines_when_asked(self):
        server = self.serve(DJANGO_LOG_FORMAT="json")
        ids = self.exchange(server)
        records = []
        for line in server.log.splitlines():
            if line.strip():
                record = json.loads(line)  # every line is one JSON object
                self.assertRegex(record["time"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d")
                self.assertIn(record["level"], ("INFO", "WARNING", "ERROR"))
                records.append(record)
        self.check_lines(records, ids)

    def test_a_client_cannot_name_its_request_without_a_trusted_proxy(self):
        server = self.serve(DJANGO_NUM_PROXIES="0")
        response = requests.get(f"{server.http}/healthz",
                                headers={"X-Request-ID": PROXY_ID}, timeout=10)
        self.assertRegex(response.headers["X-Request-ID"], r"^[0-9a-f]{32}$")
        server.stop()
        self.assertNotIn(PROXY_ID, server.log)


class LogSettingsTests(SimpleTestCase):
    def test_an_unknown_log_format_is_refused_by_name(self):
        result = run_django(DJANGO_DEBUG="1", DJANGO_LOG_FORMAT="xml")
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("DJANGO_LOG_FORMAT is 'xml': use text (the default) or json",
                      result.stderr)


class MissingDatabaseTests(SimpleTestCase):
    def test_a_missing_postgresql_database_is_one_line_naming_createdb(self):
        try:
            import psycopg
            psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres",
                            connect_timeout=2).close()
        except Exception as error:  # noqa: BLE001 - any failure: no server to ask
            if os.environ.get("DATABASE_URL", "").startswith("postgres"):
                raise
            self.skipTest(f"no PostgreSQL on 127.0.0.1:5432 ({error})")
        name = f"missing_{uuid.uuid4().hex[:12]}"
        env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
        result = subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput"], cwd=MODULE_DIR,
            env={**env, "DJANGO_ENV_FILE": "", "DJANGO_DEBUG": "1",
                 "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{name}"},
            capture_output=True, text=True, timeout=120)
        self.assertEqual(result.returncode, 1, result.stderr)
        self.assertEqual(result.stderr.strip().splitlines(), [
            f'error: the PostgreSQL database "{name}" does not exist on 127.0.0.1:5432 '
            f"(DATABASE_URL); create it with: createdb -h 127.0.0.1 -p 5432 -U postgres {name}"])
