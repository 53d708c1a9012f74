"""The read side: every queryset and page the API serves, built with the ORM.

Views pick one of these and hand it to a serializer and a paginator; every
write lives in ``chats.services``.  Each list costs a fixed number of
queries whatever its length (``chats/tests/test_queries.py`` holds them):

- the conversation list is one query (each conversation joined to its
  newest message, with the requester's read position; the total comes with
  the page, see ``pagination.TotalOnRowsPaginator``) plus one for the
  participants;
- a page of a conversation's messages is one query after the participant
  check, which also reads the conversation's message count from its row.

Page-number lists read their pages in two steps (``DeferredJoinPages``).
"""
import uuid

from django.db.models import BigIntegerField, Func, OuterRef, Prefetch, Subquery
from django.db.models.functions import Coalesce, Greatest
from rest_framework.exceptions import NotFound

from .models import (NEWEST_FIRST, NO_CONVERSATION, Conversation, Mention, Message, ReadMarker,
                     User)
from .pagination import LIST_TOTAL
from .payloads import datetime_or_none, public_user_fields

# What other people may see of a user: the columns a response needs.
PUBLIC_USER_FIELDS = ("user_id", "username", "first_name", "last_name")
MESSAGE_FIELDS = ("message_id", "conversation_id", "message_body", "sent_at", "edited_at",
                  "seq", "deleted_at", "mentions",
                  *(f"sender__{name}" for name in PUBLIC_USER_FIELDS))
# Messages nested in a conversation's detail (the full list is paginated).
RECENT_MESSAGES = 20


def public_users():
    """Users with only their public columns loaded."""
    return User.objects.only(*PUBLIC_USER_FIELDS)


def participant_conversation(user, conversation_pk):
    """The conversation if user takes part in it, else None; only its
    counters are loaded (for ``message_count``), in one query.

    Raise NotFound for a malformed or unknown conversation id.
    """
    try:
        pk = uuid.UUID(str(conversation_pk))
    except ValueError:
        raise NotFound(NO_CONVERSATION) from None
    found = list(Conversation.objects.filter(pk=pk, participants=user)
                 .only("last_seq", "purged_count")[:1])
    if not found and not Conversation.objects.filter(pk=pk).exists():
        raise NotFound(NO_CONVERSATION)
    return found[0] if found else None


def read_position(conversation, user):
    """How far user has read conversation, as an expression (ids or ``OuterRef``s).

    Their read marker, or the seq of their own newest message when later
    (you have read what you wrote, so a send needs no marker write); 0
    before either.  Two index seeks: the marker's unique key and
    ``(conversation, sender, seq)``.
    """
    marker = (ReadMarker.objects.filter(conversation=conversation, user=user)
              .values("last_read_seq")[:1])
    own_newest = (Message.objects.filter(conversation=conversation, sender=user)
                  .order_by("-seq").values("seq")[:1])
    return Greatest(Coalesce(Subquery(marker), 0, output_field=BigIntegerField()),
                    Coalesce(Subquery(own_newest), 0, output_field=BigIntegerField()))


def with_read_position(queryset, user):
    """Annotate each conversation with ``my_last_read_seq``: user's read position."""
    return queryset.annotate(my_last_read_seq=read_position(OuterRef("pk"), user))


def deleted_after(conversation, seq):
    """How many deleted messages of conversation lie after seq, as an
    expression (ids or ``OuterRef``s): they are not unread, having nothing
    to read.  Reads only the messages after seq (the ``(conversation, seq)`` key)."""
    return Coalesce(count_of(Message.objects.filter(
        conversation=conversation, seq__gt=seq, deleted_at__isnull=False)), 0,
        output_field=BigIntegerField())


def unread_mentions(conversation, user, seq):
    """How many messages of conversation after seq mention user, as an expression."""
    return Coalesce(count_of(Mention.objects.filter(user=user, conversation=conversation,
                                                    seq__gt=seq)), 0,
                    output_field=BigIntegerField())


def with_unread(queryset, user):
    """``with_read_position`` plus ``my_deleted_unread``, the deleted messages
    after it (the unread count is ``last_seq`` minus both), and
    ``my_unread_mentions``, the messages after it that mention user."""
    return with_read_position(queryset, user).annotate(
        my_deleted_unread=deleted_after(OuterRef("pk"), OuterRef("my_last_read_seq")),
        my_unread_mentions=unread_mentions(OuterRef("pk"), user, OuterRef("my_last_read_seq")))


def unread_mentions_in(conversation_pk, user, seq: int) -> int:
    """How many messages of one conversation after seq mention user."""
    return Mention.objects.filter(user=user, conversation_id=conversation_pk,
                                  seq__gt=seq).count()


def deleted_after_in(conversation_pk, seq: int) -> int:
    """How many deleted messages of one conversation lie after seq."""
    return (Conversation.objects.filter(pk=conversation_pk)
            .annotate(n=deleted_after(OuterRef("pk"), seq)).values_list("n", flat=True)
            .first() or 0)


def read_position_in(conversation_pk, user) -> int:
    """User's read position in one conversation."""
    return (with_read_position(Conversation.objects.filter(pk=conversation_pk), user)
            .values_list("my_last_read_seq", flat=True).first() or 0)


def read_positions(conversation_pk) -> list:
    """``[{"user_id", "last_read_seq"}]`` for every member, by user id (one query)."""
    rows = (Conversation.participants.through.objects.filter(conversation_id=conversation_pk)
            .annotate(position=read_position(OuterRef("conversation_id"), OuterRef("user_id")))
            .order_by("user_id").values_list("user_id", "position"))
    return [{"user_id": str(user_id), "last_read_seq": position} for user_id, position in rows]


def attach_participants(conversations) -> None:
    """Set ``participant_list`` on each conversation of a page: its members'
    public fields, by username, read for the whole page in one query (as
    plain values: building a User instance per member cost more than the
    rest of the page).
    """
    from .realtime.presence import online_states

    members = {conversation.pk: [] for conversation in conversations}
    rows = (Conversation.participants.through.objects.filter(conversation_id__in=list(members))
            .order_by("user__username")
            .values_list("conversation_id", "user__last_seen_at",
                         *(f"user__{name}" for name in PUBLIC_USER_FIELDS)))
    people = []
    for conversation_id, last_seen_at, *fields in rows:
        person = public_user_fields(*fields)
        person["last_seen_at"] = datetime_or_none(last_seen_at)
        members[conversation_id].append(person)
        people.append(person)
    # Presence: one Redis round trip for the page (no query).
    states = online_states(person["user_id"] for person in people)
    for person in people:
        person["online"] = states[person["user_id"]]
    for conversation in conversations:
        conversation.participant_list = members[conversation.pk]


def conversations_of(user):
    """User's conversations, as the list filters and orders them.

    Only ids are read from it (see ``conversation_pages``); each page's rows
    then come with everything the list shows.
    """
    return Conversation.objects.filter(participants=user)


def count_of(queryset) -> Subquery:
    """A scalar subquery: how many rows queryset holds (``SELECT COUNT(*) ...``)."""
    count = Func("pk", function="COUNT", output_field=BigIntegerField())
    return Subquery(queryset.order_by().annotate(n=count).values("n"))


def conversation_pages(conversations, ordering, user):
    """The conversation list as a Paginator's object list (``DeferredJoinPages``).

    A page's rows carry the newest message (one join), user's read position
    and ``LIST_TOTAL``, how many conversations the whole list holds, so the
    list needs no COUNT query; ``attach_participants`` adds the members.
    """
    rows = (with_unread(Conversation.objects.select_related("last_message"), user)
            .annotate(**{LIST_TOTAL: count_of(conversations)}).order_by(*ordering))
    return DeferredJoinPages(conversations, rows)


def conversation_detail(user):
    """Any conversation (permissions decide who sees it) with its recent messages,
    participants and user's read position."""
    recent = Message.objects.select_related("sender").order_by(*NEWEST_FIRST)[:RECENT_MESSAGES]
    return with_unread(
        Conversation.objects.select_related("last_message").prefetch_related(
            Prefetch("messages", queryset=recent, to_attr="recent_messages")), user)


def messages(queryset=None):
    """queryset (default: every message) with the sender's public fields
    joined, and only the columns responses use."""
    if queryset is None:
        queryset = Message.objects.all()
    return queryset.select_related("sender").only(*MESSAGE_FIELDS)


class DeferredJoinPages:
    """A list's page, read in two steps, as a Paginator's object list.

    Slicing first picks the page's ids from ``queryset`` (the list's
    filters and order, over narrow index columns only), then reads those rows
    alone by primary key from ``rows`` (ordered the same way), with their
    joins and annotations.  Otherwise the database builds every row it
    skips or sorts: on PostgreSQL, page 500 of a conversation's 20,000 messages took
    19 ms of SQL that way and 1.7 ms this way; on SQLite a 200-conversation
    list sorted whole joined rows to keep 20 (0.9 ms of SQL against 0.3).

    ``count`` is the list's length when the caller knows it (a conversation's
    unfiltered messages: the conversation row says), else ``queryset`` is counted.
    """

    ordered = True

    def __init__(self, queryset, rows, count=None):
        self.queryset = queryset
        self.rows = rows
        self.known_count = count

    def count(self) -> int:
        if self.known_count is None:
            return self.queryset.count()
        return self.known_count

    def __getitem__(self, window: slice) -> list:
        return list(self.rows.filter(pk__in=self.queryset.values("pk")[window]))
