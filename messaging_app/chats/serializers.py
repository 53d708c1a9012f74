"""Request validation and response shapes for conversations and messages
(accounts: ``chats.accounts.serializers``)."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from . import services
from .accounts.serializers import UserSerializer
from .models import (NEWEST_FIRST, Conversation, Message, MessageEdit, User, is_blank)
from .payloads import (datetime_or_none, last_message_payload, message_payload, public_user,
                       user_id_or_none)
from .realtime.participants import ParticipantSerializer, with_presence
from .queries import (PUBLIC_USER_FIELDS, RECENT_MESSAGES, deleted_after_in, read_position_in,
                      read_positions, unread_mentions_in)


class MessageSerializer(serializers.ModelSerializer):
    """A message; the sender is always the requester, never taken from the body.

    ``message_body`` is trimmed, required and at most 10,000 characters;
    on ``/api/messages/`` the ``conversation`` is given in the body."""

    sender = UserSerializer(read_only=True)
    message_body = serializers.CharField(max_length=Message.MAX_BODY_LENGTH,
                                         trim_whitespace=True)
    conversation = serializers.PrimaryKeyRelatedField(queryset=Conversation.objects.all())
    mentions = serializers.ListField(
        child=serializers.UUIDField(), read_only=True,
        help_text="Ids of the members the body names as @username (any case), in order, "
                  "computed by the server on send and edit; empty once deleted.")

    class Meta:
        model = Message
        fields = ["message_id", "conversation", "sender", "message_body", "sent_at",
                  "edited_at", "seq", "deleted_at", "mentions"]
        read_only_fields = ["message_id", "sender", "sent_at", "edited_at", "seq", "deleted_at",
                            "mentions"]

    def validate_message_body(self, value: str) -> str:
        if is_blank(value):
            raise serializers.ValidationError("A message needs some text.", code="blank")
        return value

    def to_representation(self, instance):
        # Built directly for speed (message pages are the hot path), in the
        # shape events carry too; a test checks it equals DRF's output.
        return message_payload(instance)


class ConversationMessageSerializer(MessageSerializer):
    """A message whose conversation comes from the URL (nested route, edits)."""

    conversation = serializers.PrimaryKeyRelatedField(read_only=True)


class LastMessageSerializer(serializers.Serializer):
    """The newest message of a conversation, as shown in the list."""

    message_id = serializers.UUIDField()
    sender = serializers.UUIDField(allow_null=True)
    message_body = serializers.CharField()
    sent_at = serializers.DateTimeField()
    deleted_at = serializers.DateTimeField(
        allow_null=True,
        help_text="When the message was deleted (its body is then empty); null while it stands.")


class ReadStateSerializer(serializers.ModelSerializer):
    """Your read state in a conversation; ``last_read_seq`` is the annotation
    ``chats.queries`` adds (``my_last_read_seq``), else it is looked up."""

    last_read_seq = serializers.SerializerMethodField()
    unread_count = serializers.SerializerMethodField()

    class Meta:
        model = Conversation
        fields = ["conversation_id", "last_seq", "last_read_seq", "unread_count"]
        read_only_fields = fields

    def get_last_read_seq(self, obj) -> int:
        """The requester's read position (marker, or own newest message if
        later); 0 without a requester."""
        if not hasattr(obj, "my_last_read_seq"):
            request = self.context.get("request") if hasattr(self, "context") else None
            user = getattr(request, "user", None)
            obj.my_last_read_seq = 0 if user is None or not user.is_authenticated else (
                read_position_in(obj.pk, user))
        return obj.my_last_read_seq or 0

    def get_unread_count(self, obj) -> int:
        """Messages after the read position that are not deleted."""
        read = self.get_last_read_seq(obj)
        if not hasattr(obj, "my_deleted_unread"):
            obj.my_deleted_unread = deleted_after_in(obj.pk, read) if obj.last_seq > read else 0
        return max(0, obj.last_seq - read - (obj.my_deleted_unread or 0))


class ConversationSerializer(ReadStateSerializer):
    """A conversation with its participants, its newest message and the
    requester's read state.

    ``last_message`` comes from the conversation row (``null`` before the
    first message), and so does ``owner`` (a user id; ``null`` for a direct
    conversation).
    """

    participants = ParticipantSerializer(many=True, read_only=True)
    owner = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True,
        help_text="The participant who may delete the conversation, remove others and hand "
                  "it over; null for a direct conversation, where either person may delete it.")
    direct = serializers.SerializerMethodField(
        help_text="True for a direct conversation (made for two people without a title): "
                  "nobody owns it and nobody joins it (403 `direct_conversation`), even "
                  "after one of the two left.")
    last_message = serializers.SerializerMethodField()
    mention_count = serializers.SerializerMethodField()

    class Meta:
        model = Conversation
        fields = ["conversation_id", "title", "participants", "owner", "direct", "last_message",
                  "created_at", "last_activity_at", "last_seq", "last_read_seq",
                  "unread_count", "mention_count"]
        read_only_fields = fields

    def to_representation(self, instance):
        # Built directly for speed; a test checks it equals DRF's generic output.
        return {
            "conversation_id": str(instance.pk),
            "title": instance.title,
            "participants": self.participants_of(instance),
            "owner": user_id_or_none(instance.owner_id),
            "direct": self.get_direct(instance),
            "last_message": self.get_last_message(instance),
            "created_at": datetime_or_none(instance.created_at),
            "last_activity_at": datetime_or_none(instance.last_activity_at),
            "last_seq": instance.last_seq,
            "last_read_seq": self.get_last_read_seq(instance),
            "unread_count": self.get_unread_count(instance),
            "mention_count": self.get_mention_count(instance),
        }

    @staticmethod
    def participants_of(instance) -> list:
        """Public fields of the participants: those ``queries.attach_participants``
        read for a list page, else one query."""
        attached = getattr(instance, "participant_list", None)
        if attached is not None:
            return attached
        users = list(instance.participants.only(*PUBLIC_USER_FIELDS, "last_seen_at"))
        return with_presence([public_user(u) for u in users], [u.last_seen_at for u in users])

    def get_direct(self, obj) -> bool:
        """True for a direct conversation (made for two people without a title):
        nobody owns it and nobody joins it, even after one of the two left."""
        return obj.is_direct

    def get_mention_count(self, obj) -> int:
        """Unread messages that mention the requester (counted apart from unread_count)."""
        if not hasattr(obj, "my_unread_mentions"):
            request = self.context.get("request") if hasattr(self, "context") else None
            user = getattr(request, "user", None)
            obj.my_unread_mentions = 0 if user is None or not user.is_authenticated else (
                unread_mentions_in(obj.pk, user, self.get_last_read_seq(obj)))
        return obj.my_unread_mentions or 0

    @extend_schema_field(LastMessageSerializer(allow_null=True))
    def get_last_message(self, obj):
        return last_message_payload(obj.last_message)


class ConversationDetailSerializer(ConversationSerializer):
    """A conversation with its newest messages nested (oldest first).

    All of them are paginated at ``/api/conversations/{id}/messages/``.
    """

    messages = serializers.SerializerMethodField()

    class Meta(ConversationSerializer.Meta):
        fields = ConversationSerializer.Meta.fields + ["messages"]
        read_only_fields = fields

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["messages"] = self.get_messages(instance)
        return data

    @extend_schema_field(ConversationMessageSerializer(many=True))
    def get_messages(self, obj):
        recent = getattr(obj, "recent_messages", None)
        if recent is None:
            recent = list(obj.messages.select_related("sender")
                          .order_by(*NEWEST_FIRST)[:RECENT_MESSAGES])
        return ConversationMessageSerializer(recent[::-1], many=True,
                                             context=self.context).data


class ParticipantsSerializer(serializers.Serializer):
    """A list of user ids; unknown ids are refused by name."""

    participants = serializers.ListField(child=serializers.UUIDField(), allow_empty=False,
                                         max_length=100)

    def validate_participants(self, value):
        wanted = list(dict.fromkeys(value))
        found = {u.pk: u for u in User.objects.filter(pk__in=wanted, is_active=True)}
        missing = [str(pk) for pk in wanted if pk not in found]
        if missing:
            raise serializers.ValidationError(
                f"Unknown user ids: {', '.join(missing)}.", code="unknown_user")
        return [found[pk] for pk in wanted]


class OwnerSerializer(serializers.Serializer):
    """Hand a conversation over to one of its participants."""

    owner = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.all(), pk_field=serializers.UUIDField(),
        help_text="The user id of the new owner, an active participant.")


class ConversationCreateSerializer(ParticipantsSerializer):
    """Start a conversation: the requester is always one of the participants."""

    title = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")

    def validate_participants(self, value):
        users = super().validate_participants(value)
        requester = self.context["request"].user
        if requester.pk not in {u.pk for u in users}:
            users.append(requester)
        if len(users) < 2:
            raise serializers.ValidationError(
                "A conversation needs at least two distinct participants: "
                "you and at least one other user.", code="too_few_participants")
        return users

    def create(self, validated_data):
        conversation, self.created = services.create_conversation(
            creator=self.context["request"].user,
            users=validated_data["participants"],
            title=validated_data.get("title", ""),
        )
        return conversation

    def to_representation(self, instance):
        return ConversationSerializer(instance, context=self.context).data


class ConversationUpdateSerializer(serializers.ModelSerializer):
    """Rename a conversation."""

    class Meta:
        model = Conversation
        fields = ["title"]

    def to_representation(self, instance):
        return ConversationSerializer(instance, context=self.context).data


class ReadSerializer(serializers.Serializer):
    """Move your read marker to ``seq`` (the last message you have read)."""

    seq = serializers.IntegerField(min_value=0)


class ReadPositionSerializer(serializers.Serializer):
    """One member's read position."""

    user_id = serializers.UUIDField()
    last_read_seq = serializers.IntegerField()


class ReadPositionsSerializer(serializers.ModelSerializer):
    """The read positions of a conversation's members (one query)."""

    reads = serializers.SerializerMethodField()

    class Meta:
        model = Conversation
        fields = ["conversation_id", "last_seq", "reads"]
        read_only_fields = fields

    @extend_schema_field(ReadPositionSerializer(many=True))
    def get_reads(self, obj):
        return read_positions(obj.pk)


class MessageEditSerializer(serializers.ModelSerializer):
    """One previous body of a message."""

    class Meta:
        model = MessageEdit
        fields = ["message_body", "written_at", "replaced_at"]


class MessageHistorySerializer(serializers.Serializer):
    """A message's current body and its previous ones, oldest first (the
    edits' own ordering)."""

    message_id = serializers.UUIDField()
    seq = serializers.IntegerField()
    message_body = serializers.CharField()
    edited_at = serializers.DateTimeField(allow_null=True)
    deleted_at = serializers.DateTimeField(allow_null=True)
    edits = MessageEditSerializer(many=True)
