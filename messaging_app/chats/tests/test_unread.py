"""Unread counts: the messages after the reader's position, deleted ones not
counted (they hold nothing to read), in the list, the detail and a read's answer."""
from django.urls import reverse

from .base import ChatTestCase, jwt_client, make_message


class DeletedMessagesAreNotUnreadTests(ChatTestCase):

    def setUp(self):
        super().setUp()  # alice's "first" (seq 1) is unread for bob
        self.second = make_message(self.conversation, self.alice, "second")
        self.third = make_message(self.conversation, self.alice, "third")
        self.bob_client = jwt_client(self.bob)

    def unread_for_bob(self):
        listed = self.bob_client.get(reverse("conversation-list")).json()["results"][0]
        detail = self.bob_client.get(
            reverse("conversation-detail", args=[self.conversation.pk])).json()
        return listed["unread_count"], detail["unread_count"]

    def delete(self, message):
        response = jwt_client(self.alice).delete(
            reverse("conversation-messages-detail", args=[self.conversation.pk, message.pk]))
        self.assertEqual(response.status_code, 204)

    def test_a_deleted_unread_message_is_not_counted(self):
        self.assertEqual(self.unread_for_bob(), (3, 3))
        self.delete(self.second)
        self.assertEqual(self.unread_for_bob(), (2, 2))
        self.delete(self.message)
        self.delete(self.third)
        self.assertEqual(self.unread_for_bob(), (0, 0))

    def test_a_deleted_message_already_read_changes_nothing(self):
        self.bob_client.post(reverse("conversation-read", args=[self.conversation.pk]),
                             {"seq": 2}, format="json")
        self.delete(self.message)
        self.assertEqual(self.unread_for_bob(), (1, 1))

    def test_a_reads_answer_leaves_deleted_messages_out(self):
        self.delete(self.third)
        response = self.bob_client.post(reverse("conversation-read",
                                                args=[self.conversation.pk]),
                                        {"seq": 1}, format="json")
        self.assertEqual(response.json()["unread_count"], 1)
