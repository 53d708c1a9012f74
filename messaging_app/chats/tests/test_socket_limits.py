"""What one person's sockets may cost: one login recheck per process whatever
the number of sockets, a cap on sockets per user (across server processes
with Redis), a frame rate per socket, typing notices per user and conversation."""
import asyncio
import threading
import time
import uuid
from types import SimpleNamespace
from unittest.mock import patch

from asgiref.sync import async_to_sync, sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import connection
from django.test import SimpleTestCase, TransactionTestCase, override_settings, tag
from django.test.utils import CaptureQueriesContext
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from chats.auth import get_tokens_for_user
from chats.models import User
from chats.realtime.sockets import registry
from messaging_app.asgi import application

from .base import make_conversation, make_user
from .servers import Server, redis_url_for_tests

TIMEOUT = 2
LAYER = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}


def start_capture():
    context = CaptureQueriesContext(connection)
    context.__enter__()
    return context


def stop_capture(context) -> int:
    context.__exit__(None, None, None)
    return len(context.captured_queries)


class SocketsMixin:
    async def open(self, user, access=None):
        """A socket of user, with their access token (a new one by default)."""
        access = access or (await sync_to_async(get_tokens_for_user)(user))["access"]
        socket = WebsocketCommunicator(application, "/ws/events/",
                                       subprotocols=["messaging.jwt", access])
        connected, _ = await socket.connect(timeout=TIMEOUT)
        self.assertTrue(connected)
        self.sockets.append(socket)
        return socket

    async def ready(self, user):
        socket = await self.open(user)
        self.assertEqual((await socket.receive_json_from(TIMEOUT))["type"], "ready")
        return socket

    async def closed(self, socket, within: float = TIMEOUT):
        """Frames until the close: (the JSON frames, (code, reason))."""
        frames = []
        while True:
            output = await socket.receive_output(within)
            if output["type"] == "websocket.close":
                return frames, (output.get("code"), output.get("reason"))
            frames.append(output.get("text"))

    async def close_all(self):
        for socket in self.sockets:
            await socket.disconnect()


@override_settings(CHANNEL_LAYERS=LAYER, SOCKET_RECHECK_SECONDS=0.2)
class BatchedRecheckTests(SocketsMixin, TransactionTestCase):
    async def queries_per_round(self, sockets: int) -> int:
        """Queries of one recheck round in a process holding `sockets` idle
        sockets (the round run directly, the periodic one kept out of the way)."""
        users = [await sync_to_async(make_user)() for _ in range(sockets)]
        self.sockets = []
        for user in users:
            await self.ready(user)
        context = await sync_to_async(start_capture)()
        await registry().recheck()
        count = await sync_to_async(stop_capture)(context)
        await self.close_all()
        return count

    @override_settings(SOCKET_RECHECK_SECONDS=3600)
    async def test_idle_sockets_cost_one_query_per_round_whatever_their_number(self):
        self.assertEqual((await self.queries_per_round(1), await self.queries_per_round(12)),
                         (1, 1))

    async def test_the_batched_recheck_still_closes_what_changed_without_signals(self):
        self.sockets = []
        alice, bob = await sync_to_async(make_user)(), await sync_to_async(make_user)()
        alice_socket, bob_socket = await self.ready(alice), await self.ready(bob)
        await sync_to_async(User.objects.filter(pk=alice.pk).update)(is_active=False)
        self.assertEqual((await self.closed(alice_socket, 1.0))[1], (4401, "account_disabled"))
        await bob_socket.send_json_to({"type": "ping"})
        self.assertEqual(await bob_socket.receive_json_from(TIMEOUT), {"type": "pong"})
        await self.close_all()


@override_settings(CHANNEL_LAYERS=LAYER, MAX_SOCKETS_PER_USER=2,
                   SOCKET_FRAMES_PER_SECOND=1, TYPING_MIN_INTERVAL=60)
class PerUserLimitTests(SocketsMixin, TransactionTestCase):
    def setUp(self):
        self.sockets = []
        self.alice, self.bob = make_user("alice"), make_user("bob")
        self.cid = str(make_conversation(self.alice, self.bob).pk)

    async def test_one_socket_over_the_cap_is_closed_with_4429_and_a_reason(self):
        await self.ready(self.alice)
        second = await self.ready(self.alice)
        _, (code, reason) = await self.closed(await self.open(self.alice))
        self.assertEqual(code, 4429)
        self.assertIn("at most 2", reason)
        await self.ready(self.bob)  # other users are not counted
        await second.disconnect()
        self.sockets.remove(second)
        await self.ready(self.alice)  # a closed socket frees its place
        await self.close_all()

    async def test_frames_over_the_rate_are_dropped_and_a_flood_closes_the_socket(self):
        socket = await self.ready(self.alice)
        for _ in range(6):
            await socket.send_json_to({"type": "ping"})
        frames = [await socket.receive_json_from(TIMEOUT) for _ in range(5)]
        self.assertEqual(frames[:4], [{"type": "pong"}] * 4)  # the burst: 4x the rate
        self.assertEqual(frames[4]["code"], "rate_limited")
        self.assertTrue(await socket.receive_nothing(0.2), "dropped frames get no answer")
        for _ in range(200):
            await socket.send_json_to({"type": "ping"})
        frames, (code, reason) = await self.closed(socket)
        self.assertEqual(code, 4429)
        self.assertIn("frame_flood", reason)
        self.assertLessEqual(len(frames), 3)

    async def test_typing_is_limited_per_user_across_their_sockets(self):
        first, second = await self.ready(self.alice), await self.ready(self.alice)
        bob = await self.ready(self.bob)
        await first.send_json_to({"type": "typing", "conversation": self.cid})
        self.assertEqual((await bob.receive_json_from(TIMEOUT))["type"], "typing")
        await second.send_json_to({"type": "typing", "conversation": self.cid})
        self.assertEqual((await second.receive_json_from(TIMEOUT))["code"], "rate_limited")
        self.assertTrue(await bob.receive_nothing(0.3), "one notice per user, not per socket")
        await self.close_all()


# Presence settles after the test (3600 s): its round would otherwise land
# among the queries counted for a refused handshake.
@override_settings(CHANNEL_LAYERS=LAYER, SOCKET_FRAMES_PER_SECOND=50,
                   PRESENCE_FLUSH_SECONDS=3600)
class FloodCostTests(SocketsMixin, TransactionTestCase):
    """What a flooding socket may cost the others: no hop to Django's sync
    thread per frame (requests need that thread), nothing after its close."""

    def setUp(self):
        self.sockets = []
        self.alice = make_user("alice")

    async def test_frames_are_answered_while_the_sync_thread_is_busy(self):
        socket = await self.ready(self.alice)
        busy, release = threading.Event(), threading.Event()

        def hold_the_sync_thread():
            busy.set()
            release.wait(10)

        holder = asyncio.ensure_future(sync_to_async(hold_the_sync_thread)())
        try:
            while not busy.is_set():
                await asyncio.sleep(0.01)
            await socket.send_json_to({"type": "ping"})
            self.assertEqual(await socket.receive_json_from(TIMEOUT), {"type": "pong"})
        finally:
            release.set()
            await holder
        await self.close_all()

    async def test_a_socket_closed_for_flooding_answers_nothing_more(self):
        socket = await self.ready(self.alice)
        for _ in range(400):
            await socket.send_json_to({"type": "ping"})
        _, (code, _) = await self.closed(socket)
        self.assertEqual(code, 4429)
        await asyncio.sleep(0.2)  # the bucket has tokens again
        await socket.send_json_to({"type": "ping"})
        self.assertTrue(await socket.receive_nothing(0.3), "no frame after the close")
        await self.close_all()

    async def flood_until_closed(self, socket) -> None:
        for _ in range(400):
            await socket.send_json_to({"type": "ping"})
        _, (code, reason) = await self.closed(socket)
        self.assertEqual((code, reason.split(":")[0]), (4429, "frame_flood"))

    async def test_a_flooder_opens_no_socket_until_the_cooldown_has_passed(self):
        bob = await sync_to_async(make_user)("bob")
        await self.flood_until_closed(await self.ready(self.alice))
        _, (code, reason) = await self.closed(await self.open(self.alice))
        self.assertEqual(code, 4429)
        self.assertIn("frame_flood", reason)
        await self.ready(bob)  # others are not cooled down
        with patch("chats.realtime.consumers.FLOOD_COOLDOWN", 0.2):
            await self.flood_until_closed(await self.ready(bob))
            await asyncio.sleep(0.3)
            await self.ready(bob)  # the cooldown ends
        await self.close_all()

    async def test_a_cooling_down_users_handshake_is_refused_after_a_pause(self):
        await self.flood_until_closed(await self.ready(self.alice))
        access = (await sync_to_async(get_tokens_for_user)(self.alice))["access"]
        socket = WebsocketCommunicator(application, "/ws/events/",
                                       subprotocols=["messaging.jwt", access])
        self.sockets.append(socket)
        with patch("chats.realtime.consumers.REFUSAL_PAUSE", 0.5):
            await socket.send_input({"type": "websocket.connect"})
            self.assertTrue(await socket.receive_nothing(0.2), "held, not answered at once")
            self.assertEqual((await socket.receive_output(TIMEOUT))["type"], "websocket.accept")
            _, (code, _) = await self.closed(socket)
        self.assertEqual(code, 4429)
        await self.close_all()

    async def test_a_cooling_down_users_handshake_is_refused_before_any_query(self):
        await self.flood_until_closed(await self.ready(self.alice))
        access = (await sync_to_async(get_tokens_for_user)(self.alice))["access"]
        context = await sync_to_async(start_capture)()
        _, (code, _) = await self.closed(await self.open(self.alice, access))
        self.assertEqual(code, 4429)
        self.assertEqual(await sync_to_async(stop_capture)(context), 0)
        await self.close_all()


@tag("slow")
class SocketCapAcrossProcessesTests(TransactionTestCase):
    """Two server processes sharing Redis count one user's sockets together."""

    def setUp(self):
        redis_url = redis_url_for_tests()
        if redis_url is None:
            self.skipTest("needs Redis (REDIS_URL_FOR_TESTS)")
        self.alice = make_user("alice")
        self.access = get_tokens_for_user(self.alice)["access"]
        self.servers = [Server(redis_url, env={"DJANGO_MAX_SOCKETS_PER_USER": "2"})
                        for _ in range(2)]
        for server in self.servers:
            self.addCleanup(server.stop)

    def socket(self, server):
        ws = connect(f"{server.ws}/ws/events/", subprotocols=["messaging.jwt", self.access],
                     open_timeout=5)
        self.addCleanup(ws.close)
        return ws

    def test_the_cap_holds_across_two_processes(self):
        first, second = self.servers
        a = self.socket(first)
        b = self.socket(second)
        for ws in (a, b):
            self.assertIn('"ready"', ws.recv(timeout=5))
        third = self.socket(first)
        with self.assertRaises(ConnectionClosed) as closed:
            third.recv(timeout=5)
        self.assertEqual(closed.exception.rcvd.code, 4429)
        self.assertIn("too_many_sockets", closed.exception.rcvd.reason)
        b.close()
        deadline_socket = None
        for _ in range(20):  # the close reaches the other process's count
            deadline_socket = self.socket(first)
            try:
                self.assertIn('"ready"', deadline_socket.recv(timeout=5))
                break
            except ConnectionClosed:
                continue
        else:
            self.fail("a closed socket did not free its place")

    def test_a_flood_closed_on_one_process_refuses_the_user_on_the_other(self):
        first, second = self.servers
        flooder = self.socket(first)
        self.assertIn('"ready"', flooder.recv(timeout=5))
        with self.assertRaises(ConnectionClosed) as closed:
            for _ in range(400):
                flooder.send('{"type": "ping"}')
            while True:
                flooder.recv(timeout=5)
        self.assertEqual(closed.exception.rcvd.code, 4429)
        again = self.socket(second)
        with self.assertRaises(ConnectionClosed, msg=first.read_log() + second.read_log()) \
                as closed:
            again.recv(timeout=5)
        self.assertEqual(closed.exception.rcvd.code, 4429)
        self.assertIn("frame_flood", closed.exception.rcvd.reason)


class CountedSocket:
    """What the registry's refresh reads of a consumer counted in Redis."""

    counted_in_redis = True

    def __init__(self, user_id, channel_name):
        self.user = SimpleNamespace(pk=user_id)
        self.channel_name = channel_name


class RefreshCostTests(SimpleTestCase):
    """Pushing back this process's socket entries in Redis: a few round trips
    of a few milliseconds each, whatever the number of sockets (a pipeline of
    two commands per socket held the event loop 175 ms for 2,500 sockets)."""

    def setUp(self):
        self.url = redis_url_for_tests()
        if self.url is None:
            self.skipTest("needs Redis (REDIS_URL_FOR_TESTS)")

    def test_a_refresh_is_one_script_call_per_chunk_and_pushes_back_every_entry(self):
        from chats.realtime import sockets

        async def scenario():
            with override_settings(REDIS_URL=self.url, CHANNEL_LAYERS={"default": {
                    "BACKEND": "chats.realtime.channel_layer.BoundedRedisChannelLayer",
                    "CONFIG": {"hosts": [self.url]}}}):
                registry = sockets.SocketRegistry()
            count = sockets.REFRESH_CHUNK * 2 + 1
            users = [f"refresh-test-{uuid.uuid4().hex}" for _ in range(count)]
            client = registry.redis()
            keys = [sockets.sockets_key(user) for user in users]
            try:
                for user, key in zip(users, keys, strict=True):
                    await client.zadd(key, {f"chan-{user}": 1.0})
                    registry.sockets.add(CountedSocket(user, f"chan-{user}"))
                commands = []
                real = client.execute_command

                async def counted(*args, **options):
                    commands.append(args[0])
                    return await real(*args, **options)
                client.execute_command = counted
                before = time.time()
                await registry.refresh()
                client.execute_command = real
                scores = [await client.zscore(key, f"chan-{user}")
                          for user, key in zip(users, keys, strict=True)]
                ttls = [await client.ttl(key) for key in keys]
            finally:
                await client.delete(*keys)
                await client.aclose()
            return commands, scores, ttls, before, registry.entry_ttl

        commands, scores, ttls, before, entry_ttl = async_to_sync(scenario)()
        self.assertEqual([c for c in commands if c != "SCRIPT LOAD"], ["EVALSHA"] * 3)
        self.assertTrue(all(score >= before + entry_ttl - 1 for score in scores), scores[:3])
        self.assertTrue(all(0 < ttl <= int(entry_ttl) + 1 for ttl in ttls), ttls[:3])
