"""The /ws/events/ consumer through Channels' WebsocketCommunicator.

TransactionTestCase: the consumer reads the database from its own calls and
events are published on commit, so the data must really be committed.
"""
import hashlib
from datetime import timedelta

from asgiref.sync import async_to_sync, sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.test import TransactionTestCase, override_settings
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from chats.realtime.events import conversation_group
from chats.models import Message, WebSocketTicket
from chats.payloads import message_event
from messaging_app.asgi import application

from .base import make_conversation, make_message, make_user

TIMEOUT = 2


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@override_settings(CHANNEL_LAYERS={"default": {
    "BACKEND": "channels.layers.InMemoryChannelLayer"}})
class ConsumerTests(TransactionTestCase):
    def setUp(self):
        async_to_sync(get_channel_layer().flush)()
        self.alice, self.bob, self.eve = make_user("alice"), make_user("bob"), make_user("eve")
        self.conversation = make_conversation(self.alice, self.bob)
        self.cid = str(self.conversation.pk)
        self.sockets = []

    def ticket(self, user, since=None) -> str:
        response = api(user).post(reverse("ws-ticket"), {"since": since or {}}, format="json")
        assert response.status_code == 201, response.content
        return response.json()["ticket"]

    async def open(self, user=None, since=None, ticket=None):
        if ticket is None:
            ticket = await sync_to_async(self.ticket)(user, since)
        socket = WebsocketCommunicator(application, f"/ws/events/?ticket={ticket}")
        connected, code = await socket.connect(timeout=TIMEOUT)
        self.sockets.append(socket)
        return socket, connected, code

    async def connect(self, user, since=None):
        socket, connected, _ = await self.open(user, since)
        self.assertTrue(connected)
        ready = await socket.receive_json_from(TIMEOUT)
        self.assertEqual(ready["type"], "ready")
        return socket

    async def asyncTearDownSockets(self):
        for socket in self.sockets:
            await socket.disconnect()

    def send(self, user, body, conversation=None):
        url = reverse("conversation-messages-list", args=[(conversation or self.conversation).pk])
        response = api(user).post(url, {"message_body": body}, format="json")
        assert response.status_code == 201, response.content
        return response.json()

    async def events(self, socket, n):
        return [await socket.receive_json_from(TIMEOUT) for _ in range(n)]

    # Authentication

    async def test_missing_bad_expired_and_reused_tickets_are_refused(self):
        for ticket in ("", "not-a-ticket"):
            with self.subTest(ticket=ticket):
                _, connected, _ = await self.open(ticket=ticket)
                self.assertFalse(connected)
        ticket = await sync_to_async(self.ticket)(self.alice)
        _, connected, _ = await self.open(ticket=ticket)
        self.assertTrue(connected)
        _, connected, _ = await self.open(ticket=ticket)
        self.assertFalse(connected, "a ticket opens one socket only")
        expired = await sync_to_async(self.ticket)(self.alice)
        await sync_to_async(WebSocketTicket.objects.filter(
            digest=hashlib.sha256(expired.encode()).hexdigest()).update)(
            expires_at=timezone.now() - timedelta(seconds=1))
        _, connected, _ = await self.open(ticket=expired)
        self.assertFalse(connected)
        await self.asyncTearDownSockets()

    async def test_a_jwt_in_the_subprotocol_header_also_authenticates(self):
        from chats.auth import get_tokens_for_user
        token = await sync_to_async(get_tokens_for_user)(self.alice)
        for i in range(2):
            await sync_to_async(self.send)(self.bob, f"m{i + 1}")
        socket = WebsocketCommunicator(application, f"/ws/events/?since={self.cid}:1",
                                       subprotocols=["messaging.jwt", token["access"]])
        self.sockets.append(socket)
        connected, subprotocol = await socket.connect(timeout=TIMEOUT)
        self.assertTrue(connected)
        self.assertEqual(subprotocol, "messaging.jwt")
        replay = await self.events(socket, 2)
        self.assertEqual((replay[0]["seq"], replay[1]["type"]), (2, "ready"))
        for bad in ("not-a-jwt", token["refresh"]):
            with self.subTest(token=bad[:10]):
                socket = WebsocketCommunicator(application, "/ws/events/",
                                               subprotocols=["messaging.jwt", bad])
                self.sockets.append(socket)
                connected, _ = await socket.connect(timeout=TIMEOUT)
                self.assertFalse(connected)
        await self.asyncTearDownSockets()

    # Delivery

    async def test_participants_receive_messages_and_outsiders_do_not(self):
        alice, bob, eve = [await self.connect(u) for u in (self.alice, self.bob, self.eve)]
        sent = await sync_to_async(self.send)(self.bob, "hello")
        for socket in (alice, bob):
            event = await socket.receive_json_from(TIMEOUT)
            self.assertEqual(event["type"], "message.created")
            self.assertEqual(event["conversation"], self.cid)
            self.assertEqual(event["seq"], 1)
            self.assertEqual(event["message"]["message_id"], sent["message_id"])
            self.assertEqual(event["message"]["message_body"], "hello")
        self.assertTrue(await eve.receive_nothing(0.3))
        await self.asyncTearDownSockets()

    async def test_edit_delete_and_read_events(self):
        alice = await self.connect(self.alice)
        sent = await sync_to_async(self.send)(self.bob, "draft")
        await alice.receive_json_from(TIMEOUT)
        url = reverse("conversation-messages-detail", args=[self.cid, sent["message_id"]])
        await sync_to_async(api(self.bob).patch)(url, {"message_body": "final"}, format="json")
        event = await alice.receive_json_from(TIMEOUT)
        self.assertEqual((event["type"], event["seq"], event["message"]["message_body"]),
                         ("message.updated", 1, "final"))
        await sync_to_async(api(self.bob).delete)(url)
        event = await alice.receive_json_from(TIMEOUT)
        self.assertEqual((event["type"], event["seq"], event["message"]["message_body"]),
                         ("message.deleted", 1, ""))
        await sync_to_async(api(self.alice).post)(
            reverse("conversation-read", args=[self.cid]), {"seq": 1}, format="json")
        event = await alice.receive_json_from(TIMEOUT)
        self.assertEqual(event, {"type": "read", "conversation": self.cid,
                                 "user_id": str(self.alice.pk), "last_read_seq": 1})
        await self.asyncTearDownSockets()

    async def test_messages_created_outside_the_api_are_delivered(self):
        alice = await self.connect(self.alice)
        await sync_to_async(make_message)(self.conversation, self.bob, "from the shell")
        event = await alice.receive_json_from(TIMEOUT)
        self.assertEqual(event["message"]["message_body"], "from the shell")
        await self.asyncTearDownSockets()

    async def test_removal_stops_delivery_and_joining_starts_it(self):
        bob, eve = await self.connect(self.bob), await self.connect(self.eve)
        remove = reverse("conversation-remove-participant", args=[self.cid, self.bob.pk])
        response = await sync_to_async(api(self.alice).delete)(remove)
        self.assertEqual(response.status_code, 204)
        event = await bob.receive_json_from(TIMEOUT)
        self.assertEqual((event["type"], event["removed"]),
                         ("conversation.updated", [str(self.bob.pk)]))
        add = reverse("conversation-add-participants", args=[self.cid])
        await sync_to_async(api(self.alice).post)(add, {"participants": [str(self.eve.pk)]},
                                                  format="json")
        event = await eve.receive_json_from(TIMEOUT)
        self.assertEqual((event["type"], event["added"]),
                         ("conversation.updated", [str(self.eve.pk)]))
        await sync_to_async(self.send)(self.alice, "after the changes")
        event = await eve.receive_json_from(TIMEOUT)
        self.assertEqual(event["message"]["message_body"], "after the changes")
        self.assertTrue(await bob.receive_nothing(0.3))
        await self.asyncTearDownSockets()

    async def test_the_owner_leaving_is_announced_with_the_next_owner(self):
        carol = await sync_to_async(make_user)("carol")
        await sync_to_async(self.conversation.participants.add)(carol)
        bob, carol_socket = await self.connect(self.bob), await self.connect(carol)
        response = await sync_to_async(api(self.alice).post)(
            reverse("conversation-leave", args=[self.cid]))
        self.assertEqual(response.status_code, 204)
        for socket in (bob, carol_socket):
            event = await socket.receive_json_from(TIMEOUT)
            self.assertEqual((event["type"], event["owner"], event["removed"]),
                             ("conversation.updated", str(self.bob.pk), [str(self.alice.pk)]))
        await self.asyncTearDownSockets()

    async def test_handing_over_is_announced_with_the_new_owner(self):
        carol = await sync_to_async(make_user)("carol")
        await sync_to_async(self.conversation.participants.add)(carol)
        bob, carol_socket = await self.connect(self.bob), await self.connect(carol)
        response = await sync_to_async(api(self.alice).post)(
            reverse("conversation-hand-over", args=[self.cid]), {"owner": str(carol.pk)},
            format="json")
        self.assertEqual(response.status_code, 200, response.content)
        for socket in (bob, carol_socket):
            event = await socket.receive_json_from(TIMEOUT)
            self.assertEqual((event["type"], event["owner"], event["added"], event["removed"]),
                             ("conversation.updated", str(carol.pk), [], []))
        await self.asyncTearDownSockets()

    async def test_a_new_conversation_reaches_a_connected_member(self):
        eve = await self.connect(self.eve)
        response = await sync_to_async(api(self.alice).post)(
            reverse("conversation-list"), {"participants": [str(self.eve.pk)]}, format="json")
        conversation_id = response.json()["conversation_id"]
        event = await eve.receive_json_from(TIMEOUT)
        self.assertEqual((event["type"], event["conversation"]),
                         ("conversation.updated", conversation_id))
        url = reverse("conversation-messages-list", args=[conversation_id])
        await sync_to_async(api(self.alice).post)(url, {"message_body": "hi eve"},
                                                  format="json")
        event = await eve.receive_json_from(TIMEOUT)
        self.assertEqual((event["type"], event["seq"]), ("message.created", 1))
        await self.asyncTearDownSockets()

    async def test_adding_from_the_user_side_is_announced_too(self):
        eve = await self.connect(self.eve)
        await sync_to_async(self.eve.conversations.add)(self.conversation)
        event = await eve.receive_json_from(TIMEOUT)
        self.assertEqual((event["type"], event["conversation"], event["added"]),
                         ("conversation.updated", self.cid, [str(self.eve.pk)]))
        await sync_to_async(self.send)(self.bob, "welcome")
        self.assertEqual((await eve.receive_json_from(TIMEOUT))["seq"], 1)
        await self.asyncTearDownSockets()

    # Resume and ordering

    async def test_resume_replays_the_gap_in_order_then_goes_live(self):
        for i in range(5):
            await sync_to_async(self.send)(self.bob, f"m{i + 1}")
        socket, connected, _ = await self.open(self.alice, since={self.cid: 2})
        self.assertTrue(connected)
        replay = await self.events(socket, 4)
        self.assertEqual([e["seq"] for e in replay[:3]], [3, 4, 5])
        self.assertEqual([e["message"]["message_body"] for e in replay[:3]], ["m3", "m4", "m5"])
        self.assertEqual(replay[3], {"type": "ready", "conversations": {self.cid: 5}})
        await sync_to_async(self.send)(self.bob, "m6")
        self.assertEqual((await socket.receive_json_from(TIMEOUT))["seq"], 6)
        self.assertTrue(await socket.receive_nothing(0.2))
        await self.asyncTearDownSockets()

    async def test_out_of_order_and_repeated_events_are_fixed(self):
        alice = await self.connect(self.alice)
        # Three messages stored without events (bulk_create publishes nothing).
        await sync_to_async(Message.objects.bulk_create)([
            Message(conversation=self.conversation, sender=self.bob, message_body=f"b{i}")
            for i in range(3)])
        third = await sync_to_async(Message.objects.select_related("sender").get)(
            conversation=self.conversation, seq=3)
        layer = get_channel_layer()
        event = await sync_to_async(message_event)("message.created", third)
        for _ in range(2):  # seq 3 arrives first, then again
            await layer.group_send(conversation_group(self.cid),
                                   {"type": "chat.event", "event": event})
        received = await self.events(alice, 3)
        self.assertEqual([e["seq"] for e in received], [1, 2, 3])
        self.assertTrue(await alice.receive_nothing(0.2))
        await self.asyncTearDownSockets()

    # Typing

    async def test_typing_is_relayed_to_others_and_rate_limited(self):
        alice, bob = await self.connect(self.alice), await self.connect(self.bob)
        await alice.send_json_to({"type": "typing", "conversation": self.cid})
        self.assertEqual(await bob.receive_json_from(TIMEOUT),
                         {"type": "typing", "conversation": self.cid,
                          "user_id": str(self.alice.pk)})
        self.assertTrue(await alice.receive_nothing(0.2), "no echo to the typist")
        await alice.send_json_to({"type": "typing", "conversation": self.cid})
        error = await alice.receive_json_from(TIMEOUT)
        self.assertEqual(error["code"], "rate_limited")
        self.assertTrue(await bob.receive_nothing(0.2))
        eve = await self.connect(self.eve)
        await eve.send_json_to({"type": "typing", "conversation": self.cid})
        self.assertEqual((await eve.receive_json_from(TIMEOUT))["code"], "not_participant")
        await eve.send_json_to({"type": "ping"})
        self.assertEqual(await eve.receive_json_from(TIMEOUT), {"type": "pong"})
        for frame in ({"text_data": "not json{"}, {"bytes_data": b"\x00"}):
            await eve.send_to(**frame)
            self.assertEqual((await eve.receive_json_from(TIMEOUT))["code"], "invalid_json")
        await eve.send_json_to({"type": "dance"})
        self.assertEqual((await eve.receive_json_from(TIMEOUT))["code"], "unknown_type")
        await self.asyncTearDownSockets()
