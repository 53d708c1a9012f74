"""Every write to conversations and messages goes through these functions.

Views, the admin actions, ``seed_demo`` and later the real-time layer call
them, so a rule (or an event published after commit) lives in one place.
"""
import hashlib
import json
import secrets
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework import status
from rest_framework.exceptions import APIException, NotFound, ValidationError

from .mentions import set_mentions, store_mention_rows
from .realtime import events
from .models import (Conversation, IdempotencyKey, Message, MessageEdit, ReadMarker,
                     WebSocketTicket)
from .payloads import conversation_updated_event, read_event
from .queries import read_position_in


class IdempotencyKeyReused(APIException):
    """The Idempotency-Key was already used with a different request."""

    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = "This Idempotency-Key was already used for a different message."
    default_code = "idempotency_key_reused"


class MessageDeleted(APIException):
    """A deleted message cannot be edited."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = "This message was deleted."
    default_code = "message_deleted"


def send_message(*, conversation_id, sender, body: str) -> Message:
    """Store a message from sender in a conversation and return it.

    ``Message.save`` first runs ``allocate_seq`` (``UPDATE conversation SET
    last_seq = last_seq + 1, last_message = it, ... RETURNING last_seq``):
    the row lock it takes queues concurrent sends to one conversation, so
    each gets the next ``seq`` and a ``sent_at`` no earlier than the
    previous one.  The sender has read their own message without a marker
    write (see ``queries.with_read_position``); ``message.created`` is
    published after commit (``chats.signals``).
    Raise NotFound if the conversation does not exist.
    """
    with transaction.atomic():
        # sent_at=None: Message.save stamps it once the seq is allocated.
        message = Message(conversation_id=conversation_id, sender=sender,
                          message_body=body, sent_at=None)
        set_mentions(message)
        try:
            message.save(force_insert=True)
        except Conversation.DoesNotExist:
            raise NotFound("No conversation has this id.") from None
        if message.mentions:
            store_mention_rows(message)
    return message


def request_hash(conversation_id, body: str) -> str:
    """What an idempotent send asked for, as a digest."""
    raw = json.dumps([str(conversation_id), body], ensure_ascii=True)
    return hashlib.sha256(raw.encode()).hexdigest()


def send_message_once(*, conversation_id, sender, body: str, key: str):
    """Send at most once per ``(sender, key)`` within 24 hours.

    Return ``(message, created)``.  The key row is inserted in the same
    transaction as the message: a concurrent request with the same key
    blocks on the unique index (PostgreSQL) or the write lock (SQLite) until
    the first commits, then finds its row and returns the same message.
    Raise IdempotencyKeyReused if the key was used for another request.
    """
    digest = request_hash(conversation_id, body)
    cutoff = timezone.now() - timedelta(hours=IdempotencyKey.TTL_HOURS)
    for _ in range(3):
        existing = (IdempotencyKey.objects.filter(user=sender, key=key)
                    .select_related("message__sender").first())
        if existing is not None and existing.created_at >= cutoff:
            if existing.request_hash != digest or existing.message is None:
                raise IdempotencyKeyReused()
            return existing.message, False
        try:
            with transaction.atomic():
                if existing is not None:
                    IdempotencyKey.objects.filter(pk=existing.pk).delete()
                record = IdempotencyKey.objects.create(user=sender, key=key,
                                                       request_hash=digest)
                message = send_message(conversation_id=conversation_id, sender=sender,
                                       body=body)
                IdempotencyKey.objects.filter(pk=record.pk).update(message=message)
            return message, True
        except IntegrityError:
            continue  # another request with this key won: read its result
    raise IdempotencyKeyReused("This Idempotency-Key is being used by another request.")


def edit_message(message: Message, body: str) -> Message:
    """Replace a message's body, keeping the previous one in its history."""
    if message.deleted_at is not None:
        raise MessageDeleted()
    if body == message.message_body:
        return message
    now = timezone.now()
    with transaction.atomic():
        MessageEdit.objects.create(message=message, message_body=message.message_body,
                                   written_at=message.edited_at or message.sent_at,
                                   replaced_at=now)
        message.message_body = body
        message.edited_at = now
        set_mentions(message)
        message.save(update_fields=["message_body", "edited_at", "mentions"])
        store_mention_rows(message)
    return message


def delete_message(message: Message) -> None:
    """Soft-delete a message: blank its body and history, keep its seq.

    Deleting again changes nothing.
    """
    if message.deleted_at is not None:
        return
    with transaction.atomic():
        MessageEdit.objects.filter(message=message).delete()
        message.message_body = ""
        message.deleted_at = timezone.now()
        message.mentions = []
        message.save(update_fields=["message_body", "deleted_at", "mentions"])
        store_mention_rows(message)


def mark_read(conversation: Conversation, user, seq: int) -> int:
    """Move user's read marker in a conversation forward to seq.

    A marker never moves back (an older seq leaves it where it is); a seq
    beyond the newest message is refused.  ``read`` is published when the
    marker moved.  Return the effective read position (the marker, or the
    user's own newest message if later).
    """
    if seq > conversation.last_seq:
        raise ValidationError({"seq": [f"The newest message is {conversation.last_seq}."]},
                              code="beyond_last_seq")
    markers = ReadMarker.objects.filter(conversation=conversation, user=user)
    with transaction.atomic():
        moved = markers.filter(last_read_seq__lt=seq).update(last_read_seq=seq)
        if not moved and not markers.exists():
            try:
                with transaction.atomic():
                    ReadMarker.objects.create(conversation=conversation, user=user,
                                              last_read_seq=seq)
                moved = 1
            except IntegrityError:
                moved = markers.filter(last_read_seq__lt=seq).update(last_read_seq=seq)
        current = read_position_in(conversation.pk, user)
        if moved:
            events.publish_conversation(conversation.pk,
                                        read_event(conversation.pk, user.pk, current))
    return current


def create_conversation(*, creator, users, title: str = ""):
    """Return ``(conversation, created)`` for creator and the other users.

    users must already include creator, who owns a new group.  Two people
    without a title make a direct conversation, which has no owner: if theirs
    exists it is returned with ``created=False`` (a unique key makes this
    hold under concurrent requests too).
    """
    direct_key = None
    if len(users) == 2 and not title:
        direct_key = Conversation.direct_key_for(*[u.pk for u in users])
        existing = Conversation.objects.filter(direct_key=direct_key).first()
        if existing is not None:
            return existing, False
    try:
        with transaction.atomic():
            conversation = Conversation.objects.create(
                title=title, direct_key=direct_key, owner=None if direct_key else creator)
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
    """Delete a conversation with its messages; its members are told."""
    with transaction.atomic():
        members = list(conversation.participants.values_list("pk", flat=True))
        event = conversation_updated_event(conversation.pk, [], removed=members, deleted=True)
        for user_id in members:
            events.publish_membership(user_id, conversation.pk, "leave",
                                      conversation.last_seq, event)
        conversation.delete()


def add_participants(conversation: Conversation, users, *, by=None) -> Conversation:
    """Add users to a conversation.

    A direct conversation that gains someone new becomes a group owned by
    by, the member who added them (without by: its longest-standing member,
    see ``Conversation.owner_among``).
    """
    with transaction.atomic():
        members = set(conversation.participants.values_list("pk", flat=True))
        fields = ["last_activity_at"]
        if conversation.direct_key and any(user.pk not in members for user in users):
            conversation.direct_key = None
            conversation.owner = by
            fields += ["direct_key", "owner"]
        conversation.last_activity_at = timezone.now()
        conversation.save(update_fields=fields)
        # chats.signals gives a group without an owner one, and announces the change.
        conversation.participants.add(*users)
    if conversation.owner_id is None and conversation.direct_key is None:
        conversation.refresh_from_db(fields=["owner"])
    return conversation


def remove_participant(conversation: Conversation, user) -> bool:
    """Remove user from a conversation; delete it when nobody is left.

    It stops being a direct conversation.  When user owned it, or it was
    direct, the longest-standing member left owns it (``chats.signals``).
    Return True if the conversation still exists afterwards.
    """
    with transaction.atomic():
        if conversation.direct_key is not None:
            conversation.direct_key = None
            conversation.save(update_fields=["direct_key"])
        conversation.participants.remove(user)
        if not conversation.participants.exists():
            conversation.delete()
            return False
    return True


def hand_over(conversation: Conversation, user) -> Conversation:
    """Make user, an active participant, the conversation's owner; its members
    get ``conversation.updated`` with the new owner.

    The conversation row is locked first, as ``chats.signals`` locks it when
    members change, so the new owner cannot leave in between.  Raise
    ValidationError (``owner``) if user is not an active participant.
    """
    with transaction.atomic():
        current = (Conversation.objects.select_for_update().filter(pk=conversation.pk)
                   .values_list("owner", flat=True).first())
        members = dict(conversation.participants.values_list("pk", "is_active"))
        if not members.get(user.pk):
            raise ValidationError(
                {"owner": [f"{user.username} is not an active participant of this "
                           "conversation; only participants can own it."]},
                code="not_participant")
        conversation.owner = user
        if current != user.pk:
            conversation.save(update_fields=["owner"])
            events.publish_conversation(conversation.pk, conversation_updated_event(
                conversation.pk, members, owner=user.pk))
    return conversation


def issue_ticket(user, since: dict, session_id: str, auth_expires_at) -> str:
    """Return a new single-use WebSocket ticket for user (expired ones are swept).

    Only a SHA-256 of the ticket is stored, with the resume positions
    ``since`` (conversation id to the last seq the client saw) and the login
    it was asked with (``revocation.login_of``): the socket it opens closes
    when that login ends.
    """
    now = timezone.now()
    WebSocketTicket.objects.filter(expires_at__lt=now).delete()
    ticket = secrets.token_urlsafe(32)
    WebSocketTicket.objects.create(
        digest=hashlib.sha256(ticket.encode()).hexdigest(), user=user, since=since,
        expires_at=now + timedelta(seconds=WebSocketTicket.TTL_SECONDS),
        session_id=session_id, auth_expires_at=auth_expires_at)
    return ticket
