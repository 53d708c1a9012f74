"""WebSocket handshakes: Host and Origin checked as Django checks HTTP."""
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import TransactionTestCase, override_settings

from chats.auth import get_tokens_for_user
from messaging_app.asgi import application

from .base import make_user

TIMEOUT = 2
LAYER = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}


@override_settings(CHANNEL_LAYERS=LAYER, ALLOWED_HOSTS=["chat.example.com"],
                   CSRF_TRUSTED_ORIGINS=["https://app.example.net"])
class HandshakeOriginTests(TransactionTestCase):
    def setUp(self):
        self.alice = make_user("alice")

    async def handshake(self, headers):
        token = (await sync_to_async(get_tokens_for_user)(self.alice))["access"]
        socket = WebsocketCommunicator(application, "/ws/events/", headers=headers,
                                       subprotocols=["messaging.jwt", token])
        connected, _ = await socket.connect(timeout=TIMEOUT)
        await socket.disconnect()
        return connected

    async def test_hosts_outside_allowed_hosts_are_refused(self):
        self.assertFalse(await self.handshake([(b"host", b"evil.example.org")]))
        self.assertTrue(await self.handshake([(b"host", b"chat.example.com:443")]))

    async def test_foreign_origins_are_refused(self):
        host = (b"host", b"chat.example.com")
        self.assertFalse(await self.handshake([host, (b"origin", b"https://evil.example.org")]))
        self.assertFalse(await self.handshake([host, (b"origin", b"null")]))
        self.assertTrue(await self.handshake([host, (b"origin", b"https://chat.example.com")]))
        self.assertTrue(await self.handshake([host, (b"origin", b"https://app.example.net")]))

    async def test_clients_that_send_no_origin_are_served(self):
        # Non-browser clients (the websockets library, mobile apps) send none.
        self.assertTrue(await self.handshake([(b"host", b"chat.example.com")]))


@override_settings(CHANNEL_LAYERS=LAYER)
class HostileFrameTests(TransactionTestCase):
    async def test_nested_and_oversize_frames_get_an_error_and_the_socket_stays(self):
        alice = await sync_to_async(make_user)("alice")
        token = (await sync_to_async(get_tokens_for_user)(alice))["access"]
        socket = WebsocketCommunicator(application, "/ws/events/",
                                       subprotocols=["messaging.jwt", token])
        connected, _ = await socket.connect(timeout=TIMEOUT)
        self.assertTrue(connected)
        self.assertEqual((await socket.receive_json_from(TIMEOUT))["type"], "ready")
        for frame, code in (("[" * 2000, "invalid_json"),
                            ('{"type": "ping", "pad": "' + "x" * 70_000 + '"}', "too_large")):
            await socket.send_to(text_data=frame)
            error = await socket.receive_json_from(TIMEOUT)
            self.assertEqual((error["type"], error["code"]), ("error", code))
        await socket.send_json_to({"type": "ping"})
        self.assertEqual(await socket.receive_json_from(TIMEOUT), {"type": "pong"})
        await socket.disconnect()
