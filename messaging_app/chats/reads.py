"""``GET /api/conversations/{conversation_pk}/reads/``: every member's read position.

A client shows read receipts ("Seen by Bob") from the ``read`` events of the
WebSocket; this endpoint gives the positions those events have moved so far,
so that receipts survive a reload.  A position is what ``unread_count`` uses
for the requester: ``max(read marker, seq of the member's own newest
message, 0)`` (``chats.models.effective_read_seq``).
"""
from django.db.models import OuterRef
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from .models import Conversation, effective_read_seq
from .permissions import IsParticipantOfConversation


class ReadPositionSerializer(serializers.Serializer):
    """One member's read position."""

    user_id = serializers.UUIDField()
    last_read_seq = serializers.IntegerField()


class ReadPositionsSerializer(serializers.Serializer):
    """The read positions of a conversation's members."""

    conversation_id = serializers.UUIDField()
    last_seq = serializers.IntegerField()
    reads = ReadPositionSerializer(many=True)


def read_positions(conversation_id) -> list:
    """``[{"user_id", "last_read_seq"}]`` for every member, by user id (one query)."""
    Membership = Conversation.participants.through
    rows = (Membership.objects.filter(conversation_id=conversation_id)
            .annotate(position=effective_read_seq(OuterRef("conversation_id"),
                                                  OuterRef("user_id")))
            .order_by("user_id").values_list("user_id", "position"))
    return [{"user_id": str(user_id), "last_read_seq": position or 0}
            for user_id, position in rows]


class ReadPositionsView(APIView):
    """Every member's read position in a conversation; participants only."""

    permission_classes = [permissions.IsAuthenticated, IsParticipantOfConversation]

    @extend_schema(
        summary="Members' read positions",
        description="For each member, the seq up to which they have read: their read "
                    "marker or their own newest message, whichever is later (0 before "
                    "either). The `read` WebSocket event reports each later move.",
        parameters=[OpenApiParameter("conversation_pk", OpenApiTypes.UUID,
                                     OpenApiParameter.PATH)],
        responses=ReadPositionsSerializer)
    def get(self, request, conversation_pk):
        last_seq = (Conversation.objects.filter(pk=conversation_pk)
                    .values_list("last_seq", flat=True).first())
        return Response({"conversation_id": str(conversation_pk), "last_seq": last_seq or 0,
                         "reads": read_positions(conversation_pk)})
