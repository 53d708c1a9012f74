"""Presence: online while a socket is open, last seen when the last one
closes, ``presence.changed`` to conversation partners, unknown (null) when
Redis is configured but down; settled per process and interval in a fixed
number of queries and one channel-layer message per conversation."""
import shutil
import socket as sockets_api
import subprocess
import time

import redis
from asgiref.sync import async_to_sync, sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.db import connection
from django.test import TransactionTestCase, override_settings
from django.utils.dateparse import parse_datetime
from django.urls import reverse
from rest_framework.test import APIClient

from chats.auth import get_tokens_for_user
from chats.models import User
from chats.payloads import typing_event
from chats.realtime import presence_batch
from chats.realtime.events import conversation_group, publish_on_loop
from messaging_app.asgi import application

from .base import make_conversation, make_user

TIMEOUT = 2
MEMORY = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
# Presence rounds in the tests that wait for events; the batching tests settle
# by hand (an interval no test waits for).
QUICK = 0.05
BY_HAND = 3600
MARKER = "marker"  # the user id of the typing notice that ends a frames_until_marker


def own_port() -> int:
    """A free port of this test's range (19400-19499, kept apart from parallel runs)."""
    for port in range(19400, 19500):
        with sockets_api.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in 19400-19499 for a test redis-server")


def redis_layer(url: str) -> dict:
    return {"default": {"BACKEND": "chats.realtime.channel_layer.BoundedRedisChannelLayer",
                        "CONFIG": {"hosts": [{"address": url, "socket_connect_timeout": 0.5,
                                              "socket_timeout": 1.5}]}}}


class PresenceMixin:
    def setUp(self):
        async_to_sync(get_channel_layer().flush)()
        self.alice, self.bob = make_user("alice"), make_user("bob")
        self.conversation = make_conversation(self.alice, self.bob)
        self.sockets = []

    async def open(self, user, presence=True):
        access = (await sync_to_async(get_tokens_for_user)(user))["access"]
        path = "/ws/events/?presence=1" if presence else "/ws/events/"
        socket = WebsocketCommunicator(application, path,
                                       subprotocols=["messaging.jwt", access])
        connected, _ = await socket.connect(timeout=TIMEOUT)
        self.assertTrue(connected)
        self.assertEqual((await socket.receive_json_from(TIMEOUT))["type"], "ready")
        self.sockets.append(socket)
        return socket

    async def frames_until_marker(self, conversation_id, *sockets) -> list:
        """Per socket, the frames it received before a typing notice sent to
        conversation_id through the loop's publisher now: every event published
        before it has then reached the sockets (one ordered queue per socket)."""
        publish_on_loop(conversation_group(conversation_id), {
            "type": "chat.event", "event": typing_event(conversation_id, MARKER)})
        received = []
        for socket in sockets:
            frames = []
            while (frame := await socket.receive_json_from(TIMEOUT)).get("user_id") != MARKER:
                frames.append(frame)
            received.append(frames)
        return received

    def bob_as_alice_sees_him(self, detail=False) -> dict:
        client = APIClient()
        client.force_authenticate(self.alice)
        if detail:
            url = reverse("conversation-detail", args=[self.conversation.pk])
            people = client.get(url).json()["participants"]
        else:
            people = client.get(reverse("conversation-list")).json()["results"][0]["participants"]
        return next(p for p in people if p["user_id"] == str(self.bob.pk))


@override_settings(CHANNEL_LAYERS=MEMORY, PRESENCE_FLUSH_SECONDS=QUICK)
class PresenceInProcessTests(PresenceMixin, TransactionTestCase):
    async def test_online_then_last_seen_when_the_last_of_two_sockets_closes(self):
        alice = await self.open(self.alice)
        first = await self.open(self.bob)
        event = await alice.receive_json_from(TIMEOUT)
        self.assertEqual(event, {"type": "presence.changed", "user_id": str(self.bob.pk),
                                 "online": True, "last_seen_at": None})
        for detail in (False, True):
            seen = await sync_to_async(self.bob_as_alice_sees_him)(detail)
            self.assertEqual((seen["online"], seen["last_seen_at"]), (True, None))
        second = await self.open(self.bob)
        self.assertTrue(await alice.receive_nothing(0.2), "a second socket is no news")
        await first.disconnect()
        self.assertTrue(await alice.receive_nothing(0.2), "one socket still open")
        self.assertTrue((await sync_to_async(self.bob_as_alice_sees_him)())["online"])
        before = time.time()
        await second.disconnect()
        event = await alice.receive_json_from(TIMEOUT)
        self.assertEqual((event["type"], event["user_id"], event["online"]),
                         ("presence.changed", str(self.bob.pk), False))
        stored = await sync_to_async(
            lambda: User.objects.get(pk=self.bob.pk).last_seen_at)()
        self.assertGreaterEqual(stored.timestamp(), before - 1)
        for detail in (False, True):
            seen = await sync_to_async(self.bob_as_alice_sees_him)(detail)
            self.assertFalse(seen["online"])
            self.assertEqual(seen["last_seen_at"], event["last_seen_at"])
        await alice.disconnect()

    async def test_only_partners_asking_for_presence_hear_of_it(self):
        eve = await sync_to_async(make_user)("eve")
        stranger = await self.open(eve)
        plain = await self.open(self.alice, presence=False)
        bob = await self.open(self.bob)
        self.assertTrue(await stranger.receive_nothing(0.2), "no shared conversation")
        self.assertTrue(await plain.receive_nothing(0.2), "the socket did not ask")
        for socket in (stranger, plain, bob):
            await socket.disconnect()


@override_settings(CHANNEL_LAYERS=MEMORY, PRESENCE_FLUSH_SECONDS=BY_HAND)
class PresenceBatchTests(PresenceMixin, TransactionTestCase):
    """A process settles the presence of the users it noted in one round:
    queries and channel-layer messages do not grow with the users."""

    def come_online(self, count: int) -> tuple:
        """count users (in conversations of five with Alice) open a socket
        each; returns the queries and group sends of the round that settles
        them, and what Alice's socket was told."""
        users = [make_user() for _ in range(count)]
        conversations = [make_conversation(self.alice, *users[i:i + 5])
                         for i in range(0, count, 5)]
        counting, queries, sends = [False], [], []

        def count_query(execute, sql, params, many, context):
            if counting[0]:
                queries.append(sql)
            return execute(sql, params, many, context)

        layer = get_channel_layer()
        group_send = layer.group_send

        async def counted_group_send(group, message):
            if counting[0] and message["type"] != "chat.event":
                sends.append(group)
            return await group_send(group, message)

        async def scenario():
            alice = await self.open(self.alice)
            await presence_batch.batcher().flush()  # Alice's own coming online
            for user in users:
                await self.open(user, presence=False)
            counting[0] = True
            await presence_batch.batcher().flush()
            (told,) = await self.frames_until_marker(conversations[0].pk, alice)
            counting[0] = False
            for socket in self.sockets:
                await socket.disconnect()
            return told

        layer.group_send = counted_group_send
        try:
            with connection.execute_wrapper(count_query):
                told = async_to_sync(scenario)()
        finally:
            del layer.group_send
        self.assertEqual(sorted(sends), sorted(conversation_group(c.pk) for c in conversations),
                         "one message per conversation, not one per partner")
        self.assertEqual(sorted((e["type"], e["user_id"], e["online"]) for e in told),
                         sorted(("presence.changed", str(u.pk), True) for u in users))
        return queries

    def test_queries_do_not_grow_with_the_users_coming_online_at_once(self):
        one, fifty = self.come_online(1), self.come_online(50)
        # Their last_seen_at, and their memberships.
        self.assertEqual((len(one), len(fifty)), (2, 2), fifty)

    async def test_a_partner_in_two_conversations_hears_each_change_once(self):
        await sync_to_async(make_conversation)(self.alice, self.bob)
        settle = presence_batch.batcher().flush
        alice = await self.open(self.alice)
        plain = await self.open(self.alice, presence=False)
        await settle()
        bob = await self.open(self.bob)
        await settle()
        told, untold, own = await self.frames_until_marker(self.conversation.pk,
                                                           alice, plain, bob)
        self.assertEqual(told, [{"type": "presence.changed", "user_id": str(self.bob.pk),
                                 "online": True, "last_seen_at": None}])
        self.assertEqual(untold, [], "the socket did not ask for presence")
        self.assertEqual(own, [], "nothing about Alice changed, nor about Bob to himself")

        await bob.disconnect()
        await settle()
        told, untold = await self.frames_until_marker(self.conversation.pk, alice, plain)
        stored = await sync_to_async(lambda: User.objects.get(pk=self.bob.pk).last_seen_at)()
        self.assertIsNotNone(stored, "the last close is stored")
        self.assertEqual(told, [{"type": "presence.changed", "user_id": str(self.bob.pk),
                                 "online": False, "last_seen_at": told[0]["last_seen_at"]}])
        self.assertEqual(parse_datetime(told[0]["last_seen_at"]), stored)
        self.assertEqual(untold, [])

        # Online, offline and online again within one round: one event, the last state.
        first = await self.open(self.bob)
        await first.disconnect()
        again = await self.open(self.bob)
        await settle()
        told, untold = await self.frames_until_marker(self.conversation.pk, alice, plain)
        self.assertEqual([(e["user_id"], e["online"]) for e in told], [(str(self.bob.pk), True)])
        self.assertEqual(untold, [])
        for socket in (alice, plain, again):
            await socket.disconnect()


class PresenceWithRedisTests(PresenceMixin, TransactionTestCase):
    """Presence shared through Redis; null (unknown) once that Redis is down."""

    def setUp(self):
        if shutil.which("redis-server") is None:
            self.skipTest("needs redis-server (a private one is started and stopped)")
        self.port = own_port()
        self.server = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.addCleanup(self.stop_redis)
        url = f"redis://127.0.0.1:{self.port}/0"
        client = redis.Redis.from_url(url, socket_connect_timeout=0.5)
        for _ in range(50):
            try:
                client.ping()
                break
            except redis.RedisError:
                time.sleep(0.1)
        settings = override_settings(REDIS_URL=url, REDIS_TIMEOUT=0.5,
                                     CHANNEL_LAYERS=redis_layer(url),
                                     PRESENCE_FLUSH_SECONDS=QUICK)
        settings.enable()
        self.addCleanup(settings.disable)
        super().setUp()

    def stop_redis(self):
        if self.server.poll() is None:
            self.server.terminate()
            self.server.wait(10)

    async def test_online_through_redis_then_unknown_when_it_is_down(self):
        alice = await self.open(self.alice)
        bob = await self.open(self.bob)
        event = await alice.receive_json_from(TIMEOUT)
        self.assertEqual((event["user_id"], event["online"]), (str(self.bob.pk), True))
        self.assertTrue((await sync_to_async(self.bob_as_alice_sees_him)())["online"])
        await sync_to_async(self.stop_redis)()
        for detail in (False, True):
            seen = await sync_to_async(self.bob_as_alice_sees_him)(detail)
            self.assertIsNone(seen["online"], "unknown, not offline")
        for socket in (alice, bob):
            try:
                await socket.disconnect()
            except Exception:  # noqa: BLE001 - the layer is gone; the socket too
                pass
        # Changes noted while Redis is down are not guessed: nothing stored, said once.
        with self.assertLogs("chats.realtime.presence_batch", "WARNING") as logged:
            for _ in range(2):
                presence_batch.note(self.bob.pk)
                await presence_batch.batcher().flush()
        self.assertEqual(len([line for line in logged.output if "presence unknown" in line]), 1)
        stored = await sync_to_async(lambda: User.objects.get(pk=self.bob.pk).last_seen_at)()
        self.assertIsNone(stored)
