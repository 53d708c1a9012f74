"""App configuration for the chat page."""
from django.apps import AppConfig


class WebchatConfig(AppConfig):
    """The browser client served at ``/``: one page, its CSS and JavaScript modules."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "webchat"
