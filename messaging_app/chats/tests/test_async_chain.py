"""Under ASGI the middleware chain stays async: a request crosses from the
event loop to a thread once, for the (sync) view, not once more for each
sync-only middleware (two handoffs each: to a thread and back)."""
import logging

from django.core.handlers.asgi import ASGIHandler
from django.test import SimpleTestCase, TestCase, override_settings
from django.urls import reverse

from .base import jwt_client, make_user

ADAPTED = ("Synchronous handler adapted for ", "Asynchronous handler adapted for ")


class AsyncChainTests(SimpleTestCase):
    @override_settings(DEBUG=True)  # Django logs each adaptation only with DEBUG on
    def test_no_middleware_is_adapted_between_sync_and_async(self):
        with self.assertLogs("django.request", "DEBUG") as logs:
            ASGIHandler()
            logging.getLogger("django.request").debug("loaded")  # assertLogs needs one record
        adapted = [line for line in logs.output
                   if line.split(":", 2)[2].startswith(ADAPTED) and "middleware" in line]
        self.assertEqual(adapted, [])


class AsyncGuardTests(TestCase):
    """The guards and static files answer the same in the async chain."""

    async def test_a_nul_in_the_query_string_is_refused(self):
        response = await self.async_client.get("/api/messages/?search=a%00b")
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.json()["code"], "invalid_query")

    async def test_an_unknown_api_path_answers_json_404(self):
        response = await self.async_client.get("/api/no-such-thing/")
        self.assertEqual(response.status_code, 404)
        self.assertTrue(response["Content-Type"].startswith("application/json"))

    async def test_a_static_file_is_served(self):
        response = await self.async_client.get("/static/webchat/chat.css")
        self.assertEqual(response.status_code, 200)
        body = b"".join(response.streaming_content)
        self.assertIn(b"{", body)


class SyncChainTests(TestCase):
    """...and in the sync chain (WSGI, the test client)."""

    def test_the_guards_and_static_files(self):
        self.assertEqual(self.client.get("/api/messages/?search=a%00b").status_code, 400)
        self.assertEqual(self.client.get("/api/no-such-thing/")["Content-Type"],
                         "application/json")
        self.assertEqual(self.client.get("/static/webchat/chat.css").status_code, 200)
        user = make_user()
        self.assertEqual(jwt_client(user).get(reverse("conversation-list")).status_code, 200)
