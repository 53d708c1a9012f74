"""One Redis connection pool per process for Django's Redis cache, and a
redis-py client on that pool for commands the cache API has no word for.

Django keeps a cache object per thread (``django.core.cache.caches``), and
each Redis cache object builds its own connection pool.  Under ASGI every
request runs its sync code in a thread of its own, so each request got a
fresh pool and opened (and later dropped) a new TCP connection to Redis
before its first throttle check: a connect and handshake per request, the
largest single cost of a send with throttles on.  With this class as the
cache's ``pool_class`` every cache object of the process asks ``from_url``
and gets the same pool: connections are opened once and reused.
redis-py pools are thread-safe and reset themselves in a forked child.

``redis_for_cache`` builds its client from the cache's settings, as
Django's ``RedisCacheClient`` builds its pool (same URL, pool class and
options), so with ``ProcessConnectionPool`` it shares the cache's
connections; it reads no Django internals.
"""
import re
import threading

import redis
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.module_loading import import_string

SHARED_POOLS: dict = {}
POOLS_LOCK = threading.Lock()
REDIS_CACHE_BACKEND = "django.core.cache.backends.redis.RedisCache"
# cache alias -> redis.Redis, or None when that cache is not Redis; emptied
# when CACHES changes.
CLIENTS: dict = {}
CLIENTS_LOCK = threading.Lock()


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


def client_for_cache_settings(config: dict) -> redis.Redis | None:
    """A redis-py client for the server a Django cache ``config`` (one entry
    of CACHES) writes to, its first LOCATION, on a pool built from the
    cache's ``pool_class`` and OPTIONS as Django builds its own; None when
    the cache is not Django's Redis cache."""
    if config.get("BACKEND") != REDIS_CACHE_BACKEND:
        return None
    location = config["LOCATION"]
    servers = re.split("[;,]", location) if isinstance(location, str) else location
    options = dict(config.get("OPTIONS") or {})
    options.pop("serializer", None)
    pool_class = options.pop("pool_class", None) or redis.ConnectionPool
    if isinstance(pool_class, str):
        pool_class = import_string(pool_class)
    parser_class = options.pop("parser_class", None) or redis.connection.DefaultParser
    if isinstance(parser_class, str):
        parser_class = import_string(parser_class)
    pool = pool_class.from_url(servers[0], parser_class=parser_class, **options)
    return redis.Redis(connection_pool=pool)


def redis_for_cache(alias: str = "default") -> redis.Redis | None:
    """The client of ``client_for_cache_settings`` for CACHES[alias], built
    once per process (and again after CACHES changes); None when that cache
    is not Redis."""
    try:
        return CLIENTS[alias]
    except KeyError:
        pass
    with CLIENTS_LOCK:
        if alias not in CLIENTS:
            CLIENTS[alias] = client_for_cache_settings(settings.CACHES[alias])
        return CLIENTS[alias]


@receiver(setting_changed)
def forget_clients(*, setting, **kwargs):
    """Drop the clients when CACHES changes (override_settings in tests)."""
    if setting == "CACHES":
        CLIENTS.clear()
