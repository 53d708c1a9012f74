"""The OpenAPI description: what each view's operations are called, the
parameters documented by hand, and the error responses every endpoint can give.

Kept here so that ``views.py`` shows only what the views do.
"""
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (OpenApiParameter, OpenApiResponse, extend_schema,
                                   extend_schema_view)

from .content.around import AROUND_DESCRIPTION
from .models import WebSocketTicket
from .permissions import OWNER_ACTIONS, IsOwnerOfConversation
from .serializers import (ConversationCreateSerializer, ConversationMessageSerializer,
                          ConversationSerializer, ConversationUpdateSerializer,
                          MessageHistorySerializer, OwnerSerializer, ParticipantsSerializer,
                          ReadPositionsSerializer, ReadSerializer, ReadStateSerializer)
from .realtime.tickets import WebSocketTicketRequestSerializer, WebSocketTicketSerializer

IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key", OpenApiTypes.STR, OpenApiParameter.HEADER, required=False,
    description="Any string up to 255 characters. Retrying a send with the same key within "
                "24 hours returns the message it created (200) instead of sending again; "
                "the same key with a different body or conversation is a 422.")
CONVERSATION_PK = OpenApiParameter("conversation_pk", OpenApiTypes.UUID, OpenApiParameter.PATH)
PARTICIPANT_ID = OpenApiParameter("user_id", OpenApiTypes.UUID, OpenApiParameter.PATH)
CURSOR_PARAMETERS = [
    OpenApiParameter("cursor", OpenApiTypes.STR, description=(
        "Keyset pagination: empty or `latest` for the newest page, or a `next`/"
        "`previous` link's token. The response then has no `count`.")),
    OpenApiParameter("before", OpenApiTypes.UUID,
                     description="Keyset page of the messages just older than this one."),
    OpenApiParameter("after", OpenApiTypes.UUID,
                     description="Keyset page of the messages just newer than this one."),
    OpenApiParameter("around", OpenApiTypes.INT, description=AROUND_DESCRIPTION),
]
READ_DESCRIPTION = ("Moves your read marker forward to `seq` (never back; a smaller value "
                    "leaves it). Members get a `read` event.")
EDIT_HISTORY_DESCRIPTION = ("The current body and every previous one, oldest first. Deleting a "
                       "message clears its history.")
READS_DESCRIPTION = (
    "For each member, the seq up to which they have read: their read marker or their own "
    "newest message, whichever is later (0 before either). The `read` WebSocket event "
    "reports each later move.")
WS_TICKET_DESCRIPTION = (
    "Returns a random ticket, valid once for "
    f"{WebSocketTicket.TTL_SECONDS} seconds, to open `/ws/events/?ticket=...` "
    "(or offer the subprotocols `messaging.jwt, <access token>` instead). "
    "`since` maps conversation ids to the last `seq` you saw: the socket first "
    "replays every later message, in order, then goes live. Events (JSON): "
    "`message.created`, `message.updated`, `message.deleted` "
    "(`{type, conversation, seq, message}`), `conversation.updated` "
    "(`{type, conversation, participants, owner, direct, added, removed}`, when members or "
    "the owner change), `read` "
    "(`{type, conversation, user_id, last_read_seq}`), `typing` "
    "(`{type, conversation, user_id}`; send `{type: typing, conversation}`, "
    "rate-limited) and `ready` after the replay.")
REMOVE_DESCRIPTION = (
    "The owner removes anyone; any participant removes themselves (that is leaving). "
    "In a direct conversation neither person removes the other. Someone else's removal "
    "by a non-owner is a 403 `not_owner`.")
LEAVE_DESCRIPTION = (
    "Any participant. When the owner leaves, the longest-standing remaining member becomes "
    "the owner. When one person leaves a direct conversation it stays direct: the other "
    "owns nothing and can add nobody, and the two may start a fresh direct conversation. "
    "The last one out deletes the conversation.")
HAND_OVER_DESCRIPTION = (
    "The owner makes another active participant the owner (themselves: no change). Members "
    "get `conversation.updated` with the new `owner`. A non-owner gets 403 `not_owner` (so "
    "does anyone in a direct conversation, which has no owner); a user who is not an active "
    "participant is a 400.")

# Operation summaries, one decorator per viewset.
user_schema = extend_schema_view(
    me=extend_schema(summary="Your own account", methods=["GET", "PATCH"]),
    create=extend_schema(summary="Register", auth=[]),
    list=extend_schema(summary="Find people to message (public fields only)"),
    retrieve=extend_schema(summary="A user's public profile"),
)

conversation_schema = extend_schema_view(
    list=extend_schema(summary="Your conversations, latest activity first"),
    create=extend_schema(
        summary="Start a conversation",
        description="The requester is always added. Two people without a title make "
                    "a direct conversation (`direct`: true): if theirs exists with both in "
                    "it, it is returned with 200; once one of them has left, a fresh one is "
                    "made (201).",
        request=ConversationCreateSerializer,
        responses={201: ConversationSerializer, 200: ConversationSerializer}),
    retrieve=extend_schema(summary="A conversation with its newest messages"),
    update=extend_schema(summary="Rename a conversation", request=ConversationUpdateSerializer,
                         responses=ConversationSerializer),
    partial_update=extend_schema(summary="Rename a conversation",
                                 request=ConversationUpdateSerializer,
                                 responses=ConversationSerializer),
    destroy=extend_schema(
        summary="Delete a conversation and its messages",
        description="The owner only (403 `not_owner` for other participants); in a direct "
                    "conversation, which has no owner, either person or the one left (it "
                    "goes for both)."),
    add_participants=extend_schema(
        summary="Add participants", request=ParticipantsSerializer,
        description="A direct conversation (`direct`: true) stays between its two people "
                    "for its whole life: adding anyone, even after one of them left (and "
                    "that one too), is 403 `direct_conversation` (start a new conversation "
                    "with them instead).",
        responses=ConversationSerializer),
    remove_participant=extend_schema(
        summary="Remove a participant", description=REMOVE_DESCRIPTION, request=None,
        parameters=[PARTICIPANT_ID], responses={204: OpenApiResponse(description="Removed")}),
    leave=extend_schema(summary="Leave the conversation", description=LEAVE_DESCRIPTION,
                        request=None, responses={204: OpenApiResponse(description="Left")}),
    hand_over=extend_schema(summary="Hand the conversation over",
                            description=HAND_OVER_DESCRIPTION, request=OwnerSerializer,
                            responses=ConversationSerializer),
    read=extend_schema(summary="Mark messages read up to a seq", description=READ_DESCRIPTION,
                       request=ReadSerializer, responses=ReadStateSerializer),
    reads=extend_schema(summary="Members' read positions", description=READS_DESCRIPTION,
                        responses=ReadPositionsSerializer),
)

message_schema = extend_schema_view(
    list=extend_schema(summary="Messages in your conversations"),
    retrieve=extend_schema(summary="One message"),
    create=extend_schema(summary="Send a message (conversation in the body)",
                         parameters=[IDEMPOTENCY_KEY]),
    update=extend_schema(summary="Edit your message", request=ConversationMessageSerializer,
                         responses=ConversationMessageSerializer),
    partial_update=extend_schema(summary="Edit your message",
                                 request=ConversationMessageSerializer,
                                 responses=ConversationMessageSerializer),
    destroy=extend_schema(summary="Delete your message"),
    history=extend_schema(summary="A message's edit history", description=EDIT_HISTORY_DESCRIPTION,
                          responses=MessageHistorySerializer),
)

conversation_message_schema = extend_schema_view(
    list=extend_schema(summary="A conversation's messages",
                       parameters=[CONVERSATION_PK, *CURSOR_PARAMETERS]),
    create=extend_schema(summary="Send a message", parameters=[CONVERSATION_PK, IDEMPOTENCY_KEY]),
    retrieve=extend_schema(summary="One message", parameters=[CONVERSATION_PK]),
    update=extend_schema(summary="Edit your message", parameters=[CONVERSATION_PK]),
    partial_update=extend_schema(summary="Edit your message", parameters=[CONVERSATION_PK]),
    destroy=extend_schema(summary="Delete your message", parameters=[CONVERSATION_PK]),
    history=extend_schema(parameters=[CONVERSATION_PK]),
)
ws_ticket_schema = extend_schema_view(
    post=extend_schema(summary="Get a WebSocket ticket", description=WS_TICKET_DESCRIPTION,
                       request=WebSocketTicketRequestSerializer,
                       responses={201: WebSocketTicketSerializer}),
)


ERROR_SCHEMA = {
    "type": "object",
    "description": "An error: a human `detail` and a stable `code`.",
    "properties": {
        "detail": {"type": "string"},
        "code": {"type": "string"},
        "errors": {
            "type": "object",
            "description": "Validation errors: field name to messages.",
            "additionalProperties": {},
        },
    },
    "required": ["detail", "code"],
}

ERRORS = {
    "400": "Invalid input, malformed JSON or a bad query parameter.",
    "401": "No credentials, or credentials that are invalid or expired.",
    "403": "Authenticated, but not a participant (or not the message's sender).",
    "404": "No such object, or a malformed id in the URL.",
    "405": "Method not allowed on this path.",
    "429": "Too many requests; retry after the number of seconds in `Retry-After`.",
}


NOT_OWNER = ("Authenticated, but not a participant (`not_participant`), or not the "
             "conversation's owner (`not_owner`).")


def owner_operations(generator) -> set:
    """``(path, method)`` of the operations only a conversation's owner may
    call: the view actions in ``OWNER_ACTIONS`` of views that check
    ``IsOwnerOfConversation``."""
    found = set()
    for path, _, method, callback in generator.endpoints:
        action = (getattr(callback, "actions", None) or {}).get(method.lower())
        cls = getattr(callback, "cls", None)
        if action in OWNER_ACTIONS and IsOwnerOfConversation in getattr(
                cls, "permission_classes", ()):
            view = generator.create_view(callback, method)
            found.add((generator.coerce_path(path, method, view), method.lower()))
    return found


def add_error_responses(result, generator, request, public):
    """Add the shared Error component and the error responses to every operation."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    owner_only = owner_operations(generator)
    ref = {"$ref": "#/components/schemas/Error"}
    for path, path_item in result.get("paths", {}).items():
        for method, operation in path_item.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            responses = operation.setdefault("responses", {})
            extra = {}
            if any(p.get("name") == "Idempotency-Key" for p in operation.get("parameters", ())):
                extra["422"] = "The Idempotency-Key was used for a different message."
                if "201" in responses:
                    responses.setdefault("200", {
                        **responses["201"],
                        "description": "A retry: the message this Idempotency-Key sent."})
            if (method in ("put", "patch") and "/messages/{" in path
                    and not path.endswith("/history/")):
                extra["409"] = "The message was deleted; it cannot be edited."
            if (path, method) in owner_only:
                extra["403"] = NOT_OWNER
            for code, text in extra.items():
                responses.setdefault(code, {
                    "description": text,
                    "content": {"application/json": {"schema": ref}},
                })
            for code, text in ERRORS.items():
                responses.setdefault(code, {
                    "description": text,
                    "content": {"application/json": {"schema": ref}},
                })
            if "429" in responses:
                responses["429"]["headers"] = {
                    "Retry-After": {"schema": {"type": "integer"},
                                    "description": "Seconds to wait."}}
    return result
