"""One Redis connection pool per process for Django's Redis cache.

Django keeps a cache object per thread (``django.core.cache.caches``), and
each Redis cache object builds its own connection pool.  Under ASGI every
request runs its sync code in a thread of its own, so each request got a
fresh pool and opened (and later dropped) a new TCP connection to Redis
before its first throttle check: a connect and handshake per request, the
largest single cost of a send with throttles on.  With this class as the
cache's ``pool_class`` every cache object of the process asks ``from_url``
and gets the same pool: connections are opened once and reused.
redis-py pools are thread-safe and reset themselves in a forked child.
"""
import threading

import redis

SHARED_POOLS: dict = {}
POOLS_LOCK = threading.Lock()


class ProcessConnectionPool(redis.ConnectionPool):
    """A ``redis.ConnectionPool`` shared by every caller asking for the same
    URL and options in this process."""

    @classmethod
    def from_url(cls, url, **kwargs):
        key = (cls, url, tuple(sorted((name, repr(value)) for name, value in kwargs.items())))
        with POOLS_LOCK:
            pool = SHARED_POOLS.get(key)
            if pool is None:
                pool = SHARED_POOLS[key] = super().from_url(url, **kwargs)
        return pool
