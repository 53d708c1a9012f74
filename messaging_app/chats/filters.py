"""Query-string filters for message lists."""
from datetime import UTC

import django_filters
from django.core.exceptions import ValidationError
from django.db.models import Q
from django_filters.fields import IsoDateTimeField
from rest_framework import filters
from rest_framework.exceptions import ValidationError as APIValidationError

from .models import Message

# Longest search or text filter term, in characters.  Longer ones are a 400:
# no person types them, each term is a LIKE over the rows it scans, and SQLite
# refuses patterns of 50,000 bytes ("LIKE or GLOB pattern too complex").
MAX_SEARCH_LENGTH = 200


def too_long(name: str) -> str:
    return f"{name} is at most {MAX_SEARCH_LENGTH} characters long."


class BoundedSearchFilter(filters.SearchFilter):
    """DRF's ``?search=``, refused with a 400 past ``MAX_SEARCH_LENGTH``."""

    def get_search_terms(self, request):
        value = request.query_params.get(self.search_param, "")
        if len(value) > MAX_SEARCH_LENGTH:
            raise APIValidationError({self.search_param: [too_long(self.search_param)]})
        return super().get_search_terms(request)


class SearchTermFilter(django_filters.CharFilter):
    """A text filter (``icontains``) bounded like ``?search=``."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, max_length=MAX_SEARCH_LENGTH, lookup_expr="icontains",
                         **kwargs)


class UTCIsoDateTimeField(IsoDateTimeField):
    """An ISO 8601 date-time, converted to UTC before it reaches SQL.

    PostgreSQL refuses offsets beyond +-15:59 ("time zone displacement out
    of range"), and a date near year 1 or 9999 can overflow on conversion;
    both are input errors (400), not server errors.
    """

    def to_python(self, value):
        result = super().to_python(value)
        if result is None:
            return result
        try:
            return result.astimezone(UTC)
        except (OverflowError, ValueError):
            raise ValidationError("Enter a date/time between the years 1 and 9999 (UTC).",
                                  code="invalid") from None


class UTCIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    """IsoDateTimeFilter whose value is normalised to UTC."""

    field_class = UTCIsoDateTimeField


class MessageFilter(django_filters.FilterSet):
    """Filter messages by conversation, sender, participant, time and text.

    ``sent_after`` / ``sent_before`` (aliases ``start_date`` / ``end_date``)
    take ISO 8601 date-times; ``body`` (alias ``q``) matches text without
    regard to case.  A malformed value is a 400 naming the parameter.
    """

    conversation = django_filters.UUIDFilter(field_name="conversation_id")
    sender = django_filters.UUIDFilter(field_name="sender_id")
    participant = django_filters.UUIDFilter(method="filter_participant",
                                            label="Messages in conversations with this user")
    sent_after = UTCIsoDateTimeFilter(field_name="sent_at", lookup_expr="gte")
    sent_before = UTCIsoDateTimeFilter(field_name="sent_at", lookup_expr="lte")
    start_date = UTCIsoDateTimeFilter(field_name="sent_at", lookup_expr="gte")
    end_date = UTCIsoDateTimeFilter(field_name="sent_at", lookup_expr="lte")
    body = SearchTermFilter(field_name="message_body")
    q = SearchTermFilter(field_name="message_body")

    class Meta:
        model = Message
        fields = ["conversation", "sender", "participant", "sent_after", "sent_before",
                  "start_date", "end_date", "body", "q"]

    def filter_participant(self, queryset, name, value):
        """Keep messages whose conversation includes the user ``value``."""
        through = Message.conversation.field.related_model.participants.through
        conversations = through.objects.filter(user_id=value).values("conversation_id")
        return queryset.filter(Q(conversation_id__in=conversations))

