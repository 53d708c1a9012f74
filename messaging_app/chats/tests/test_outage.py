"""Redis down or hung: logins, reads and sends keep working on the database;
throttles count in memory (one warning), events are dropped (logged), sockets
get a clean close with a reason, every Redis call is bounded in time.

An outage is simulated with a port nobody listens on (refused) and one that
accepts and never answers (hung); the shared Redis is never touched.
"""
import json
import logging
import time

import requests
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.core.cache import caches
from django.test import TransactionTestCase, override_settings, tag
from django.urls import reverse
from rest_framework.test import APIClient
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from chats.http import outage
from chats.models import Message

from .base import PASSWORD, make_conversation, make_user
from .servers import HangingPort, Server, free_port

TIMEOUT = 5
# A request may wait for Redis REDIS_TIMEOUT (0.5 s here) once per kind of
# use (rate limits, events) before the outage is noticed; far below this.
REQUEST_BOUND = 3.0


def reset_outages():
    for state in (outage.throttle_counters, outage.event_delivery):
        state.down_since = None
        state.retry_at = 0.0


@tag("slow")
class RedisOutageServerTests(TransactionTestCase):
    """A real server process whose REDIS_URL refuses or hangs."""

    def setUp(self):
        self.alice, self.bob = make_user("alice"), make_user("bob")
        # The server checks passwords with its own hashers (the test run uses MD5).
        self.alice.password = PBKDF2PasswordHasher().encode(PASSWORD, "outagesalt",
                                                            iterations=1000)
        self.alice.save(update_fields=["password"])
        self.conversation = make_conversation(self.alice, self.bob)

    def timed(self, method, url, **kwargs):
        started = time.monotonic()
        response = requests.request(method, url, timeout=10, **kwargs)
        self.assertLess(time.monotonic() - started, REQUEST_BOUND, f"{method} {url}")
        return response

    def check_service_without_redis(self, redis_url):
        server = Server(redis_url, env={"DJANGO_THROTTLE_ANON": "100/min",
                                        "DJANGO_THROTTLE_USER": "1000/min",
                                        "DJANGO_THROTTLE_SEND": "1000/min",
                                        "DJANGO_REDIS_TIMEOUT": "0.5"})
        self.addCleanup(server.stop)
        response = self.timed("POST", f"{server.http}/api/token/",
                              json={"username": "alice", "password": PASSWORD})
        self.assertEqual(response.status_code, 200, response.text)
        auth = {"Authorization": f"Bearer {response.json()['access']}"}
        url = f"{server.http}/api/conversations/{self.conversation.pk}/messages/"
        for i in range(3):
            response = self.timed("POST", url, json={"message_body": f"m{i}"}, headers=auth)
            self.assertEqual(response.status_code, 201, response.text)
        self.assertEqual(self.timed("GET", url, headers=auth).json()["count"], 3)
        self.assertEqual(Message.objects.filter(conversation=self.conversation).count(), 3)

        ticket = self.timed("POST", f"{server.http}/api/ws-ticket/", headers=auth).json()
        started = time.monotonic()
        with connect(f"{server.ws}{ticket['url']}", open_timeout=TIMEOUT) as ws:
            with self.assertRaises(ConnectionClosed) as caught:
                while True:
                    ws.recv(timeout=TIMEOUT)
        self.assertLess(time.monotonic() - started, REQUEST_BOUND)
        self.assertEqual(caught.exception.rcvd.code, 1013)
        self.assertIn("reconnect", caught.exception.rcvd.reason)

        health = self.timed("GET", f"{server.http}/healthz")
        self.assertEqual(health.status_code, 503)
        self.assertEqual(health.json(), {"status": "unavailable", "database": "ok",
                                         "redis": "unavailable"})
        server.stop()
        self.assertEqual(server.log.count("Redis is unavailable for rate limit counters"), 1,
                         server.log)
        self.assertIn("Redis is unavailable for event delivery", server.log)

    def test_redis_refusing_connections(self):
        self.check_service_without_redis(f"redis://127.0.0.1:{free_port()}/0")

    def test_redis_accepting_and_never_answering(self):
        hung = HangingPort()
        self.addCleanup(hung.close)
        self.check_service_without_redis(f"redis://127.0.0.1:{hung.port}/0")


def dead_redis_settings(url):
    return override_settings(
        REDIS_TIMEOUT=0.5,
        CACHES={"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                            "LOCATION": url,
                            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}},
                "local": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                          "LOCATION": "outage-test"}},
        CHANNEL_LAYERS={"default": {
            "BACKEND": "chats.realtime.channel_layer.BoundedRedisChannelLayer",
            "CONFIG": {"hosts": [{"address": url, "socket_connect_timeout": 0.5,
                                  "socket_timeout": 1.5}]}}})


class RedisOutageInProcessTests(TransactionTestCase):
    def setUp(self):
        reset_outages()
        self.addCleanup(reset_outages)
        self.hung = HangingPort()
        self.addCleanup(self.hung.close)
        self.alice, self.bob = make_user("alice"), make_user("bob")
        self.conversation = make_conversation(self.alice, self.bob)

    def test_throttling_falls_back_to_memory_with_one_warning(self):
        from django.conf import settings
        rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "anon": "3/min"}
        rest = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
        with dead_redis_settings(f"redis://127.0.0.1:{free_port()}/0"), \
                override_settings(REST_FRAMEWORK=rest), \
                self.assertLogs("chats.http.outage", logging.WARNING) as logs:
            caches["local"].clear()
            codes = [self.client.post(reverse("token_obtain_pair"), {},
                                      content_type="application/json").status_code
                     for _ in range(4)]
        self.assertEqual(codes, [400, 400, 400, 429])
        self.assertEqual(len(logs.records), 1, logs.output)

    def test_a_send_is_stored_and_answered_when_publishing_hangs(self):
        client = APIClient()
        client.force_authenticate(self.alice)
        url = reverse("conversation-messages-list", args=[self.conversation.pk])
        with dead_redis_settings(f"redis://127.0.0.1:{self.hung.port}/0"), \
                self.assertLogs("chats.http.outage", logging.WARNING) as logs:
            for i in range(3):
                started = time.monotonic()
                response = client.post(url, {"message_body": f"m{i}"}, format="json")
                self.assertEqual(response.status_code, 201)
                self.assertLess(time.monotonic() - started, 2.0)
        self.assertEqual(len(logs.records), 1, logs.output)
        self.assertEqual(Message.objects.filter(conversation=self.conversation).count(), 3)


class HealthzTests(TransactionTestCase):
    def test_healthy_without_redis_configured(self):
        response = self.client.get("/healthz")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(json.loads(response.content), {"status": "ok", "database": "ok"})

    def test_redis_is_checked_when_configured(self):
        from .servers import redis_url_for_tests
        url = redis_url_for_tests()
        if url is None:
            self.skipTest("no Redis at redis://127.0.0.1:6379 (set REDIS_URL_FOR_TESTS)")
        with override_settings(REDIS_URL=url):
            response = self.client.get("/healthz")
        self.assertEqual((response.status_code, response.json()["redis"]), (200, "ok"))
        with override_settings(REDIS_URL=f"redis://127.0.0.1:{free_port()}/0", REDIS_TIMEOUT=0.5):
            response = self.client.get("/healthz")
        self.assertEqual((response.status_code, response.json()["redis"]), (503, "unavailable"))
