"""The Redis cache opens its connections once per process: threads (under
ASGI, one per request) share one pool instead of connecting each time."""
import threading
import time
import uuid

import redis
from django.conf import settings
from django.core.cache import caches
from django.test import SimpleTestCase, override_settings

from .servers import redis_url_for_tests

THREADS = 4


class SharedPoolTests(SimpleTestCase):
    def setUp(self):
        self.url = redis_url_for_tests()
        if self.url is None:
            self.skipTest("no Redis on 127.0.0.1:6379 (set REDIS_URL_FOR_TESTS)")

    def connections_named(self, name: str) -> int:
        with redis.Redis.from_url(self.url) as admin:
            return sum(1 for client in admin.client_list() if client.get("name") == name)

    def test_threads_share_one_connection(self):
        name = f"pool-test-{uuid.uuid4().hex[:12]}"
        cache_settings = {"default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": self.url,
            "OPTIONS": {**settings.REDIS_CACHE_OPTIONS, "client_name": name}}}
        turn, done = threading.Lock(), threading.Event()
        finished, errors = [], []

        def request_thread():
            try:
                with turn:  # one at a time: a shared pool hands the same connection back
                    caches["default"].get("pool-test-key")
            except Exception as error:  # noqa: BLE001 - reported by the assertion below
                errors.append(error)
            finished.append(1)
            done.wait(10)  # stay alive (with this thread's cache object) while counted

        with override_settings(CACHES=cache_settings):
            threads = [threading.Thread(target=request_thread) for _ in range(THREADS)]
            for thread in threads:
                thread.start()
            try:
                deadline = time.monotonic() + 10
                while len(finished) < THREADS and time.monotonic() < deadline:
                    time.sleep(0.01)
                self.assertEqual(errors, [])
                self.assertEqual(len(finished), THREADS)
                self.assertEqual(self.connections_named(name), 1)
            finally:
                done.set()
                for thread in threads:
                    thread.join()
