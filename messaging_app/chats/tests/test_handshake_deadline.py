"""No handshake hangs: after the Redis of the channel layer restarts or stops
answering, every new WebSocket handshake is answered (``ready``) or closed with
1013 within HANDSHAKE_BOUND seconds.

The test runs a Redis server of its own (``redis-server`` on a free port),
restarts it and stops it with SIGSTOP; the shared Redis is never touched.
"""
import os
import shutil
import signal
import subprocess
import time

from django.test import TransactionTestCase, tag
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from chats.auth import get_tokens_for_user

from .base import make_conversation, make_user
from .servers import Server, free_port

HANDSHAKE_BOUND = 5.0
ATTEMPTS = 6


class OwnRedis:
    """``redis-server`` on a free port of 127.0.0.1, without persistence."""

    def __init__(self):
        self.port = free_port()
        self.start()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        import redis
        while time.monotonic() < deadline:
            try:
                redis.Redis(port=self.port, socket_connect_timeout=0.2).ping()
                return
            except redis.RedisError:
                time.sleep(0.05)
        raise RuntimeError(f"redis-server on port {self.port} did not start")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGCONT)
            self.process.terminate()
            self.process.wait(timeout=10)

    def restart(self) -> None:
        self.stop()
        self.start()


@tag("slow")
class HandshakeDeadlineTests(TransactionTestCase):
    def setUp(self):
        if shutil.which("redis-server") is None:
            self.skipTest("needs redis-server on PATH")
        self.redis = OwnRedis()
        self.addCleanup(self.redis.stop)
        self.alice = make_user("alice")
        make_conversation(self.alice, make_user("bob"))
        self.access = get_tokens_for_user(self.alice)["access"]
        self.server = Server(self.redis.url, env={"DJANGO_REDIS_TIMEOUT": "1"})
        self.addCleanup(self.server.stop)

    def handshake(self) -> tuple:
        """(outcome, seconds): 'ready' or the close code."""
        started = time.monotonic()
        try:
            with connect(f"{self.server.ws}/ws/events/", open_timeout=HANDSHAKE_BOUND * 2,
                         subprotocols=["messaging.jwt", self.access]) as ws:
                frame = ws.recv(timeout=HANDSHAKE_BOUND * 2)
                outcome = "ready" if '"ready"' in frame else frame[:40]
        except ConnectionClosed as closed:
            outcome = closed.rcvd.code if closed.rcvd else "dropped"
        except TimeoutError:
            outcome = "hung"
        return outcome, time.monotonic() - started

    def assertAnsweredInTime(self, results):
        for outcome, seconds in results:
            self.assertIn(outcome, ("ready", 1013), results)
            self.assertLess(seconds, HANDSHAKE_BOUND, results)

    def test_handshakes_after_a_redis_restart_are_answered(self):
        self.assertEqual(self.handshake()[0], "ready")
        with connect(f"{self.server.ws}/ws/events/",
                     subprotocols=["messaging.jwt", self.access]) as idle:
            idle.recv(timeout=5)
            self.redis.restart()
            results = [self.handshake() for _ in range(ATTEMPTS)]
        self.assertAnsweredInTime(results)
        self.assertEqual(results[-1][0], "ready", results)

    def test_handshakes_while_redis_hangs_close_with_1013_in_time(self):
        self.assertEqual(self.handshake()[0], "ready")
        os.kill(self.redis.process.pid, signal.SIGSTOP)
        try:
            results = [self.handshake() for _ in range(3)]
        finally:
            os.kill(self.redis.process.pid, signal.SIGCONT)
        self.assertAnsweredInTime(results)
        time.sleep(1)
        results = [self.handshake() for _ in range(3)]
        self.assertAnsweredInTime(results)
        self.assertEqual(results[-1][0], "ready", results)
