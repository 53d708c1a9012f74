"""Limits on failed logins, whatever the login path (django-axes).

Every password check goes through ``django.contrib.auth.authenticate``: the
JWT token view, HTTP Basic, the browsable API's and the admin's login forms,
and the password change.  django-axes counts each failure per username and
per client address (settings ``AXES_*``) in the database, so the limit holds
across server processes and does not depend on Redis.  Once either count
reaches ``AXES_FAILURE_LIMIT``, logins for that username or from that client
are refused, the right password included, until ``AXES_COOLOFF_TIME`` has
passed since the last failure.

A refusal is a 429 ``{"detail", "code": "too_many_failed_logins"}`` with
``Retry-After``: built here for Django's own views (axes calls
``lockout_response``), and for DRF views by ``chats.http.exceptions``, which turns
an authentication failure on a locked-out request into ``LoginLocked``.
"""
from django.conf import settings
from django.http import JsonResponse
from rest_framework import exceptions, status
from rest_framework.throttling import BaseThrottle

CODE = "too_many_failed_logins"


def client_address(request) -> str:
    """The client's address, by the same rule as the throttles (DRF's
    ``NUM_PROXIES``): the socket's address unless proxies are declared."""
    return BaseThrottle().get_ident(request)


def lockout_seconds() -> int:
    """How long a lockout lasts after the last failed login, in seconds."""
    return int(settings.AXES_COOLOFF_TIME.total_seconds())


def message() -> str:
    return (f"Too many failed logins for this account or from this address; "
            f"try again in {lockout_seconds()} seconds.")


def locked_out(request) -> bool:
    """Whether axes refused or locked this request's login attempt.

    axes marks the request object it was given: for DRF views that is DRF's
    ``Request``, which Django's middleware never sees, hence this check.
    """
    return bool(getattr(request, "axes_locked_out", False))


class LoginLocked(exceptions.APIException):
    """Too many failed logins: 429 with ``Retry-After``."""

    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_code = CODE

    def __init__(self):
        super().__init__(detail=message(), code=CODE)
        self.wait = lockout_seconds()  # DRF's handler turns it into Retry-After


def lockout_response(request, original_response=None, credentials=None) -> JsonResponse:
    """``AXES_LOCKOUT_CALLABLE``: the answer to a locked-out Django login view
    (``/admin/login/``, ``/api-auth/login/``)."""
    response = JsonResponse({"detail": message(), "code": CODE},
                            status=status.HTTP_429_TOO_MANY_REQUESTS)
    response["Retry-After"] = str(lockout_seconds())
    return response
