"""JSON shapes shared by REST responses and WebSocket events.

The serializers render users and messages with these functions and the
events sent to sockets carry the same shapes, so a client parses one
format.  This module needs neither the serializers nor the services (both
import it), so events can be built anywhere without an import cycle.
"""
from rest_framework import serializers

_DATETIME = serializers.DateTimeField()


def datetime_or_none(value):
    """Render a datetime exactly as DRF's DateTimeField does (None stays None)."""
    return None if value is None else _DATETIME.to_representation(value)


def public_user(user) -> dict:
    """A user's public fields: what other people may see."""
    return public_user_fields(user.pk, user.username, user.first_name, user.last_name)


def public_user_fields(user_id, username: str, first_name: str, last_name: str) -> dict:
    """``public_user`` from the column values (lists read them without model instances)."""
    return {
        "user_id": str(user_id),
        "username": username,
        "first_name": first_name,
        "last_name": last_name,
        "full_name": f"{first_name} {last_name}".strip(),
    }


def message_payload(message) -> dict:
    """A message as the REST API shows it (the sender must be loaded)."""
    return {
        "message_id": str(message.pk),
        "conversation": str(message.conversation_id),
        "sender": public_user(message.sender),
        "message_body": message.message_body,
        "sent_at": datetime_or_none(message.sent_at),
        "edited_at": datetime_or_none(message.edited_at),
        "seq": message.seq,
        "deleted_at": datetime_or_none(message.deleted_at),
        "mentions": list(message.mentions or []),
    }


def last_message_payload(message) -> dict | None:
    """A conversation's newest message as its summary shows it (None for none).

    ``deleted_at`` says when it was deleted (its body is then empty), so a
    client need not guess from the body.
    """
    if message is None:
        return None
    return {
        "message_id": str(message.pk),
        "sender": user_id_or_none(message.sender_id),
        "message_body": message.message_body,
        "sent_at": datetime_or_none(message.sent_at),
        "deleted_at": datetime_or_none(message.deleted_at),
    }


def message_event(kind: str, message) -> dict:
    """A ``message.created`` / ``message.updated`` / ``message.deleted`` event."""
    return {"type": kind, "conversation": str(message.conversation_id), "seq": message.seq,
            "message": message_payload(message)}


def user_id_or_none(pk):
    """A user id as JSON carries it (None stays None)."""
    return None if pk is None else str(pk)


def conversation_updated_event(conversation_id, participants, *, owner=None, added=(),
                               removed=(), deleted: bool = False, direct: bool = False) -> dict:
    """A ``conversation.updated`` event: who is in it now, who owns it, who
    joined, who left, and whether it is direct (nobody joins it, nobody owns
    it), as the conversation's ``direct`` says."""
    event = {"type": "conversation.updated", "conversation": str(conversation_id),
             "participants": sorted(str(pk) for pk in participants),
             "owner": user_id_or_none(owner), "direct": direct,
             "added": sorted(str(pk) for pk in added),
             "removed": sorted(str(pk) for pk in removed)}
    if deleted:
        event["deleted"] = True
    return event


def read_event(conversation_id, user_id, last_read_seq: int) -> dict:
    """A ``read`` event: a member's read position moved."""
    return {"type": "read", "conversation": str(conversation_id), "user_id": str(user_id),
            "last_read_seq": last_read_seq}


def typing_event(conversation_id, user_id) -> dict:
    """A ``typing`` event: a member is typing in a conversation."""
    return {"type": "typing", "conversation": str(conversation_id), "user_id": str(user_id)}
