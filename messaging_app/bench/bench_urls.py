"""The project's routes plus a plain-Django baseline, for the benchmark only.

The baseline answers the same page of a conversation's messages as the API
(20 per page, oldest first, with the sender's public fields) using
hand-written ``.values()`` queries and ``JsonResponse``: no DRF, no
serializers, no authentication, no permission check.
"""
from django.http import JsonResponse
from django.urls import path
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.tokens import AccessToken

from chats.models import Conversation, Message, User
from messaging_app.urls import urlpatterns as project_urlpatterns

FIELDS = ("message_id", "conversation_id", "message_body", "sent_at", "edited_at",
          "sender__user_id", "sender__username", "sender__first_name", "sender__last_name")


def baseline_messages(request, conversation_id):
    """Page ``?page=N`` (20 per page) of a conversation's messages as JSON."""
    page = max(int(request.GET.get("page", "1")), 1)
    rows = (Message.objects.filter(conversation_id=conversation_id)
            .order_by("sent_at", "message_id").values(*FIELDS)[(page - 1) * 20:page * 20])
    return JsonResponse({"results": list(rows)})


def baseline_same_work(request, conversation_id):
    """The API's work for page N, in plain Django: check the JWT, load the
    user, check membership, count, fetch the page with ``.values()``."""
    try:
        token = AccessToken(request.META.get("HTTP_AUTHORIZATION", "").split(" ", 1)[-1])
    except TokenError:
        return JsonResponse({"detail": "Invalid token.", "code": "token_not_valid"}, status=401)
    user = User.objects.filter(pk=token["user_id"], is_active=True).values("user_id").first()
    if user is None:
        return JsonResponse({"detail": "No such user.", "code": "user_not_found"}, status=401)
    through = Conversation.participants.through
    if not through.objects.filter(conversation_id=conversation_id,
                                  user_id=user["user_id"]).exists():
        return JsonResponse({"detail": "Not a participant.", "code": "permission_denied"},
                            status=403)
    page = max(int(request.GET.get("page", "1")), 1)
    messages = Message.objects.filter(conversation_id=conversation_id)
    rows = messages.order_by("sent_at", "message_id").values(*FIELDS)[(page - 1) * 20:page * 20]
    return JsonResponse({"count": messages.count(), "results": list(rows)})


urlpatterns = [
    path("bench/baseline/conversations/<uuid:conversation_id>/messages/", baseline_messages),
    path("bench/baseline-auth/conversations/<uuid:conversation_id>/messages/",
         baseline_same_work),
    *project_urlpatterns,
]
