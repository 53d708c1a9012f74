"""Routes of the chat page, mounted at the site root."""
from django.urls import path

from .views import chat_page

app_name = "webchat"

urlpatterns = [
    path("", chat_page, name="home"),
    path("c/<uuid:conversation_id>/", chat_page, name="conversation"),
]
