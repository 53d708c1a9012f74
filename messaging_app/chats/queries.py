"""The read side: every queryset and page the API serves, built with the ORM.

Views pick one of these and hand it to a serializer and a paginator; every
write lives in ``chats.services``.  Each list costs a fixed number of
queries whatever its length (``chats/tests/test_queries.py`` holds them):

- the conversation list is one query (each conversation joined to its
  newest message and to the requester's read marker; the total comes with
  the page, see ``pagination.WindowCountPaginator``) plus one for the
  participants;
- a history page is one query after the membership check, which also
  reads the conversation's message count from its row.
"""
import uuid

from django.db.models import (BigIntegerField, Exists, FilteredRelation, OuterRef, Prefetch, Q,
                              Subquery)
from django.db.models.functions import Coalesce, Greatest
from rest_framework.exceptions import NotFound

from .models import NEWEST_FIRST, Conversation, Message, User

# What other people may see of a user: the columns a response needs.
PUBLIC_USER_FIELDS = ("user_id", "username", "first_name", "last_name")
MESSAGE_FIELDS = ("message_id", "conversation_id", "message_body", "sent_at", "edited_at",
                  "seq", "deleted_at", *(f"sender__{name}" for name in PUBLIC_USER_FIELDS))
# Messages nested in a conversation's detail (the full history is paginated).
RECENT_MESSAGES = 20


def public_users():
    """Users with only their public columns loaded."""
    return User.objects.only(*PUBLIC_USER_FIELDS)


def membership(request, conversation_pk) -> Conversation:
    """The conversation's counters, annotated ``is_member`` for the requester.

    One query, whose answer is kept on the request: the permission check and
    the view (which reads ``message_count`` from it) share it.  Raise
    NotFound for a malformed or unknown id.
    """
    known = vars(request).setdefault("conversation_memberships", {})
    key = str(conversation_pk)
    if key not in known:
        try:
            pk = uuid.UUID(key)
        except ValueError:
            raise NotFound("No conversation has this id.") from None
        members = Conversation.participants.through.objects.filter(
            conversation=OuterRef("pk"), user=request.user)
        conversation = (Conversation.objects.only("conversation_id", "last_seq", "purged_count")
                        .annotate(is_member=Exists(members)).filter(pk=pk).first())
        if conversation is None:
            raise NotFound("No conversation has this id.")
        known[key] = conversation
    return known[key]


def with_read_position(queryset, user):
    """Annotate ``my_last_read_seq``: how far user has read each conversation.

    That is their read marker (one LEFT JOIN on the marker's unique key), or
    the seq of their own newest message when later: you have read what you
    wrote, so a send needs no marker write.  The own-message seq is an index
    seek on ``(conversation, sender, seq)``.
    """
    own_newest = (Message.objects.filter(conversation=OuterRef("pk"), sender=user)
                  .order_by("-seq").values("seq")[:1])
    return queryset.annotate(
        my_marker=FilteredRelation("read_markers", condition=Q(read_markers__user=user)),
        my_last_read_seq=Greatest(
            Coalesce("my_marker__last_read_seq", 0, output_field=BigIntegerField()),
            Coalesce(Subquery(own_newest), 0, output_field=BigIntegerField())))


def read_position(conversation_pk, user) -> int:
    """User's read position in one conversation (see with_read_position)."""
    conversation = Conversation.objects.filter(pk=conversation_pk)
    return (with_read_position(conversation, user)
            .values_list("my_last_read_seq", flat=True).first() or 0)


def conversation_list(user):
    """User's conversations with their newest message, participants and read position."""
    return with_read_position(
        Conversation.objects.filter(participants=user).select_related("last_message")
        .prefetch_related(Prefetch("participants", queryset=public_users())), user)


def conversation_detail(user):
    """Any conversation (permissions decide who sees it) with its recent messages,
    participants and user's read position."""
    recent = Message.objects.select_related("sender").order_by(*NEWEST_FIRST)[:RECENT_MESSAGES]
    return with_read_position(
        Conversation.objects.select_related("last_message").prefetch_related(
            Prefetch("participants", queryset=public_users()),
            Prefetch("messages", queryset=recent, to_attr="recent_messages")), user)


def messages():
    """Messages with their sender's public fields, and only the columns responses use."""
    return Message.objects.select_related("sender").only(*MESSAGE_FIELDS)


def history(conversation_pk):
    """One conversation's messages (membership is checked by the caller)."""
    return messages().filter(conversation_id=conversation_pk)


def messages_visible_to(user):
    """Messages of every conversation user takes part in."""
    return messages().filter(conversation__participants=user)


class DeferredJoinPages:
    """A message queryset as a Paginator's object list, for page numbers.

    Slicing runs the OFFSET over the message ids alone (an index-only scan
    of the history index), then reads and joins only the page's rows:
    otherwise the database reads and joins every skipped row too (on
    PostgreSQL, page 500 of 20,000 messages took 19 ms of SQL that way,
    1.7 ms this way).  ``count`` is the number of messages when the caller
    knows it (an unfiltered history: the conversation row says), else the
    queryset is counted.
    """

    ordered = True

    def __init__(self, queryset, count=None):
        self.queryset = queryset
        self.known_count = count

    def count(self) -> int:
        if self.known_count is None:
            return self.queryset.count()
        return self.known_count

    def __getitem__(self, window: slice) -> list:
        page_ids = self.queryset.values("pk")[window]
        return list(self.queryset.filter(pk__in=page_ids))
