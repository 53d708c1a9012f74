"""Sequence numbers, read markers, idempotent sends, edit history, soft delete."""
from django.urls import reverse

from chats.models import IdempotencyKey, Message

from .base import ChatTestCase, make_conversation, make_message, make_user


class SeqTests(ChatTestCase):
    def test_every_path_numbers_messages_without_holes(self):
        client = self.as_user(self.bob)
        url = reverse("conversation-messages-list", args=[self.conversation.pk])
        seqs = [client.post(url, {"message_body": f"m{i}"}).json()["seq"] for i in range(3)]
        make_message(self.conversation, self.alice, "shell")  # Message.objects.create
        Message.objects.bulk_create([Message(conversation=self.conversation, sender=self.bob,
                                             message_body=f"b{i}") for i in range(3)])
        self.assertEqual(seqs, [2, 3, 4])
        self.assertEqual(list(Message.objects.filter(conversation=self.conversation)
                              .order_by("seq").values_list("seq", flat=True)),
                         list(range(1, 9)))
        self.conversation.refresh_from_db()
        self.assertEqual(self.conversation.last_seq, 8)

    def test_each_conversation_counts_on_its_own(self):
        other = make_conversation(self.alice, self.eve)
        self.assertEqual(make_message(other, self.eve).seq, 1)
        self.assertEqual(make_message(self.conversation, self.bob).seq, 2)


class ReadMarkerTests(ChatTestCase):
    def setUp(self):
        super().setUp()
        for i in range(4):
            make_message(self.conversation, self.alice, f"more {i}")  # seq 2..5

    def detail(self, user):
        url = reverse("conversation-detail", args=[self.conversation.pk])
        return self.as_user(user).get(url).json()

    def listed(self, user):
        results = self.as_user(user).get(reverse("conversation-list")).json()["results"]
        return next(c for c in results if c["conversation_id"] == str(self.conversation.pk))

    def read(self, user, seq):
        return self.as_user(user).post(
            reverse("conversation-read", args=[self.conversation.pk]), {"seq": seq})

    def test_unread_counts_follow_the_marker_forward_only(self):
        self.assertEqual((self.listed(self.bob)["unread_count"],
                          self.listed(self.bob)["last_read_seq"]), (5, 0))
        response = self.read(self.bob, 3)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json()["unread_count"], 2)
        self.assertEqual(self.detail(self.bob)["unread_count"], 2)
        self.assertEqual(self.read(self.bob, 1).json()["last_read_seq"], 3)  # never back
        self.assertEqual(self.listed(self.bob)["last_read_seq"], 3)
        self.assertEqual(self.read(self.bob, 99).status_code, 400)
        self.assertEqual(self.read(self.bob, -1).status_code, 400)
        self.assertEqual(self.read(self.eve, 1).status_code, 403)

    def test_sending_marks_your_own_message_read(self):
        url = reverse("conversation-messages-list", args=[self.conversation.pk])
        self.assertEqual(self.listed(self.bob)["unread_count"], 5)
        self.as_user(self.bob).post(url, {"message_body": "mine"})
        self.assertEqual((self.listed(self.bob)["unread_count"],
                          self.listed(self.bob)["last_read_seq"]), (0, 6))
        # Alice wrote 1..5 herself (however they were stored): only Bob's is new.
        self.assertEqual(self.listed(self.alice)["unread_count"], 1)
        # A marker below your own newest message does not count it unread.
        self.assertEqual(self.read(self.bob, 2).json()["last_read_seq"], 6)


class IdempotencyTests(ChatTestCase):
    def send(self, body, key, user=None, conversation=None):
        url = reverse("conversation-messages-list",
                      args=[(conversation or self.conversation).pk])
        return self.as_user(user or self.bob).post(url, {"message_body": body},
                                                   HTTP_IDEMPOTENCY_KEY=key)

    def test_retries_return_the_same_message(self):
        first = self.send("hi", "k-1")
        self.assertEqual(first.status_code, 201)
        for _ in range(3):
            again = self.send("hi", "k-1")
            self.assertEqual(again.status_code, 200)
            self.assertEqual(again.json()["message_id"], first.json()["message_id"])
        self.assertEqual(Message.objects.filter(message_body="hi").count(), 1)

    def test_reused_key_with_another_body_is_422(self):
        self.send("hi", "k-2")
        response = self.send("something else", "k-2")
        self.assertEqual(response.status_code, 422)
        self.assertEqual(response.json()["code"], "idempotency_key_reused")

    def test_keys_belong_to_one_user(self):
        self.assertEqual(self.send("hi", "shared", user=self.bob).status_code, 201)
        self.assertEqual(self.send("hi", "shared", user=self.alice).status_code, 201)

    def test_keys_expire_after_a_day(self):
        first = self.send("hi", "old")
        IdempotencyKey.objects.update(created_at="2000-01-01T00:00:00Z")
        again = self.send("hi", "old")
        self.assertEqual(again.status_code, 201)
        self.assertNotEqual(again.json()["message_id"], first.json()["message_id"])

    def test_flat_route_honours_the_key(self):
        url = reverse("message-list")
        body = {"message_body": "flat", "conversation": str(self.conversation.pk)}
        client = self.as_user(self.bob)
        codes = [client.post(url, body, HTTP_IDEMPOTENCY_KEY="f").status_code for _ in range(2)]
        self.assertEqual(codes, [201, 200])


class HistoryAndDeleteTests(ChatTestCase):
    def url(self, name, message=None):
        return reverse(f"conversation-messages-{name}",
                       args=[self.conversation.pk, (message or self.message).pk])

    def test_edits_keep_previous_bodies_for_participants(self):
        client = self.as_user(self.alice)
        client.patch(self.url("detail"), {"message_body": "second"})
        client.patch(self.url("detail"), {"message_body": "third"})
        history = self.as_user(self.bob).get(self.url("history")).json()
        self.assertEqual(history["message_body"], "third")
        self.assertEqual([e["message_body"] for e in history["edits"]], ["first", "second"])
        self.assertEqual(self.as_user(self.eve).get(self.url("history")).status_code, 403)
        flat = reverse("message-history", args=[self.message.pk])
        self.assertEqual(self.as_user(self.bob).get(flat).json()["edits"], history["edits"])

    def test_delete_blanks_body_and_history_but_keeps_the_place(self):
        client = self.as_user(self.alice)
        client.patch(self.url("detail"), {"message_body": "secret"})
        later = make_message(self.conversation, self.bob, "after")
        self.assertEqual(client.delete(self.url("detail")).status_code, 204)
        self.assertEqual(client.delete(self.url("detail")).status_code, 204)
        listing = self.as_user(self.bob).get(
            reverse("conversation-messages-list", args=[self.conversation.pk])).json()
        self.assertEqual([(m["seq"], m["message_body"], m["deleted_at"] is not None)
                          for m in listing["results"]],
                         [(1, "", True), (later.seq, "after", False)])
        self.assertEqual(self.as_user(self.bob).get(self.url("history")).json()["edits"], [])
        response = client.patch(self.url("detail"), {"message_body": "back"})
        self.assertEqual(response.status_code, 409)

    def test_unchanged_edit_records_nothing(self):
        self.as_user(self.alice).patch(self.url("detail"), {"message_body": "first"})
        self.assertEqual(self.as_user(self.bob).get(self.url("history")).json()["edits"], [])


class TicketTests(ChatTestCase):
    def test_ticket_needs_a_login_and_valid_since(self):
        url = reverse("ws-ticket")
        self.assertEqual(self.as_user(None).post(url).status_code, 401)
        response = self.as_user(self.bob).post(url, {}, format="json")
        self.assertEqual(response.status_code, 201)
        self.assertIn(response.json()["ticket"], response.json()["url"])
        bad = self.as_user(self.bob).post(url, {"since": {"nope": 1}}, format="json")
        self.assertEqual(bad.status_code, 400)
        other = make_user()
        self.assertNotEqual(self.as_user(other).post(url).json()["ticket"],
                            response.json()["ticket"])
