"""``?around=<seq>`` on a conversation's history: the page holding that message."""
from django.urls import reverse
from rest_framework.test import APIClient, APITestCase

from chats.models import Message

from .base import make_conversation, make_user


class AroundTests(APITestCase):
    def setUp(self):
        self.alice = make_user("alice")
        self.bob = make_user("bob")
        self.conversation = make_conversation(self.alice, self.bob)
        Message.objects.bulk_create([
            Message(conversation=self.conversation, sender=self.bob, message_body=f"m{n}")
            for n in range(1, 51)])
        self.client = APIClient()
        self.client.force_authenticate(self.alice)
        self.url = reverse("conversation-messages-list",
                           kwargs={"conversation_pk": self.conversation.pk})

    def seqs(self, response):
        self.assertEqual(response.status_code, 200, response.data)
        return [message["seq"] for message in response.data["results"]]

    def test_the_page_holds_the_message_in_its_middle(self):
        response = self.client.get(self.url, {"around": 25, "page_size": 10})
        self.assertEqual(self.seqs(response), list(range(21, 31)))

    def test_older_and_newer_pages_follow_from_it(self):
        page = self.client.get(self.url, {"around": 25, "page_size": 10})
        older = self.client.get(page.data["previous"])
        newer = self.client.get(page.data["next"])
        self.assertEqual(self.seqs(older), list(range(11, 21)))
        self.assertEqual(self.seqs(newer), list(range(31, 41)))

    def test_near_the_ends_the_page_fills_from_the_other_side(self):
        first = self.client.get(self.url, {"around": 2, "page_size": 10})
        self.assertEqual(self.seqs(first), list(range(1, 11)))
        self.assertIsNone(first.data["previous"])
        last = self.client.get(self.url, {"around": 50, "page_size": 10})
        self.assertEqual(self.seqs(last), list(range(41, 51)))
        self.assertIsNone(last.data["next"])
        self.assertIsNotNone(last.data["previous"])

    def test_a_short_history_fits_one_page(self):
        response = self.client.get(self.url, {"around": 7})
        self.assertEqual(self.seqs(response), list(range(1, 21)))

    def test_a_missing_or_malformed_seq_is_a_400_naming_around(self):
        for value in ("51", "0", "-3", "x"):
            with self.subTest(value=value):
                response = self.client.get(self.url, {"around": value})
                self.assertEqual(response.status_code, 400)
                self.assertIn("around", response.data["errors"])

    def test_outsiders_get_nothing(self):
        outsider = APIClient()
        outsider.force_authenticate(make_user("eve"))
        self.assertEqual(outsider.get(self.url, {"around": 25}).status_code, 403)
