"""Page-number pages (with count) and keyset cursors over a conversation."""
from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from chats.models import Message

from .base import ChatTestCase


class PaginationTests(ChatTestCase):
    def setUp(self):
        super().setUp()
        Message.objects.all().delete()
        start = timezone.now() - timedelta(days=1)
        # 45 messages; every third shares its timestamp with the next one,
        # so ordering must fall back on message_id to stay stable.
        self.messages = Message.objects.bulk_create([
            Message(conversation=self.conversation, sender=self.alice, message_body=f"m{i}",
                    sent_at=start + timedelta(seconds=i - i % 3 // 2))
            for i in range(45)
        ])
        self.ordered = [str(m.pk) for m in
                        Message.objects.filter(conversation=self.conversation)
                        .order_by("sent_at", "message_id")]
        self.url = reverse("conversation-messages-list", args=[self.conversation.pk])
        self.client = self.as_user(self.bob)

    def ids(self, response):
        self.assertEqual(response.status_code, 200, response.content)
        return [m["message_id"] for m in response.json()["results"]]

    def test_page_numbers_carry_count_and_links(self):
        first = self.client.get(self.url).json()
        self.assertEqual(first["count"], 45)
        self.assertEqual(len(first["results"]), 20)
        self.assertIsNone(first["previous"])
        last = self.client.get(self.url, {"page": 3}).json()
        self.assertEqual(len(last["results"]), 5)
        self.assertIsNone(last["next"])
        self.assertEqual(len(self.client.get(self.url, {"page_size": 500}).json()["results"]),
                         45)

    def test_count_stays_exact_after_soft_and_hard_deletes_and_with_filters(self):
        # The unfiltered count comes from the conversation row (last_seq
        # minus purged_count), not from COUNT: check it against the rows.
        from chats import services
        services.delete_message(self.messages[0])  # soft: keeps its place
        self.assertEqual(self.client.get(self.url).json()["count"], 45)
        Message.objects.filter(pk__in=[m.pk for m in self.messages[1:4]]).delete()
        self.messages[4].delete()
        self.assertEqual(self.client.get(self.url).json()["count"], 41)
        page = self.client.get(self.url, {"page": 3}).json()
        self.assertEqual((page["count"], len(page["results"]), page["next"]), (41, 1, None))
        self.assertEqual(self.client.get(self.url, {"search": "m1"}).json()["count"],
                         Message.objects.filter(conversation=self.conversation,
                                                message_body__icontains="m1").count())
        self.assertEqual(self.client.get(self.url, {"sender": str(self.bob.pk)}).json()["count"],
                         0)
        self.client.post(self.url, {"message_body": "one more"}, format="json")
        self.assertEqual(self.client.get(self.url).json()["count"], 42)
        self.assertEqual(Message.objects.filter(conversation=self.conversation).count(), 42)

    def test_page_numbers_follow_the_stable_order(self):
        got = []
        for page in (1, 2, 3):
            got += self.ids(self.client.get(self.url, {"page": page}))
        self.assertEqual(got, self.ordered)

    def test_latest_cursor_page_is_the_newest_messages_oldest_first(self):
        response = self.client.get(self.url, {"cursor": ""})
        self.assertEqual(self.ids(response), self.ordered[-20:])
        self.assertNotIn("count", response.json())
        self.assertIsNone(response.json()["next"])

    def test_walking_back_with_previous_visits_every_message_once(self):
        seen = []
        url, params = self.url, {"cursor": "latest", "page_size": 7}
        while url:
            response = self.client.get(url, params)
            seen = self.ids(response) + seen
            url, params = response.json()["previous"], None
        self.assertEqual(seen, self.ordered)

    def test_walking_forward_with_next_visits_every_message_once(self):
        response = self.client.get(self.url, {"after": self.ordered[0], "page_size": 6})
        seen = [self.ordered[0]]
        while True:
            seen += self.ids(response)
            if not response.json()["next"]:
                break
            response = self.client.get(response.json()["next"])
        self.assertEqual(seen, self.ordered)

    def test_before_and_after_a_message(self):
        pivot = self.ordered[30]
        self.assertEqual(self.ids(self.client.get(self.url, {"before": pivot, "page_size": 5})),
                         self.ordered[25:30])
        self.assertEqual(self.ids(self.client.get(self.url, {"after": pivot, "page_size": 5})),
                         self.ordered[31:36])

    def test_new_messages_do_not_shift_a_cursor(self):
        previous = self.client.get(self.url, {"cursor": "", "page_size": 10}).json()["previous"]
        Message.objects.create(conversation=self.conversation, sender=self.bob,
                               message_body="late")
        self.assertEqual(self.ids(self.client.get(previous)), self.ordered[-20:-10])

    def test_cursor_timestamps_out_of_range_are_400(self):
        import base64
        import json
        for when in ("9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+23:59",
                     "2026-01-01T00:00:00"):  # the last one has no offset
            with self.subTest(when=when):
                raw = json.dumps(["before", when, self.ordered[0]]).encode()
                token = base64.urlsafe_b64encode(raw).decode().rstrip("=")
                response = self.client.get(self.url, {"cursor": token})
                self.assertEqual(response.status_code, 400, response.content)
                self.assertIn("cursor", response.json()["errors"])
