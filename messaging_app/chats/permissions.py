"""Who may see and change conversations and messages."""
import functools
import uuid

from django.db import connection
from rest_framework.exceptions import NotFound
from rest_framework.permissions import BasePermission

from .models import Conversation, Message, User

WRITE_METHODS = ("PUT", "PATCH", "DELETE")


@functools.cache
def _membership_sql() -> str:
    """The membership query, written once: ORM-building it cost more than running it."""
    quote = connection.ops.quote_name
    through = Conversation.participants.through._meta
    table = quote(Conversation._meta.db_table)
    pk = quote(Conversation._meta.pk.column)
    return (f"SELECT {table}.{quote('last_seq')}, {table}.{quote('purged_count')}, "
            f"EXISTS(SELECT 1 FROM {quote(through.db_table)} m "
            f"WHERE m.{quote('conversation_id')} = {table}.{pk} AND m.{quote('user_id')} = %s) "
            f"FROM {table} WHERE {table}.{pk} = %s")


def conversation_state(request, conversation_pk) -> dict:
    """Return ``{"member": bool, "message_count": int}`` for the requester
    and a conversation, from one query whose answer is kept on the request.

    Raise NotFound for a malformed or unknown id.
    """
    cache = request.__dict__.setdefault("_chats_membership", {})
    key = str(conversation_pk)
    if key not in cache:
        try:
            pk = uuid.UUID(key)
        except ValueError:
            raise NotFound("No conversation has this id.") from None
        params = [User._meta.pk.get_db_prep_value(request.user.pk, connection),
                  Conversation._meta.pk.get_db_prep_value(pk, connection)]
        with connection.cursor() as cursor:
            cursor.execute(_membership_sql(), params)
            row = cursor.fetchone()
        if row is None:
            raise NotFound("No conversation has this id.")
        last_seq, purged, member = row
        cache[key] = {"member": bool(member), "message_count": last_seq - purged}
    return cache[key]


def membership(request, conversation_pk) -> bool:
    """Return True/False for the requester's membership of a conversation.

    Raise NotFound for a malformed or unknown id.  One query, whose answer is
    kept on the request so later checks in the same request are free.
    """
    return conversation_state(request, conversation_pk)["member"]


class IsParticipantOfConversation(BasePermission):
    """Allow only authenticated participants of the conversation concerned.

    Participants read and post; ``PUT``, ``PATCH`` and ``DELETE`` also need a
    participant, and on a message, its sender.  On nested routes
    (``/conversations/{conversation_pk}/messages/``) membership is checked
    before the view runs, so a non-participant gets 403 even on a list.
    """

    message = "You are not a participant of this conversation."
    code = "not_participant"

    def has_permission(self, request, view) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        conversation_pk = view.kwargs.get("conversation_pk")
        if conversation_pk is not None:
            return membership(request, conversation_pk)
        return True

    def has_object_permission(self, request, view, obj) -> bool:
        if isinstance(obj, Message):
            if not membership(request, obj.conversation_id):
                return False
            if request.method in WRITE_METHODS and obj.sender_id != request.user.pk:
                self.message = "Only the sender may edit or delete this message."
                self.code = "not_sender"
                return False
            return True
        if isinstance(obj, Conversation):
            # Reads, posts and PUT/PATCH/DELETE alike need a participant.
            return membership(request, obj.pk)
        return False
