"""Throttles whose rates are read from settings at request time.

DRF's stock throttles copy ``DEFAULT_THROTTLE_RATES`` into a class attribute
at import, so changing the settings later (a test, a reload) has no effect.
These read the current value every time.  A refused request gets 429 with a
``Retry-After`` header (DRF adds it from ``wait()``).
"""
from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, ScopedRateThrottle, UserRateThrottle


class _LiveRatesMixin:
    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)


class AnonThrottle(_LiveRatesMixin, AnonRateThrottle):
    """Requests without credentials, per client address (scope ``anon``)."""


class UserThrottle(_LiveRatesMixin, UserRateThrottle):
    """Requests by an authenticated user (scope ``user``)."""


class SendThrottle(_LiveRatesMixin, ScopedRateThrottle):
    """Message sends by one user (scope ``send``); only on create."""

    def allow_request(self, request, view):
        if getattr(view, "action", None) != "create":
            return True
        view.throttle_scope = "send"
        return super().allow_request(request, view)
