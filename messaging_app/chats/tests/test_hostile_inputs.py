"""Hostile query strings and bodies: a 400 naming the parameter, never a 500."""
import base64

from django.urls import reverse
from rest_framework.test import APIClient

from .base import ChatTestCase


def token_of(raw: str) -> str:
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


class CursorTokenTests(ChatTestCase):
    def test_a_cursor_of_deeply_nested_json_is_400(self):
        client = APIClient(raise_request_exception=False)
        client.force_authenticate(self.alice)
        url = reverse("conversation-messages-list", args=[self.conversation.pk])
        # Under the token length bound (json.loads recursing) and over it.
        for raw in ("[" * 3000, "[" * 1500 + "]" * 1500, "[" * 100_000):
            with self.subTest(raw=raw[:12]):
                response = client.get(url, {"cursor": token_of(raw)})
                self.assertEqual(response.status_code, 400, response.content[:200])
                self.assertEqual(response.json()["errors"]["cursor"], ["Invalid cursor."])
