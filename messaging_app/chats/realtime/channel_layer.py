"""channels_redis's layer, with one reader per process and every call bounded.

**One reader per process.**  All the sockets of a server process receive
through one Redis key (a sorted set).  channels_redis lets every waiting
consumer take turns at it: each socket keeps a pending lock acquisition,
and every message wakes its consumer, cancels that acquisition (a scan of
all waiters) and creates two new tasks; each message then costs two Redis
round trips in a row (pop, then clean its backup copy).  With thousands of
idle sockets that makes delivery slower the more sockets are open.  Here one
reader task per process pops up to ``READ_BATCH`` messages per round trip
(``BZPOPMIN`` for the first, ``ZPOPMIN`` for the rest) and puts each in the
queue of the sockets it names; a socket's ``receive()`` only waits on its
own queue.  (The backup copy guards against a receive cancelled between pop
and delivery; the reader is never cancelled while its process serves.)
When Redis fails, every waiting socket gets the error (and closes with 1013,
``chats.realtime.consumers``); the next ``receive()`` starts a new reader.

**Bounded calls.**  The blocking read waits ``brpop_timeout`` seconds (1, not
channels_redis's 5) on a socket that must stay open that long, so
settings.py can set a socket timeout of ``REDIS_TIMEOUT`` + 1 s: idle
sockets stay open, and a Redis that stops answering is noticed within that
(redis-py 8's 5 s default dropped every idle socket, django/channels_redis#422).
"""
import asyncio
import logging

import redis.exceptions
from channels_redis.core import RedisChannelLayer

from ..http.outage import REDIS_ERRORS

logger = logging.getLogger(__name__)

READ_BATCH = 500
# Consecutive read timeouts before Redis counts as failed for the sockets.
READ_TIMEOUTS = 3


class BoundedRedisChannelLayer(RedisChannelLayer):
    """RedisChannelLayer with one batched reader per process (see above)."""

    brpop_timeout = 1

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.reader = None
        self.reader_loop = None

    async def receive(self, channel):
        if "!" not in channel:
            return await super().receive(channel)
        assert self.require_valid_channel_name(channel)
        loop = asyncio.get_running_loop()
        if self.reader is None or self.reader.done() or self.reader_loop is not loop:
            self.reader_loop = loop
            self.reader = loop.create_task(self.read(self.non_local_name(channel)))
        queue = self.receive_buffer[channel]
        try:
            item = await queue.get()
        finally:
            if queue.empty() and self.receive_buffer.get(channel) is queue:
                del self.receive_buffer[channel]
        if isinstance(item, BaseException):
            raise item
        return item

    async def read(self, real_channel: str) -> None:
        """Pop this process's messages in batches and queue them per socket."""
        key = self.prefix + real_channel
        connection = self.connection(self.consistent_hash(real_channel))
        timeouts = 0
        while True:
            try:
                popped = await connection.bzpopmin(key, timeout=self.brpop_timeout)
                timeouts = 0
                if popped is None:
                    continue
                contents = [popped[1]]
                contents += [member for member, _ in
                             await connection.zpopmin(key, READ_BATCH - 1)]
            except REDIS_ERRORS as error:
                # A loop busy for longer than the socket timeout looks like a
                # hung Redis once; a hung Redis times out every time.
                timeouts += isinstance(error, (TimeoutError, redis.exceptions.TimeoutError))
                if 0 < timeouts < READ_TIMEOUTS:
                    logger.warning("channel layer read timed out (%s of %s)", timeouts,
                                   READ_TIMEOUTS)
                    continue
                for queue in self.receive_buffer.values():
                    queue.put_nowait(error)
                return
            for content in contents:
                message = self.deserialize(content)
                channels = message.pop("__asgi_channel__", None)
                if not isinstance(channels, list):
                    channels = [channels]
                for channel in channels:
                    if channel is not None:
                        self.receive_buffer[channel].put_nowait(message)
