"""Who may see and change conversations and messages."""
import uuid

from django.db.models import Exists, OuterRef
from rest_framework.exceptions import NotFound
from rest_framework.permissions import BasePermission

from .models import Conversation, Message

WRITE_METHODS = ("PUT", "PATCH", "DELETE")


def membership(request, conversation_pk):
    """Return True/False for the requester's membership of a conversation.

    Raise NotFound for a malformed or unknown id.  One query, whose answer is
    kept on the request so later checks in the same request are free.
    """
    cache = request.__dict__.setdefault("_chats_membership", {})
    key = str(conversation_pk)
    if key not in cache:
        try:
            pk = uuid.UUID(key)
        except ValueError:
            raise NotFound("No conversation has this id.") from None
        through = Conversation.participants.through
        row = (Conversation.objects.filter(pk=pk)
               .annotate(is_member=Exists(through.objects.filter(
                   conversation_id=OuterRef("pk"), user_id=request.user.pk)))
               .values_list("is_member", flat=True).first())
        if row is None:
            raise NotFound("No conversation has this id.")
        cache[key] = bool(row)
    return cache[key]


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
