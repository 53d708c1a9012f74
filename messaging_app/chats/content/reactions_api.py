"""Reactions over HTTP: ``/api/messages/{id}/reactions/`` (read),
``.../reactions/{name}/`` (PUT adds, DELETE removes; both idempotent) and
``/api/conversations/{id}/reactions/?from_seq=&to_seq=`` (a range of
messages at once, for a page of history)."""
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.exceptions import APIException, NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from ..models import Message
from . import reactions
from .ranges import RANGE_PARAMETERS, check_member, require_member, seq_range
from .search_api import SearchSenderSerializer



class MessageDeletedConflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "This message was deleted; it takes no reactions."
    default_code = "message_deleted"


class ReactionSerializer(serializers.Serializer):
    name = serializers.ChoiceField(choices=list(reactions.EMOJI))
    emoji = serializers.CharField()
    count = serializers.IntegerField()
    users = SearchSenderSerializer(many=True)


class MessageReactionsSerializer(serializers.Serializer):
    message_id = serializers.UUIDField()
    reactions = ReactionSerializer(many=True)


class RangeReactionsSerializer(serializers.Serializer):
    reactions = serializers.DictField(
        child=ReactionSerializer(many=True),
        help_text="By seq, for the messages in the range that have reactions.")


def message_for(request, message_id) -> Message:
    """The message if the requester is in its conversation; 404 / 403 otherwise."""
    message = get_object_or_404(Message.objects.only("message_id", "conversation_id", "seq",
                                                     "deleted_at"), pk=message_id)
    check_member(request.user, message.conversation_id)
    return message


NAME = OpenApiParameter("name", OpenApiTypes.STR, OpenApiParameter.PATH,
                        enum=list(reactions.EMOJI),
                        description="Which emoji: " + ", ".join(
                            f"`{name}` {emoji}" for name, emoji in reactions.EMOJI.items()))


class MessageReactionsView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(summary="A message's reactions", operation_id="messages_reactions_list",
                   responses=MessageReactionsSerializer,
                   description="Each emoji with its count and who reacted, in the order they "
                               "did. Members get `reaction.updated` events "
                               "(`{type, conversation, message_id, seq, reactions}`) on changes.")
    def get(self, request, message_id):
        message = message_for(request, message_id)
        return Response({"message_id": str(message.pk),
                         "reactions": reactions.summary(message)})


class MessageReactionView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    def change(self, request, message_id, name, add: bool):
        if name not in reactions.EMOJI:
            raise NotFound(f"No reaction is named {name!r}; use one of: "
                           + ", ".join(reactions.EMOJI) + ".")
        message = message_for(request, message_id)
        if add and message.deleted_at is not None:
            raise MessageDeletedConflict()
        changed = (reactions.add if add else reactions.remove)(message, request.user, name)
        return message, changed

    @extend_schema(summary="React to a message", operation_id="messages_reactions_add",
                   parameters=[NAME], request=None,
                   responses={201: MessageReactionsSerializer, 200: MessageReactionsSerializer,
                              409: OpenApiResponse(description="The message was deleted "
                                                               "(`message_deleted`).")},
                   description="Adds your reaction (201), or leaves it as it is if you had "
                               "already reacted so (200). A deleted message is a 409.")
    def put(self, request, message_id, name):
        message, added = self.change(request, message_id, name, add=True)
        return Response({"message_id": str(message.pk), "reactions": reactions.summary(message)},
                        status=status.HTTP_201_CREATED if added else status.HTTP_200_OK)

    @extend_schema(summary="Take back a reaction", operation_id="messages_reactions_remove",
                   parameters=[NAME], request=None,
                   responses={204: OpenApiResponse(description="Gone (or was not there)")})
    def delete(self, request, message_id, name):
        self.change(request, message_id, name, add=False)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ConversationReactionsView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        summary="Reactions of a range of messages", operation_id="conversations_reactions",
        parameters=RANGE_PARAMETERS,
        responses=RangeReactionsSerializer)
    def get(self, request, conversation_id):
        require_member(request, conversation_id)
        first, last = seq_range(request.query_params)
        seqs = dict(Message.objects.filter(
            conversation_id=conversation_id,
            seq__range=(first, last)).values_list("pk", "seq"))
        found = reactions.summaries(seqs)
        return Response({"reactions": {str(seqs[pk]): summary for pk, summary in found.items()}})
