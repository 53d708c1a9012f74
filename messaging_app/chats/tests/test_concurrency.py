"""Concurrent sends to one conversation lose nothing (PostgreSQL)."""
import threading
from unittest import skipUnless

from django.db import connection
from django.test import TransactionTestCase
from django.urls import reverse
from rest_framework.test import APIClient

from chats.models import Message

from .base import make_conversation, make_user

THREADS, SENDS = 10, 100


@skipUnless(connection.vendor == "postgresql",
            "needs PostgreSQL for truly concurrent writers (set DATABASE_URL=postgres://...)")
class ConcurrentSendTests(TransactionTestCase):
    def test_ten_threads_sending_a_hundred_each_lose_none(self):
        users = [make_user() for _ in range(THREADS)]
        conversation = make_conversation(*users)
        url = reverse("conversation-messages-list", args=[conversation.pk])
        failures = []
        start = threading.Barrier(THREADS)

        def sender(user):
            client = APIClient()
            client.force_authenticate(user)
            try:
                start.wait()
                for i in range(SENDS):
                    response = client.post(url, {"message_body": f"{user.username}:{i}"},
                                           format="json")
                    if response.status_code != 201:
                        failures.append((user.username, i, response.status_code))
            finally:
                connection.close()

        threads = [threading.Thread(target=sender, args=(u,)) for u in users]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

        self.assertEqual(failures, [])
        messages = list(Message.objects.filter(conversation=conversation)
                        .order_by("sent_at", "message_id"))
        self.assertEqual(len(messages), THREADS * SENDS)
        times = [m.sent_at for m in messages]
        self.assertEqual(times, sorted(times))
        # Each sender's messages come back in the order it sent them.
        for user in users:
            numbers = [int(m.message_body.split(":")[1]) for m in messages
                       if m.sender_id == user.pk]
            self.assertEqual(numbers, list(range(SENDS)))
        conversation.refresh_from_db()
        self.assertGreaterEqual(conversation.last_activity_at, times[0])
