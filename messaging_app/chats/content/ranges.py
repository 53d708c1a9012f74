"""What the reactions and attachments of a range of messages share: the
participant check and the ``from_seq`` / ``to_seq`` parameters."""
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework.exceptions import PermissionDenied, ValidationError

from ..models import Conversation

# Most messages one range may span.
MAX_RANGE = 200
NOT_PARTICIPANT = "You are not a participant of this conversation."

RANGE_PARAMETERS = [
    OpenApiParameter("from_seq", OpenApiTypes.INT, required=True),
    OpenApiParameter("to_seq", OpenApiTypes.INT, required=True,
                     description=f"At most {MAX_RANGE} after from_seq."),
]


def check_member(user, conversation_id) -> None:
    """403 ``not_participant`` unless user takes part in the conversation."""
    if not Conversation.participants.through.objects.filter(
            conversation_id=conversation_id, user_id=user.pk).exists():
        raise PermissionDenied(NOT_PARTICIPANT, code="not_participant")


def require_member(request, conversation_id) -> None:
    """404 when the conversation does not exist, 403 when the requester is not in it."""
    get_object_or_404(Conversation.objects.only("pk"), pk=conversation_id)
    check_member(request.user, conversation_id)


def seq_range(query_params) -> tuple[int, int]:
    """(from_seq, to_seq) from the query string; a 400 naming the parameter
    when one is missing, not an integer, or the range runs backwards or past
    ``MAX_RANGE``."""
    bounds = {}
    for name in ("from_seq", "to_seq"):
        try:
            bounds[name] = int(query_params[name])
        except (KeyError, ValueError):
            raise ValidationError({name: ["A seq (an integer) is required."]}) from None
    if not 0 <= bounds["to_seq"] - bounds["from_seq"] <= MAX_RANGE:
        raise ValidationError({"to_seq": [f"to_seq must be from_seq to from_seq + {MAX_RANGE}."]})
    return bounds["from_seq"], bounds["to_seq"]
