"""Who is online: a user with at least one open socket on any server process.

Built on the per-user socket counts of ``chats.realtime.sockets``: with
Redis as the channel layer, a user is online while their sorted set holds a
live entry (shared by every server process); without Redis, while this
process counts a socket of theirs (the in-memory layer is single-process
anyway).  When Redis is configured but fails, presence is unknown (``None``),
never a guess.

When a user's first socket opens or their last one closes, a
``presence.changed`` event goes to the ``user.<id>`` group of everyone who
shares a conversation with them; the last close also stores the time in
``User.last_seen_at``.  Sockets of a server process that died without
closing them expire from Redis by themselves, without an event.
"""
import logging
import time

from django.conf import settings
from django.utils import timezone

from ..http.outage import REDIS_ERRORS
from ..payloads import datetime_or_none
from . import sockets
from .events import publish_users

logger = logging.getLogger(__name__)


_clients = {}  # (url, timeout) -> a client (thread-safe, with its connection pool)


def _client(url: str):
    key = (url, settings.REDIS_TIMEOUT)
    if key not in _clients:
        import redis
        _clients[key] = redis.Redis.from_url(url, socket_timeout=settings.REDIS_TIMEOUT,
                                             socket_connect_timeout=settings.REDIS_TIMEOUT)
    return _clients[key]


def online_states(user_ids) -> dict:
    """``{user id: True | False | None}`` for user_ids: one Redis round trip
    (no database query).  None: Redis is configured but does not answer."""
    user_ids = list(dict.fromkeys(user_ids))
    if not user_ids:
        return {}
    url = sockets.redis_layer_url()
    if not url:
        return {pk: sockets.local_sockets.get(str(pk), 0) > 0 for pk in user_ids}
    client = _client(url)
    now = time.time()
    try:
        with client.pipeline(transaction=False) as pipe:
            for pk in user_ids:
                pipe.zcount(sockets.sockets_key(pk), f"({now}", "+inf")
            counts = pipe.execute()
    except REDIS_ERRORS as error:
        logger.warning("presence unknown: Redis failed (%s: %s)", type(error).__name__, error)
        return dict.fromkeys(user_ids)
    return {pk: count > 0 for pk, count in zip(user_ids, counts, strict=True)}


def presence_event(user_id, online, last_seen_at) -> dict:
    return {"type": "presence.changed", "user_id": str(user_id), "online": online,
            "last_seen_at": datetime_or_none(last_seen_at)}


def partners_of(user_id) -> list:
    """Ids of the people who share a conversation with user (one query)."""
    from ..models import Conversation
    return list(Conversation.participants.through.objects
                .filter(conversation__participants=user_id).exclude(user_id=user_id)
                .values_list("user_id", flat=True).distinct())


def came_online(user_id) -> None:
    """Tell the user's partners that the user is online."""
    from ..models import User
    last_seen_at = User.objects.filter(pk=user_id).values_list("last_seen_at", flat=True).first()
    publish_users(partners_of(user_id), presence_event(user_id, True, last_seen_at))


def went_offline(user_id) -> None:
    """Store when the user's last socket closed and tell their partners."""
    from ..models import User
    now = timezone.now()
    User.objects.filter(pk=user_id).update(last_seen_at=now)
    publish_users(partners_of(user_id), presence_event(user_id, False, now))
