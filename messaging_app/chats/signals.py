"""Model signals that publish events, whatever made the change (API, admin, shell).

``bulk_create`` and queryset ``update`` send no signals and publish nothing;
neither does a hard delete of a message (the API soft-deletes).  Deleting a
conversation is announced by ``services.delete_conversation``.
"""
from django.db.models import F, QuerySet, Subquery, UUIDField
from django.db.models.functions import Coalesce
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from . import events
from .models import Conversation, Message
from .payloads import conversation_updated_event, message_event


@receiver(post_save, sender=Message)
def message_saved(sender, instance, created, **kwargs):
    if created:
        kind = "message.created"
    elif instance.deleted_at is not None:
        kind = "message.deleted"
    else:
        kind = "message.updated"
    events.publish_conversation(instance.conversation_id, message_event(kind, instance))


@receiver(post_delete, sender=Message)
def message_purged(sender, instance, origin=None, **kwargs):
    """Keep the conversation's summary right after a hard delete (unless the
    conversation itself is being deleted).

    ``purged_count`` counts the message, so ``Conversation.message_count``
    stays exact without counting rows; if it was the newest message, the
    foreign key's ``SET_NULL`` has just cleared ``last_message``, which then
    points at the newest message left.
    """
    if isinstance(origin, Conversation) or (isinstance(origin, QuerySet)
                                            and origin.model is Conversation):
        return
    newest_left = (Message.objects.filter(conversation_id=instance.conversation_id)
                   .order_by("-seq").values("pk")[:1])
    Conversation.objects.filter(pk=instance.conversation_id).update(
        purged_count=F("purged_count") + 1,
        last_message=Coalesce("last_message", Subquery(newest_left), output_field=UUIDField()))


@receiver(m2m_changed, sender=Conversation.participants.through)
def participants_changed(sender, instance, action, reverse, pk_set, **kwargs):
    if action not in ("post_add", "post_remove") or not pk_set:
        return
    if reverse:  # user.conversations.add(...): one change per conversation
        for conversation_id in pk_set:
            announce_membership(conversation_id, action, {instance.pk})
    else:
        announce_membership(instance.pk, action, pk_set)


def announce_membership(conversation_id, action, pk_set):
    """Publish conversation.updated and tell each added or removed user."""
    row = (Conversation.objects.filter(pk=conversation_id)
           .values_list("last_seq", flat=True).first())
    last_seq = row or 0
    through = Conversation.participants.through
    participants = through.objects.filter(
        conversation_id=conversation_id).values_list("user_id", flat=True)
    if action == "post_add":
        event = conversation_updated_event(conversation_id, participants, added=pk_set)
    else:
        event = conversation_updated_event(conversation_id, participants, removed=pk_set)
    events.publish_conversation(conversation_id, event)
    for user_id in pk_set:
        events.publish_membership(user_id, conversation_id,
                                  "join" if action == "post_add" else "leave", last_seq, event)
