"""Every write to conversations and messages goes through these functions.

Views, the admin actions, ``seed_demo`` and later the real-time layer call
them, so a rule (or an event published after commit) lives in one place.
"""
from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework.exceptions import NotFound

from .models import Conversation, Message


def send_message(*, conversation_id, sender, body: str) -> Message:
    """Store a message from sender in a conversation and return it.

    The ``UPDATE`` of the conversation row comes first: it takes the row
    lock, so concurrent sends to one conversation queue here and each gets a
    ``sent_at`` no earlier than the previous one.  A per-conversation
    sequence number would be assigned in the same statement.
    Raise NotFound if the conversation does not exist.
    """
    with transaction.atomic():
        updated = (Conversation.objects.filter(pk=conversation_id)
                   .update(last_activity_at=timezone.now()))
        if not updated:
            raise NotFound("No conversation has this id.")
        message = Message(conversation_id=conversation_id, sender=sender,
                          message_body=body, sent_at=timezone.now())
        message.save(force_insert=True)
    return message


def edit_message(message: Message, body: str) -> Message:
    """Replace a message's body and record when it was edited."""
    message.message_body = body
    message.edited_at = timezone.now()
    message.save(update_fields=["message_body", "edited_at"])
    return message


def delete_message(message: Message) -> None:
    """Delete a message."""
    message.delete()


def create_conversation(*, creator, users, title: str = ""):
    """Return ``(conversation, created)`` for creator and the other users.

    users must already include creator.  Two people without a title make a
    direct conversation: if theirs exists it is returned with
    ``created=False`` (a unique key makes this hold under concurrent
    requests too).
    """
    direct_key = None
    if len(users) == 2 and not title:
        direct_key = Conversation.direct_key_for(*[u.pk for u in users])
        existing = Conversation.objects.filter(direct_key=direct_key).first()
        if existing is not None:
            return existing, False
    try:
        with transaction.atomic():
            conversation = Conversation.objects.create(title=title, direct_key=direct_key)
            conversation.participants.add(*users)
    except IntegrityError:
        if direct_key is None:
            raise
        return Conversation.objects.get(direct_key=direct_key), False
    return conversation, True


def rename_conversation(conversation: Conversation, title: str) -> Conversation:
    """Set a conversation's title."""
    conversation.title = title
    conversation.save(update_fields=["title"])
    return conversation


def delete_conversation(conversation: Conversation) -> None:
    """Delete a conversation with its messages."""
    conversation.delete()


def add_participants(conversation: Conversation, users) -> Conversation:
    """Add users to a conversation; it stops being a direct conversation."""
    with transaction.atomic():
        conversation.participants.add(*users)
        if conversation.direct_key and conversation.participants.count() > 2:
            conversation.direct_key = None
        conversation.last_activity_at = timezone.now()
        conversation.save(update_fields=["direct_key", "last_activity_at"])
    return conversation


def remove_participant(conversation: Conversation, user) -> bool:
    """Remove user from a conversation; delete it when nobody is left.

    Return True if the conversation still exists afterwards.
    """
    with transaction.atomic():
        conversation.participants.remove(user)
        if not conversation.participants.exists():
            conversation.delete()
            return False
        conversation.direct_key = None
        conversation.save(update_fields=["direct_key"])
    return True
