"""/healthz (liveness) and /readyz (readiness: a writable database, Redis
when configured, every migration applied), on the test database."""
from django.db import connection, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.test import TestCase, override_settings

from chats.http import health

from .servers import free_port, redis_url_for_tests


class ReadinessTests(TestCase):
    def setUp(self):
        # Each test decides afresh whether migrations are applied.
        health._migrations_applied = False

    def get_unready(self, reason: str):
        """GET /readyz expecting 503, and the warning naming reason in the log."""
        with self.assertLogs("chats.http.health", "WARNING") as warned, \
                self.assertLogs("django.request", "ERROR"):
            response = self.client.get("/readyz")
        self.assertEqual(response.status_code, 503, response.content)
        self.assertIn(reason, warned.output[0])
        return response

    def test_liveness_answers_ok(self):
        response = self.client.get("/healthz")
        self.assertEqual((response.status_code, response.json()["status"]), (200, "ok"))

    def test_ready_on_a_migrated_writable_database(self):
        response = self.client.get("/readyz")
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(response.json(),
                         {"status": "ready", "database": "ok", "migrations": "ok"})

    def test_not_ready_while_a_migration_is_unapplied(self):
        latest = MigrationRecorder.Migration.objects.filter(app="chats").latest("id")
        latest.delete()  # rolled back with the test's transaction
        response = self.get_unready(f"migrations 1 not applied: chats.{latest.name}")
        self.assertEqual(response.json()["migrations"], f"1 not applied: chats.{latest.name}")

    def test_not_ready_on_a_read_only_database(self):
        with transaction.atomic():
            with connection.cursor() as cursor:
                if connection.vendor == "postgresql":
                    # Ends with this savepoint's rollback below.
                    cursor.execute("SET LOCAL transaction_read_only = on")
                else:
                    cursor.execute("PRAGMA query_only = ON")
            try:
                response = self.get_unready("database unavailable")
            finally:
                if connection.vendor != "postgresql":
                    with connection.cursor() as cursor:
                        cursor.execute("PRAGMA query_only = OFF")
                transaction.set_rollback(True)
        body = response.json()
        self.assertEqual(body["status"], "unavailable")
        self.assertRegex(body["database"], r"^unavailable: .*read.?only")

    def test_not_ready_when_the_configured_redis_does_not_answer(self):
        with override_settings(REDIS_URL=f"redis://127.0.0.1:{free_port()}/0",
                               REDIS_TIMEOUT=0.5):
            response = self.get_unready("redis unavailable")
        self.assertEqual(response.json()["redis"], "unavailable")
        self.assertEqual(response.json()["database"], "ok")

    def test_ready_with_redis_when_it_answers(self):
        url = redis_url_for_tests()
        if url is None:
            self.skipTest("no Redis on 127.0.0.1:6379 (set REDIS_URL_FOR_TESTS)")
        with override_settings(REDIS_URL=url):
            response = self.client.get("/readyz")
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(response.json()["redis"], "ok")
