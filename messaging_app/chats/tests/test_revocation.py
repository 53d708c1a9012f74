"""What a password change, a logout, a deactivation or an expired token revokes:
refresh tokens, outstanding tickets and open sockets (closed with 4401)."""
import time
from datetime import timedelta

from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import TransactionTestCase, override_settings
from django.urls import reverse
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from chats.auth import get_tokens_for_user
from chats.models import User, WebSocketTicket
from messaging_app.asgi import application

from .base import PASSWORD, ChatTestCase, make_user

NEW_PASSWORD = "another-horse-battery-7"
TIMEOUT = 2
LAYER = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}


def bearer(access: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client


class PasswordChangeTests(ChatTestCase):
    def change(self, client, old=PASSWORD, new=NEW_PASSWORD):
        return client.post(reverse("user-password"), {"old_password": old, "new_password": new},
                           format="json")

    def refresh(self, token):
        return self.client.post(reverse("token_refresh"), {"refresh": token}, format="json")

    def test_needs_a_login(self):
        self.assertEqual(self.change(APIClient()).status_code, 401)

    def test_wrong_old_password_and_weak_new_one_are_400(self):
        client = bearer(get_tokens_for_user(self.alice)["access"])
        response = self.change(client, old="wrong")
        self.assertEqual(response.status_code, 400)
        self.assertIn("old_password", response.json()["errors"])
        response = self.change(client, new="123")
        self.assertEqual(response.status_code, 400)
        self.assertIn("new_password", response.json()["errors"])

    def test_change_revokes_refresh_tokens_and_tickets_and_answers_new_tokens(self):
        first, second = get_tokens_for_user(self.alice), get_tokens_for_user(self.alice)
        rotated = self.refresh(second["refresh"]).json()["refresh"]
        client = bearer(first["access"])
        self.assertEqual(client.post(reverse("ws-ticket"), {}, format="json").status_code, 201)
        response = self.change(client)
        self.assertEqual(response.status_code, 200, response.content)
        for old in (first["refresh"], rotated):
            self.assertEqual(self.refresh(old).status_code, 401)
        self.assertFalse(WebSocketTicket.objects.filter(user=self.alice).exists())
        self.assertEqual(self.refresh(response.json()["refresh"]).status_code, 200)
        self.alice.refresh_from_db()
        self.assertTrue(self.alice.check_password(NEW_PASSWORD))

    def test_a_change_outside_the_api_revokes_too(self):
        tokens = get_tokens_for_user(self.bob)
        self.bob.set_password(NEW_PASSWORD)
        self.bob.save()
        self.assertEqual(self.refresh(tokens["refresh"]).status_code, 401)

    def test_saving_other_fields_revokes_nothing(self):
        tokens = get_tokens_for_user(self.bob)
        self.bob.first_name = "Robert"
        self.bob.save()
        self.assertEqual(self.refresh(tokens["refresh"]).status_code, 200)

    @override_settings(AXES_FAILURE_LIMIT=3)
    def test_wrong_old_passwords_count_as_failed_logins(self):
        client = bearer(get_tokens_for_user(self.alice)["access"])
        self.assertEqual([self.change(client, old="wrong").status_code for _ in range(2)],
                         [400, 400])
        response = self.change(client, old="wrong")
        self.assertEqual(response.status_code, 429)
        self.assertEqual(response.json()["code"], "too_many_failed_logins")


@override_settings(CHANNEL_LAYERS=LAYER, SOCKET_RECHECK_SECONDS=0.3)
class SocketRevocationTests(TransactionTestCase):
    def setUp(self):
        self.alice = make_user("alice")

    async def open(self, access=None, ticket=None):
        if ticket is not None:
            socket = WebsocketCommunicator(application, f"/ws/events/?ticket={ticket}")
        else:
            socket = WebsocketCommunicator(application, "/ws/events/",
                                           subprotocols=["messaging.jwt", access])
        connected, _ = await socket.connect(timeout=TIMEOUT)
        self.assertTrue(connected)
        self.assertEqual((await socket.receive_json_from(TIMEOUT))["type"], "ready")
        return socket

    async def closed(self, socket, within: float):
        """The close frame's (code, reason), waited for at most ``within`` seconds."""
        started = time.monotonic()
        while True:
            output = await socket.receive_output(max(0.01, within - (time.monotonic() - started)))
            if output["type"] == "websocket.close":
                return output.get("code"), output.get("reason")

    async def tokens(self):
        return await sync_to_async(get_tokens_for_user)(self.alice)

    async def test_deactivation_closes_at_once(self):
        socket = await self.open((await self.tokens())["access"])
        self.alice.is_active = False
        await sync_to_async(self.alice.save)()
        self.assertEqual(await self.closed(socket, 0.25), (4401, "account_disabled"))

    async def test_a_change_without_signals_is_found_within_the_recheck_interval(self):
        socket = await self.open((await self.tokens())["access"])
        await sync_to_async(User.objects.filter(pk=self.alice.pk).update)(is_active=False)
        self.assertEqual(await self.closed(socket, 1.0), (4401, "account_disabled"))

    async def test_password_change_closes_every_socket_of_the_user(self):
        first, second = await self.tokens(), await self.tokens()
        sockets = [await self.open(first["access"]), await self.open(second["access"])]
        response = await sync_to_async(bearer(first["access"]).post)(
            reverse("user-password"), {"old_password": PASSWORD, "new_password": NEW_PASSWORD},
            format="json")
        self.assertEqual(response.status_code, 200)
        for socket in sockets:
            self.assertEqual(await self.closed(socket, 0.25), (4401, "password_changed"))

    async def test_logout_closes_the_sockets_of_that_login_only(self):
        first, second = await self.tokens(), await self.tokens()
        mine, other = await self.open(first["access"]), await self.open(second["access"])
        response = await sync_to_async(APIClient().post)(
            reverse("token_logout"), {"refresh": first["refresh"]}, format="json")
        self.assertEqual(response.status_code, 204)
        self.assertEqual(await self.closed(mine, 0.25), (4401, "logged_out"))
        await other.send_json_to({"type": "ping"})
        self.assertEqual(await other.receive_json_from(TIMEOUT), {"type": "pong"})
        await other.disconnect()

    async def test_a_socket_closes_when_its_access_token_expires(self):
        refresh = await sync_to_async(RefreshToken.for_user)(self.alice)
        access = refresh.access_token
        access.set_exp(lifetime=timedelta(seconds=1))
        socket = await self.open(str(access))
        self.assertEqual(await self.closed(socket, 2.0), (4401, "token_expired"))

    async def test_a_ticket_socket_lives_as_long_as_the_token_that_got_the_ticket(self):
        access = await sync_to_async(AccessToken.for_user)(self.alice)
        access.set_exp(lifetime=timedelta(seconds=1))
        response = await sync_to_async(bearer(str(access)).post)(reverse("ws-ticket"), {},
                                                                 format="json")
        socket = await self.open(ticket=response.json()["ticket"])
        self.assertEqual(await self.closed(socket, 2.0), (4401, "token_expired"))
