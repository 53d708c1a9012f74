"""A sliding-window request log in Redis, checked and updated atomically.

One key per client and scope holds a sorted set: one member per admitted
request, scored by its time in seconds.  A check is one Lua script, so one
round trip (EVALSHA; the script is loaded again if Redis forgot it) and
atomic: Redis runs scripts one at a time, so concurrent checks by
several threads or server processes each see the others' admissions.
The script drops the entries at or before ``now - period``, counts the
rest, adds this request when fewer than ``limit`` remain and then keeps the
key for ``period``, and answers with the time of the oldest entry left:
DRF's ``SimpleRateThrottle`` does the same on a list (its window: at most
``limit`` requests in any ``period`` seconds, an entry leaving the window
after exactly ``period``), but in a read then a write of the whole list,
two round trips between which concurrent requests are lost.

Times are given by the caller (DRF's ``timer``, so tests can set them) and
reach Redis as Python's exact decimal form (never through Lua numbers,
which print with 14 digits).
"""
import functools
import math
import uuid
from dataclasses import dataclass

import redis

HIT_SCRIPT = """
-- KEYS[1]: the log.  ARGV: now, now - period (seconds, as text), limit,
-- period in milliseconds, this request's id.
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[2])
local earlier = redis.call('ZCARD', KEYS[1])
local admitted = 0
if earlier < tonumber(ARGV[3]) then
    redis.call('ZADD', KEYS[1], ARGV[1], ARGV[5])
    redis.call('PEXPIRE', KEYS[1], ARGV[4])
    admitted = 1
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return {admitted, earlier, oldest[2] or false}
"""


@dataclass(frozen=True)
class Window:
    """One check's answer: whether the request was admitted, how many
    requests the window held before it, and the time of the oldest one the
    window holds now (None when it is empty)."""

    admitted: bool
    earlier: int
    oldest: float | None


class SlidingLog:
    """Sliding-window request logs in the Redis server of ``client``."""

    def __init__(self, client: redis.Redis):
        self.client = client
        self.hit_script = client.register_script(HIT_SCRIPT)

    def hit(self, key: str, now: float, limit: int, period: float) -> Window:
        """Count a request at time now (seconds) in the log at key, if fewer
        than limit (int) were counted in the period (seconds) before it.
        Raises redis-py's errors (RedisError) when Redis fails."""
        admitted, earlier, oldest = self.hit_script(
            keys=[key],
            args=[repr(now), repr(now - period), limit, math.ceil(period * 1000),
                  uuid.uuid4().hex])
        return Window(bool(admitted), int(earlier), None if oldest is None else float(oldest))


@functools.lru_cache(maxsize=16)
def sliding_log_on(client: redis.Redis) -> SlidingLog:
    """The SlidingLog of a client, made once (the script's digest is
    computed once)."""
    return SlidingLog(client)
