"""Working on while Redis is down or hangs.

Redis holds two things here, and losing it costs only those: shared rate
limit counters (``chats.http.throttles`` then count in this process's memory) and
event delivery to WebSockets (``chats.realtime.events`` then drops events; sockets are
closed with 1013 and reconnect with ``since``).  Logins, reads and sends run
on the database alone.  Every Redis call is bounded by ``REDIS_TIMEOUT``
seconds (settings.py), so a Redis that accepts connections and never answers
delays a request by at most that, once: after a failure the caller skips
Redis for ``RETRY_SECONDS`` before trying it again.
"""
import logging
import time

from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

# What a failing or hanging Redis raises: redis-py's errors, socket errors,
# and asyncio's timeout (the builtin TimeoutError since Python 3.11).
REDIS_ERRORS = (RedisError, OSError, TimeoutError)
RETRY_SECONDS = 10.0


class Outage:
    """Whether one use of Redis is failing, in this process.

    ``failed`` logs one warning when an outage starts; ``skipping`` is true
    for RETRY_SECONDS after each failure; ``succeeded`` logs the recovery.
    """

    def __init__(self, what: str, meanwhile: str):
        self.what = what
        self.meanwhile = meanwhile
        self.down_since = None
        self.retry_at = 0.0

    @property
    def skipping(self) -> bool:
        return self.down_since is not None and time.monotonic() < self.retry_at

    def failed(self, error: BaseException) -> None:
        now = time.monotonic()
        if self.down_since is None:
            self.down_since = now
            logger.warning("Redis is unavailable for %s (%s: %s); %s until it answers again.",
                           self.what, type(error).__name__, error, self.meanwhile)
        self.retry_at = now + RETRY_SECONDS

    def succeeded(self) -> None:
        if self.down_since is not None:
            logger.warning("Redis answers again for %s after %.0f s.", self.what,
                           time.monotonic() - self.down_since)
            self.down_since = None


throttle_counters = Outage("rate limit counters",
                           "requests are counted in this process's memory")
event_delivery = Outage("event delivery", "events are not delivered to WebSockets")
