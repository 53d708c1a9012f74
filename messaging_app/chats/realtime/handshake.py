"""Host and Origin checks for WebSocket handshakes, as Django applies to HTTP.

- ``Host`` must match ``ALLOWED_HOSTS`` (what Django checks on every HTTP
  request), so a DNS-rebinding page cannot reach the server under a foreign
  name.  A handshake without one (no browser or HTTP/1.1 client sends none)
  has no name to check.
- ``Origin``, which browsers always send, must name an allowed host or one of
  ``CSRF_TRUSTED_ORIGINS``.  Clients that are not browsers send none and are
  served: a socket is opened with a ticket or a token, never with cookies.

A refused handshake is closed before it is accepted (HTTP 403).
"""
from urllib.parse import urlsplit

from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.http.request import split_domain_port, validate_host


def _header(scope, name: bytes):
    for key, value in scope.get("headers", ()):
        if key == name:
            return value.decode("latin-1")
    return None


def host_allowed(host: str) -> bool:
    """Whether a Host header value (name[:port]) is in ALLOWED_HOSTS."""
    domain, _ = split_domain_port(host)
    return bool(domain) and validate_host(domain, settings.ALLOWED_HOSTS)


def origin_allowed(origin: str) -> bool:
    """Whether an Origin header value is a trusted origin or an allowed host."""
    if origin in settings.CSRF_TRUSTED_ORIGINS:
        return True
    parts = urlsplit(origin)
    return parts.scheme in ("http", "https") and host_allowed(parts.netloc)


def handshake_allowed(scope) -> bool:
    host, origin = _header(scope, b"host"), _header(scope, b"origin")
    return ((host is None or host_allowed(host))
            and (origin is None or origin_allowed(origin)))


class AllowedHostsAndOrigins:
    """ASGI middleware refusing WebSocket handshakes from foreign hosts or origins."""

    def __init__(self, application):
        self.application = application

    async def __call__(self, scope, receive, send):
        if scope["type"] == "websocket" and not handshake_allowed(scope):
            return await WebsocketDenier()(scope, receive, send)
        return await self.application(scope, receive, send)
