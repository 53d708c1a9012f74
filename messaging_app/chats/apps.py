"""App configuration for the chats app."""
from django.apps import AppConfig


class ChatsConfig(AppConfig):
    """Users, conversations and messages."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "chats"

    def ready(self):
        from . import signals  # noqa: F401  (guards writes made outside services)
        from .accounts import revocation  # noqa: F401  (revokes on password change)
        from .http import reason_phrases
        reason_phrases.fill()  # "429 Too Many Requests" under runserver (daphne) too
        from .content import attachments  # noqa: F401  (files go with their message)
        from django.db.models.signals import post_migrate
        from .content.search_index import ensure_search_triggers
        post_migrate.connect(ensure_search_triggers, sender=self)
