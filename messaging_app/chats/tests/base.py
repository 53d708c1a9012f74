"""Shared fixtures for the API tests."""
import itertools

from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import TransactionTestCase
from rest_framework.test import APIClient, APITestCase

from chats.auth import get_tokens_for_user
from chats.models import Conversation, Message, User

PASSWORD = "correct-horse-battery-9"
_numbers = itertools.count(1)


def make_user(username: str | None = None, **extra) -> User:
    """Create an active user with PASSWORD and a unique email."""
    n = next(_numbers)
    username = username or f"user{n}"
    return User.objects.create_user(
        username=username, email=f"{username}.{n}@example.com", password=PASSWORD,
        first_name=extra.pop("first_name", username.title()),
        last_name=extra.pop("last_name", "Tester"), **extra)


def make_conversation(*users, title: str = "", owner: User | None = None) -> Conversation:
    """Create a group of users (no direct key), owned by owner (default: the
    first user); users join one by one in the order given."""
    conversation = Conversation.objects.create(title=title, owner=owner or users[0])
    for user in users:
        conversation.participants.add(user)
    return conversation


def make_message(conversation: Conversation, sender: User, body: str = "hello") -> Message:
    """Create a message directly in the database."""
    return Message.objects.create(conversation=conversation, sender=sender, message_body=body)


def jwt_client(user: User) -> APIClient:
    """Return an APIClient sending a real access token for user."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {get_tokens_for_user(user)['access']}")
    return client


class ChatTestCase(APITestCase):
    """Alice and Bob share a conversation holding one of Alice's messages;
    Eve is in no conversation."""

    def setUp(self):
        self.alice = make_user("alice")
        self.bob = make_user("bob")
        self.eve = make_user("eve")
        self.conversation = make_conversation(self.alice, self.bob)
        self.message = make_message(self.conversation, self.alice, "first")

    def as_user(self, user: User | None) -> APIClient:
        """Return a client authenticated as user (anonymous for None)."""
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        return client


class MigrationTestCase(TransactionTestCase):
    """Moves the test database to a migration and back to the latest schema
    afterwards (for the tests that follow)."""

    def migrate(self, targets):
        """Migrate to targets; return the app registry of that state."""
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(targets)
        return executor.loader.project_state(targets).apps

    def migrate_to_latest(self) -> None:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())

    def tearDown(self):
        self.migrate_to_latest()
