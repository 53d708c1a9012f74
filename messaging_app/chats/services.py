"""Every write to conversations and messages goes through these functions.

Views, the admin actions and ``seed_demo`` call them, so a rule lives in one
place, and so does each event: a write publishes what it changed here,
after commit (``realtime.events`` schedules with ``transaction.on_commit``).
The owner rule (who owns a group after a join, a leave, a removal or an
account deletion) is ``settle_owner``.

Writes made outside these functions (admin forms, the shell, tests that
call ``participants.add`` or ``Message.objects.create``) reach the same
code through ``chats.signals``, which stands aside while a function here
is writing (``writing()``).
"""
import contextvars
import hashlib
import json
import re
import secrets
from contextlib import contextmanager
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import F, Subquery, UUIDField
from django.db.models.functions import Coalesce, Lower
from django.utils import timezone
from rest_framework import status
from rest_framework.exceptions import APIException, NotFound, PermissionDenied, ValidationError

from .models import (NO_CONVERSATION, Conversation, IdempotencyKey, Mention, Message,
                     MessageEdit, ReadMarker, WebSocketTicket)
from .payloads import conversation_updated_event, message_event, read_event
from .queries import read_position_in
from .realtime import events

_writing = contextvars.ContextVar("chats_services_writing", default=False)


@contextmanager
def _service_write():
    """Mark the writes made inside as this module's (see ``writing``)."""
    token = _writing.set(True)
    try:
        yield
    finally:
        _writing.reset(token)


def writing() -> bool:
    """True while a function of this module is writing: it publishes its own
    events, so ``chats.signals`` must not publish them again."""
    return _writing.get()


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
    published after commit.
    Raise NotFound if the conversation does not exist.  Called inside a
    caller's transaction it makes no savepoint: an error rolls back the
    caller's whole transaction (both callers let it propagate).
    """
    with _service_write(), transaction.atomic(savepoint=False):
        # sent_at=None: Message.save stamps it once the seq is allocated.
        message = Message(conversation_id=conversation_id, sender=sender,
                          message_body=body, sent_at=None)
        set_mentions(message)
        try:
            message.save(force_insert=True)
        except Conversation.DoesNotExist:
            raise NotFound(NO_CONVERSATION) from None
        if message.mentions:
            store_mention_rows(message, replacing=False)
        announce_message(message, created=True)
    return message


def announce_message(message: Message, *, created: bool = False) -> None:
    """After commit, send ``message.created`` (a new message), ``message.deleted``
    (a deleted one) or ``message.updated`` to the conversation's members."""
    if created:
        kind = "message.created"
    elif message.deleted_at is not None:
        kind = "message.deleted"
    else:
        kind = "message.updated"
    events.publish_conversation(message.conversation_id, message_event(kind, message))


def request_hash(conversation_id, body: str) -> str:
    """What an idempotent send asked for, as a digest."""
    raw = json.dumps([str(conversation_id), body], ensure_ascii=True)
    return hashlib.sha256(raw.encode()).hexdigest()


def send_message_once(*, conversation_id, sender, body: str, key: str):
    """Send at most once per ``(sender, key)`` within 24 hours.

    Return ``(message, created)``.  A new key, the usual case, costs no
    lookup: the message is stored and the key row, naming it, inserted in the
    same transaction.  A key already stored fails on its unique index; the
    transaction is rolled back (the message, its seq and its event with it)
    and the stored row answers: the same message for the same request, or
    IdempotencyKeyReused for another.  Of two concurrent requests with one
    key the second waits for the first (the conversation's row lock, the
    unique index or SQLite's write lock), then fails the same way.  A key
    older than ``TTL_HOURS`` is deleted and the send tried again.
    """
    digest = request_hash(conversation_id, body)
    for _ in range(3):
        try:
            with transaction.atomic():
                message = send_message(conversation_id=conversation_id, sender=sender,
                                       body=body)
                IdempotencyKey.objects.create(user=sender, key=key, request_hash=digest,
                                              message=message)
            return message, True
        except IntegrityError:
            pass  # the key is stored: read what it answered
        existing = (IdempotencyKey.objects.filter(user=sender, key=key)
                    .select_related("message__sender").first())
        if existing is None:
            continue  # purged in between: send again
        cutoff = timezone.now() - timedelta(hours=IdempotencyKey.TTL_HOURS)
        if existing.created_at >= cutoff:
            if existing.request_hash != digest or existing.message is None:
                raise IdempotencyKeyReused()
            return existing.message, False
        IdempotencyKey.objects.filter(pk=existing.pk, created_at__lt=cutoff).delete()
    raise IdempotencyKeyReused("This Idempotency-Key is being used by another request.")


def edit_message(message: Message, body: str) -> Message:
    """Replace a message's body, keeping the previous one in its history."""
    if message.deleted_at is not None:
        raise MessageDeleted()
    if body == message.message_body:
        return message
    now = timezone.now()
    with _service_write(), transaction.atomic():
        MessageEdit.objects.create(message=message, message_body=message.message_body,
                                   written_at=message.edited_at or message.sent_at,
                                   replaced_at=now)
        message.message_body = body
        message.edited_at = now
        set_mentions(message)
        message.save(update_fields=["message_body", "edited_at", "mentions"])
        store_mention_rows(message)
        announce_message(message)
    return message


def delete_message(message: Message) -> None:
    """Soft-delete a message: blank its body and history, keep its seq.

    Deleting again changes nothing.
    """
    if message.deleted_at is not None:
        return
    with _service_write(), transaction.atomic():
        MessageEdit.objects.filter(message=message).delete()
        message.message_body = ""
        message.deleted_at = timezone.now()
        message.mentions = []
        message.save(update_fields=["message_body", "deleted_at", "mentions"])
        store_mention_rows(message)
        announce_message(message)


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
    without a title make a direct conversation (``is_direct``), which has no
    owner: if theirs exists (both still in it) it is returned with
    ``created=False`` (the unique ``direct_key`` makes this hold under
    concurrent requests too).  Once one of them has left, their key is free
    and this makes them a fresh one.
    """
    direct_key = None
    if len(users) == 2 and not title:
        direct_key = Conversation.direct_key_for(*[u.pk for u in users])
        existing = Conversation.objects.filter(direct_key=direct_key).first()
        if existing is not None:
            return existing, False
    try:
        with _service_write(), transaction.atomic():
            conversation = Conversation.objects.create(
                title=title, direct_key=direct_key, is_direct=direct_key is not None,
                owner=None if direct_key else creator)
            conversation.participants.add(*users)
            members_changed(conversation.pk, added=[user.pk for user in users])
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
        event = conversation_updated_event(conversation.pk, [], removed=members, deleted=True,
                                           direct=conversation.is_direct)
        for user_id in members:
            events.publish_membership(user_id, conversation.pk, "leave",
                                      conversation.last_seq, event)
        conversation.delete()


class DirectConversationClosed(PermissionDenied):
    """Someone new for a direct conversation: it stays between its two people,
    even after one of them has left."""

    default_code = "direct_conversation"
    default_detail = ("A direct conversation stays between its two people: start a new "
                      "group with them and whoever you want to add (POST /api/conversations/).")


def add_participants(conversation: Conversation, users) -> Conversation:
    """Add users to a conversation; the members and the newcomers are told.

    A direct conversation stays between its two people for its whole life:
    anyone new is refused (``DirectConversationClosed``, 403
    ``direct_conversation``), after one of them left too (that one
    included), so that neither can show the other's private history to a
    third person.
    """
    with _service_write(), transaction.atomic():
        members = set(conversation.participants.values_list("pk", flat=True))
        added = [user.pk for user in users if user.pk not in members]
        refuse_newcomers(conversation.is_direct, added)
        conversation.last_activity_at = timezone.now()
        conversation.save(update_fields=["last_activity_at"])
        conversation.participants.add(*users)
        if added:
            conversation.owner_id = members_changed(conversation.pk, added=added)
    return conversation


def refuse_newcomers(is_direct: bool, added) -> None:
    """Raise DirectConversationClosed if anyone joins a direct conversation."""
    if is_direct and added:
        raise DirectConversationClosed()


def remove_participant(conversation: Conversation, user) -> bool:
    """Remove user from a conversation; delete it when nobody is left.

    A direct conversation frees its pair's key (``members_changed``) and
    stays direct, with no owner; ``settle_owner`` says who owns what is left
    of a group.  Return True if the conversation still exists afterwards.
    """
    with _service_write(), transaction.atomic():
        conversation.participants.remove(user)
        members_changed(conversation.pk, removed=[user.pk])
        conversation.direct_key = None
        if not conversation.participants.exists():
            conversation.delete()
            return False
    return True


def members_of(conversation_id, exclude=None) -> list:
    """A conversation's member ids, longest-standing first (by join row)."""
    rows = Conversation.participants.through.objects.filter(conversation_id=conversation_id)
    if exclude is not None:
        rows = rows.exclude(user_id=exclude)
    return list(rows.order_by("id").values_list("user_id", flat=True))


def settle_owner(conversation_id, *, leaving=None):
    """Apply the owner rule to a conversation whose members just changed;
    return its owner id (None for none), as stored.

    The rule: a direct conversation has no owner, even after one of the two
    left (``is_direct``); a group's owner stays while still a member; when
    they are gone (or there was none) the longest-standing member owns it;
    an empty conversation has no owner.
    ``leaving`` is a member about to go without a membership change of its
    own (an account being deleted).  The caller holds the conversation's
    row lock (``members_changed`` takes it), so a concurrent hand-over sees
    the members as they are.
    """
    row = (Conversation.objects.filter(pk=conversation_id)
           .values_list("owner_id", "is_direct").first())
    if row is None:
        return None
    owner, is_direct = row
    members = members_of(conversation_id, exclude=leaving)
    if is_direct or not members:
        settled = None
    else:
        settled = owner if owner in members else members[0]
    if settled != owner:
        Conversation.objects.filter(pk=conversation_id).update(owner=settled)
    return settled


def members_changed(conversation_id, *, added=(), removed=()):
    """Settle the owner of a conversation whose members changed, then, after
    commit, publish ``conversation.updated`` to its members and tell each
    added or removed user to join or leave it.  Return the owner id.

    The conversation row is locked first, so that the event carries the
    members and owner as they now are.  When someone left a direct
    conversation its pair's key is freed (the two may start a fresh one).
    """
    last_seq, is_direct = (Conversation.objects.select_for_update().filter(pk=conversation_id)
                           .values_list("last_seq", "is_direct").first()) or (0, False)
    if removed and is_direct:
        Conversation.objects.filter(pk=conversation_id).update(direct_key=None)
    owner = settle_owner(conversation_id)
    event = conversation_updated_event(conversation_id, members_of(conversation_id),
                                       owner=owner, added=added, removed=removed,
                                       direct=is_direct)
    events.publish_conversation(conversation_id, event)
    for user_id, action in [*((pk, "join") for pk in added), *((pk, "leave") for pk in removed)]:
        events.publish_membership(user_id, conversation_id, action, last_seq, event)
    return owner


def account_leaving(user) -> None:
    """Before an account is deleted, hand the groups it owns over as if it had
    left (``settle_owner``).  Nothing is published, as for the account's
    departure itself (its participant rows go without a membership change)."""
    with transaction.atomic():
        for conversation_id in (Conversation.objects.select_for_update().filter(owner=user)
                                .values_list("pk", flat=True)):
            settle_owner(conversation_id, leaving=user.pk)


def purged(message: Message) -> None:
    """Keep a conversation's summary right after one of its messages was
    hard-deleted (the admin, the shell, a sender's account removed; the API
    only soft-deletes).

    ``purged_count`` counts the message, so ``Conversation.message_count``
    stays exact without counting rows; if it was the newest message, the
    foreign key's ``SET_NULL`` has just cleared ``last_message``, which then
    points at the newest message left.  Nothing is published.
    """
    newest_left = (Message.objects.filter(conversation_id=message.conversation_id)
                   .order_by("-seq").values("pk")[:1])
    Conversation.objects.filter(pk=message.conversation_id).update(
        purged_count=F("purged_count") + 1,
        last_message=Coalesce("last_message", Subquery(newest_left), output_field=UUIDField()))


def hand_over(conversation: Conversation, user) -> Conversation:
    """Make user, an active participant, the conversation's owner; its members
    get ``conversation.updated`` with the new owner.

    The conversation row is locked first, as ``members_changed`` locks it,
    so the new owner cannot leave in between.  Raise
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
                conversation.pk, members, owner=user.pk, direct=conversation.is_direct))
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
        digest=WebSocketTicket.digest_of(ticket), user=user, since=since,
        expires_at=now + timedelta(seconds=WebSocketTicket.TTL_SECONDS),
        session_id=session_id, auth_expires_at=auth_expires_at)
    return ticket


# ---- mentions ----------------------------------------------------------------
# Who a message mentions: "@username" naming a member of its conversation
# (any case; not the sender).  send_message, edit_message and delete_message
# call set_mentions before saving (Message.mentions, the API's `mentions`,
# carried by events) and store_mention_rows after (Mention rows, which unread
# mention counts read).

# "@" then a username's characters (Django's: letters, digits, @ . + - _),
# not inside a word or an e-mail address ("dana@example.com" names nobody).
MENTION = re.compile(r"(?<![\w@.+-])@([\w.+-]+)")


def named_usernames(body: str) -> list[str]:
    """The lowercased usernames body names, in order, without repeats (a
    trailing full stop or hyphen is punctuation, not part of the name)."""
    names = []
    for match in MENTION.finditer(body):
        name = match.group(1).rstrip(".-").lower()
        if name and name not in names:
            names.append(name)
    return names


def mentioned_ids(conversation_id, body: str, sender_id) -> list[str]:
    """Ids (strings) of the members other than the sender that body names."""
    names = named_usernames(body)
    if not names:
        return []
    rows = (Conversation.participants.through.objects
            .filter(conversation_id=conversation_id)
            .annotate(name=Lower("user__username")).filter(name__in=names)
            .exclude(user_id=sender_id).values_list("name", "user_id"))
    by_name = dict(rows)
    return [str(by_name[name]) for name in names if name in by_name]


def set_mentions(message: Message) -> None:
    """Set message.mentions from its body, before it is saved (so the event
    published on save carries them); a deleted message mentions no one."""
    message.mentions = [] if message.deleted_at else mentioned_ids(
        message.conversation_id, message.message_body, message.sender_id)


def store_mention_rows(message: Message, *, replacing: bool = True) -> None:
    """Make message's Mention rows match message.mentions (after it is saved,
    in the same transaction); ``replacing=False``: a new message has none yet."""
    if replacing:
        Mention.objects.filter(message=message).delete()
    Mention.objects.bulk_create([
        Mention(message=message, user_id=user_id, conversation_id=message.conversation_id,
                seq=message.seq) for user_id in message.mentions])
