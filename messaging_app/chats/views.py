"""API views: users, conversations, messages.

Writes go through ``chats.services``; the views choose querysets,
serializers and permissions.  Lists cost a fixed number of queries whatever
their length (``chats/tests/test_queries.py`` holds the numbers).
"""
import functools
import hashlib
import secrets
import uuid
from datetime import UTC, datetime, timedelta

from django.db import connection, models
from django.db.models import OuterRef, Prefetch, Subquery
from django.db.models.query import ValuesListIterable
from django.utils import timezone
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (OpenApiParameter, OpenApiResponse, extend_schema,
                                   extend_schema_view)
from rest_framework import viewsets, status, filters
from rest_framework import mixins, permissions
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from . import services
from .revocation import login_of
from .filters import MessageFilter, MessageFilterBackend
from .models import Conversation, Message, User, WebSocketTicket, effective_read_seq
from .pagination import MessageCursorPagination, MessagePagination
from .permissions import IsParticipantOfConversation, conversation_state, membership
from .serializers import (ConversationCreateSerializer, ConversationDetailSerializer,
                          ConversationMessageSerializer, ConversationSerializer,
                          ConversationUpdateSerializer, MeSerializer, MessageHistorySerializer,
                          MessageSerializer, ParticipantsSerializer, ReadSerializer,
                          ReadStateSerializer, UserRegistrationSerializer, UserSerializer,
                          WebSocketTicketRequestSerializer, WebSocketTicketSerializer)
from .throttles import SendThrottle

# Query parameters that narrow a message list (its count then needs a COUNT).
SEARCH_PARAMS = (api_settings.SEARCH_PARAM,)

UUID_REGEX = r"[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}"


@extend_schema_view(
    create=extend_schema(summary="Register", auth=[]),
    list=extend_schema(summary="Find people to message (public fields only)"),
    retrieve=extend_schema(summary="A user's public profile"),
)
class UserViewSet(mixins.CreateModelMixin, mixins.ListModelMixin,
                  mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Accounts: sign up, look people up, read and edit your own profile."""

    queryset = User.objects.filter(is_active=True)
    serializer_class = UserSerializer
    lookup_value_regex = UUID_REGEX
    filter_backends = [filters.SearchFilter, filters.OrderingFilter]
    search_fields = ["username", "first_name", "last_name"]
    ordering_fields = ["username", "created_at"]
    ordering = ["username"]

    def get_permissions(self):
        if self.action == "create":
            return [permissions.AllowAny()]
        return [permissions.IsAuthenticated()]

    def get_serializer_class(self):
        if self.action == "create":
            return UserRegistrationSerializer
        if self.action == "me":
            return MeSerializer
        return UserSerializer

    @extend_schema(summary="Your own account", methods=["GET", "PATCH"])
    @action(detail=False, methods=["get", "patch"])
    def me(self, request):
        if request.method == "GET":
            return Response(MeSerializer(request.user).data)
        serializer = MeSerializer(request.user, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        serializer.save()
        return Response(serializer.data)


def latest_message(field: str, output_field=None) -> Subquery:
    """A subquery giving one field of a conversation's newest message."""
    newest = (Message.objects.filter(conversation_id=OuterRef("pk"))
              .order_by("-sent_at", "-message_id").values(field)[:1])
    return Subquery(newest, output_field=output_field)


PUBLIC_USER_FIELDS = ("user_id", "username", "first_name", "last_name")

# Built once: resolving four subquery annotations costs more than the SQL
# they run, so each request clones this queryset instead of rebuilding it.
CONVERSATIONS_WITH_LAST_MESSAGE = Conversation.objects.annotate(
    last_message_id=latest_message("message_id"),
    last_message_sender=latest_message("sender_id", models.UUIDField()),
    last_message_body=latest_message("message_body"),
    last_message_sent_at=latest_message("sent_at"),
)


def _uuid(value) -> uuid.UUID:
    """A UUID column's value as a UUID (SQLite returns 32 hex digits)."""
    return value if isinstance(value, uuid.UUID) else uuid.UUID(value)


@functools.cache
def _participants_sql(n: int) -> str:
    """Public fields of the members of n conversations, by username."""
    quote = connection.ops.quote_name
    through = quote(Conversation.participants.through._meta.db_table)
    users = quote(User._meta.db_table)
    columns = ", ".join(f"u.{quote(name)}" for name in PUBLIC_USER_FIELDS)
    marks = ", ".join(["%s"] * n)
    return (f"SELECT m.{quote('conversation_id')}, {columns} FROM {through} m "
            f"INNER JOIN {users} u ON u.{quote('user_id')} = m.{quote('user_id')} "
            f"WHERE m.{quote('conversation_id')} IN ({marks}) ORDER BY u.{quote('username')}")


def attach_participants(conversations) -> None:
    """Set ``participant_rows`` (public user dicts) on each conversation, in one query.

    Plain rows from a prewritten statement instead of a ``prefetch_related``
    of model instances: same single query, a fraction of the Python work.
    """
    by_conversation = {c.pk: [] for c in conversations}
    if not by_conversation:
        return
    prepare = Conversation._meta.pk.get_db_prep_value
    with connection.cursor() as cursor:
        cursor.execute(_participants_sql(len(by_conversation)),
                       [prepare(pk, connection) for pk in by_conversation])
        rows = cursor.fetchall()
    for conversation_id, user_id, username, first_name, last_name in rows:
        by_conversation[_uuid(conversation_id)].append({
            "user_id": str(_uuid(user_id)), "username": username, "first_name": first_name,
            "last_name": last_name, "full_name": f"{first_name} {last_name}".strip()})
    for conversation in conversations:
        conversation.participant_rows = by_conversation[conversation.pk]


@functools.cache
def _membership_count_sql() -> str:
    quote = connection.ops.quote_name
    return (f"SELECT COUNT(*) FROM {quote(Conversation.participants.through._meta.db_table)} "
            f"WHERE {quote('user_id')} = %s")


def conversation_count(user) -> int:
    """How many conversations user is in (one row per membership)."""
    with connection.cursor() as cursor:
        cursor.execute(_membership_count_sql(),
                       [User._meta.pk.get_db_prep_value(user.pk, connection)])
        return cursor.fetchone()[0]


# Columns a message response needs: loading the sender's password hash,
# flags and dates for every row would only cost time.
MESSAGE_FIELDS = ("message_id", "conversation_id", "message_body", "sent_at", "edited_at",
                  "seq", "deleted_at", *(f"sender__{name}" for name in PUBLIC_USER_FIELDS))


class SenderRow:
    """The public fields of a message's sender, as ``public_user()`` reads them."""

    __slots__ = ("pk", "username", "first_name", "last_name")

    def __init__(self, pk, username, first_name, last_name):
        self.pk, self.username, self.first_name, self.last_name = (
            pk, username, first_name, last_name)


class MessageRow:
    """A message of a list page: the attributes MessageSerializer and the
    cursor links read, without building two model instances per row."""

    __slots__ = ("pk", "conversation_id", "message_body", "sent_at", "edited_at", "seq",
                 "deleted_at", "sender")

    def __init__(self, row):
        (self.pk, self.conversation_id, self.message_body, self.sent_at, self.edited_at,
         self.seq, self.deleted_at, *sender) = row
        self.sender = SenderRow(*sender)

    @property
    def message_id(self):
        return self.pk


class MessageRowIterable(ValuesListIterable):
    """Yield a MessageRow per row of ``values_list(*MESSAGE_FIELDS)``."""

    def __iter__(self):
        return map(MessageRow, super().__iter__())


def as_rows(queryset):
    """Read a message queryset as MessageRows (list pages; detail routes keep
    model instances: object permissions, edits and deletes need them)."""
    rows = queryset.values_list(*MESSAGE_FIELDS)
    rows._iterable_class = MessageRowIterable
    return rows


# Built once (like CONVERSATIONS_WITH_LAST_MESSAGE): each nested list clones it.
MESSAGE_ROWS = as_rows(Message.objects.all())


MESSAGE_ORDERING = ("sent_at", "message_id")
# Placeholder values a statement is compiled with; the request's values
# then take their parameter slots.  Never stored.
PLACEHOLDERS = {
    "conversation": uuid.UUID("00000000-0000-4000-8000-0000000feed1"),
    "sent_at": datetime(1999, 12, 31, 23, 59, 58, 123457, tzinfo=UTC),
    "message": uuid.UUID("00000000-0000-4000-8000-0000000feed2"),
}
_PLACEHOLDER_FIELDS = {"conversation": Conversation._meta.pk,
                       "sent_at": Message._meta.get_field("sent_at"),
                       "message": Message._meta.pk}


def _prepare(name: str, value):
    return _PLACEHOLDER_FIELDS[name].get_db_prep_value(value, connection)


def compile_rows(queryset, names, expected: int):
    """Compile a MessageRow queryset built from PLACEHOLDERS[names].

    Return (sql, params, slots, converters): ``slots`` pairs each name with
    the parameter positions holding its placeholder (``expected`` in all).
    """
    compiler = queryset.query.get_compiler(using=queryset.db)
    sql, params = compiler.as_sql()
    slots = tuple((name, i) for name in names for i, value in enumerate(params)
                  if value == _prepare(name, PLACEHOLDERS[name]))
    if len(slots) != expected:
        raise RuntimeError(f"statement has {len(slots)} placeholder slots, not {expected}")
    converters = tuple(compiler.get_converters([column for column, *_ in compiler.select])
                       .items())
    return sql, tuple(params), slots, converters


def run_rows(compiled, values: dict) -> list:
    """Run a compile_rows() statement with values in its slots; return MessageRows."""
    sql, params, slots, converters = compiled
    params = list(params)
    for name, index in slots:
        params[index] = _prepare(name, values[name])
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if converters:
        rows = [list(row) for row in rows]
        for row in rows:
            for index, (functions, expression) in converters:
                value = row[index]
                for function in functions:
                    value = function(value, expression, connection)
                row[index] = value
    return [MessageRow(row) for row in rows]


def _history(placeholders=PLACEHOLDERS):
    return MESSAGE_ROWS.filter(conversation_id=placeholders["conversation"])


@functools.lru_cache(maxsize=64)
def _message_page_sql(low: int, high: int):
    """An unfiltered history's page [low:high] in MESSAGE_ORDERING.

    OFFSET runs on the ids alone (an index-only scan of the (conversation,
    sent_at, message_id) index) and only the page's rows are then read and
    joined to their senders: PostgreSQL otherwise reads and joins every
    skipped row (page 500 of 20,000 messages: 19 ms, against 1.7 ms).
    MySQL refuses LIMIT inside IN (...), so it keeps the plain OFFSET.
    """
    if connection.vendor not in ("postgresql", "sqlite"):
        return compile_rows(_history().order_by(*MESSAGE_ORDERING)[low:high],
                            ["conversation"], 1)
    page_ids = (Message.objects.filter(conversation_id=PLACEHOLDERS["conversation"])
                .order_by(*MESSAGE_ORDERING).values("pk")[low:high])
    return compile_rows(MESSAGE_ROWS.filter(pk__in=page_ids).order_by(*MESSAGE_ORDERING),
                        ["conversation"], 1)


@functools.lru_cache(maxsize=64)
def _cursor_page_sql(direction: str, anchored: bool, limit: int):
    """An unfiltered history's keyset page, as MessageCursorPagination builds it."""
    queryset = _history()
    if anchored:
        queryset = MessageCursorPagination.keyset_filter(
            queryset, direction, PLACEHOLDERS["sent_at"], PLACEHOLDERS["message"])
    order = ("sent_at", "message_id") if direction == "after" else ("-sent_at", "-message_id")
    names = ["conversation", "sent_at", "message"] if anchored else ["conversation"]
    return compile_rows(queryset.order_by(*order)[:limit], names, 5 if anchored else 1)


def history_keyset_page(conversation_pk, direction: str, sent_at, message_id, limit: int):
    """Run the precompiled keyset page of an unfiltered conversation history."""
    compiled = _cursor_page_sql(direction, sent_at is not None, limit)
    return run_rows(compiled, {"conversation": conversation_pk, "sent_at": sent_at,
                               "message": message_id})


class MessageListPage:
    """An unfiltered page-number history (the common request) as the
    paginator's object list: slicing runs the precompiled statement and
    yields the same MessageRows as the ORM path."""

    ordered = True

    def __init__(self, conversation_pk):
        self.conversation_pk = conversation_pk

    def __getitem__(self, window: slice):
        if window.stop <= window.start:
            return []
        return run_rows(_message_page_sql(window.start, window.stop),
                        {"conversation": self.conversation_pk})


def with_read_marker(queryset, user):
    """Annotate ``my_last_read_seq`` (the user's read position) in the same query."""
    return queryset.annotate(my_last_read_seq=effective_read_seq(OuterRef("pk"), user.pk))


CONVERSATION_ORDERING = ("-last_activity_at", "conversation_id")
# Stands for the requester while the list statement is compiled; never stored.
_PLACEHOLDER_USER = User(user_id=uuid.UUID("00000000-0000-4000-8000-0000000feed0"))


@functools.lru_cache(maxsize=64)
def _conversation_page_sql(low: int, high: int):
    """The default conversation list's page [low:high] as (sql, params, user slots).

    Compiling the list query (four latest-message subqueries and the read
    position) cost three times what running it does; it is compiled once
    per page window with a placeholder user whose parameter slots are
    then filled with the requester's id.
    """
    queryset = with_read_marker(
        CONVERSATIONS_WITH_LAST_MESSAGE.filter(participants=_PLACEHOLDER_USER),
        _PLACEHOLDER_USER).order_by(*CONVERSATION_ORDERING)[low:high]
    sql, params = queryset.query.get_compiler(using=queryset.db).as_sql()
    placeholder = User._meta.pk.get_db_prep_value(_PLACEHOLDER_USER.pk, connection)
    slots = tuple(i for i, value in enumerate(params) if value == placeholder)
    if len(slots) != 3:  # membership filter, read marker, own newest message
        raise RuntimeError(f"conversation list statement has {len(slots)} user slots")
    return sql, tuple(params), slots


@functools.cache
def _annotation_converters():
    """Per annotation of the list statement: the converters the ORM would
    apply to its column (a raw query converts model fields only)."""
    fields = {"last_message_id": Message._meta.pk,
              "last_message_sender": Message._meta.get_field("sender").target_field,
              "last_message_sent_at": Message._meta.get_field("sent_at")}
    converters = {}
    for name, field in fields.items():
        column = field.get_col(field.model._meta.db_table)
        found = (connection.ops.get_db_converters(column)
                 + column.get_db_converters(connection))
        if found:
            converters[name] = (found, column)
    return converters


class ConversationListPage:
    """The default conversation list (no search, no ordering parameter) as
    the paginator's object list: slicing runs the precompiled statement."""

    ordered = True

    def __init__(self, user):
        self.user_param = User._meta.pk.get_db_prep_value(user.pk, connection)

    def __getitem__(self, window: slice):
        if window.stop <= window.start:
            return []
        sql, params, slots = _conversation_page_sql(window.start, window.stop)
        params = list(params)
        for slot in slots:
            params[slot] = self.user_param
        conversations = list(Conversation.objects.raw(sql, params))
        converters = _annotation_converters().items()
        for conversation in conversations:
            for name, (functions, column) in converters:
                value = getattr(conversation, name)
                for function in functions:
                    value = function(value, column, connection)
                setattr(conversation, name, value)
        return conversations


@extend_schema_view(
    list=extend_schema(summary="Your conversations, latest activity first"),
    create=extend_schema(
        summary="Start a conversation",
        description="The requester is always added. Two people without a title make "
                    "a direct conversation: if it exists it is returned with 200.",
        request=ConversationCreateSerializer,
        responses={201: ConversationSerializer, 200: ConversationSerializer}),
    retrieve=extend_schema(summary="A conversation with its newest messages"),
    update=extend_schema(request=ConversationUpdateSerializer,
                         responses=ConversationSerializer),
    partial_update=extend_schema(request=ConversationUpdateSerializer,
                                 responses=ConversationSerializer),
    destroy=extend_schema(summary="Delete a conversation and its messages"),
)
class ConversationViewSet(viewsets.ModelViewSet):
    """Conversations the requester takes part in."""

    serializer_class = ConversationSerializer
    permission_classes = [permissions.IsAuthenticated, IsParticipantOfConversation]
    pagination_class = MessagePagination
    lookup_value_regex = UUID_REGEX
    filter_backends = [filters.SearchFilter, filters.OrderingFilter]
    search_fields = ["title"]
    ordering_fields = ["last_activity_at", "created_at"]
    ordering = list(CONVERSATION_ORDERING)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Conversation.objects.none()
        if self.action == "list":
            # Scoped to the requester; detail routes see every conversation
            # so that an outsider gets 403 (from the permission), not 404.
            # Participants are attached per page by paginate_queryset.
            return with_read_marker(
                CONVERSATIONS_WITH_LAST_MESSAGE.filter(participants=self.request.user),
                self.request.user)
        if self.action == "read":
            return Conversation.objects.all()
        queryset = Conversation.objects.prefetch_related(
            Prefetch("participants", queryset=User.objects.only(*PUBLIC_USER_FIELDS)))
        if self.action == "retrieve":
            queryset = with_read_marker(queryset, self.request.user)
            recent = (Message.objects.select_related("sender")
                      .order_by("-sent_at", "-message_id")[:ConversationDetailSerializer.RECENT])
            queryset = queryset.prefetch_related(
                Prefetch("messages", queryset=recent, to_attr="recent_messages"))
        return queryset

    def get_serializer_class(self):
        if self.action == "create":
            return ConversationCreateSerializer
        if self.action in ("update", "partial_update"):
            return ConversationUpdateSerializer
        if self.action == "retrieve":
            return ConversationDetailSerializer
        if self.action == "add_participants":
            return ParticipantsSerializer
        return ConversationSerializer

    def known_count(self):
        """The unsearched list's length, counted on the membership table
        alone (the paginator would COUNT the annotated query), else None."""
        if self.action != "list" or api_settings.SEARCH_PARAM in self.request.query_params:
            return None
        return conversation_count(self.request.user)

    def list(self, request, *args, **kwargs):
        params = request.query_params
        if api_settings.SEARCH_PARAM in params or api_settings.ORDERING_PARAM in params:
            return super().list(request, *args, **kwargs)
        # The default list: the same query as get_queryset() builds, compiled once.
        page = self.paginate_queryset(ConversationListPage(request.user))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        if page is not None and self.action == "list":
            attach_participants(page)
        return page

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        serializer.save()
        code = status.HTTP_201_CREATED if serializer.created else status.HTTP_200_OK
        return Response(serializer.data, status=code)

    def perform_update(self, serializer):
        serializer.instance = services.rename_conversation(
            serializer.instance,
            serializer.validated_data.get("title", serializer.instance.title))

    def perform_destroy(self, instance):
        services.delete_conversation(instance)

    @extend_schema(summary="Add participants", request=ParticipantsSerializer,
                   responses=ConversationSerializer)
    @action(detail=True, methods=["post"], url_path="participants")
    def add_participants(self, request, pk=None):
        conversation = self.get_object()
        serializer = ParticipantsSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.add_participants(conversation, serializer.validated_data["participants"])
        return Response(ConversationSerializer(conversation, context={"request": request}).data)

    @extend_schema(summary="Remove a participant", request=None,
                   parameters=[OpenApiParameter("user_id", OpenApiTypes.UUID,
                                                OpenApiParameter.PATH)],
                   responses={204: OpenApiResponse(description="Removed")})
    @action(detail=True, methods=["delete"],
            url_path=rf"participants/(?P<user_id>{UUID_REGEX})")
    def remove_participant(self, request, pk=None, user_id=None):
        conversation = self.get_object()
        user = get_object_or_404(conversation.participants.all(), pk=user_id)
        services.remove_participant(conversation, user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(summary="Leave the conversation", request=None,
                   responses={204: OpenApiResponse(description="Left")})
    @action(detail=True, methods=["post"])
    def leave(self, request, pk=None):
        conversation = self.get_object()
        services.remove_participant(conversation, request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(summary="Mark messages read up to a seq",
                   description="Moves your read marker forward to `seq` (never back; a "
                               "smaller value leaves it). Members get a `read` event.",
                   request=ReadSerializer, responses=ReadStateSerializer)
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        conversation = self.get_object()
        serializer = ReadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        last_read = services.mark_read(conversation, request.user,
                                       serializer.validated_data["seq"])
        return Response({"conversation_id": str(conversation.pk),
                         "last_seq": conversation.last_seq, "last_read_seq": last_read,
                         "unread_count": max(0, conversation.last_seq - last_read)})


IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key", OpenApiTypes.STR, OpenApiParameter.HEADER, required=False,
    description="Any string up to 255 characters. Retrying a send with the same key within "
                "24 hours returns the message it created (200) instead of sending again; "
                "the same key with a different body or conversation is a 422.")


@extend_schema_view(
    list=extend_schema(summary="Messages in your conversations"),
    create=extend_schema(summary="Send a message (conversation in the body)",
                         parameters=[IDEMPOTENCY_KEY]),
    update=extend_schema(summary="Edit your message", request=ConversationMessageSerializer,
                         responses=ConversationMessageSerializer),
    partial_update=extend_schema(summary="Edit your message",
                                 request=ConversationMessageSerializer,
                                 responses=ConversationMessageSerializer),
    destroy=extend_schema(summary="Delete your message"),
)
class MessageViewSet(viewsets.ModelViewSet):
    """Messages, on ``/api/messages/`` (flat) and per conversation (nested)."""

    serializer_class = MessageSerializer
    permission_classes = [permissions.IsAuthenticated, IsParticipantOfConversation]
    pagination_class = MessagePagination
    filterset_class = MessageFilter
    filter_backends = [MessageFilterBackend, filters.SearchFilter, filters.OrderingFilter]
    search_fields = ["message_body"]
    ordering_fields = ["sent_at"]
    ordering = list(MESSAGE_ORDERING)
    lookup_value_regex = UUID_REGEX

    def get_throttles(self):
        return super().get_throttles() + [SendThrottle()]

    @property
    def nested(self) -> bool:
        return "conversation_pk" in self.kwargs

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Message.objects.none()
        if self.action == "list":
            if self.nested:
                # Membership was checked by the permission before we got here.
                return MESSAGE_ROWS.filter(conversation_id=self.kwargs["conversation_pk"])
            return as_rows(Message.objects.filter(conversation__participants=self.request.user))
        messages = Message.objects.select_related("sender").only(*MESSAGE_FIELDS)
        if self.nested:
            return messages.filter(conversation_id=self.kwargs["conversation_pk"])
        return messages

    def get_serializer_class(self):
        if self.nested or self.action in ("update", "partial_update"):
            return ConversationMessageSerializer
        return MessageSerializer

    def known_count(self):
        """The number of messages an unfiltered nested list holds, from the
        conversation row the permission check already read (no COUNT), or
        None when filters or a search narrow the list."""
        if not self.nested or self.action != "list":
            return None
        params = self.request.query_params
        if any(name in params for name in (*MessageFilter.base_filters, *SEARCH_PARAMS)):
            return None
        return conversation_state(self.request, self.kwargs["conversation_pk"])["message_count"]

    @property
    def precompiled_history(self):
        """For an unfiltered nested list: a MessageCursorPagination.fetch
        that runs the keyset query precompiled (see history_keyset_page)."""
        if self.known_count() is None:
            return None
        conversation_pk = self.kwargs["conversation_pk"]

        def fetch(queryset, direction, sent_at, message_id, limit):
            return history_keyset_page(conversation_pk, direction, sent_at, message_id, limit)
        return fetch

    def list(self, request, *args, **kwargs):
        if (self.known_count() is None or api_settings.ORDERING_PARAM in request.query_params
                or MessageCursorPagination.wanted(request)):
            return super().list(request, *args, **kwargs)
        # An unfiltered page of one conversation: the query get_queryset()
        # and the ordering filter would build, compiled once per page window.
        page = self.paginate_queryset(MessageListPage(self.kwargs["conversation_pk"]))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @property
    def paginator(self):
        if not hasattr(self, "_paginator"):
            if self.nested and MessageCursorPagination.wanted(self.request):
                self._paginator = MessageCursorPagination()
            else:
                self._paginator = self.pagination_class()
        return self._paginator

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        if not self.nested and not membership(request, serializer.validated_data[
                "conversation"].pk):
            # On nested routes the permission already refused outsiders; on
            # /api/messages/ the conversation is only known from the body.
            return Response({"detail": IsParticipantOfConversation.message,
                             "code": IsParticipantOfConversation.code},
                            status=status.HTTP_403_FORBIDDEN)
        created = self.perform_create(serializer)
        return Response(serializer.data,
                        status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    def perform_create(self, serializer) -> bool:
        """Send; with an ``Idempotency-Key`` header, at most once per key.

        Return False when the key had already sent this message.
        """
        if self.nested:
            conversation_id = self.kwargs["conversation_pk"]
        else:
            conversation_id = serializer.validated_data["conversation"].pk
        body = serializer.validated_data["message_body"]
        key = self.request.headers.get("Idempotency-Key", "").strip()
        if not key:
            serializer.instance = services.send_message(
                conversation_id=conversation_id, sender=self.request.user, body=body)
            return True
        if len(key) > 255:
            raise ValidationError({"Idempotency-Key": ["At most 255 characters."]})
        serializer.instance, created = services.send_message_once(
            conversation_id=conversation_id, sender=self.request.user, body=body, key=key)
        return created

    def perform_update(self, serializer):
        serializer.instance = services.edit_message(
            serializer.instance, serializer.validated_data.get(
                "message_body", serializer.instance.message_body))

    def perform_destroy(self, instance):
        services.delete_message(instance)

    @extend_schema(summary="A message's edit history",
                   description="The current body and every previous one, oldest first. "
                               "Deleting a message clears its history.",
                   responses=MessageHistorySerializer)
    @action(detail=True, methods=["get"])
    def history(self, request, *args, **kwargs):
        message = self.get_object()
        return Response(MessageHistorySerializer({
            "message_id": message.pk, "seq": message.seq,
            "message_body": message.message_body, "edited_at": message.edited_at,
            "deleted_at": message.deleted_at,
            "edits": list(message.edits.order_by("replaced_at", "id")),
        }).data)


class WebSocketTicketView(APIView):
    """``POST /api/ws-ticket/``: a single-use ticket for ``/ws/events/``."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        summary="Get a WebSocket ticket",
        description=(
            "Returns a random ticket, valid once for "
            f"{WebSocketTicket.TTL_SECONDS} seconds, to open `/ws/events/?ticket=...` "
            "(or offer the subprotocols `messaging.jwt, <access token>` instead). "
            "`since` maps conversation ids to the last `seq` you saw: the socket first "
            "replays every later message, in order, then goes live. Events (JSON): "
            "`message.created`, `message.updated`, `message.deleted` "
            "(`{type, conversation, seq, message}`), `conversation.updated` "
            "(`{type, conversation, participants, added, removed}`), `read` "
            "(`{type, conversation, user_id, last_read_seq}`), `typing` "
            "(`{type, conversation, user_id}`; send `{type: typing, conversation}`, "
            "rate-limited) and `ready` after the replay."),
        request=WebSocketTicketRequestSerializer,
        responses={201: WebSocketTicketSerializer})
    def post(self, request):
        serializer = WebSocketTicketRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        now = timezone.now()
        WebSocketTicket.objects.filter(expires_at__lt=now).delete()
        ticket = secrets.token_urlsafe(32)
        session_id, auth_expires_at = login_of(request)
        WebSocketTicket.objects.create(
            digest=hashlib.sha256(ticket.encode()).hexdigest(), user=request.user,
            since=serializer.validated_data["since"],
            expires_at=now + timedelta(seconds=WebSocketTicket.TTL_SECONDS),
            session_id=session_id, auth_expires_at=auth_expires_at)
        return Response({"ticket": ticket, "expires_in": WebSocketTicket.TTL_SECONDS,
                         "url": f"/ws/events/?ticket={ticket}"},
                        status=status.HTTP_201_CREATED)


CURSOR_PARAMETERS = [
    OpenApiParameter("cursor", OpenApiTypes.STR, description=(
        "Keyset pagination: empty or `latest` for the newest page, or a `next`/"
        "`previous` link's token. The response then has no `count`.")),
    OpenApiParameter("before", OpenApiTypes.UUID,
                     description="Keyset page of the messages just older than this one."),
    OpenApiParameter("after", OpenApiTypes.UUID,
                     description="Keyset page of the messages just newer than this one."),
]
CONVERSATION_PK = OpenApiParameter("conversation_pk", OpenApiTypes.UUID, OpenApiParameter.PATH)


@extend_schema_view(
    list=extend_schema(summary="A conversation's history",
                       parameters=[CONVERSATION_PK, *CURSOR_PARAMETERS]),
    create=extend_schema(summary="Send a message", parameters=[CONVERSATION_PK, IDEMPOTENCY_KEY]),
    retrieve=extend_schema(parameters=[CONVERSATION_PK]),
    update=extend_schema(summary="Edit your message", parameters=[CONVERSATION_PK]),
    partial_update=extend_schema(summary="Edit your message", parameters=[CONVERSATION_PK]),
    destroy=extend_schema(summary="Delete your message", parameters=[CONVERSATION_PK]),
    history=extend_schema(parameters=[CONVERSATION_PK]),
)
class ConversationMessageViewSet(MessageViewSet):
    """``/api/conversations/{conversation_pk}/messages/``: MessageViewSet, nested.

    A separate class only so that the OpenAPI document describes the nested
    path parameter; behaviour is MessageViewSet's.
    """
