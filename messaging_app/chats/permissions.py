"""Who may see and change conversations and messages."""
import uuid

from rest_framework.permissions import BasePermission

from .models import Conversation, Message
from .queries import participant_conversation

WRITE_METHODS = ("PUT", "PATCH", "DELETE")


def checked_conversation(request, conversation_pk):
    """``queries.participant_conversation`` for the requester, read once per
    request and conversation: the permission check and the view share it."""
    known = vars(request).setdefault("checked_conversations", {})
    key = str(conversation_pk)
    if key not in known:
        known[key] = participant_conversation(request.user, conversation_pk)
    return known[key]


def is_participant(request, conversation_pk) -> bool:
    """Whether the requester takes part in the conversation (NotFound if there is none)."""
    return checked_conversation(request, conversation_pk) is not None


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
            return is_participant(request, conversation_pk)
        return True

    def has_object_permission(self, request, view, obj) -> bool:
        if isinstance(obj, Message):
            if not is_participant(request, obj.conversation_id):
                return False
            if request.method in WRITE_METHODS and obj.sender_id != request.user.pk:
                self.message = "Only the sender may edit or delete this message."
                self.code = "not_sender"
                return False
            return True
        if isinstance(obj, Conversation):
            # Reads, posts and PUT/PATCH/DELETE alike need a participant.
            return is_participant(request, obj.pk)
        return False


# The conversation actions only its owner may take (by view action), as
# refusals name them.  Every participant may read, post, rename, add people
# and leave.
OWNER_ACTIONS = {
    "destroy": "delete it",
    "remove_participant": "remove other participants",
    "hand_over": "hand it over",
}


class IsOwnerOfConversation(BasePermission):
    """Allow the owner's actions (``OWNER_ACTIONS``) to the conversation's owner only.

    Removing yourself is leaving, which every participant may do.  A direct
    conversation has no owner: either of its two people (or the one left)
    may delete it (for both); neither removes the other or hands it over.  Goes after
    ``IsParticipantOfConversation``, so an outsider hears that first.
    """

    message = "Only the conversation's owner may do this."
    code = "not_owner"

    def has_object_permission(self, request, view, obj) -> bool:
        action = getattr(view, "action", None)
        if not isinstance(obj, Conversation) or action not in OWNER_ACTIONS:
            return True
        if obj.owner_id == request.user.pk:
            return True
        if action == "remove_participant" and self.is_requester(request, view):
            return True
        direct = obj.is_direct
        if direct and action == "destroy":
            return True
        self.message = f"Only the conversation's owner may {OWNER_ACTIONS[action]}."
        if direct:
            self.message += " A direct conversation has no owner: leave it, or delete it."
        return False

    @staticmethod
    def is_requester(request, view) -> bool:
        """Whether the participant the URL names (``user_id``) is the requester."""
        try:
            return uuid.UUID(str(view.kwargs.get("user_id"))) == request.user.pk
        except ValueError:
            return False
