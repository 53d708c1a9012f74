"""ASGI guards in front of Django for HTTP: refuse what would be costly before
any of it is read.

- ``BodyLimit``: a body over ``MAX_BODY_BYTES`` is refused with 413 before
  Django reads (and spools to disk) any of it: at once when ``Content-Length``
  says so, and as soon as a chunked body passes the limit.
"""
import json

from django.conf import settings

OVERLOAD_RETRY_AFTER = 1


async def respond(send, status: int, body: dict, headers=()) -> None:
    """Send a whole JSON response; the connection closes after it."""
    payload = json.dumps(body).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(payload)).encode()),
                            (b"connection", b"close"), *headers]})
    await send({"type": "http.response.body", "body": payload})


def _header(scope, name: bytes):
    for key, value in scope.get("headers", ()):
        if key == name:
            return value
    return None


class BodyLimit:
    """413 for request bodies over MAX_BODY_BYTES, before they are read."""

    def __init__(self, application):
        self.application = application

    async def too_large(self, send) -> None:
        limit = settings.MAX_BODY_BYTES
        await respond(send, 413, {
            "detail": f"The request body is too large (at most {limit} bytes).",
            "code": "request_too_large"})

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.application(scope, receive, send)
        limit = settings.MAX_BODY_BYTES
        length = _header(scope, b"content-length")
        if length is not None:
            if not length.isdigit() or int(length) > limit:
                return await self.too_large(send)
            return await self.application(scope, receive, send)
        # No length: a chunked body, counted as it comes; Django sees a
        # disconnect at the limit and stops reading.
        received = 0
        cut = False
        started = False

        async def counted_receive():
            nonlocal received, cut
            if cut:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    cut = True
                    return {"type": "http.disconnect"}
            return message

        async def watched_send(message):
            nonlocal started
            if cut:
                return
            started = True
            await send(message)

        await self.application(scope, counted_receive, watched_send)
        if cut and not started:
            await self.too_large(send)


class ConcurrencyLimit:
    """503 overloaded beyond MAX_CONCURRENT_REQUESTS HTTP requests in progress."""

    def __init__(self, application):
        self.application = application
        self.in_progress = 0

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope.get("path") == "/healthz":
            return await self.application(scope, receive, send)
        if self.in_progress >= settings.MAX_CONCURRENT_REQUESTS:
            return await respond(send, 503, {
                "detail": "The server is overloaded; retry in a moment.",
                "code": "overloaded"},
                headers=[(b"retry-after", str(OVERLOAD_RETRY_AFTER).encode())])
        self.in_progress += 1
        try:
            return await self.application(scope, receive, send)
        finally:
            self.in_progress -= 1
