"""Who may see and change conversations and messages."""
from rest_framework.permissions import BasePermission

from .models import Conversation, Message
from .queries import membership

WRITE_METHODS = ("PUT", "PATCH", "DELETE")


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
            return membership(request, conversation_pk) is not None
        return True

    def has_object_permission(self, request, view, obj) -> bool:
        if isinstance(obj, Message):
            if membership(request, obj.conversation_id) is None:
                return False
            if request.method in WRITE_METHODS and obj.sender_id != request.user.pk:
                self.message = "Only the sender may edit or delete this message."
                self.code = "not_sender"
                return False
            return True
        if isinstance(obj, Conversation):
            # Reads, posts and PUT/PATCH/DELETE alike need a participant.
            return membership(request, obj.pk) is not None
        return False
