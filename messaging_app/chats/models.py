"""Users, conversations and messages.

Primary keys are UUIDs (``user_id``, ``conversation_id``, ``message_id``);
there is no ``id`` attribute anywhere, so code uses ``.pk``.
"""
import uuid

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils import timezone


class User(AbstractUser):
    """An account; login stays by ``username``.

    The password hash lives in a column named ``password_hash`` (Django's
    hashers write it; it is never stored in plain text).
    """

    class Role(models.TextChoices):
        GUEST = "guest", "Guest"
        HOST = "host", "Host"
        ADMIN = "admin", "Admin"

    user_id = models.UUIDField(primary_key=True, default=uuid.uuid4,
                               editable=False, db_index=True)
    first_name = models.CharField(max_length=150)
    last_name = models.CharField(max_length=150)
    email = models.EmailField(unique=True)
    password = models.CharField("password", max_length=128, db_column="password_hash")
    phone_number = models.CharField(max_length=32, null=True, blank=True)
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.GUEST)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = UserManager()

    REQUIRED_FIELDS = ["email", "first_name", "last_name"]

    class Meta:
        ordering = ["username"]

    def __str__(self) -> str:
        return self.username


class Conversation(models.Model):
    """A set of participants exchanging messages.

    ``last_activity_at`` is bumped by every send (see ``services``), so the
    conversation list sorts by latest activity from an index, and the same
    row update serialises concurrent sends to one conversation.
    ``direct_key`` is set only for a two-person conversation made through
    the API; its unique constraint keeps one direct conversation per pair.
    """

    conversation_id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    participants = models.ManyToManyField(User, related_name="conversations")
    title = models.CharField(max_length=200, blank=True, default="")
    direct_key = models.CharField(max_length=80, null=True, blank=True, unique=True,
                                  editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    last_activity_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-last_activity_at", "conversation_id"]

    def __str__(self) -> str:
        return self.title or f"Conversation {self.conversation_id}"

    @staticmethod
    def direct_key_for(user_a_pk, user_b_pk) -> str:
        """Return the key naming the direct conversation between two users."""
        first, second = sorted([str(user_a_pk), str(user_b_pk)])
        return f"{first}:{second}"


class Message(models.Model):
    """One message, ordered in its conversation by ``(sent_at, message_id)``."""

    MAX_BODY_LENGTH = 10_000

    message_id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    sender = models.ForeignKey(User, on_delete=models.CASCADE, related_name="sent_messages")
    # No single-column index: the composite index below starts with it.
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE,
                                     related_name="messages", db_index=False)
    message_body = models.TextField()
    sent_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["sent_at", "message_id"]
        # (conversation, sent_at), with message_id as the tie-breaker every
        # history query orders by: pages and cursors read the index in order
        # instead of sorting the conversation.
        indexes = [
            models.Index(fields=["conversation", "sent_at", "message_id"],
                         name="message_conv_sent_id_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.sender_id}: {self.message_body[:40]}"
