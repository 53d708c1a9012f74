"""Revoking what a user's credentials opened, whatever changes them.

A password change (API, admin, shell: any ``save()`` of a new hash) or a
deactivation blacklists every live refresh token of the user, deletes their
unused WebSocket tickets and closes their open sockets (code 4401, the
reason as text).  A logout closes the sockets of that login only; a deleted
account's sockets close too.  Access tokens already issued stay valid until
they expire (``SIMPLE_JWT["ACCESS_TOKEN_LIFETIME"]``).

Logins are told apart by the ``sid`` claim that every token pair gets at
login and keeps through refreshes; a socket remembers the ``sid`` and expiry
of the access token it was opened with (directly, or through the ticket that
token obtained).  Sockets are closed at once through the channel layer; a
socket also rechecks its user every ``SOCKET_RECHECK_SECONDS`` and closes
itself when its token expires, so a lost notice or a change made without
signals (``QuerySet.update``) is caught within that bound.
"""
import uuid
from datetime import UTC, datetime

from django.conf import settings
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver
from django.utils import timezone
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import Token

from ..realtime import events
from ..models import User, WebSocketTicket

SESSION_CLAIM = "sid"

# Close reasons (the text of a 4401 close frame).
PASSWORD_CHANGED = "password_changed"
ACCOUNT_DISABLED = "account_disabled"
ACCOUNT_DELETED = "account_deleted"
LOGGED_OUT = "logged_out"
TOKEN_EXPIRED = "token_expired"
CLOSE_CODE = 4401


def new_session_id() -> str:
    """A fresh login's ``sid`` claim."""
    return uuid.uuid4().hex


def login_of(request) -> tuple[str, datetime]:
    """``(sid, expiry)`` of the credentials a request was authenticated with.

    An access token gives its own; a session or Basic login has no ``sid``
    and counts as lasting one access-token lifetime from now.
    """
    if isinstance(request.auth, Token):
        return (request.auth.get(SESSION_CLAIM, ""),
                datetime.fromtimestamp(request.auth["exp"], tz=UTC))
    return "", timezone.now() + settings.SIMPLE_JWT["ACCESS_TOKEN_LIFETIME"]


def close_sockets(user_id, reason: str, session_id: str = "") -> None:
    """After commit, close the user's sockets (only one login's with session_id)."""
    events.publish_user(user_id, {"type": "session.revoke", "session": session_id,
                                  "reason": reason})


def revoke_all(user_id, reason: str) -> None:
    """Blacklist the user's live refresh tokens, delete their tickets, close their sockets."""
    live = OutstandingToken.objects.filter(user_id=user_id, expires_at__gt=timezone.now(),
                                           blacklistedtoken__isnull=True)
    BlacklistedToken.objects.bulk_create([BlacklistedToken(token=token) for token in live],
                                         ignore_conflicts=True)
    WebSocketTicket.objects.filter(user_id=user_id).delete()
    close_sockets(user_id, reason)


def current_credentials(user_ids) -> dict:
    """``{user id: (password hash, is_active)}`` of the users that exist, in
    one query (the socket recheck of a whole server process)."""
    return {pk: (password, active) for pk, password, active in
            User.objects.filter(pk__in=list(user_ids))
            .values_list("pk", "password", "is_active")}


def problem_with(stored, password_hash: str) -> str:
    """Why a socket opened with password_hash must close, given the user's
    stored ``(password hash, is_active)`` (None: deleted); '' if it need not."""
    if stored is None:
        return ACCOUNT_DELETED
    if not stored[1]:
        return ACCOUNT_DISABLED
    if stored[0] != password_hash:
        return PASSWORD_CHANGED
    return ""


def credential_problem(user_id, password_hash: str) -> str:
    """Why a socket opened by a user with password_hash must close now ('' if not)."""
    return problem_with(current_credentials([user_id]).get(user_id), password_hash)


@receiver(pre_save, sender=User)
def remember_credentials(sender, instance, raw=False, update_fields=None, **kwargs):
    """Read the stored hash and active flag before a save that may change them."""
    if raw or (update_fields is not None
               and not {"password", "is_active"} & set(update_fields)):
        instance.stored_credentials = None
        return
    instance.stored_credentials = (User.objects.filter(pk=instance.pk)
                                   .values_list("password", "is_active").first())


@receiver(post_save, sender=User)
def revoke_on_change(sender, instance, created, **kwargs):
    stored = getattr(instance, "stored_credentials", None)
    instance.stored_credentials = None
    if created or stored is None:
        return
    password_hash, was_active = stored
    if instance.password != password_hash:
        revoke_all(instance.pk, PASSWORD_CHANGED)
    elif was_active and not instance.is_active:
        revoke_all(instance.pk, ACCOUNT_DISABLED)


@receiver(post_delete, sender=User)
def close_on_delete(sender, instance, **kwargs):
    close_sockets(instance.pk, ACCOUNT_DELETED)
