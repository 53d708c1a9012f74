"""Limits on failed logins, whatever the login path (django-axes).

Every password check goes through ``django.contrib.auth.authenticate``: the
JWT token view, HTTP Basic (in debug), the browsable API's and the admin's
login forms, and the password change.  django-axes records each failure in
the database (one ``AccessAttempt`` row per username, address and user
agent), so the limits hold across server processes and do not depend on
Redis.  Three limits read those rows, each over the failures of the last
``AXES_COOLOFF_TIME``:

- **a username from one address** (``AXES_FAILURE_LIMIT``, 10): the pair is
  locked until ``AXES_COOLOFF_TIME`` (15 minutes) after its last failure.
  Counting per pair means an attacker's guesses lock out the attacker's
  address only, never the account's owner signing in from their own.
- **one address, all usernames** (``LOGIN_ADDRESS_FAILURE_LIMIT``, 50): the
  address is locked the same way (guessing many usernames' passwords).
- **one username, all addresses** (``LOGIN_USERNAME_SLOWDOWN_AFTER``, 30):
  past it, each attempt must wait a short cool-down after the username's last
  failure, 1 second doubling with every further failure up to
  ``LOGIN_USERNAME_SLOWDOWN_MAX_SECONDS`` (60).  Attempts refused during a
  cool-down or lockout are not counted, so an attack spread over many
  addresses is slowed to one guess a minute while the owner waits at most
  that long, never 15 minutes.

A successful login clears only the failures of its own username from its own
address (axes' ``AXES_RESET_ON_SUCCESS`` with the pair as the lockout
parameter): signing in to one's own account does not wipe the failures one
made on someone else's.

The password change of a signed-in user (``chats.accounts.passwords``)
checks the old password with ``purpose=PASSWORD_CHANGE``: its failures are
recorded under a key of their own (``password-change:<username>``, which no
login can produce, since usernames have no ``:``), and only they limit it.
So others' failures never lock a signed-in user out of changing their
password, while a stolen session still cannot guess it faster than
``AXES_FAILURE_LIMIT`` per ``AXES_COOLOFF_TIME``.

A refusal is a 429 ``{"detail", "code": "too_many_failed_logins"}`` with
``Retry-After`` (the seconds until the attempt would be allowed): built here
for Django's own views (axes calls ``lockout_response``), and for DRF views
by ``chats.http.exceptions``, which turns an authentication failure on a
locked-out request into ``LoginLocked``.  ``manage.py axes_reset`` clears
every recorded failure (``axes_reset_username NAME``, ``axes_reset_ip ADDR``
one username's or address's).
"""
from datetime import timedelta

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Max, Sum
from django.http import JsonResponse
from django.utils import timezone
from rest_framework import exceptions, status
from rest_framework.throttling import BaseThrottle

CODE = "too_many_failed_logins"
PASSWORD_CHANGE = "password_change"
PASSWORD_CHANGE_PREFIX = "password-change:"


def client_address(request) -> str:
    """The client's address, by the same rule as the throttles (DRF's
    ``NUM_PROXIES``): the socket's address unless proxies are declared."""
    return BaseThrottle().get_ident(request)


def username_key(request, credentials=None) -> str | None:
    """``AXES_USERNAME_CALLABLE``: the username failures are counted under.

    The password change's own key for its check, the submitted username
    otherwise (with any ``:`` replaced, so that no login attempt can write
    under a password change's key)."""
    if credentials:
        username = credentials.get("username")
    else:
        username = getattr(request, "data", request.POST).get("username")
    if not isinstance(username, str):
        return username
    if credentials and credentials.get("purpose") == PASSWORD_CHANGE:
        return PASSWORD_CHANGE_PREFIX + username
    return username.replace(":", "_")


def lockout_seconds() -> int:
    """How long a (username, address) or address lockout lasts after the last failure."""
    return int(settings.AXES_COOLOFF_TIME.total_seconds())


def _recent(**filters) -> dict:
    """``{"failures", "last"}``: the sum of the failures of the last
    ``AXES_COOLOFF_TIME`` matching filters (login failures only, not the
    password change's) and the time of the last one."""
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    rows = AccessAttempt.objects.filter(attempt_time__gte=since, **filters)
    if not filters.get("username", "").startswith(PASSWORD_CHANGE_PREFIX):
        rows = rows.exclude(username__startswith=PASSWORD_CHANGE_PREFIX)
    totals = rows.aggregate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
    return {"failures": totals["failures"] or 0, "last": totals["last"]}


def _wait_after(last, seconds: float) -> int:
    """Whole seconds left until ``seconds`` after ``last`` (at least 1)."""
    left = (last + timedelta(seconds=seconds) - timezone.now()).total_seconds()
    return max(1, int(left + 0.999))


def slowdown_seconds(failures: int) -> int:
    """The cool-down after a username's last failure once it has ``failures``
    (at least ``LOGIN_USERNAME_SLOWDOWN_AFTER``) from all addresses."""
    excess = failures - settings.LOGIN_USERNAME_SLOWDOWN_AFTER
    return min(2 ** min(excess, 30), settings.LOGIN_USERNAME_SLOWDOWN_MAX_SECONDS)


class LoginLimitHandler(AxesDatabaseHandler):
    """``AXES_HANDLER``: axes' database handler (the per-pair lockout), plus
    the per-address limit and the per-username cool-down.

    Marks a refused request with ``login_retry_after`` (seconds)."""

    def is_locked(self, request, credentials=None) -> bool:
        address = request.axes_ip_address
        username = get_client_username(request, credentials)
        if username and username.startswith(PASSWORD_CHANGE_PREFIX):
            # Only the password change's own failures (a signed-in session's) limit it.
            return self._refuse(request, _recent(username=username),
                                settings.AXES_FAILURE_LIMIT, lockout_seconds())
        if username and address and self._refuse(
                request, _recent(username=username, ip_address=address),
                settings.AXES_FAILURE_LIMIT, lockout_seconds()):
            return True
        if address and self._refuse(request, _recent(ip_address=address),
                                    settings.LOGIN_ADDRESS_FAILURE_LIMIT, lockout_seconds()):
            return True
        if username:
            by_username = _recent(username=username)
            return self._refuse(request, by_username, settings.LOGIN_USERNAME_SLOWDOWN_AFTER,
                                slowdown_seconds(by_username["failures"]))
        return False

    @staticmethod
    def _refuse(request, recent: dict, limit: int, seconds: float) -> bool:
        """Whether ``recent`` failures reach limit and the last is under
        seconds old; if so, marks the request with the seconds left."""
        if recent["failures"] < limit:
            return False
        if timezone.now() >= recent["last"] + timedelta(seconds=seconds):
            return False
        request.login_retry_after = _wait_after(recent["last"], seconds)
        return True


def retry_after(request) -> int:
    """Seconds a refused login should wait (``Retry-After``)."""
    return getattr(request, "login_retry_after", None) or lockout_seconds()


def message(seconds: int) -> str:
    return (f"Too many failed logins for this account from this address, from this "
            f"address, or for this account; try again in {seconds} seconds.")


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

    def __init__(self, request=None):
        wait = retry_after(request)
        super().__init__(detail=message(wait), code=CODE)
        self.wait = wait  # DRF's handler turns it into Retry-After


def lockout_response(request, original_response=None, credentials=None) -> JsonResponse:
    """``AXES_LOCKOUT_CALLABLE``: the answer to a locked-out Django login view
    (``/admin/login/``, ``/api-auth/login/``)."""
    wait = retry_after(request)
    response = JsonResponse({"detail": message(wait), "code": CODE},
                            status=status.HTTP_429_TOO_MANY_REQUESTS)
    response["Retry-After"] = str(wait)
    return response
