"""The project's routes plus a plain-Django baseline, for the benchmark only.

The baseline answers the same page of a conversation's messages as the API
(20 per page, oldest first, with the sender's public fields) using
hand-written ``.values()`` queries and ``JsonResponse``: no DRF, no
serializers, no authentication, no permission check.
"""
from django.http import JsonResponse
from django.urls import path

from chats.models import Message
from messaging_app.urls import urlpatterns as project_urlpatterns

FIELDS = ("message_id", "conversation_id", "message_body", "sent_at", "edited_at",
          "sender__user_id", "sender__username", "sender__first_name", "sender__last_name")


def baseline_messages(request, conversation_id):
    """Page ``?page=N`` (20 per page) of a conversation's messages as JSON."""
    page = max(int(request.GET.get("page", "1")), 1)
    rows = (Message.objects.filter(conversation_id=conversation_id)
            .order_by("sent_at", "message_id").values(*FIELDS)[(page - 1) * 20:page * 20])
    return JsonResponse({"results": list(rows)})


urlpatterns = [
    path("bench/baseline/conversations/<uuid:conversation_id>/messages/", baseline_messages),
    *project_urlpatterns,
]
