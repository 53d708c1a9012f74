"""Hostile input answered with the documented JSON errors, never a 500 or HTML."""
import uuid

from django.urls import reverse
from rest_framework.test import APIClient

from chats.models import User

from .base import PASSWORD, ChatTestCase

NESTED = "[" * 1000


class NestedJsonTests(ChatTestCase):
    def assertParseError(self, response):
        self.assertEqual(response.status_code, 400, response.content[:200])
        self.assertEqual(response.json()["code"], "parse_error")

    def test_deeply_nested_json_is_400_everywhere(self):
        client = APIClient(raise_request_exception=False)
        client.force_authenticate(self.alice)
        urls = [reverse("token_obtain_pair"), reverse("user-list"),
                reverse("conversation-messages-list", args=[self.conversation.pk]),
                reverse("message-list")]
        for url in urls:
            with self.subTest(url=url):
                self.assertParseError(client.post(url, NESTED, content_type="application/json"))

    def test_nesting_is_capped_well_below_the_recursion_limit(self):
        body = '{"message_body": ' + "[" * 200 + "]" * 200 + "}"
        url = reverse("conversation-messages-list", args=[self.conversation.pk])
        self.assertParseError(self.as_user(self.alice).post(
            url, body, content_type="application/json"))


class ErrorShapeTests(ChatTestCase):
    def assertError(self, response, status: int, code: str):
        self.assertEqual(response.status_code, status, response.content[:200])
        self.assertTrue(response["Content-Type"].startswith("application/json"))
        body = response.json()
        self.assertEqual(body["code"], code)
        self.assertTrue(body["detail"])

    def test_oversize_bodies_are_json(self):
        big = "x" * (3 * 1024 * 1024)
        for fmt in ("json", "multipart"):
            with self.subTest(format=fmt):
                response = self.client.post(reverse("user-list"), {"username": big}, format=fmt)
                self.assertError(response, 400, "request_too_large")

    def test_every_404_has_code_not_found(self):
        client = self.as_user(self.alice)
        missing = uuid.uuid4()
        for url in (reverse("conversation-detail", args=[missing]),
                    reverse("message-detail", args=[missing]),
                    reverse("user-detail", args=[missing]),
                    reverse("conversation-messages-detail",
                            args=[self.conversation.pk, missing]),
                    reverse("conversation-messages-list", args=[missing]),
                    "/api/nothing-here/"):
            with self.subTest(url=url):
                self.assertError(client.get(url), 404, "not_found")


class DeletedUserTokenTests(ChatTestCase):
    def test_refreshing_a_deleted_users_token_is_401(self):
        response = self.client.post(reverse("token_obtain_pair"),
                                    {"username": "eve", "password": PASSWORD}, format="json")
        refresh = response.json()["refresh"]
        User.objects.filter(pk=self.eve.pk).delete()
        response = self.client.post(reverse("token_refresh"), {"refresh": refresh},
                                    format="json")
        self.assertEqual(response.status_code, 401, response.content[:200])
        self.assertEqual(response.json()["code"], "no_active_account")


class InvisibleBodyTests(ChatTestCase):
    def test_bodies_of_only_invisible_characters_are_blank(self):
        url = reverse("conversation-messages-list", args=[self.conversation.pk])
        client = self.as_user(self.alice)
        for body in ("\u200b", "\u200b\u200c\u200d", "\ufeff \u2060", " \u00ad\u3164\u2800 ",
                     "\u180e\u034f"):
            with self.subTest(body=ascii(body)):
                response = client.post(url, {"message_body": body}, format="json")
                self.assertEqual(response.status_code, 400, response.content[:200])
                self.assertEqual(response.json()["errors"]["message_body"][0],
                                 "A message needs some text.")

    def test_visible_text_with_invisible_characters_is_kept_as_sent(self):
        url = reverse("conversation-messages-list", args=[self.conversation.pk])
        response = self.as_user(self.alice).post(url, {"message_body": "hi\u200bthere"},
                                                 format="json")
        self.assertEqual(response.status_code, 201)
        self.assertEqual(response.json()["message_body"], "hi\u200bthere")

    def test_emoji_with_joiners_is_not_blank(self):
        url = reverse("conversation-messages-list", args=[self.conversation.pk])
        family = "\U0001F468\u200d\U0001F469"
        response = self.as_user(self.alice).post(url, {"message_body": family}, format="json")
        self.assertEqual(response.status_code, 201)
