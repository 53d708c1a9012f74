"""Query-string filters for message lists."""
import django_filters
from django.db.models import Q

from .models import Message


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
    sent_after = django_filters.IsoDateTimeFilter(field_name="sent_at", lookup_expr="gte")
    sent_before = django_filters.IsoDateTimeFilter(field_name="sent_at", lookup_expr="lte")
    start_date = django_filters.IsoDateTimeFilter(field_name="sent_at", lookup_expr="gte")
    end_date = django_filters.IsoDateTimeFilter(field_name="sent_at", lookup_expr="lte")
    body = django_filters.CharFilter(field_name="message_body", lookup_expr="icontains")
    q = django_filters.CharFilter(field_name="message_body", lookup_expr="icontains")

    class Meta:
        model = Message
        fields = ["conversation", "sender", "participant", "sent_after", "sent_before",
                  "start_date", "end_date", "body", "q"]

    def filter_participant(self, queryset, name, value):
        """Keep messages whose conversation includes the user ``value``."""
        through = Message.conversation.field.related_model.participants.through
        conversations = through.objects.filter(user_id=value).values("conversation_id")
        return queryset.filter(Q(conversation_id__in=conversations))
