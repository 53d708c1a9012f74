"""End to end over real sockets: uvicorn processes, HTTP with requests, WebSockets
with the ``websockets`` client.  The scale-out test runs two processes sharing
the Redis channel layer (REDIS_URL_FOR_TESTS, else redis://127.0.0.1:6379/15
when it answers; skipped without Redis)."""
import json
import time

import requests
from django.test import TransactionTestCase, tag
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from chats.auth import get_tokens_for_user

from .base import make_conversation, make_user
from .servers import Server, redis_url_for_tests

TIMEOUT = 5
IDLE_SECONDS = 6


class LiveClient:
    """One user talking to a server: JWT over HTTP, tickets for WebSockets."""

    def __init__(self, server: Server, user):
        self.server = server
        self.session = requests.Session()
        # Tokens are signed here with the key the servers share (the servers
        # could not check the test run's MD5 password hashes).
        access = get_tokens_for_user(user)["access"]
        self.session.headers["Authorization"] = f"Bearer {access}"

    def ticket(self, since=None) -> str:
        response = self.session.post(f"{self.server.http}/api/ws-ticket/",
                                     json={"since": since or {}}, timeout=TIMEOUT)
        response.raise_for_status()
        return response.json()["ticket"]

    def socket(self, ticket=None):
        ws = connect(f"{self.server.ws}/ws/events/?ticket={ticket or self.ticket()}",
                     open_timeout=TIMEOUT)
        return ws

    def send(self, conversation, body, **headers):
        return self.session.post(
            f"{self.server.http}/api/conversations/{conversation.pk}/messages/",
            json={"message_body": body}, headers=headers, timeout=TIMEOUT)


def receive(ws) -> dict:
    return json.loads(ws.recv(timeout=TIMEOUT))


@tag("slow")
class LiveServerTests(TransactionTestCase):
    """One server process with the in-memory channel layer."""

    def setUp(self):
        self.alice, self.bob, self.eve = make_user("alice"), make_user("bob"), make_user("eve")
        self.conversation = make_conversation(self.alice, self.bob)
        self.server = Server()
        self.addCleanup(self.server.stop)

    def test_message_sent_over_rest_arrives_over_websocket(self):
        alice, bob, eve = (LiveClient(self.server, u) for u in (self.alice, self.bob, self.eve))
        with alice.socket() as alice_ws, eve.socket() as eve_ws:
            self.assertEqual(receive(alice_ws)["type"], "ready")
            self.assertEqual(receive(eve_ws)["type"], "ready")
            response = bob.send(self.conversation, "over the wire")
            self.assertEqual(response.status_code, 201, response.text)
            event = receive(alice_ws)
            self.assertEqual((event["type"], event["seq"], event["message"]["message_body"]),
                             ("message.created", 1, "over the wire"))
            with self.assertRaises(TimeoutError):
                eve_ws.recv(timeout=0.3)

    def test_reused_and_missing_tickets_are_refused_at_the_handshake(self):
        alice = LiveClient(self.server, self.alice)
        ticket = alice.ticket()
        with alice.socket(ticket):
            pass
        for bad in (ticket, "made-up"):
            with self.subTest(ticket=bad), self.assertRaises(InvalidStatus) as caught:
                alice.socket(bad)
            self.assertEqual(caught.exception.response.status_code, 403)

    def test_jwt_in_the_subprotocol_header_over_a_real_socket(self):
        bob = LiveClient(self.server, self.bob)
        access = get_tokens_for_user(self.alice)["access"]
        with connect(f"{self.server.ws}/ws/events/", open_timeout=TIMEOUT,
                     subprotocols=["messaging.jwt", access]) as ws:
            self.assertEqual(ws.subprotocol, "messaging.jwt")
            self.assertEqual(receive(ws)["type"], "ready")
            bob.send(self.conversation, "hi")
            self.assertEqual(receive(ws)["message"]["message_body"], "hi")

    def test_reconnect_with_since_gets_the_missed_messages(self):
        alice, bob = LiveClient(self.server, self.alice), LiveClient(self.server, self.bob)
        bob.send(self.conversation, "one")
        with alice.socket() as ws:
            self.assertEqual(receive(ws), {"type": "ready",
                                           "conversations": {str(self.conversation.pk): 1}})
        for body in ("two", "three"):
            bob.send(self.conversation, body, **{"Idempotency-Key": body})
        self.assertEqual(bob.send(self.conversation, "two",
                                  **{"Idempotency-Key": "two"}).status_code, 200)
        with alice.socket(alice.ticket({str(self.conversation.pk): 1})) as ws:
            got = [receive(ws) for _ in range(3)]
            self.assertEqual([e.get("seq") for e in got[:2]], [2, 3])
            self.assertEqual(got[2]["type"], "ready")


@tag("slow")
class ScaleOutTests(TransactionTestCase):
    """Two server processes share delivery through Redis."""

    def setUp(self):
        self.redis_url = redis_url_for_tests()
        if self.redis_url is None:
            self.skipTest("no Redis at redis://127.0.0.1:6379 (set REDIS_URL_FOR_TESTS)")
        self.alice, self.bob = make_user("alice"), make_user("bob")
        self.conversation = make_conversation(self.alice, self.bob)
        self.servers = [Server(self.redis_url), Server(self.redis_url)]
        for server in self.servers:
            self.addCleanup(server.stop)

    def test_client_on_one_process_receives_a_message_posted_through_the_other(self):
        first, second = self.servers
        alice = LiveClient(first, self.alice)
        bob = LiveClient(second, self.bob)
        with alice.socket() as ws:
            self.assertEqual(receive(ws)["type"], "ready")
            # Idle longer than the layer's socket timeout (and redis-py 8's
            # default 5 s): its blocking reads must keep the socket alive.
            time.sleep(IDLE_SECONDS)
            for i in range(3):
                self.assertEqual(bob.send(self.conversation, f"via B {i}").status_code, 201)
            got = [receive(ws) for _ in range(3)]
        self.assertEqual([(e["seq"], e["message"]["message_body"]) for e in got],
                         [(1, "via B 0"), (2, "via B 1"), (3, "via B 2")])
