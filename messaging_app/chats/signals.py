"""Guards for writes made outside ``chats.services`` (admin forms, the shell,
tests): each handler calls the service code the services themselves call,
so such a write publishes the same events and follows the same owner rule.

While a service function is writing (``services.writing()``) the handlers
stand aside: the service publishes its own events and applies its own
rules.  Adding someone to a direct conversation is refused here as in the
API (``DirectConversationClosed``, before any row is written; the admin's
form says so first), so a direct conversation is made with
``services.create_conversation``.  ``bulk_create`` and queryset ``update``
send no signals and publish nothing.
"""
from django.db.models import QuerySet
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete
from django.dispatch import receiver

from . import services
from .models import Conversation, Message, User


@receiver(post_save, sender=Message)
def message_saved(sender, instance, created, raw=False, **kwargs):
    if not raw and not services.writing():
        services.announce_message(instance, created=created)


@receiver(post_delete, sender=Message)
def message_purged(sender, instance, origin=None, **kwargs):
    """A hard delete (never the API's) keeps the conversation's summary
    right, unless the conversation itself is being deleted."""
    if isinstance(origin, Conversation) or (isinstance(origin, QuerySet)
                                            and origin.model is Conversation):
        return
    services.purged(instance)


@receiver(m2m_changed, sender=Conversation.participants.through)
def participants_changed(sender, instance, action, reverse, pk_set, **kwargs):
    if action == "pre_add" and pk_set and not services.writing():
        refuse_newcomers(instance, reverse, pk_set)
    if action not in ("post_add", "post_remove") or not pk_set or services.writing():
        return
    change = "added" if action == "post_add" else "removed"
    if reverse:  # user.conversations.add(...): one change per conversation
        for conversation_id in pk_set:
            services.members_changed(conversation_id, **{change: [instance.pk]})
    else:
        services.members_changed(instance.pk, **{change: list(pk_set)})


def refuse_newcomers(instance, reverse: bool, pk_set) -> None:
    """Nobody joins a direct conversation (``services.refuse_newcomers``):
    raise ``DirectConversationClosed`` before the rows are written.  pk_set
    holds only the new rows (Django leaves out who is already a member)."""
    if reverse:  # user.conversations.add(...)
        is_direct = Conversation.objects.filter(pk__in=pk_set, is_direct=True).exists()
    else:
        is_direct = Conversation.objects.filter(pk=instance.pk, is_direct=True).exists()
    services.refuse_newcomers(is_direct, pk_set)


@receiver(pre_delete, sender=User)
def account_deleted(sender, instance, **kwargs):
    """An account's participant rows go without ``m2m_changed``: its groups
    are handed over first (``owner``'s ``SET_NULL`` then finds none)."""
    services.account_leaving(instance)
