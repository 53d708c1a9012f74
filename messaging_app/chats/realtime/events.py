"""Publishing real-time events to WebSocket consumers through the channel layer.

Every ``publish_*`` function only schedules: the event goes out after the current
transaction commits (``transaction.on_commit``), so a client never hears of
a message it could not read yet, and a rolled-back send is never announced.
Outside a transaction the event goes out at once.

Groups: ``conv.<conversation_id>`` holds the consumers of every member of a
conversation; ``user.<user_id>`` holds one user's consumers (membership
changes reach them there, including for conversations they just joined).
"""
import asyncio
import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import transaction

from ..http.outage import REDIS_ERRORS, event_delivery
from ..payloads import typing_event

logger = logging.getLogger(__name__)


def conversation_group(conversation_id) -> str:
    """The group of a conversation's connected members."""
    return f"conv.{conversation_id}"


def user_group(user_id) -> str:
    """The group of one user's connections."""
    return f"user.{user_id}"


async def _group_send(layer, group: str, message: dict) -> None:
    await asyncio.wait_for(layer.group_send(group, message), timeout=settings.REDIS_TIMEOUT)


def _send(group: str, message: dict) -> None:
    """Publish now; a failing or slow layer is logged and never fails the
    write (chats.http.outage: Redis is skipped for a while after a failure)."""
    layer = get_channel_layer()
    if layer is None:
        return
    if event_delivery.skipping:
        logger.debug("Redis unavailable: event for %s not published", group)
        return
    try:
        async_to_sync(_group_send)(layer, group, message)
    except REDIS_ERRORS as error:
        event_delivery.failed(error)
    except Exception:  # noqa: BLE001 - delivery must not break a committed write
        logger.exception("could not publish to %s", group)
    else:
        event_delivery.succeeded()


def publish_conversation(conversation_id, event: dict) -> None:
    """After commit, send event to every connected member of a conversation."""
    group = conversation_group(conversation_id)
    transaction.on_commit(lambda: _send(group, {"type": "chat.event", "event": event}))


def publish_user(user_id, message: dict) -> None:
    """After commit, send a channel-layer message (its ``type`` names the
    consumer handler) to every connected socket of one user."""
    group = user_group(user_id)
    transaction.on_commit(lambda: _send(group, message))


async def relay_typing(layer, conversation_id, user_id, origin: str) -> None:
    """Send a ``typing`` event to a conversation's connected members now (no
    write to wait for); ``origin``, the sender's channel, does not echo it."""
    await layer.group_send(conversation_group(conversation_id), {
        "type": "chat.event", "event": {**typing_event(conversation_id, user_id),
                                        "origin": origin}})


def publish_membership(user_id, conversation_id, action: str, last_seq: int,
                       event: dict) -> None:
    """After commit, tell one user's consumers to join or leave a conversation.

    ``last_seq`` is the conversation's seq when the membership changed: a
    joining consumer delivers every message after it.  ``event`` (a
    ``conversation.updated``) is forwarded to the user.
    """
    group = user_group(user_id)
    message = {"type": "chat.membership", "action": action,
               "conversation": str(conversation_id), "last_seq": last_seq, "event": event}
    transaction.on_commit(lambda: _send(group, message))
