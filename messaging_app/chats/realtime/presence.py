"""Who is online: a user with at least one open socket on any server process.

Built on the per-user socket counts of ``chats.realtime.sockets``: with
Redis as the channel layer, a user is online while their sorted set holds a
live entry (shared by every server process); without Redis, while this
process counts a socket of theirs (the in-memory layer is single-process
anyway).  When Redis is configured but fails, presence is unknown (``None``),
never a guess.

What changes it: a user's first socket opening or last one closing.  The
consumers only note that (``chats.realtime.presence_batch``); once per
interval each server process reads the true state of the users it noted
(``current_states``) and settles them in a fixed number of queries
(``settle``): the offline ones get ``User.last_seen_at``, and the
``presence.changed`` events are grouped by conversation.  Sockets of a
server process that died without closing them expire from Redis by
themselves, without an event.
"""
import logging
import time

from django.conf import settings

from ..http.outage import REDIS_ERRORS
from ..payloads import datetime_or_none
from . import sockets

logger = logging.getLogger(__name__)


_clients = {}  # (url, timeout) -> a client (thread-safe, with its connection pool)


def _client(url: str):
    key = (url, settings.REDIS_TIMEOUT)
    if key not in _clients:
        import redis
        _clients[key] = redis.Redis.from_url(url, socket_timeout=settings.REDIS_TIMEOUT,
                                             socket_connect_timeout=settings.REDIS_TIMEOUT)
    return _clients[key]


def _local_states(user_ids) -> dict:
    return {pk: sockets.local_sockets.get(str(pk), 0) > 0 for pk in user_ids}


def _queue_counts(pipe, user_ids) -> None:
    now = time.time()
    for pk in user_ids:
        pipe.zcount(sockets.sockets_key(pk), f"({now}", "+inf")


def online_states(user_ids) -> dict:
    """``{user id: True | False | None}`` for user_ids: one Redis round trip
    (no database query).  None: Redis is configured but does not answer."""
    user_ids = list(dict.fromkeys(user_ids))
    if not user_ids:
        return {}
    url = sockets.redis_layer_url()
    if not url:
        return _local_states(user_ids)
    try:
        with _client(url).pipeline(transaction=False) as pipe:
            _queue_counts(pipe, user_ids)
            counts = pipe.execute()
    except REDIS_ERRORS as error:
        logger.warning("presence unknown: Redis failed (%s: %s)", type(error).__name__, error)
        return dict.fromkeys(user_ids)
    return {pk: count > 0 for pk, count in zip(user_ids, counts, strict=True)}


async def current_states(user_ids):
    """``{user id: True | False}`` for user_ids, read on the event loop (one
    pipeline through this loop's socket registry's Redis client, or this
    process's counts without Redis); None when Redis is configured but fails
    (the caller says so)."""
    user_ids = list(dict.fromkeys(user_ids))
    registry = sockets.registry()
    if not registry.redis_url:
        return _local_states(user_ids)
    try:
        async with registry.redis().pipeline(transaction=False) as pipe:
            _queue_counts(pipe, user_ids)
            counts = await pipe.execute()
    except REDIS_ERRORS:
        return None
    return {pk: count > 0 for pk, count in zip(user_ids, counts, strict=True)}


def presence_event(user_id, online, last_seen_at) -> dict:
    return {"type": "presence.changed", "user_id": str(user_id), "online": online,
            "last_seen_at": datetime_or_none(last_seen_at)}


def settle(states: dict, now) -> dict:
    """Store the presence of users whose state may have changed, and group
    their ``presence.changed`` events by conversation.

    states: ``{user id: online (bool)}``, read just before; now: the time the
    offline ones were last seen.  At most three queries whatever the number of
    users: one UPDATE of ``last_seen_at`` for the offline ones, one SELECT of
    it for the online ones, one SELECT of their memberships.  Returns
    ``{conversation id (text): [presence.changed event of each of its members
    among the users]}``.
    """
    from ..models import Conversation, User
    if not states:
        return {}
    offline = [pk for pk, online in states.items() if not online]
    online = [pk for pk, is_online in states.items() if is_online]
    events = {}
    if offline:
        User.objects.filter(pk__in=offline).update(last_seen_at=now)
        events.update((str(pk), presence_event(pk, False, now)) for pk in offline)
    if online:
        events.update((str(pk), presence_event(pk, True, seen)) for pk, seen in
                      User.objects.filter(pk__in=online).order_by()
                      .values_list("pk", "last_seen_at"))
    grouped = {}
    for conversation_id, user_id in (Conversation.participants.through.objects
                                     .filter(user_id__in=list(states))
                                     .values_list("conversation_id", "user_id")):
        event = events.get(str(user_id))
        if event is not None:
            grouped.setdefault(str(conversation_id), []).append(event)
    return grouped
