"""``GET /api/messages/search/``: full-text search over your conversations."""
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param
from rest_framework.views import APIView

from ..payloads import message_payload
from . import search


class SearchUnavailable(APIException):
    """The database engine has no full-text index of messages."""

    status_code = status.HTTP_501_NOT_IMPLEMENTED
    default_detail = "Message search needs PostgreSQL or SQLite."
    default_code = "search_unavailable"


class SearchParamsSerializer(serializers.Serializer):
    """What a search asks for (the query string)."""

    q = serializers.CharField(
        trim_whitespace=True,
        help_text=f"Words to find, all of them (at most {search.MAX_QUERY_LENGTH} characters, "
                  f"{search.MAX_TERMS} words); end a word with `*` to match words it begins.")
    conversation = serializers.UUIDField(required=False,
                                         help_text="Only this conversation (one of yours).")
    sender = serializers.UUIDField(required=False, help_text="Only this person's messages.")
    page = serializers.IntegerField(required=False, default=1, min_value=1, max_value=500)
    page_size = serializers.IntegerField(required=False, default=20, min_value=1,
                                         max_value=50)

    def validate_q(self, value: str):
        try:
            return search.parse_query(value)
        except search.QueryError as error:
            raise ValidationError(str(error), code="invalid_query") from None


class SnippetFragmentSerializer(serializers.Serializer):
    text = serializers.CharField()
    highlight = serializers.BooleanField(help_text="True for a word that matched.")


class SearchSenderSerializer(serializers.Serializer):
    user_id = serializers.UUIDField()
    username = serializers.CharField()
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    full_name = serializers.CharField()


class SearchMessageSerializer(serializers.Serializer):
    message_id = serializers.UUIDField()
    conversation = serializers.UUIDField()
    sender = SearchSenderSerializer()
    message_body = serializers.CharField()
    sent_at = serializers.DateTimeField()
    edited_at = serializers.DateTimeField(allow_null=True)
    seq = serializers.IntegerField(help_text="Open it with `around=<seq>` on the history.")
    deleted_at = serializers.DateTimeField(allow_null=True)


class SearchConversationSerializer(serializers.Serializer):
    conversation_id = serializers.UUIDField()
    title = serializers.CharField(help_text="Empty for an untitled (direct) conversation.")


class SearchHitSerializer(serializers.Serializer):
    message = SearchMessageSerializer()
    conversation = SearchConversationSerializer()
    snippet = SnippetFragmentSerializer(many=True, help_text=(
        "The part of the body around the first match, in fragments: joined they give the "
        "text, `highlight` marks matched words. Plain text, never HTML."))
    score = serializers.FloatField(help_text="Relevance: higher is better.")


class SearchPageSerializer(serializers.Serializer):
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = SearchHitSerializer(many=True)


SEARCH_DESCRIPTION = (
    "Full-text search over the messages of the conversations you are in (never anyone "
    "else's): every word must match, as a whole word (or, ending in `*`, as a prefix); "
    "case and accents are ignored. Best matches first, newest first among equals. Deleted "
    "messages are not found. Pages have `next`/`previous` links and no `count`. A `q` "
    f"longer than {search.MAX_QUERY_LENGTH} characters, or without a word, is a 400.")


class MessageSearchView(APIView):
    """Search the requester's messages; one page of hits."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        summary="Search your messages", description=SEARCH_DESCRIPTION,
        operation_id="messages_search",
        parameters=[
            OpenApiParameter("q", OpenApiTypes.STR, required=True,
                             description=SearchParamsSerializer().fields["q"].help_text),
            OpenApiParameter("conversation", OpenApiTypes.UUID,
                             description="Only this conversation (one of yours)."),
            OpenApiParameter("sender", OpenApiTypes.UUID,
                             description="Only this person's messages."),
            OpenApiParameter("page", OpenApiTypes.INT, description="1 to 500."),
            OpenApiParameter("page_size", OpenApiTypes.INT, description="1 to 50; 20 by default."),
        ],
        responses=SearchPageSerializer)
    def get(self, request):
        params = SearchParamsSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        options = params.validated_data
        size, page = options["page_size"], options["page"]
        try:
            hits = search.search(request.user, options["q"],
                                 conversation=options.get("conversation"),
                                 sender=options.get("sender"),
                                 offset=(page - 1) * size, limit=size + 1)
        except NotImplementedError as error:
            raise SearchUnavailable(str(error)) from None
        url = request.build_absolute_uri()
        previous = None
        if page > 1:
            previous = (remove_query_param(url, "page") if page == 2
                        else replace_query_param(url, "page", page - 1))
        return Response({
            "next": replace_query_param(url, "page", page + 1) if len(hits) > size else None,
            "previous": previous,
            "results": [{"message": message_payload(hit.message),
                         "conversation": search.conversation_of(hit),
                         "snippet": hit.snippet, "score": hit.score} for hit in hits[:size]],
        })
