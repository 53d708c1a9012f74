"""Throttles count in Redis (REDIS_URL_FOR_TESTS, else redis://127.0.0.1:6379/15)
atomically, in one command per check, with DRF's sliding window.

Each test counts under a KEY_PREFIX of its own and deletes only its keys, so
it never flushes a Redis database that others may share.
"""
import threading
import uuid
from types import SimpleNamespace
from unittest.mock import patch

import redis
from django.conf import settings
from django.test import SimpleTestCase, override_settings
from django.urls import reverse

from chats.http.throttles import SendThrottle, UserThrottle

from .base import ChatTestCase
from .servers import redis_url_for_tests
from .test_limits import with_rates

CONCURRENT_REQUESTS = 24
LIMIT = 5


def redis_counting(url: str, prefix: str):
    """override_settings: the ``default`` cache in Redis at url, its keys under prefix."""
    return override_settings(CACHES={
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url,
                    "KEY_PREFIX": prefix, "OPTIONS": settings.REDIS_CACHE_OPTIONS},
        "local": settings.LOCAL_CACHE})


def memory_counting():
    """override_settings: the ``default`` cache in this process (DRF's own counting)."""
    return override_settings(CACHES={
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                    "LOCATION": f"throttle-counting-{uuid.uuid4().hex}"},
        "local": settings.LOCAL_CACHE})


def someone():
    """A request by a user nobody else is (a throttle reads only request.user)."""
    return SimpleNamespace(user=SimpleNamespace(is_authenticated=True, pk=uuid.uuid4().hex))


SENDING = SimpleNamespace(action="create")


class RedisTestMixin:
    def setUp(self):
        super().setUp()
        self.url = redis_url_for_tests()
        if self.url is None:
            self.skipTest("no Redis on 127.0.0.1:6379 (set REDIS_URL_FOR_TESTS)")
        self.prefix = f"throttle-test-{uuid.uuid4().hex}"
        self.addCleanup(self.delete_keys)

    def delete_keys(self):
        with redis.Redis.from_url(self.url) as client:
            keys = list(client.scan_iter(f"{self.prefix}:*"))
            if keys:
                client.delete(*keys)


class AtomicCountingTests(RedisTestMixin, SimpleTestCase):
    def admitted_of_concurrent_requests(self, throttle_class) -> int:
        """How many of CONCURRENT_REQUESTS checks by one user, started together, pass."""
        request, start = someone(), threading.Barrier(CONCURRENT_REQUESTS)
        admitted, errors = [], []

        def check():
            try:
                throttle = throttle_class()
                start.wait(10)
                admitted.append(throttle.allow_request(request, SENDING))
            except Exception as error:  # noqa: BLE001 - reported by the assertion below
                errors.append(error)

        threads = [threading.Thread(target=check) for _ in range(CONCURRENT_REQUESTS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        self.assertEqual(errors, [])
        self.assertEqual(len(admitted), CONCURRENT_REQUESTS)
        return admitted.count(True)

    def test_concurrent_requests_admit_exactly_the_limit(self):
        for throttle_class, scope in ((UserThrottle, "user"), (SendThrottle, "send")):
            with self.subTest(throttle_class.__name__), \
                    redis_counting(self.url, self.prefix), with_rates(**{scope: f"{LIMIT}/min"}):
                self.assertEqual(self.admitted_of_concurrent_requests(throttle_class), LIMIT)

    def test_a_check_is_one_redis_command(self):
        request = someone()
        with redis_counting(self.url, self.prefix), with_rates(send="3/min"):
            SendThrottle().allow_request(request, SENDING)  # connects, loads the script
            for expected in (True, True, False):
                throttle = SendThrottle()
                with patch.object(redis.Redis, "execute_command", autospec=True,
                                  side_effect=redis.Redis.execute_command) as commands:
                    self.assertEqual(throttle.allow_request(request, SENDING), expected)
                    if not expected:
                        self.assertIsNotNone(throttle.wait())
                self.assertEqual(commands.call_count, 1,
                                 [call.args[1] for call in commands.call_args_list])


class SlidingWindowTests(RedisTestMixin, SimpleTestCase):
    """Counting in Redis admits and refuses as DRF's own counting does, and
    gives the same ``wait()`` (the 429's Retry-After)."""

    # Seconds since an arbitrary origin, for a rate of 3/min.
    TIMELINE = (0.0, 0.5, 1.0, 10.0, 59.9, 60.0, 60.2, 60.5, 61.0, 61.0, 130.0, 130.0, 130.0,
                130.0)

    def outcomes(self) -> list:
        """(admitted, wait) of SendThrottle at each TIMELINE time, for one user."""
        request, origin, outcomes = someone(), 1_700_000_000.0, []
        with with_rates(send="3/min"):
            for seconds in self.TIMELINE:
                throttle = SendThrottle()
                throttle.timer = lambda at=origin + seconds: at
                admitted = throttle.allow_request(request, SENDING)
                outcomes.append((admitted, None if admitted else round(throttle.wait(), 6)))
        return outcomes

    def test_redis_counting_matches_drf_sliding_window(self):
        with memory_counting():
            expected = self.outcomes()
        with redis_counting(self.url, self.prefix):
            counted_in_redis = self.outcomes()
        self.assertEqual(counted_in_redis, expected)
        self.assertEqual(expected[:5], [(True, None), (True, None), (True, None), (False, 50.0),
                                        (False, 0.1)])

    def test_the_window_key_expires_after_the_period(self):
        with redis_counting(self.url, self.prefix), with_rates(send="3/min"):
            SendThrottle().allow_request(someone(), SENDING)
        with redis.Redis.from_url(self.url) as client:
            keys = list(client.scan_iter(f"{self.prefix}:*"))
            self.assertEqual(len(keys), 1)
            self.assertTrue(0 < client.pttl(keys[0]) <= 60_000)


class RedisThrottleResponseTests(RedisTestMixin, ChatTestCase):
    def test_sends_over_the_rate_get_429_with_retry_after(self):
        url = reverse("conversation-messages-list", args=[self.conversation.pk])
        client = self.as_user(self.bob)
        with redis_counting(self.url, self.prefix), with_rates(send="2/min"):
            codes = [client.post(url, {"message_body": "x"}, format="json").status_code
                     for _ in range(3)]
            refused = client.post(url, {"message_body": "x"}, format="json")
            read = client.get(url)
        self.assertEqual(codes, [201, 201, 429])
        self.assertEqual(refused.json()["code"], "throttled")
        self.assertTrue(0 < int(refused["Retry-After"]) <= 60)
        self.assertEqual(read.status_code, 200)

    def test_a_rate_set_to_off_admits_everything(self):
        url = reverse("conversation-list")
        client = self.as_user(self.bob)
        with redis_counting(self.url, self.prefix), with_rates(user="1/min"):
            limited = [client.get(url).status_code for _ in range(2)]
            with with_rates(user=None):
                unlimited = [client.get(url).status_code for _ in range(3)]
        self.assertEqual(limited, [200, 429])
        self.assertEqual(unlimited, [200, 200, 200])
