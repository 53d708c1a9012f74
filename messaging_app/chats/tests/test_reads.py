"""GET /api/conversations/{id}/reads/: members' read positions, for read receipts."""
import uuid

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from chats import services

from .base import ChatTestCase, jwt_client, make_message, make_user


class ReadPositionsTests(ChatTestCase):
    """Alice and Bob share a conversation holding one of Alice's messages (seq 1)."""

    def url(self, conversation=None):
        return reverse("conversation-reads", args=[(conversation or self.conversation).pk])

    def positions(self, user):
        response = jwt_client(user).get(self.url())
        self.assertEqual(response.status_code, 200, response.content)
        return response.json()

    def test_each_member_reads_up_to_their_marker_or_own_newest_message(self):
        make_message(self.conversation, self.bob, "second")
        make_message(self.conversation, self.alice, "third")
        body = self.positions(self.bob)
        self.assertEqual(body["conversation_id"], str(self.conversation.pk))
        self.assertEqual(body["last_seq"], 3)
        self.assertEqual({r["user_id"]: r["last_read_seq"] for r in body["reads"]},
                         {str(self.alice.pk): 3, str(self.bob.pk): 2})

        self.conversation.refresh_from_db()
        services.mark_read(self.conversation, self.bob, 3)
        reads = {r["user_id"]: r["last_read_seq"] for r in self.positions(self.alice)["reads"]}
        self.assertEqual(reads[str(self.bob.pk)], 3)

    def test_a_member_who_read_nothing_is_at_zero(self):
        carol = make_user("carol")
        self.conversation.participants.add(carol)
        reads = {r["user_id"]: r["last_read_seq"] for r in self.positions(self.alice)["reads"]}
        self.assertEqual(reads[str(carol.pk)], 0)
        self.assertEqual(len(reads), 3)

    def test_outsiders_anonymous_and_unknown_conversations_are_refused(self):
        self.assertEqual(jwt_client(self.eve).get(self.url()).status_code, 403)
        self.assertEqual(self.client.get(self.url()).status_code, 401)
        unknown = reverse("conversation-reads", args=[uuid.uuid4()])
        response = jwt_client(self.alice).get(unknown)
        self.assertEqual((response.status_code, response.json()["code"]), (404, "not_found"))

    def test_costs_a_fixed_number_of_queries_whatever_the_members(self):
        client = jwt_client(self.alice)
        with CaptureQueriesContext(connection) as few:
            client.get(self.url())
        for n in range(10):
            self.conversation.participants.add(make_user(f"extra{n}"))
        with CaptureQueriesContext(connection) as many:
            client.get(self.url())
        self.assertEqual(len(few), len(many))
        self.assertLessEqual(len(many), 4)  # user, membership, last_seq, positions
