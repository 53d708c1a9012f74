"""Database connections stay bounded under bursts, and a database that refuses
connections answers 503 ``database_unavailable``, never 500.

Runs on PostgreSQL only (DATABASE_URL=postgres://...): the server processes
log in as a role of their own with a low ``CONNECTION LIMIT``.
"""
import os
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit, urlunsplit

import requests
from django.db import connection
from django.test import TransactionTestCase, tag

from chats.auth import get_tokens_for_user

from .base import make_conversation, make_user
from .servers import Server, test_database_url

BURST = 40
LIMIT = 4


@tag("slow")
class ConnectionLimitTests(TransactionTestCase):
    def setUp(self):
        if connection.vendor != "postgresql":
            self.skipTest("needs PostgreSQL (DATABASE_URL=postgres://...): "
                          "connection limits are a PostgreSQL role's")
        self.role = f"msg_limited_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        with connection.cursor() as cursor:
            cursor.execute(f'CREATE ROLE "{self.role}" LOGIN CONNECTION LIMIT {LIMIT}')
            cursor.execute(f'GRANT ALL ON ALL TABLES IN SCHEMA public TO "{self.role}"')
            cursor.execute(f'GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO "{self.role}"')
        self.addCleanup(self.drop_role)
        user = make_user("alice")
        make_conversation(user, make_user("bob"))
        self.access = get_tokens_for_user(user)["access"]
        parts = urlsplit(test_database_url())
        self.database_url = urlunsplit(parts._replace(
            netloc=f"{self.role}@{parts.hostname}:{parts.port or 5432}"))

    def drop_role(self):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                           "WHERE usename = %s", [self.role])
            cursor.execute(f'DROP OWNED BY "{self.role}"')
            cursor.execute(f'DROP ROLE "{self.role}"')

    def open_connections(self) -> int:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE usename = %s",
                           [self.role])
            return cursor.fetchone()[0]

    def burst(self, server: Server) -> list:
        def get(_):
            return requests.get(f"{server.http}/api/conversations/", timeout=30,
                                headers={"Authorization": f"Bearer {self.access}"})
        with ThreadPoolExecutor(BURST) as pool:
            return list(pool.map(get, range(BURST)))

    def server(self, **env) -> Server:
        server = Server(env={"DATABASE_URL": self.database_url,
                             "DJANGO_CONN_MAX_AGE": None, **env})
        self.addCleanup(server.stop)
        return server

    def wait_for_connections(self, at_most: int, seconds: float = 5.0) -> int:
        deadline = time.monotonic() + seconds
        while (count := self.open_connections()) > at_most and time.monotonic() < deadline:
            time.sleep(0.2)
        return count

    def assertOkOrUnavailable(self, responses):
        statuses = sorted({r.status_code for r in responses})
        self.assertLessEqual(set(statuses), {200, 503}, statuses)
        for response in responses:
            if response.status_code == 503:
                self.assertEqual(response.json()["code"], "database_unavailable")
                self.assertTrue(response.headers["Retry-After"].isdigit())

    def test_refused_connections_answer_503_and_none_are_kept_after_a_burst(self):
        server = self.server()
        responses = self.burst(server)
        self.assertOkOrUnavailable(responses)
        self.assertIn(503, {r.status_code for r in responses},
                      f"{BURST} concurrent requests never met the limit of {LIMIT}")
        self.assertEqual(self.wait_for_connections(0), 0)
        self.assertEqual(requests.get(f"{server.http}/api/conversations/", timeout=10,
                                      headers={"Authorization": f"Bearer {self.access}"})
                         .status_code, 200)

    def test_a_pool_holds_connections_to_its_size(self):
        server = self.server(DJANGO_DB_POOL_SIZE="2")
        responses = self.burst(server)
        self.assertOkOrUnavailable(responses)
        self.assertEqual([r.status_code for r in responses].count(200), BURST)
        self.assertLessEqual(self.wait_for_connections(2), 2)
