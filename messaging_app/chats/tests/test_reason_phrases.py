"""Every 429 says ``Too Many Requests`` and ``Retry-After``, under the
production server (uvicorn) and the development one (runserver: daphne)."""
import http.client
import json
import subprocess
import sys
import tempfile

from django.test import TransactionTestCase, tag

from .base import make_user
from .servers import MODULE_DIR, Server

LIMITS = {"DJANGO_THROTTLE_ANON": "2/min", "DJANGO_LOGIN_FAILURE_LIMIT": "1"}


class RunServer(Server):
    """``manage.py runserver`` (daphne's, as development has it)."""

    def start(self) -> None:
        # The log goes to a file, as Server's does (Server.stop reads it).
        self.stderr = tempfile.TemporaryFile()
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", f"127.0.0.1:{self.port}", "--noreload"],
            cwd=MODULE_DIR, env=self.env, stdout=subprocess.DEVNULL, stderr=self.stderr)
        self.wait_ready()


def post(port: int, path: str, body: dict):
    """(status, reason, headers, json) of a POST, from the raw status line."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("POST", path, json.dumps(body),
                           {"Content-Type": "application/json"})
        response = connection.getresponse()
        return response.status, response.reason, response, json.loads(response.read())
    finally:
        connection.close()


@tag("slow")
class TooManyRequestsTests(TransactionTestCase):
    def check(self, server_class, port):
        server = server_class(env=LIMITS, port=port)
        self.addCleanup(server.stop)
        make_user("alice")
        # A failed login that reaches the limit (1): locked out.
        status, reason, response, body = post(server.port, "/api/token/",
                                              {"username": "alice", "password": "wrong"})
        self.assertEqual((status, reason), (429, "Too Many Requests"), body)
        self.assertEqual(body["code"], "too_many_failed_logins")
        self.assertGreater(int(response.getheader("Retry-After")), 0)
        # The anonymous throttle (2/min): its third request.
        self.assertEqual(post(server.port, "/api/users/", {})[0], 400)
        status, reason, response, body = post(server.port, "/api/users/", {})
        self.assertEqual((status, reason), (429, "Too Many Requests"), body)
        self.assertEqual(body["code"], "throttled")
        self.assertGreater(int(response.getheader("Retry-After")), 0)

    def test_uvicorn(self):
        self.check(Server, 19010)

    def test_runserver(self):
        self.check(RunServer, 19011)
