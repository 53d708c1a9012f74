"""A request id on every log line of one request, echoed as ``X-Request-ID``.

The middleware gives each HTTP request an id, keeps it in a context variable
for the request's duration (sync and async views alike: asgiref copies the
context into the thread a sync view runs in), answers with it in the
``X-Request-ID`` header, and logs one line when the response is ready.  The
``RequestIdFilter`` on the log handler writes it into every record as
``request_id`` (``-`` outside a request), which the formatters print.

An id arriving in the request's ``X-Request-ID`` header is taken only when a
trusted proxy is declared in front (``NUM_PROXIES`` > 0; nginx sets it from
``$request_id``) and it looks like an id: 8 to 64 letters, digits, ``-``,
``_``, ``.`` or ``:``.  Anything else, or a client's own header with no
proxy, is replaced by a fresh id: a client cannot write into the log.
"""
import contextvars
import logging
import re
import time
import uuid

from django.conf import settings

from .either_mode import EitherModeMiddleware

HEADER = "X-Request-ID"
SANE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{7,63}")
NO_REQUEST = "-"

current_request_id: contextvars.ContextVar[str] = contextvars.ContextVar(
    "request_id", default=NO_REQUEST)
logger = logging.getLogger("chats.request")


class RequestIdFilter(logging.Filter):
    """Sets ``record.request_id``: the current request's id, or ``-``.

    Django logs a 4xx/5xx response (``django.request``) after the middleware
    returned; such a record carries the request, whose id is used then.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = getattr(getattr(record, "request", None), "request_id",
                                        current_request_id.get())
        return True


def request_id_for(request) -> str:
    """The id this request goes by: the proxy's when trusted and sane, else a new one."""
    offered = request.headers.get(HEADER, "")
    if offered and settings.REST_FRAMEWORK.get("NUM_PROXIES") and SANE_ID.fullmatch(offered):
        return offered
    return uuid.uuid4().hex


class RequestIdMiddleware(EitherModeMiddleware):
    """First in MIDDLEWARE, so every later line of the request carries the id."""

    def call(self, request):
        token, started = self._begin(request)
        try:
            response = self.get_response(request)
            return self._end(request, response, started)
        finally:
            current_request_id.reset(token)

    async def acall(self, request):
        token, started = self._begin(request)
        try:
            response = await self.get_response(request)
            return self._end(request, response, started)
        finally:
            current_request_id.reset(token)

    @staticmethod
    def _begin(request):
        request.request_id = request_id_for(request)
        return current_request_id.set(request.request_id), time.monotonic()

    @staticmethod
    def _end(request, response, started):
        response[HEADER] = request.request_id
        logger.info("%s %s %s %.1fms", request.method, request.get_full_path(),
                    response.status_code, (time.monotonic() - started) * 1000)
        return response
