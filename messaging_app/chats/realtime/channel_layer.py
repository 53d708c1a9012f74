"""channels_redis's layer with a blocking read short enough to bound every call.

The layer waits for events with ``BZPOPMIN`` for ``brpop_timeout`` seconds
(5 by default) on a socket that must stay open that long, so the socket
timeout has to be longer than that wait (redis-py 8's 5 s default dropped
every idle socket, django/channels_redis#422).  Waiting 1 s per call instead
lets settings.py set a socket timeout of ``REDIS_TIMEOUT`` + 1 s: idle sockets
stay open, and a Redis that stops answering is noticed within that.
"""
from channels_redis.core import RedisChannelLayer


class BoundedRedisChannelLayer(RedisChannelLayer):
    """RedisChannelLayer whose blocking read returns every second."""

    brpop_timeout = 1
