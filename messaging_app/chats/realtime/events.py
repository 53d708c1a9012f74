"""Publishing real-time events to WebSocket consumers through the channel layer.

Every ``publish_*`` function only schedules: the event goes out after the current
transaction commits (``transaction.on_commit``), so a client never hears of
a message it could not read yet, and a rolled-back send is never announced.
Outside a transaction the event goes out at once.

Inside a server process the request's thread does not wait for Redis: the
event is handed to the process's event loop, where one publisher task sends
the process's events in the order they were handed over (``Publisher``).  A
write then costs its thread no round trip through the event loop and Redis,
and a loop busy with thousands of sockets delays delivery, never the answer.
Elsewhere (shell, management commands, the test client) the event is sent
before the call returns.

Groups: ``conv.<conversation_id>`` holds the consumers of every member of a
conversation (its events, typing notices, and its members' presence from
``chats.realtime.presence_batch``); ``user.<user_id>`` holds one user's
consumers (membership changes reach them there, including for conversations
they just joined).
"""
import asyncio
import logging
import os

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import transaction

from ..http.outage import REDIS_ERRORS, event_delivery
from ..payloads import typing_event
from .loop_local import PerLoop

logger = logging.getLogger(__name__)


def conversation_group(conversation_id) -> str:
    """The group of a conversation's connected members."""
    return f"conv.{conversation_id}"


def user_group(user_id) -> str:
    """The group of one user's connections."""
    return f"user.{user_id}"


async def _group_send(layer, group: str, message: dict) -> None:
    await asyncio.wait_for(layer.group_send(group, message), timeout=settings.REDIS_TIMEOUT)


# Events waiting in one process's publisher; beyond this (Redis far slower than
# the writes) new ones are dropped and logged: sockets repair a gap on the next event.
PUBLISH_QUEUE = 10_000


class Publisher:
    """One event loop's queue of events and the task that sends them, in order."""

    def __init__(self):
        self.queue = asyncio.Queue(PUBLISH_QUEUE)
        self.task = asyncio.get_running_loop().create_task(self.run())

    def put(self, group: str, message: dict) -> None:
        try:
            self.queue.put_nowait((group, message))
        except asyncio.QueueFull:
            logger.warning("event queue full (%s events): event for %s dropped",
                           PUBLISH_QUEUE, group)

    async def run(self) -> None:
        while True:
            group, message = await self.queue.get()
            layer = get_channel_layer()
            if layer is None or event_delivery.skipping:
                continue
            try:
                # Bounded by the layer's socket timeouts (settings.py); no
                # wait_for here: a loop busy with sockets is not a Redis outage.
                await layer.group_send(group, message)
            except REDIS_ERRORS as error:
                event_delivery.failed(error)
            except Exception:  # noqa: BLE001 - the publisher must outlive one bad event
                logger.exception("could not publish to %s", group)
            else:
                event_delivery.succeeded()


# The running event loop's publisher.
publisher = PerLoop(Publisher)


def publish_on_loop(group: str, message: dict) -> None:
    """On the event loop (code running there, such as the presence batcher):
    queue a channel-layer message on the loop's publisher, after the events
    queued before it."""
    publisher().put(group, message)


# The event loop of this server process, recorded by ``ServingLoop`` as the
# ASGI application is called: (process id, loop).
_serving = (None, None)


class ServingLoop:
    """ASGI middleware that records the event loop serving this process, so
    that writes made in request threads hand their events to it."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        global _serving
        loop = asyncio.get_running_loop()
        if _serving[1] is not loop:
            _serving = (os.getpid(), loop)
        return await self.app(scope, receive, send)


def _server_loop():
    """The event loop serving this process's ASGI requests, if it still runs
    (none in the shell, management commands and the test client)."""
    pid, loop = _serving
    if pid != os.getpid() or loop is None or loop.is_closed() or not loop.is_running():
        return None
    return loop


def _send(group: str, message: dict) -> None:
    """Publish: handed to the server's event loop when there is one, else sent
    now.  A failing or slow layer is logged and never fails the write
    (chats.http.outage: Redis is skipped for a while after a failure)."""
    loop = _server_loop()
    if loop is not None:
        loop.call_soon_threadsafe(publish_on_loop, group, message)
        return
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


async def relay_typing(layer, conversation_id, user_id) -> None:
    """Send a ``typing`` event to a conversation's connected members now (no
    write to wait for); consumers drop it on the typist's own sockets."""
    await layer.group_send(conversation_group(conversation_id), {
        "type": "chat.event", "event": typing_event(conversation_id, user_id)})


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
