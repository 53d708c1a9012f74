"""Every list costs the same number of queries for 1 item as for 50.

Counts include the JWT user lookup.  Inside a test transaction each write
also runs SAVEPOINT / RELEASE statements, which the counts include too.
"""
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from chats.models import Conversation, Message

from .base import ChatTestCase, jwt_client, make_conversation, make_user

MAX_READ_QUERIES = 4
# JWT user, the page (newest message and read marker joined, total on every
# row), participants.
MAX_CONVERSATION_LIST_QUERIES = 3


class QueryCountTests(ChatTestCase):
    def count(self, client, method, url, data=None):
        with CaptureQueriesContext(connection) as queries:
            response = getattr(client, method)(url, data, format="json")
        self.assertLess(response.status_code, 300, response.content)
        return len(queries), response

    def fill_conversations(self, n):
        Conversation.objects.exclude(pk=self.conversation.pk).delete()
        for i in range(n - 1):
            conversation = make_conversation(self.alice, make_user(), title=f"c{i}")
            Message.objects.create(conversation=conversation, sender=self.alice,
                                   message_body=f"m{i}")

    def fill_messages(self, n):
        Message.objects.bulk_create([
            Message(conversation=self.conversation, sender=self.bob if i % 2 else self.alice,
                    message_body=f"m{i}") for i in range(n - 1)])

    def test_conversation_list(self):
        client = jwt_client(self.alice)
        url = reverse("conversation-list") + "?page_size=100"
        self.fill_conversations(1)
        one, response = self.count(client, "get", url)
        self.assertEqual(len(response.json()["results"]), 1)
        self.fill_conversations(50)
        fifty, response = self.count(client, "get", url)
        self.assertEqual(len(response.json()["results"]), 50)
        self.assertEqual(one, fifty)
        self.assertLessEqual(fifty, MAX_READ_QUERIES)
        self.assertLessEqual(fifty, MAX_CONVERSATION_LIST_QUERIES)

    def test_message_list_pages_and_cursors(self):
        client = jwt_client(self.bob)
        base = reverse("conversation-messages-list", args=[self.conversation.pk])
        for params in ("?page_size=100", "?cursor=&page_size=100"):
            with self.subTest(params=params):
                Message.objects.exclude(pk=self.message.pk).delete()
                one, response = self.count(client, "get", base + params)
                self.assertEqual(len(response.json()["results"]), 1)
                self.fill_messages(50)
                fifty, response = self.count(client, "get", base + params)
                self.assertEqual(len(response.json()["results"]), 50)
                self.assertEqual(one, fifty)
                self.assertLessEqual(fifty, MAX_READ_QUERIES)

    def test_flat_message_list(self):
        client = jwt_client(self.bob)
        one, _ = self.count(client, "get", reverse("message-list"))
        self.fill_messages(50)
        fifty, _ = self.count(client, "get", reverse("message-list"))
        self.assertEqual(one, fifty)
        self.assertLessEqual(fifty, MAX_READ_QUERIES)

    def test_conversation_detail(self):
        client = jwt_client(self.bob)
        url = reverse("conversation-detail", args=[self.conversation.pk])
        one, _ = self.count(client, "get", url)
        self.fill_messages(50)
        fifty, response = self.count(client, "get", url)
        self.assertEqual(len(response.json()["messages"]), 20)
        self.assertEqual(one, fifty)

    def test_send_is_constant_whatever_the_history(self):
        client = jwt_client(self.bob)
        url = reverse("conversation-messages-list", args=[self.conversation.pk])
        one, _ = self.count(client, "post", url, {"message_body": "a"})
        self.fill_messages(50)
        fifty, _ = self.count(client, "post", url, {"message_body": "b"})
        self.assertEqual(one, fifty)
        writes = [q["sql"] for q in self.captured(client, url)
                  if not q["sql"].upper().startswith(("SAVEPOINT", "RELEASE"))]
        # user lookup, membership, conversation UPDATE (row lock), message INSERT
        self.assertEqual(len(writes), 4, writes)

    def captured(self, client, url):
        with CaptureQueriesContext(connection) as queries:
            client.post(url, {"message_body": "c"}, format="json")
        return queries.captured_queries

    def test_idempotent_send_with_a_mention_writes_each_row_once(self):
        client = jwt_client(self.bob)
        url = reverse("conversation-messages-list", args=[self.conversation.pk])
        with CaptureQueriesContext(connection) as queries:
            response = client.post(url, {"message_body": f"hi @{self.alice.username}"},
                                   format="json", HTTP_IDEMPOTENCY_KEY="query-count-1")
        self.assertEqual(response.status_code, 201, response.content)
        statements = [q["sql"].split()[0].upper() + " " + q["sql"].split('"')[1]
                      for q in queries.captured_queries
                      if not q["sql"].upper().startswith(("SAVEPOINT", "RELEASE", "BEGIN"))]
        # A new key is not looked up first (its unique index answers), its row
        # is inserted naming its message (no UPDATE after), and a new message
        # has no mention rows to delete first.
        self.assertEqual(statements, [
            "SELECT chats_user",            # the JWT's user
            "SELECT chats_conversation",    # membership
            "SELECT chats_user",            # who is mentioned
            "UPDATE chats_conversation",    # next seq (the row lock)
            "INSERT chats_message",
            "INSERT chats_mention",
            "INSERT chats_idempotencykey",
        ])
