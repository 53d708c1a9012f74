"""Hostile query strings and bodies: a 400 naming the parameter, never a 500."""
import base64

from django.urls import reverse
from rest_framework.test import APIClient

from chats.filters import MAX_SEARCH_LENGTH

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


class SearchTermBoundTests(ChatTestCase):
    """Search and text filters are bounded (SQLite refuses LIKE patterns over
    50,000 bytes as "too complex", a 500 before the bound)."""

    def cases(self):
        conversation = reverse("conversation-messages-list", args=[self.conversation.pk])
        return [(reverse("user-list"), "search"),
                (reverse("conversation-list"), "search"),
                (reverse("message-list"), "search"),
                (reverse("message-list"), "body"),
                (reverse("message-list"), "q"),
                (conversation, "search"),
                (conversation, "q")]

    def test_terms_past_the_bound_are_400_naming_the_parameter(self):
        client = APIClient(raise_request_exception=False)
        client.force_authenticate(self.alice)
        for url, param in self.cases():
            for term in ("x" * (MAX_SEARCH_LENGTH + 1), "y" * 50_000, "a " * 30_000):
                with self.subTest(url=url, param=param, length=len(term)):
                    response = client.get(url, {param: term})
                    self.assertEqual(response.status_code, 400, response.content[:200])
                    errors = response.json()["errors"]
                    self.assertEqual(list(errors), [param])
                    self.assertIn(str(MAX_SEARCH_LENGTH), errors[param][0])

    def test_terms_up_to_the_bound_still_search(self):
        client = self.as_user(self.alice)
        term = "first" + " " * (MAX_SEARCH_LENGTH - 5)
        for url, param in self.cases():
            with self.subTest(url=url, param=param):
                self.assertEqual(client.get(url, {param: term}).status_code, 200)
        found = client.get(reverse("message-list"), {"search": "first"}).json()
        self.assertEqual([m["message_body"] for m in found["results"]], ["first"])


class DefaultIgnorableBodyTests(ChatTestCase):
    """Every Unicode default-ignorable code point counts as blank."""

    def test_bodies_of_only_default_ignorable_characters_are_refused(self):
        url = reverse("conversation-messages-list", args=[self.conversation.pk])
        client = self.as_user(self.alice)
        bodies = {"variation selector 16": "\ufe0f",
                  "variation selectors 1-3": "\ufe00\ufe01\ufe02",
                  "supplementary variation selector": "\U000e0100",
                  "Mongolian free variation selector": "\u180b",
                  "tag characters": "\U000e0001\U000e0041\U000e007f",
                  "bidi isolates": "\u2066\u2067\u2068\u2069",
                  "Khmer inherent vowel": "\u17b4\u17b5",
                  "reserved default-ignorable": "\ufff0\U000e0fff",
                  "Hangul fillers and joiners": "\u115f\u200d\ufe0f \u3164"}
        for name, body in bodies.items():
            with self.subTest(name):
                response = client.post(url, {"message_body": body}, format="json")
                self.assertEqual(response.status_code, 400, response.content[:200])
                self.assertEqual(response.json()["errors"]["message_body"][0],
                                 "A message needs some text.")

    def test_visible_characters_with_variation_selectors_are_kept(self):
        url = reverse("conversation-messages-list", args=[self.conversation.pk])
        client = self.as_user(self.alice)
        for body in ("\u2764\ufe0f", "\u0030\ufe0f\u20e3", "\U0001F3F4\U000e0067\U000e0062"
                     "\U000e0073\U000e0063\U000e0074\U000e007f"):
            with self.subTest(body=ascii(body)):
                response = client.post(url, {"message_body": body}, format="json")
                self.assertEqual(response.status_code, 201, response.content[:200])
                self.assertEqual(response.json()["message_body"], body)
