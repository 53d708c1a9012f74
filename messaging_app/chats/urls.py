"""Routes of the chats app, mounted under ``/api/``."""
from django.urls import path, include
from rest_framework import routers
from rest_framework_nested.routers import NestedDefaultRouter

from .accounts.passwords import PasswordChangeView
from .content.attachments_api import (AttachmentDownloadView, AttachmentThumbnailView,
                                      ConversationAttachmentsView)
from .content.reactions_api import (ConversationReactionsView, MessageReactionsView,
                                    MessageReactionView)
from .content.search_api import MessageSearchView
from .views import (ConversationMessageViewSet, ConversationViewSet, MessageViewSet,
                    UserViewSet, WebSocketTicketView)

router = routers.DefaultRouter()
router.register(r"users", UserViewSet, basename="user")
router.register(r"conversations", ConversationViewSet, basename="conversation")
router.register(r"messages", MessageViewSet, basename="message")

conversations_router = NestedDefaultRouter(router, r"conversations", lookup="conversation")
conversations_router.register(r"messages", ConversationMessageViewSet,
                              basename="conversation-messages")

urlpatterns = [
    path("ws-ticket/", WebSocketTicketView.as_view(), name="ws-ticket"),
    path("users/me/password/", PasswordChangeView.as_view(), name="user-password"),
    path("messages/search/", MessageSearchView.as_view(), name="message-search"),
    path("messages/<uuid:message_id>/reactions/", MessageReactionsView.as_view(),
         name="message-reactions"),
    path("messages/<uuid:message_id>/reactions/<str:name>/", MessageReactionView.as_view(),
         name="message-reaction"),
    path("conversations/<uuid:conversation_id>/attachments/",
         ConversationAttachmentsView.as_view(), name="conversation-attachments"),
    path("attachments/<uuid:attachment_id>/", AttachmentDownloadView.as_view(),
         name="attachment-download"),
    path("attachments/<uuid:attachment_id>/thumbnail/", AttachmentThumbnailView.as_view(),
         name="attachment-thumbnail"),
    path("conversations/<uuid:conversation_id>/reactions/", ConversationReactionsView.as_view(),
         name="conversation-reactions"),
    path("", include(router.urls)),
    path("", include(conversations_router.urls)),
]
