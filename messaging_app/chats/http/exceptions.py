"""One error shape for every failure: ``{"detail", "code"[, "errors"]}``.

``detail`` is a sentence for people, ``code`` a stable identifier for
programs (DRF's own codes: ``not_authenticated``, ``permission_denied``,
``not_found``, ``throttled``, ``parse_error``, ``invalid`` ...).  Validation
errors keep DRF's field map under ``errors``.
"""
import sys

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig, TooManyFieldsSent
from django.db import InterfaceError, OperationalError
from django.http import Http404, JsonResponse
from rest_framework import exceptions, status
from rest_framework.views import exception_handler as drf_exception_handler

from ..accounts.login_limits import LoginLocked, locked_out


def error_body(detail: str, code: str) -> dict:
    """The JSON body of every error answer."""
    return {"detail": str(detail), "code": code}


NOT_FOUND = error_body("Not found.", "not_found")


def _first_code(codes):
    """Return the first error code found in DRF's nested get_codes() output."""
    if isinstance(codes, str):
        return codes
    if isinstance(codes, dict):
        for value in codes.values():
            return _first_code(value)
    if isinstance(codes, list):
        for value in codes:
            return _first_code(value)
    return "error"


def exception_handler(exc, context):
    """Format DRF's response for exc as ``{"detail", "code"[, "errors"]}``."""
    if (isinstance(exc, (exceptions.AuthenticationFailed, exceptions.NotAuthenticated))
            and locked_out(context.get("request"))):
        exc = LoginLocked(context.get("request"))
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors = response.data
        if not isinstance(errors, dict):
            errors = {"non_field_errors": errors}
        response.data = {"detail": "Invalid input.", "code": "invalid", "errors": errors}
        return response
    data = response.data if isinstance(response.data, dict) else {}
    detail = data.get("detail", getattr(exc, "default_detail", "Error."))
    # DRF answers Django's own Http404 and PermissionDenied as NotFound and
    # PermissionDenied; they get those codes too.
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    code = data.get("code") or (
        exc.get_codes() if isinstance(exc, exceptions.APIException) else "error")
    response.data = error_body(detail, _first_code(code))
    return response


def bad_request(request, exception=None):
    """handler400: a JSON 400 for what Django refuses before any view runs
    (a body over ``DATA_UPLOAD_MAX_MEMORY_SIZE``, too many form fields, a host
    outside ``ALLOWED_HOSTS``)."""
    if isinstance(exception, RequestDataTooBig):
        body = error_body("The request body is too large "
                          f"(at most {settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes).",
                          "request_too_large")
    elif isinstance(exception, TooManyFieldsSent):
        body = error_body("The request has too many fields.", "too_many_fields")
    else:
        body = error_body("Bad request.", "bad_request")
    return JsonResponse(body, status=status.HTTP_400_BAD_REQUEST)


def not_found(request, exception=None):
    """handler404: a JSON 404 for URLs that match no route (bad UUIDs too)."""
    return JsonResponse(NOT_FOUND, status=status.HTTP_404_NOT_FOUND)


# Seconds a client is asked to wait (Retry-After) when the database is unavailable.
DATABASE_RETRY_AFTER = 5


def database_unavailable() -> JsonResponse:
    """A 503 for a database that refused a connection or failed (connection
    limit reached, server down, disk full): the request may succeed later."""
    response = JsonResponse(
        error_body("The database is unavailable right now; retry in a few seconds.",
                   "database_unavailable"),
        status=status.HTTP_503_SERVICE_UNAVAILABLE)
    response["Retry-After"] = str(DATABASE_RETRY_AFTER)
    return response


def server_error(request):
    """handler500: a JSON 500 without internals, or a 503
    ``database_unavailable`` when the uncaught error is the database's
    (``OperationalError``: refused connection, pool timeout, disk full;
    ``InterfaceError``: a connection that broke)."""
    error = sys.exc_info()[1]
    if isinstance(error, (OperationalError, InterfaceError)):
        return database_unavailable()
    return JsonResponse(error_body("Internal server error.", "server_error"),
                        status=status.HTTP_500_INTERNAL_SERVER_ERROR)
