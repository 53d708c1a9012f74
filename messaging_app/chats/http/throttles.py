"""Throttles whose rates are read from settings at request time, counted
atomically in Redis.

DRF's stock throttles copy ``DEFAULT_THROTTLE_RATES`` into a class attribute
at import, so changing the settings later (a test, a reload) has no effect.
These read the current value every time.  A refused request gets 429 with a
``Retry-After`` header (DRF adds it from ``wait()``).

With the ``default`` cache in Redis a check is one atomic script on a
sliding-window log (``chats.http.sliding_log``), through the cache's own
connection pool (``chats.http.redis_pool.redis_for_cache``): same window
and same ``wait()`` as DRF's ``SimpleRateThrottle``, which reads the whole
history and writes it back (two round trips, and concurrent requests
overwrite each other's counts).  DRF's own counting remains for a cache in
memory: the ``default`` cache without Redis, and the ``local`` cache while
Redis is unavailable (``chats.http.outage``).
"""
from django.core.cache import caches
from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

from .outage import REDIS_ERRORS, throttle_counters
from .redis_pool import redis_for_cache
from .sliding_log import sliding_log_on


class _LiveRatesMixin:
    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)


class _SlidingLogMixin:
    """Count in a sliding-window log in Redis (the ``default`` cache's
    server) in one atomic round trip; with DRF's own counting in the
    ``default`` cache when it is not Redis, and in this process's ``local``
    cache while Redis is unavailable (chats.http.outage)."""

    window = None  # the sliding_log.Window of a check counted in Redis

    @property
    def cache(self):
        return caches["local"] if throttle_counters.skipping else caches["default"]

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        client = redis_for_cache("default")
        if client is None or throttle_counters.skipping:
            return super().allow_request(request, view)
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        self.now = self.timer()
        try:
            self.window = sliding_log_on(client).hit(
                caches["default"].make_key(f"window:{self.key}"), self.now,
                self.num_requests, self.duration)
        except REDIS_ERRORS as error:
            throttle_counters.failed(error)
            return super().allow_request(request, view)
        throttle_counters.succeeded()
        return self.window.admitted

    def wait(self):
        """DRF's estimate from the window counted in Redis: the time until the
        oldest request leaves it, shared among the requests still allowed."""
        if self.window is None:
            return super().wait()
        if self.window.oldest is None:
            remaining_duration = self.duration
        else:
            remaining_duration = self.duration - (self.now - self.window.oldest)
        available_requests = self.num_requests - self.window.earlier + 1
        if available_requests <= 0:
            return None
        return remaining_duration / float(available_requests)


class AnonThrottle(_SlidingLogMixin, _LiveRatesMixin, AnonRateThrottle):
    """Requests without credentials, per client address (scope ``anon``)."""


class UserThrottle(_SlidingLogMixin, _LiveRatesMixin, UserRateThrottle):
    """Requests by an authenticated user (scope ``user``)."""


class SendThrottle(_SlidingLogMixin, _LiveRatesMixin, UserRateThrottle):
    """Message sends by one user (scope ``send``); other actions pass."""

    scope = "send"

    def allow_request(self, request, view):
        if getattr(view, "action", None) != "create":
            return True
        return super().allow_request(request, view)


class ConversationCreateThrottle(_SlidingLogMixin, _LiveRatesMixin, UserRateThrottle):
    """Conversations one user creates (scope ``conversation``, e.g. 30/hour):
    only on create, so that nobody fills others' lists with unsolicited groups."""

    scope = "conversation"

    def allow_request(self, request, view):
        if getattr(view, "action", None) != "create":
            return True
        return super().allow_request(request, view)
