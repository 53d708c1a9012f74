"""Reason phrases for every HTTP status, whatever server runs the app.

ASGI carries a status code, not a reason phrase: the server writes one.
uvicorn takes it from Python's ``http.HTTPStatus``; daphne (``manage.py
runserver``) from Twisted's ``twisted.web.http.RESPONSES``, which lacks 429
and a few others and then sends ``429 Unknown Status``.  ``fill()`` adds the
missing ones from ``HTTPStatus``, once, at start-up.
"""
from http import HTTPStatus


def fill() -> None:
    """Add HTTPStatus's phrases to Twisted's table for the codes it lacks
    (nothing when Twisted is not installed)."""
    try:
        from twisted.web import http
    except ImportError:
        return
    for status in HTTPStatus:
        http.RESPONSES.setdefault(status.value, status.phrase.encode("ascii"))
