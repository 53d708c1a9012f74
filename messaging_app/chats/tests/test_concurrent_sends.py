"""Concurrent sends to one conversation (SQLite and PostgreSQL).

Real threads with their own database connections: 10 x 100 sends lose
nothing and number the messages 1..1000 exactly; sends racing with one
``Idempotency-Key`` create one message.
"""
import threading

from django.db import connection
from django.test import TransactionTestCase
from django.urls import reverse
from rest_framework.test import APIClient

from chats.models import Conversation, Message

from .base import make_conversation, make_user

THREADS, SENDS = 10, 100


def run_threads(target, args_list):
    """Run target(*args) in one thread per args, all starting together."""
    start = threading.Barrier(len(args_list))
    errors = []

    def wrapped(*args):
        try:
            start.wait()
            target(*args)
        except Exception as exc:  # noqa: BLE001 - reported by the test
            errors.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=wrapped, args=args) for args in args_list]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


class ConcurrentSendTests(TransactionTestCase):
    def test_ten_threads_sending_a_hundred_each_number_them_1_to_1000(self):
        users = [make_user() for _ in range(THREADS)]
        conversation = make_conversation(*users)
        url = reverse("conversation-messages-list", args=[conversation.pk])
        failures = []

        def sender(user):
            client = APIClient()
            client.force_authenticate(user)
            for i in range(SENDS):
                response = client.post(url, {"message_body": f"{user.username}:{i}"},
                                       format="json")
                if response.status_code != 201:
                    failures.append((user.username, i, response.status_code))

        self.assertEqual(run_threads(sender, [(u,) for u in users]), [])
        self.assertEqual(failures, [])
        messages = list(Message.objects.filter(conversation=conversation)
                        .order_by("sent_at", "message_id"))
        self.assertEqual(len(messages), THREADS * SENDS)
        # seq is exactly 1..1000, and history order (sent_at) is seq order.
        self.assertEqual([m.seq for m in messages], list(range(1, THREADS * SENDS + 1)))
        conversation.refresh_from_db()
        self.assertEqual(conversation.last_seq, THREADS * SENDS)
        # Each sender's messages come back in the order it sent them.
        for user in users:
            numbers = [int(m.message_body.split(":")[1]) for m in messages
                       if m.sender_id == user.pk]
            self.assertEqual(numbers, list(range(SENDS)))

    def test_racing_requests_with_one_idempotency_key_send_once(self):
        alice, bob = make_user(), make_user()
        conversation = make_conversation(alice, bob)
        url = reverse("conversation-messages-list", args=[conversation.pk])
        results = []

        def send():
            client = APIClient()
            client.force_authenticate(alice)
            response = client.post(url, {"message_body": "once"}, format="json",
                                   HTTP_IDEMPOTENCY_KEY="race-1")
            results.append((response.status_code, response.json().get("message_id")))

        self.assertEqual(run_threads(send, [()] * THREADS), [])
        self.assertEqual(Message.objects.filter(conversation=conversation).count(), 1)
        self.assertEqual(sorted(code for code, _ in results), [200] * (THREADS - 1) + [201])
        self.assertEqual(len({message_id for _, message_id in results}), 1)
        self.assertEqual(Conversation.objects.get(pk=conversation.pk).last_seq, 1)
