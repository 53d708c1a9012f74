"""Emoji reactions on messages: stored once per person and emoji, announced
live (``reaction.updated``) to the conversation's members after commit.

Adding a reaction already there, or removing one that is not, changes
nothing and announces nothing: both are idempotent.
"""
from django.db import IntegrityError, transaction

from ..models import Reaction
from ..payloads import public_user_fields
from ..realtime import events

# The emoji a person may react with, by the name the API uses for them.
EMOJI = {
    "thumbs_up": "\U0001F44D", "heart": "\u2764\ufe0f", "joy": "\U0001F602",
    "tada": "\U0001F389", "surprised": "\U0001F62E", "sad": "\U0001F622",
    "pray": "\U0001F64F", "eyes": "\U0001F440",
}
ORDER = {name: index for index, name in enumerate(EMOJI)}


def summaries(message_ids) -> dict:
    """``{message_id: [{"name", "emoji", "count", "users"}]}`` for the messages
    that have reactions, in the picker's order, people in the order they
    reacted (one query)."""
    rows = (Reaction.objects.filter(message_id__in=list(message_ids))
            .order_by("message_id", "created_at", "id")
            .values_list("message_id", "emoji", "user__user_id", "user__username",
                         "user__first_name", "user__last_name"))
    found: dict = {}
    for message_id, name, *user in rows:
        groups = found.setdefault(message_id, {})
        groups.setdefault(name, []).append(public_user_fields(*user))
    return {message_id: [{"name": name, "emoji": EMOJI.get(name, ""), "count": len(users),
                          "users": users}
                         for name, users in sorted(groups.items(),
                                                   key=lambda item: ORDER.get(item[0], 99))]
            for message_id, groups in found.items()}


def summary(message) -> list:
    """One message's reactions (see ``summaries``)."""
    return summaries([message.pk]).get(message.pk, [])


def reaction_event(message, reactions: list) -> dict:
    """A ``reaction.updated`` event: the message's reactions as they now are."""
    return {"type": "reaction.updated", "conversation": str(message.conversation_id),
            "message_id": str(message.pk), "seq": message.seq, "reactions": reactions}


def add(message, user, name: str) -> bool:
    """Add user's reaction name to message; True if it was not there yet."""
    try:
        with transaction.atomic():
            Reaction.objects.create(message=message, user=user, emoji=name)
            events.publish_conversation(message.conversation_id,
                                        reaction_event(message, summary(message)))
    except IntegrityError:
        return False  # already there (perhaps added by a concurrent request)
    return True


def remove(message, user, name: str) -> bool:
    """Remove user's reaction name from message; True if it was there."""
    with transaction.atomic():
        deleted, _ = Reaction.objects.filter(message=message, user=user, emoji=name).delete()
        if deleted:
            events.publish_conversation(message.conversation_id,
                                        reaction_event(message, summary(message)))
    return bool(deleted)
