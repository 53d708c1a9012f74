"""API views: users, conversations, messages, WebSocket tickets.

Each view picks a permission, a queryset (``chats.queries``), a serializer
and a paginator; every write goes through ``chats.services``.
"""
from functools import cached_property

from django.shortcuts import get_object_or_404
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import viewsets, status, filters
from rest_framework import mixins, permissions
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from . import queries, services
from .filters import BoundedSearchFilter, MessageFilter
from .models import ACTIVITY_ORDERING, MESSAGE_ORDERING, Conversation, Message
from .pagination import ConversationPagination, MessagePagination
from .permissions import (IsOwnerOfConversation, IsParticipantOfConversation,
                          checked_conversation, is_participant)
from .accounts.revocation import login_of
from .content.around import AroundPagination
from .schema import (conversation_message_schema, conversation_schema, message_schema,
                     user_schema, ws_ticket_schema)
from .accounts.serializers import MeSerializer, UserRegistrationSerializer, UserSerializer
from .serializers import (ConversationCreateSerializer, ConversationDetailSerializer,
                          ConversationMessageSerializer, ConversationSerializer,
                          ConversationUpdateSerializer, MessageHistorySerializer,
                          MessageSerializer, OwnerSerializer, ParticipantsSerializer,
                          ReadPositionsSerializer, ReadSerializer, ReadStateSerializer)
from .realtime.tickets import WebSocketTicketRequestSerializer, WebSocketTicketSerializer
from .http.exceptions import error_body
from .http.throttles import ConversationCreateThrottle, SendThrottle

UUID_REGEX = r"[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}"


@user_schema
class UserViewSet(mixins.CreateModelMixin, mixins.ListModelMixin,
                  mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Accounts: sign up, look people up, read and edit your own profile."""

    queryset = queries.public_users().filter(is_active=True)
    serializer_class = UserSerializer
    lookup_value_regex = UUID_REGEX
    filter_backends = [BoundedSearchFilter, filters.OrderingFilter]
    search_fields = ["username", "first_name", "last_name"]
    ordering_fields = ["username", "created_at"]
    ordering = ["username"]

    def get_permissions(self):
        if self.action == "create":
            return [permissions.AllowAny()]
        return [permissions.IsAuthenticated()]

    def get_serializer_class(self):
        return {"create": UserRegistrationSerializer, "me": MeSerializer}.get(self.action,
                                                                                UserSerializer)

    @action(detail=False, methods=["get", "patch"])
    def me(self, request):
        if request.method == "GET":
            return Response(MeSerializer(request.user).data)
        serializer = MeSerializer(request.user, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        serializer.save()
        return Response(serializer.data)


@conversation_schema
class ConversationViewSet(viewsets.ModelViewSet):
    """Conversations the requester takes part in.

    Lists are scoped to the requester; detail routes look among all
    conversations, so that an outsider gets 403 (from the permission), not 404.
    Deleting, removing someone else and handing over are the owner's
    (``IsOwnerOfConversation``).
    """

    serializer_class = ConversationSerializer
    permission_classes = [permissions.IsAuthenticated, IsParticipantOfConversation,
                          IsOwnerOfConversation]
    pagination_class = ConversationPagination
    lookup_value_regex = UUID_REGEX
    filter_backends = [BoundedSearchFilter, filters.OrderingFilter]
    search_fields = ["title"]
    ordering_fields = ["last_activity_at", "created_at"]
    ordering = list(ACTIVITY_ORDERING)

    def get_throttles(self):
        return super().get_throttles() + [ConversationCreateThrottle()]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Conversation.objects.none()
        if self.action == "list":
            return queries.conversations_of(self.request.user)
        if self.action == "retrieve":
            return queries.conversation_detail(self.request.user)
        return Conversation.objects.all()

    def get_serializer_class(self):
        return {"create": ConversationCreateSerializer,
                "update": ConversationUpdateSerializer,
                "partial_update": ConversationUpdateSerializer,
                "retrieve": ConversationDetailSerializer,
                "add_participants": ParticipantsSerializer,
                "hand_over": OwnerSerializer}.get(self.action, ConversationSerializer)

    def paginate_queryset(self, queryset):
        ordering = filters.OrderingFilter().get_ordering(self.request, queryset, self)
        page = super().paginate_queryset(
            queries.conversation_pages(queryset, ordering, self.request.user))
        queries.attach_participants(page)
        return page

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        serializer.save()
        code = status.HTTP_201_CREATED if serializer.created else status.HTTP_200_OK
        return Response(serializer.data, status=code)

    def perform_update(self, serializer):
        title = serializer.validated_data.get("title", serializer.instance.title)
        serializer.instance = services.rename_conversation(serializer.instance, title)

    def perform_destroy(self, instance):
        services.delete_conversation(instance)

    @action(detail=True, methods=["post"], url_path="participants")
    def add_participants(self, request, pk=None):
        conversation = self.get_object()
        serializer = ParticipantsSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.add_participants(conversation, serializer.validated_data["participants"])
        return Response(ConversationSerializer(conversation, context={"request": request}).data)

    @action(detail=True, methods=["delete"],
            url_path=rf"participants/(?P<user_id>{UUID_REGEX})")
    def remove_participant(self, request, pk=None, user_id=None):
        conversation = self.get_object()
        user = get_object_or_404(conversation.participants.all(), pk=user_id)
        services.remove_participant(conversation, user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @action(detail=True, methods=["post"])
    def leave(self, request, pk=None):
        services.remove_participant(self.get_object(), request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @action(detail=True, methods=["post"], url_path="owner")
    def hand_over(self, request, pk=None):
        conversation = self.get_object()
        serializer = OwnerSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.hand_over(conversation, serializer.validated_data["owner"])
        return Response(ConversationSerializer(conversation, context={"request": request}).data)

    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        conversation = self.get_object()
        serializer = ReadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        conversation.my_last_read_seq = services.mark_read(
            conversation, request.user, serializer.validated_data["seq"])
        return Response(ReadStateSerializer(conversation).data)

    @action(detail=True, methods=["get"])
    def reads(self, request, pk=None):
        return Response(ReadPositionsSerializer(self.get_object()).data)


@message_schema
class MessageViewSet(viewsets.ModelViewSet):
    """Messages across the requester's conversations, on ``/api/messages/``."""

    serializer_class = MessageSerializer
    permission_classes = [permissions.IsAuthenticated, IsParticipantOfConversation]
    pagination_class = MessagePagination
    filterset_class = MessageFilter
    filter_backends = [DjangoFilterBackend, BoundedSearchFilter, filters.OrderingFilter]
    search_fields = ["message_body"]
    ordering_fields = ["sent_at"]
    ordering = list(MESSAGE_ORDERING)
    lookup_value_regex = UUID_REGEX

    def get_throttles(self):
        return super().get_throttles() + [SendThrottle()]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Message.objects.none()
        if self.action == "list":
            return queries.messages(
                Message.objects.filter(conversation__participants=self.request.user))
        return queries.messages()

    def get_serializer_class(self):
        editing = self.action in ("update", "partial_update")
        return ConversationMessageSerializer if editing else MessageSerializer

    def conversation_id(self, serializer):
        """The conversation a send goes to: named in the body here."""
        return serializer.validated_data["conversation"].pk

    def create(self, request, *args, **kwargs):
        """Send; with an ``Idempotency-Key`` header, at most once per key
        (a retry answers 200 with the message the key sent)."""
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        conversation_id = self.conversation_id(serializer)
        if not is_participant(request, conversation_id):
            return Response(error_body(IsParticipantOfConversation.message,
                                       IsParticipantOfConversation.code),
                            status=status.HTTP_403_FORBIDDEN)
        body = serializer.validated_data["message_body"]
        key = request.headers.get("Idempotency-Key", "").strip()
        created = True
        if not key:
            serializer.instance = services.send_message(
                conversation_id=conversation_id, sender=request.user, body=body)
        elif len(key) > 255:
            raise ValidationError({"Idempotency-Key": ["At most 255 characters."]})
        else:
            serializer.instance, created = services.send_message_once(
                conversation_id=conversation_id, sender=request.user, body=body, key=key)
        return Response(serializer.data,
                        status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    def perform_update(self, serializer):
        body = serializer.validated_data.get("message_body", serializer.instance.message_body)
        serializer.instance = services.edit_message(serializer.instance, body)

    def perform_destroy(self, instance):
        services.delete_message(instance)

    @action(detail=True, methods=["get"])
    def history(self, request, *args, **kwargs):
        return Response(MessageHistorySerializer(self.get_object()).data)


@conversation_message_schema
class ConversationMessageViewSet(MessageViewSet):
    """``/api/conversations/{conversation_pk}/messages/``: one conversation's messages.

    The permission has checked membership before any of these run.  The
    list pages by number (with ``count``) or, when the request names a
    cursor (``cursor``, ``before``, ``after``), by keyset.
    """

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Message.objects.none()
        return queries.messages(
            Message.objects.filter(conversation_id=self.kwargs["conversation_pk"]))

    def get_serializer_class(self):
        return ConversationMessageSerializer

    def conversation_id(self, serializer):
        return self.kwargs["conversation_pk"]

    @cached_property
    def paginator(self):
        if self.request is not None and AroundPagination.wanted(self.request):
            return AroundPagination()
        return MessagePagination()

    def paginate_queryset(self, queryset):
        if isinstance(self.paginator, MessagePagination):
            ordering = filters.OrderingFilter().get_ordering(self.request, queryset, self)
            queryset = queries.DeferredJoinPages(queryset, queries.messages().order_by(*ordering),
                                                 self.unfiltered_count())
        return super().paginate_queryset(queryset)

    def unfiltered_count(self):
        """The list's length from the conversation row the permission read,
        or None when a filter or search narrows the list (then it is counted)."""
        params = self.request.query_params
        if any(name in params for name in (*MessageFilter.base_filters,
                                           api_settings.SEARCH_PARAM)):
            return None
        return checked_conversation(self.request, self.kwargs["conversation_pk"]).message_count


@ws_ticket_schema
class WebSocketTicketView(APIView):
    """``POST /api/ws-ticket/``: a single-use ticket for ``/ws/events/``."""

    permission_classes = [permissions.IsAuthenticated]

    def post(self, request):
        serializer = WebSocketTicketRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        ticket = services.issue_ticket(request.user, serializer.validated_data["since"],
                                       *login_of(request))
        return Response(WebSocketTicketSerializer({"ticket": ticket}).data,
                        status=status.HTTP_201_CREATED)
