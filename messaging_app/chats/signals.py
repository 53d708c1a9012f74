"""Model signals that publish events and keep each conversation's owner one
of its members, whatever made the change (API, admin, shell).

``bulk_create`` and queryset ``update`` send no signals and publish nothing;
neither does a hard delete of a message (the API soft-deletes).  Deleting a
conversation is announced by ``services.delete_conversation``.
"""
from django.db.models import F, QuerySet, Subquery, UUIDField
from django.db.models.functions import Coalesce
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete
from django.dispatch import receiver

from .realtime import events
from .models import Conversation, Message, User
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


def members_of(conversation_id, exclude=None) -> list:
    """A conversation's member ids, longest-standing first (by join row)."""
    rows = Conversation.participants.through.objects.filter(conversation_id=conversation_id)
    if exclude is not None:
        rows = rows.exclude(user_id=exclude)
    return list(rows.order_by("id").values_list("user_id", flat=True))


def announce_membership(conversation_id, action, pk_set):
    """Publish conversation.updated and tell each added or removed user.

    First the owner is brought in line with the new members
    (``Conversation.owner_among``: an owner who left hands over to the
    longest-standing member, a group without one gets them), so the event
    carries the owner as it now is.  The conversation row is locked while
    this runs, so a concurrent hand-over sees the members as they are.
    """
    row = (Conversation.objects.select_for_update().filter(pk=conversation_id)
           .values_list("last_seq", "owner_id", "direct_key").first())
    last_seq, owner, direct_key = row or (0, None, None)
    participants = members_of(conversation_id)
    if row is not None:
        new_owner = Conversation.owner_among(owner, participants,
                                             direct=direct_key is not None)
        if new_owner != owner:
            Conversation.objects.filter(pk=conversation_id).update(owner=new_owner)
            owner = new_owner
    if action == "post_add":
        event = conversation_updated_event(conversation_id, participants, owner=owner,
                                           added=pk_set)
    else:
        event = conversation_updated_event(conversation_id, participants, owner=owner,
                                           removed=pk_set)
    events.publish_conversation(conversation_id, event)
    for user_id in pk_set:
        events.publish_membership(user_id, conversation_id,
                                  "join" if action == "post_add" else "leave", last_seq, event)


@receiver(pre_delete, sender=User)
def owner_deleted(sender, instance, **kwargs):
    """An account being deleted hands its groups over, as if its owner had left.

    Its participant rows go without ``m2m_changed``, so this runs first;
    ``owner``'s ``SET_NULL`` then finds no conversation still owned by it.
    Nothing is published (neither is the account's departure).
    """
    for conversation_id, direct_key in (Conversation.objects.filter(owner=instance)
                                        .values_list("pk", "direct_key")):
        owner = Conversation.owner_among(None, members_of(conversation_id, exclude=instance.pk),
                                         direct=direct_key is not None)
        Conversation.objects.filter(pk=conversation_id).update(owner=owner)
