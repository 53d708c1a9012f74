"""Throttles whose rates are read from settings at request time.

DRF's stock throttles copy ``DEFAULT_THROTTLE_RATES`` into a class attribute
at import, so changing the settings later (a test, a reload) has no effect.
These read the current value every time.  A refused request gets 429 with a
``Retry-After`` header (DRF adds it from ``wait()``).  While Redis is
unavailable they count in this process's memory (``chats.http.outage``).
"""
from django.core.cache import caches
from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

from .outage import REDIS_ERRORS, throttle_counters


class _LiveRatesMixin:
    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)


class _FallbackCacheMixin:
    """Count in the ``default`` cache (Redis with REDIS_URL), or in this
    process's ``local`` cache while Redis is unavailable (chats.http.outage)."""

    @property
    def cache(self):
        return caches["local"] if throttle_counters.skipping else caches["default"]

    def allow_request(self, request, view):
        if throttle_counters.skipping:
            return super().allow_request(request, view)
        try:
            allowed = super().allow_request(request, view)
        except REDIS_ERRORS as error:
            throttle_counters.failed(error)
            return super().allow_request(request, view)
        throttle_counters.succeeded()
        return allowed


class AnonThrottle(_FallbackCacheMixin, _LiveRatesMixin, AnonRateThrottle):
    """Requests without credentials, per client address (scope ``anon``)."""


class UserThrottle(_FallbackCacheMixin, _LiveRatesMixin, UserRateThrottle):
    """Requests by an authenticated user (scope ``user``)."""


class SendThrottle(_FallbackCacheMixin, _LiveRatesMixin, UserRateThrottle):
    """Message sends by one user (scope ``send``); other actions pass."""

    scope = "send"

    def allow_request(self, request, view):
        if getattr(view, "action", None) != "create":
            return True
        return super().allow_request(request, view)


class ConversationCreateThrottle(_FallbackCacheMixin, _LiveRatesMixin, UserRateThrottle):
    """Conversations one user creates (scope ``conversation``, e.g. 30/hour):
    only on create, so that nobody fills others' lists with unsolicited groups."""

    scope = "conversation"

    def allow_request(self, request, view):
        if getattr(view, "action", None) != "create":
            return True
        return super().allow_request(request, view)
