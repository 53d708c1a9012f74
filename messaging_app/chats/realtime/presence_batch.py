"""Presence changes of one server process, settled once per interval.

A socket that is its user's first or last live one only *notes* the user
(``note``: no query, no Redis call, no wait on the socket's path).  Every
``PRESENCE_FLUSH_SECONDS`` (when something is noted) the event loop's
``PresenceBatcher``:

1. reads the current state of every noted user (``presence.current_states``:
   one Redis pipeline, or this process's counts without Redis), so a user
   who came and went within the interval, or who is still online through
   another process, is reported as they are now, once;
2. settles them in one call to the database thread (``presence.settle``: at
   most three queries, whatever the number of users);
3. sends ONE ``chat.presence`` channel-layer message per conversation of
   those users to its ``conv.<id>`` group, carrying the ``presence.changed``
   events of its changed members (each encoded to JSON once, here), through
   the loop's ``events.Publisher`` (the order and outage handling of every
   other event).  The consumers forward each event to the sockets that asked
   for presence, once per change (``chats.realtime.consumers``).

A connect storm of N users then costs each process a few queries and one
message per conversation per interval, not 2N queries and a message per
partner.  When Redis is configured but fails, presence is unknown: that
batch publishes nothing (logged once per outage), and nothing is guessed.

Bounds: the noted users are a dict keyed by user id, so it holds at most the
users who opened or closed a socket in this process since the last flush
began; a flush settles them ``FLUSH_BATCH`` at a time (the size of one
database call and of one message per conversation).
"""
import asyncio
import json
import logging

from channels.db import database_sync_to_async
from django.conf import settings
from django.utils import timezone

from . import presence
from .events import conversation_group, publish_on_loop
from .loop_local import PerLoop

logger = logging.getLogger(__name__)

# Users settled per database call (and at most events per message).
FLUSH_BATCH = 500

settle_in_database = database_sync_to_async(presence.settle)


class PresenceBatcher:
    """One event loop's noted users and the task that settles them."""

    def __init__(self):
        self.pending = {}  # user id -> None, in the order noted
        self.task = None
        self.lock = asyncio.Lock()
        self.unknown = False  # the last batch found Redis failing

    @property
    def interval(self) -> float:
        return float(settings.PRESENCE_FLUSH_SECONDS)

    def note(self, user_id) -> None:
        """Remember that user_id's presence may have changed (non-blocking)."""
        self.pending[user_id] = None
        if self.task is None or self.task.done():
            self.task = asyncio.get_running_loop().create_task(self.run())

    async def run(self) -> None:
        while self.pending:
            await asyncio.sleep(self.interval)
            await self.flush()

    async def flush(self) -> None:
        """Settle and publish every user noted so far, FLUSH_BATCH at a time (a
        batch that fails is logged and dropped: the API still shows the truth)."""
        async with self.lock:
            noted, self.pending = list(self.pending), {}
            for start in range(0, len(noted), FLUSH_BATCH):
                batch = noted[start:start + FLUSH_BATCH]
                try:
                    await self.settle(batch)
                except Exception:  # noqa: BLE001 - the task must outlive one bad batch
                    logger.exception("could not settle the presence of %d users",
                                     len(batch))

    async def settle(self, user_ids: list) -> None:
        """Read, store and publish the presence of user_ids (one batch)."""
        states = await presence.current_states(user_ids)
        if states is None:
            if not self.unknown:
                logger.warning("presence unknown (Redis failed): changes of %d users not "
                               "published, nor any more until Redis answers again",
                               len(user_ids))
            self.unknown = True
            return
        if self.unknown:
            logger.warning("presence known again (Redis answers): changes are published")
            self.unknown = False
        grouped = await settle_in_database(states, timezone.now())
        texts = {}  # user id -> the event as JSON, encoded once
        for events in grouped.values():
            for event in events:
                if event["user_id"] not in texts:
                    texts[event["user_id"]] = json.dumps(event)
        for conversation_id, events in grouped.items():
            publish_on_loop(conversation_group(conversation_id), {
                "type": "chat.presence", "conversation": conversation_id, "events": events,
                "texts": [texts[event["user_id"]] for event in events]})


# The presence batcher of the running event loop.
batcher = PerLoop(PresenceBatcher)


def note(user_id) -> None:
    """On the event loop: user_id's first socket opened or last one closed."""
    batcher().note(user_id)
