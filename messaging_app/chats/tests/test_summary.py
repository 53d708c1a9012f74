"""The conversation row's summary (last_seq, last_message) and the read
position joined to it stay equal to what the messages themselves say,
whatever changed them: sends, edits, soft and hard deletes, participant
changes, bulk_create, and the paginated list that reads them.
"""
from datetime import timedelta

from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from chats import services
from chats.models import Conversation, Message, ReadMarker

from .base import ChatTestCase, make_conversation, make_message, make_user


def expected_summary(conversation, user) -> dict:
    """The summary fields of a conversation for user, recomputed from the
    message rows in plain Python (no query code shared with the API)."""
    rows = list(Message.objects.filter(conversation=conversation).values(
        "message_id", "sender_id", "message_body", "sent_at", "seq", "deleted_at"))
    newest = max(rows, key=lambda row: row["seq"], default=None)
    marker = (ReadMarker.objects.filter(conversation=conversation, user=user)
              .values_list("last_read_seq", flat=True).first() or 0)
    own = max((row["seq"] for row in rows if row["sender_id"] == user.pk), default=0)
    last_seq = Conversation.objects.get(pk=conversation.pk).last_seq
    position = max(marker, own)
    return {
        "last_seq": last_seq,
        "last_message": None if newest is None else {
            "message_id": str(newest["message_id"]), "sender": str(newest["sender_id"]),
            "message_body": newest["message_body"]},
        "last_read_seq": position,
        # Deleted messages hold nothing to read: not unread.
        "unread_count": max(0, last_seq - position - sum(
            1 for row in rows if row["seq"] > position and row["deleted_at"] is not None)),
    }


class SummaryTests(ChatTestCase):
    def listed(self, user, conversation=None):
        conversation = conversation or self.conversation
        results = self.as_user(user).get(reverse("conversation-list"),
                                         {"page_size": 100}).json()["results"]
        return next(c for c in results if c["conversation_id"] == str(conversation.pk))

    def assertSummaryRight(self, conversation=None, users=None):
        conversation = conversation or self.conversation
        for user in users or (self.alice, self.bob):
            for name, shown in (("list", self.listed(user, conversation)),
                                ("detail", self.as_user(user).get(reverse(
                                    "conversation-detail", args=[conversation.pk])).json())):
                with self.subTest(user=user.username, view=name):
                    got = {key: shown[key] for key in ("last_seq", "last_read_seq",
                                                       "unread_count")}
                    last = shown["last_message"]
                    got["last_message"] = last and {key: last[key] for key in (
                        "message_id", "sender", "message_body")}
                    self.assertEqual(got, expected_summary(conversation, user))

    def send(self, user, body):
        url = reverse("conversation-messages-list", args=[self.conversation.pk])
        response = self.as_user(user).post(url, {"message_body": body})
        self.assertEqual(response.status_code, 201, response.content)
        return response.json()

    def test_a_send_moves_the_summary_and_its_time_is_the_message_time(self):
        sent = self.send(self.bob, "hello there")
        shown = self.listed(self.alice)["last_message"]
        self.assertEqual(shown["message_id"], sent["message_id"])
        self.assertEqual(shown["sent_at"], sent["sent_at"])
        self.assertSummaryRight()

    def test_edits_and_soft_deletes_of_the_newest_message_show_in_the_summary(self):
        sent = self.send(self.bob, "first draft")
        url = reverse("conversation-messages-detail",
                      args=[self.conversation.pk, sent["message_id"]])
        self.as_user(self.bob).patch(url, {"message_body": "second draft"})
        self.assertEqual(self.listed(self.alice)["last_message"]["message_body"], "second draft")
        self.assertSummaryRight()
        self.as_user(self.bob).delete(url)
        self.assertEqual(self.listed(self.alice)["last_message"]["message_body"], "")
        self.assertSummaryRight()

    def test_the_summary_says_when_its_message_was_deleted(self):
        sent = self.send(self.bob, "soon gone")
        detail = reverse("conversation-detail", args=[self.conversation.pk])
        self.assertIsNone(self.listed(self.alice)["last_message"]["deleted_at"])
        self.assertIsNone(self.as_user(self.alice).get(detail).json()["last_message"]["deleted_at"])
        url = reverse("conversation-messages-detail",
                      args=[self.conversation.pk, sent["message_id"]])
        self.assertEqual(self.as_user(self.bob).delete(url).status_code, 204)
        deleted_at = Message.objects.get(pk=sent["message_id"]).deleted_at
        for name, shown in (("list", self.listed(self.alice)),
                            ("detail", self.as_user(self.alice).get(detail).json())):
            with self.subTest(view=name):
                last = shown["last_message"]
                self.assertEqual((last["message_id"], last["message_body"]),
                                 (sent["message_id"], ""))
                self.assertEqual(parse_datetime(last["deleted_at"]), deleted_at)

    def test_hard_deletes_move_the_pointer_to_the_newest_message_left(self):
        older = self.send(self.bob, "older")
        newest = self.send(self.alice, "newest")
        Message.objects.filter(pk=newest["message_id"]).delete()  # admin, shell
        self.assertEqual(self.listed(self.bob)["last_message"]["message_id"],
                         older["message_id"])
        self.assertSummaryRight()
        Message.objects.get(pk=self.message.pk).delete()  # not the newest: pointer stays
        self.assertSummaryRight()
        Message.objects.filter(conversation=self.conversation).delete()
        self.assertIsNone(self.listed(self.bob)["last_message"])
        self.assertSummaryRight()

    def test_bulk_create_points_at_the_last_message_of_each_conversation(self):
        other = make_conversation(self.alice, self.eve)
        created = Message.objects.bulk_create([
            Message(conversation=conversation, sender=self.alice, message_body=f"b{i}")
            for i in range(3) for conversation in (self.conversation, other)])
        self.assertEqual(self.listed(self.bob)["last_message"]["message_id"],
                         str(created[-2].pk))
        self.assertSummaryRight()
        self.assertSummaryRight(other, [self.alice, self.eve])

    def test_participant_changes_and_read_markers_keep_it_right(self):
        carol = make_user("carol")
        self.send(self.bob, "before carol")
        services.add_participants(self.conversation, [carol])
        self.assertSummaryRight(users=[self.alice, self.bob, carol])
        services.mark_read(Conversation.objects.get(pk=self.conversation.pk), carol, 1)
        self.send(carol, "carol here")
        services.remove_participant(self.conversation, self.bob)
        self.assertSummaryRight(users=[self.alice, carol])

    def test_list_pages_in_activity_order_with_exact_counts(self):
        now = timezone.now()
        for i in range(6):
            conversation = make_conversation(self.bob, make_user(), title=f"c{i}")
            if i % 2:
                make_message(conversation, self.bob, f"mine {i}")
            if i % 3:
                make_message(conversation, self.alice if i < 3 else conversation.participants
                             .exclude(pk=self.bob.pk).first(), f"theirs {i}")
            if i == 4:
                services.mark_read(Conversation.objects.get(pk=conversation.pk), self.bob, 1)
            # Two conversations share last_activity_at: the id breaks the tie.
            Conversation.objects.filter(pk=conversation.pk).update(
                last_activity_at=now - timedelta(minutes=i // 2))
        client = self.as_user(self.bob)
        url = reverse("conversation-list")
        got = []
        for page in (1, 2, 3):
            body = client.get(url, {"page_size": 3, "page": page}).json()
            self.assertEqual(body["count"], 7)
            got += body["results"]
        expected = Conversation.objects.filter(participants=self.bob).order_by(
            "-last_activity_at", "conversation_id")
        self.assertEqual([c["conversation_id"] for c in got], [str(c.pk) for c in expected])
        for shown, conversation in zip(got, expected, strict=True):
            with self.subTest(conversation=conversation.title):
                participants = sorted(str(pk) for pk in conversation.participants
                                      .values_list("pk", flat=True))
                self.assertEqual(sorted(p["user_id"] for p in shown["participants"]),
                                 participants)
                last = shown["last_message"]
                self.assertEqual(
                    {"last_seq": shown["last_seq"], "last_read_seq": shown["last_read_seq"],
                     "unread_count": shown["unread_count"],
                     "last_message": last and {key: last[key] for key in (
                         "message_id", "sender", "message_body")}},
                    expected_summary(conversation, self.bob))
        self.assertEqual(client.get(url, {"page_size": 3, "page": 4}).status_code, 404)
        self.assertEqual(client.get(url, {"page_size": 3, "page": "x"}).status_code, 404)
        self.assertEqual(self.as_user(make_user()).get(url).json()["count"], 0)
        self.assertEqual(client.get(url, {"search": "c1"}).json()["count"], 1)
