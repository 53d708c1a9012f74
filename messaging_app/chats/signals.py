"""Model signals that publish events, whatever made the change (API, admin, shell).

``bulk_create`` and queryset ``update`` send no signals and publish nothing;
neither does a hard delete of a message (the API soft-deletes).  Deleting a
conversation is announced by ``services.delete_conversation``.
"""
from django.db.models import F, QuerySet
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from . import events
from .models import Conversation, Message


@receiver(post_save, sender=Message)
def message_saved(sender, instance, created, **kwargs):
    if created:
        kind = "message.created"
    elif instance.deleted_at is not None:
        kind = "message.deleted"
    else:
        kind = "message.updated"
    events.publish_conversation(instance.conversation_id, events.message_event(kind, instance))


@receiver(post_delete, sender=Message)
def message_purged(sender, instance, origin=None, **kwargs):
    """Count a hard-deleted message in its conversation's ``purged_count``
    (unless the conversation itself is being deleted), so that
    ``Conversation.message_count`` stays exact without counting rows."""
    if isinstance(origin, Conversation) or (isinstance(origin, QuerySet)
                                            and origin.model is Conversation):
        return
    Conversation.objects.filter(pk=instance.conversation_id).update(
        purged_count=F("purged_count") + 1)


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
    participants = sorted(str(pk) for pk in through.objects.filter(
        conversation_id=conversation_id).values_list("user_id", flat=True))
    changed = sorted(str(pk) for pk in pk_set)
    event = {"type": "conversation.updated", "conversation": str(conversation_id),
             "participants": participants,
             "added": changed if action == "post_add" else [],
             "removed": changed if action == "post_remove" else []}
    events.publish_conversation(conversation_id, event)
    for user_id in pk_set:
        events.publish_membership(user_id, conversation_id,
                                  "join" if action == "post_add" else "leave", last_seq, event)
