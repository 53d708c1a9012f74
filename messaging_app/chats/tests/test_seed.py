"""``seed_demo`` creates usable demo data and is safe to run again."""
import io

from django.core.management import call_command
from django.test import TestCase, override_settings

from chats.management.commands.seed_demo import DEMO_PASSWORD
from chats.models import Conversation, Message, User


class SeedDemoTests(TestCase):
    def counts(self):
        return User.objects.count(), Conversation.objects.count(), Message.objects.count()

    def test_seed_is_idempotent_and_prints_credentials(self):
        out = io.StringIO()
        call_command("seed_demo", force=True, stdout=out)
        first = self.counts()
        self.assertEqual(first, (4, 2, 4))
        call_command("seed_demo", force=True, stdout=io.StringIO())
        self.assertEqual(self.counts(), first)
        self.assertIn(f"alice / {DEMO_PASSWORD}", out.getvalue())
        self.assertTrue(User.objects.get(username="alice").check_password(DEMO_PASSWORD))
        self.assertTrue(User.objects.get(username="admin").is_superuser)
        owners = dict(Conversation.objects.values_list("title", "owner__username"))
        self.assertEqual(owners, {"": None, "Weekend trip": "carol"})

    def test_refuses_its_known_password_accounts_outside_debug_unless_forced(self):
        from django.core.management.base import CommandError
        with self.assertRaises(CommandError) as caught:
            call_command("seed_demo", stdout=io.StringIO())
        self.assertIn("--force", str(caught.exception))
        self.assertEqual(User.objects.count(), 0)
        with override_settings(DEBUG=True):
            call_command("seed_demo", stdout=io.StringIO())
        self.assertEqual(User.objects.count(), 4)


class PurgeExpiredTests(TestCase):
    def test_deletes_expired_idempotency_keys_and_tickets_only(self):
        from datetime import timedelta

        from django.utils import timezone

        from chats.models import IdempotencyKey, WebSocketTicket

        from .base import make_user
        user = make_user()
        now = timezone.now()
        old = now - timedelta(hours=IdempotencyKey.TTL_HOURS, minutes=1)
        IdempotencyKey.objects.create(user=user, key="old", request_hash="x", created_at=old)
        IdempotencyKey.objects.create(user=user, key="new", request_hash="x")
        WebSocketTicket.objects.create(digest="a" * 64, user=user,
                                       expires_at=now - timedelta(seconds=1))
        WebSocketTicket.objects.create(digest="b" * 64, user=user,
                                       expires_at=now + timedelta(seconds=30))
        out = io.StringIO()
        call_command("purge_expired", stdout=out)
        self.assertEqual(list(IdempotencyKey.objects.values_list("key", flat=True)), ["new"])
        self.assertEqual(list(WebSocketTicket.objects.values_list("digest", flat=True)),
                         ["b" * 64])
        self.assertIn("1 idempotency key", out.getvalue())
