"""The chat page's cookie session: sign-in sets an HttpOnly refresh cookie
scoped to the refresh and sign-out endpoints; both refuse forged requests;
rotation and the blacklist work as for /api/token/refresh/."""
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import TransactionTestCase, override_settings
from django.urls import reverse
from rest_framework.test import APIClient
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken
from rest_framework_simplejwt.tokens import RefreshToken

from chats.accounts.cookie_session import COOKIE_NAME, COOKIE_PATH
from messaging_app.asgi import application

from .base import PASSWORD, ChatTestCase, make_user

PAGE = {"HTTP_X_CHAT_CSRF": "1"}
LAYER = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}


def sign_in(client: APIClient, username="alice", password=PASSWORD, **headers):
    return client.post(reverse("session_signin"), {"username": username, "password": password},
                       format="json", **{**PAGE, **headers})


class CookieSignInTests(ChatTestCase):

    def test_sign_in_answers_the_access_token_and_sets_a_strict_httponly_cookie(self):
        response = sign_in(self.client)
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(set(response.json()), {"access"})
        cookie = response.cookies[COOKIE_NAME]
        self.assertTrue(cookie["httponly"])
        self.assertTrue(cookie["secure"])
        self.assertEqual(cookie["samesite"], "Strict")
        self.assertEqual(cookie["path"], COOKIE_PATH)
        # Lasts as long as the refresh token: a browser restart keeps it.
        lifetime = RefreshToken(cookie.value).lifetime.total_seconds()
        self.assertAlmostEqual(int(cookie["max-age"]), lifetime, delta=5)
        self.assertEqual(RefreshToken(cookie.value)["user_id"], str(self.alice.pk))

    def test_the_cookie_path_covers_refresh_and_sign_out_only(self):
        for name in ("session_refresh", "session_signout"):
            self.assertTrue(reverse(name).startswith(COOKIE_PATH), name)
        for name in ("session_signin", "token_obtain_pair", "conversation-list"):
            self.assertFalse(reverse(name).startswith(COOKIE_PATH), name)
        self.assertFalse(reverse("webchat:home").startswith(COOKIE_PATH))

    def test_wrong_password_is_401_without_a_cookie(self):
        response = sign_in(self.client, password="wrong")
        self.assertEqual(response.status_code, 401)
        self.assertNotIn(COOKIE_NAME, response.cookies)

    def test_sign_in_without_the_page_header_is_refused(self):
        response = self.client.post(reverse("session_signin"),
                                    {"username": "alice", "password": PASSWORD}, format="json")
        self.assertEqual(response.status_code, 403)
        self.assertEqual(response.json()["code"], "csrf_failed")
        self.assertIn("X-Chat-CSRF", response.json()["detail"])
        self.assertNotIn(COOKIE_NAME, response.cookies)


class CookieRefreshTests(ChatTestCase):

    def setUp(self):
        super().setUp()
        self.assertEqual(sign_in(self.client).status_code, 200)
        self.first = self.client.cookies[COOKIE_NAME].value

    def refresh(self, **headers):
        return self.client.post(reverse("session_refresh"), **{**PAGE, **headers})

    def test_refresh_answers_an_access_token_and_rotates_the_cookie(self):
        response = self.refresh()
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(set(response.json()), {"access"})
        rotated = response.cookies[COOKIE_NAME]
        self.assertNotEqual(rotated.value, self.first)
        self.assertEqual((rotated["path"], rotated["samesite"]), (COOKIE_PATH, "Strict"))
        self.assertTrue(rotated["httponly"] and rotated["secure"])
        # The access token works as a bearer token.
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION="Bearer " + response.json()["access"])
        self.assertEqual(client.get(reverse("user-me")).json()["username"], "alice")
        # The rotated-out token is blacklisted, as BLACKLIST_AFTER_ROTATION says.
        self.assertTrue(BlacklistedToken.objects.filter(
            token__jti=RefreshToken(self.first, verify=False)["jti"]).exists())

    def test_the_login_keeps_its_session_id_through_refreshes(self):
        rotated = self.refresh().cookies[COOKIE_NAME].value
        self.assertEqual(RefreshToken(rotated)["sid"],
                         RefreshToken(self.first, verify=False)["sid"])

    def test_a_rotated_out_cookie_is_refused_and_deleted(self):
        self.refresh()
        self.client.cookies[COOKIE_NAME] = self.first  # replayed
        response = self.refresh()
        self.assertEqual(response.status_code, 401)
        self.assertEqual(response.json()["code"], "token_not_valid")
        self.assertEqual(response.cookies[COOKIE_NAME].value, "")
        self.assertEqual(response.cookies[COOKIE_NAME]["path"], COOKIE_PATH)

    def test_without_a_cookie_the_answer_is_not_signed_in(self):
        del self.client.cookies[COOKIE_NAME]
        response = self.refresh()
        self.assertEqual(response.status_code, 401)
        self.assertEqual(response.json()["code"], "not_signed_in")

    def test_a_garbage_cookie_is_401(self):
        self.client.cookies[COOKIE_NAME] = "not-a-token"
        response = self.refresh()
        self.assertEqual(response.status_code, 401)
        self.assertEqual(response.json()["code"], "token_not_valid")

    def test_a_deleted_users_cookie_is_401(self):
        self.alice.delete()
        response = self.refresh()
        self.assertEqual(response.status_code, 401)
        self.assertEqual(response.cookies[COOKIE_NAME].value, "")

    def test_without_the_page_header_the_cookie_is_not_used(self):
        response = self.client.post(reverse("session_refresh"))
        self.assertEqual(response.status_code, 403)
        self.assertEqual(response.json()["code"], "csrf_failed")
        self.assertNotIn(COOKIE_NAME, response.cookies)
        self.assertFalse(BlacklistedToken.objects.exists())
        response = self.refresh(HTTP_X_CHAT_CSRF="yes")
        self.assertEqual(response.status_code, 403)

    def test_another_origin_is_refused_even_with_the_header(self):
        for headers in ({"HTTP_ORIGIN": "http://evil.example"},
                        {"HTTP_ORIGIN": "null"},
                        {"HTTP_SEC_FETCH_SITE": "cross-site"},
                        {"HTTP_SEC_FETCH_SITE": "same-site"}):
            response = self.refresh(**headers)
            self.assertEqual(response.status_code, 403, headers)
            self.assertEqual(response.json()["code"], "csrf_failed")
        self.assertEqual(self.refresh(HTTP_ORIGIN="http://testserver",
                                      HTTP_SEC_FETCH_SITE="same-origin").status_code, 200)

    @override_settings(CSRF_TRUSTED_ORIGINS=["https://chat.example.com"])
    def test_a_trusted_origin_is_accepted(self):
        self.assertEqual(self.refresh(HTTP_ORIGIN="https://chat.example.com").status_code, 200)

    def test_bearer_clients_are_unchanged(self):
        tokens = self.client.post(reverse("token_obtain_pair"),
                                  {"username": "alice", "password": PASSWORD},
                                  format="json").json()
        self.assertEqual(set(tokens), {"access", "refresh"})
        response = self.client.post(reverse("token_refresh"), {"refresh": tokens["refresh"]},
                                    format="json")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(set(response.json()), {"access", "refresh"})


class CookieSignOutTests(ChatTestCase):

    def test_sign_out_blacklists_the_token_and_deletes_the_cookie(self):
        sign_in(self.client)
        response = self.client.post(reverse("session_signout"), **PAGE)
        self.assertEqual(response.status_code, 204)
        self.assertEqual(response.cookies[COOKIE_NAME].value, "")
        self.assertEqual(response.cookies[COOKIE_NAME]["path"], COOKIE_PATH)
        self.assertEqual(BlacklistedToken.objects.count(), 1)
        self.assertEqual(self.client.post(reverse("session_refresh"), **PAGE).status_code, 401)

    def test_sign_out_needs_the_page_header(self):
        sign_in(self.client)
        response = self.client.post(reverse("session_signout"))
        self.assertEqual(response.status_code, 403)
        self.assertFalse(BlacklistedToken.objects.exists())

    def test_sign_out_without_a_session_is_a_harmless_204(self):
        self.assertEqual(self.client.post(reverse("session_signout"), **PAGE).status_code, 204)
        self.client.cookies[COOKIE_NAME] = "garbage"
        self.assertEqual(self.client.post(reverse("session_signout"), **PAGE).status_code, 204)


@override_settings(CHANNEL_LAYERS=LAYER)
class CookieSignOutSocketTests(TransactionTestCase):

    async def test_sign_out_closes_every_socket_of_that_login(self):
        await sync_to_async(make_user)("alice")
        page = APIClient()
        first = await sync_to_async(sign_in)(page)
        # A second tab: the same cookie, its own access token.
        second = await sync_to_async(page.post)(reverse("session_refresh"), **PAGE)
        sockets = []
        for access in (first.json()["access"], second.json()["access"]):
            socket = WebsocketCommunicator(application, "/ws/events/",
                                           subprotocols=["messaging.jwt", access])
            self.assertTrue((await socket.connect(timeout=2))[0])
            self.assertEqual((await socket.receive_json_from(2))["type"], "ready")
            sockets.append(socket)
        response = await sync_to_async(page.post)(reverse("session_signout"), **PAGE)
        self.assertEqual(response.status_code, 204)
        for socket in sockets:
            output = await socket.receive_output(2)
            self.assertEqual((output["type"], output.get("code"), output.get("reason")),
                             ("websocket.close", 4401, "logged_out"))
