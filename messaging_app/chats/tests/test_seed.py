"""``seed_demo`` creates usable demo data and is safe to run again."""
import io

from django.core.management import call_command
from django.test import TestCase

from chats.management.commands.seed_demo import DEMO_PASSWORD
from chats.models import Conversation, Message, User


class SeedDemoTests(TestCase):
    def counts(self):
        return User.objects.count(), Conversation.objects.count(), Message.objects.count()

    def test_seed_is_idempotent_and_prints_credentials(self):
        out = io.StringIO()
        call_command("seed_demo", stdout=out)
        first = self.counts()
        self.assertEqual(first, (4, 2, 4))
        call_command("seed_demo", stdout=io.StringIO())
        self.assertEqual(self.counts(), first)
        self.assertIn(f"alice / {DEMO_PASSWORD}", out.getvalue())
        self.assertTrue(User.objects.get(username="alice").check_password(DEMO_PASSWORD))
        self.assertTrue(User.objects.get(username="admin").is_superuser)
