"""Who a message mentions: ``@username`` naming a member of its conversation.

The send, edit and delete services call ``set_mentions`` before saving
(``Message.mentions``: the member ids, the API's ``mentions``, carried by
events too) and ``store_mention_rows`` after, in the same transaction
(``Mention`` rows, which unread mention counts read).  Usernames match whatever their case; a name
that is nobody in the conversation (or the sender) mentions no one.
"""
import re

from django.db.models.functions import Lower

from .models import Conversation, Mention, Message

# "@" then a username's characters (Django's: letters, digits, @ . + - _),
# not inside a word or an e-mail address ("dana@example.com" names nobody).
MENTION = re.compile(r"(?<![\w@.+-])@([\w.+-]+)")


def named_usernames(body: str) -> list[str]:
    """The lowercased usernames body names, in order, without repeats (a
    trailing full stop or hyphen is punctuation, not part of the name)."""
    names = []
    for match in MENTION.finditer(body):
        name = match.group(1).rstrip(".-").lower()
        if name and name not in names:
            names.append(name)
    return names


def mentioned_ids(conversation_id, body: str, sender_id) -> list[str]:
    """Ids (strings) of the members other than the sender that body names."""
    names = named_usernames(body)
    if not names:
        return []
    rows = (Conversation.participants.through.objects
            .filter(conversation_id=conversation_id)
            .annotate(name=Lower("user__username")).filter(name__in=names)
            .exclude(user_id=sender_id).values_list("name", "user_id"))
    by_name = dict(rows)
    return [str(by_name[name]) for name in names if name in by_name]


def set_mentions(message: Message) -> None:
    """Set message.mentions from its body, before it is saved (so the event
    published on save carries them); a deleted message mentions no one."""
    message.mentions = [] if message.deleted_at else mentioned_ids(
        message.conversation_id, message.message_body, message.sender_id)


def store_mention_rows(message: Message) -> None:
    """Make message's Mention rows match message.mentions (after it is saved,
    in the same transaction)."""
    Mention.objects.filter(message=message).delete()
    Mention.objects.bulk_create([
        Mention(message=message, user_id=user_id, conversation_id=message.conversation_id,
                seq=message.seq) for user_id in message.mentions])
