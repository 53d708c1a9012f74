"""The WebSocket endpoint ``/ws/events/``: one socket per client session.

Connect with ``?ticket=<ticket from POST /api/ws-ticket/>``, or offer the
subprotocols ``messaging.jwt, <access token>`` (``Sec-WebSocket-Protocol``
header; the server selects ``messaging.jwt``), so that no long-lived token
goes in a URL.  A missing, unknown, expired or already used ticket, or an
invalid JWT, is refused during the handshake (HTTP 403).  Resume positions
come with the ticket, or as ``?since=<conversation id>:<seq>,...``.
With ``?presence=1`` the socket also receives ``presence.changed`` events
about the people who share a conversation with its user: a socket that is
its user's first or last live one only notes it (``chats.realtime.presence_batch``
settles a process's changes once per interval and sends them per
conversation); the socket forwards each person's change once, however many
conversations it shares with them, and never its own user's.

The consumer then joins the group of each of the user's conversations and
of the user, replays the messages after the ``since`` positions, sends
``ready`` and goes live.

Gap-free delivery: per conversation the consumer remembers the last ``seq``
it delivered.  A ``message.created`` it has already delivered is dropped;
one that skips numbers (two sends committing and publishing in a different
order than their seqs) first fetches the missing ones from the database.
A seq is only visible once every smaller one has committed (they are
assigned under the conversation's row lock), so the fetch never misses.

A socket lives no longer than the login that opened it (``chats.accounts.revocation``):
it closes with code 4401 and the reason as text when its access token (the
one given, or the one that obtained the ticket) expires, on that login's
logout, and when its user's password changes or the account is disabled or
deleted (at once through the channel layer; at the latest after
``SOCKET_RECHECK_SECONDS``).  When the channel layer fails (Redis down or
hung) the socket is closed with 1013 and a reason: reconnect with ``since``.
"""
import asyncio
import logging
import time
import uuid
from datetime import UTC, datetime
from typing import NamedTuple
from urllib.parse import parse_qs

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from django.utils import timezone

from ..accounts import revocation
from . import presence_batch, sockets
from .events import conversation_group, relay_typing, user_group
from ..models import Conversation, Message, WebSocketTicket
from ..http.outage import REDIS_ERRORS
from ..payloads import message_event

logger = logging.getLogger(__name__)

REPLAY_BATCH = 500
# The close code and reason when the channel layer fails: 1013 "try again later".
UNAVAILABLE = 1013
UNAVAILABLE_REASON = "Real-time delivery is unavailable; reconnect with since."
# What a client sends (typing, ping) fits in a few hundred characters.
MAX_FRAME = 4096
# Seconds a handshake may take to send ready (or close) before it is closed
# with 1013: a client then retries with its backoff.
HANDSHAKE_SECONDS = 4.0
# Over its limits a user's socket is closed with this code and a reason.
TOO_MANY = 4429
# Frames a socket may send in a burst, in multiples of SOCKET_FRAMES_PER_SECOND,
# and the frames dropped within FLOOD_WINDOW seconds that close the socket.
FRAME_BURST = 4
FLOOD_WINDOW = 10.0
FLOOD_DROPS = 100
# Seconds after a socket is closed for flooding during which its user's new
# sockets are refused with TOO_MANY: reconnecting does not resume a flood.
FLOOD_COOLDOWN = 10.0
# Seconds such a refusal is held before it is sent: a client that reconnects
# at once makes one attempt a second per connection, and a held handshake
# costs the server a sleeping coroutine, not CPU.
REFUSAL_PAUSE = 1.0


class Login(NamedTuple):
    """Who opened a socket, from where to resume, and which login until when."""

    user: object
    since: dict
    session_id: str
    expires_at: datetime


@database_sync_to_async
def consume_ticket(ticket: str):
    """Return the Login of a valid ticket, deleting it; else None."""
    if not ticket or len(ticket) > 200:
        return None
    digest = WebSocketTicket.digest_of(ticket)
    row = (WebSocketTicket.objects.select_related("user")
           .filter(digest=digest, expires_at__gt=timezone.now()).first())
    if row is None or not row.user.is_active:
        return None
    # Whoever deletes the row owns the ticket: two concurrent uses, one wins.
    deleted, _ = WebSocketTicket.objects.filter(pk=row.pk).delete()
    if deleted != 1:
        return None
    return Login(row.user, row.since or {}, row.session_id,
                 row.auth_expires_at or row.expires_at)


JWT_SUBPROTOCOL = "messaging.jwt"


def verified_user_id(token: str):
    """(AccessToken, user id) of a valid access token (signature and expiry
    checked, no database), or (None, None)."""
    from rest_framework_simplejwt.exceptions import TokenError
    from rest_framework_simplejwt.settings import api_settings
    from rest_framework_simplejwt.tokens import AccessToken

    try:
        access = AccessToken(token)
        return access, access[api_settings.USER_ID_CLAIM]
    except (TokenError, KeyError):
        return None, None


@database_sync_to_async
def login_from_jwt(access, user_id):
    """The Login of a verified access token (``verified_user_id``) whose user
    is active, or None."""
    from ..models import User
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return None
    return Login(user, {}, access.get(revocation.SESSION_CLAIM, ""),
                 datetime.fromtimestamp(access["exp"], tz=UTC))


def parse_since(value: str) -> dict:
    """``<conversation id>:<seq>,...`` to a dict; malformed parts are ignored."""
    since = {}
    for part in value.split(",")[:1000]:
        conversation_id, _, seq = part.partition(":")
        try:
            since[str(uuid.UUID(conversation_id.strip()))] = max(0, int(seq))
        except ValueError:
            continue
    return since


@database_sync_to_async
def conversation_positions(user) -> dict:
    """The user's conversations and their current last seq."""
    return {str(pk): seq for pk, seq in
            Conversation.objects.filter(participants=user).values_list("pk", "last_seq")}


@database_sync_to_async
def messages_after(conversation_id: str, after: int, upto=None) -> list:
    """message.created events for seq in (after, upto], in order."""
    queryset = (Message.objects.filter(conversation_id=conversation_id, seq__gt=after)
                .select_related("sender").order_by("seq"))
    if upto is not None:
        queryset = queryset.filter(seq__lte=upto)
    return [message_event("message.created", m) for m in queryset[:REPLAY_BATCH]]


class FrameLimit:
    """A token bucket for the frames of one socket: ``rate`` a second, bursts
    of ``FRAME_BURST * rate``.  ``take()`` says what to do with a frame:
    ALLOWED; DROP silently; TELL (drop, and tell the client once per second);
    FLOOD (FLOOD_DROPS dropped within FLOOD_WINDOW seconds: close)."""

    ALLOWED, DROP, TELL, FLOOD = "allowed", "drop", "tell", "flood"

    def __init__(self, rate: float):
        self.rate = float(rate)
        self.capacity = max(1.0, FRAME_BURST * self.rate)
        self.tokens = self.capacity
        self.updated = time.monotonic()
        self.told_at = -1.0
        self.window_start = self.updated
        self.dropped = 0

    @property
    def retry_after(self) -> float:
        return round(max(0.0, 1 - self.tokens) / self.rate, 2) if self.rate else 1.0

    def take(self) -> str:
        now = time.monotonic()
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens >= 1:
            self.tokens -= 1
            return self.ALLOWED
        if now - self.window_start > FLOOD_WINDOW:
            self.window_start, self.dropped = now, 0
        self.dropped += 1
        if self.dropped >= FLOOD_DROPS:
            return self.FLOOD
        if now - self.told_at >= 1.0:
            self.told_at = now
            return self.TELL
        return self.DROP


class EventsConsumer(AsyncJsonWebsocketConsumer):
    """Delivers a user's conversation events and relays typing notices."""

    async def __call__(self, scope, receive, send):
        """Serve the socket; a handshake that has neither sent ``ready`` nor
        closed after HANDSHAKE_SECONDS is closed with 1013 and abandoned.

        After a Redis restart, channels_redis can leave a consumer waiting on
        a receive task that never finishes cancelling (nothing the consumer
        awaits returns); the deadline sits outside all of that."""
        self.answered = asyncio.get_running_loop().create_future()

        async def watched_send(message):
            if message["type"] == "websocket.close" and not self.answered.done():
                self.answered.set_result(None)
            await send(message)

        serving = asyncio.ensure_future(self.serve(scope, receive, watched_send))
        await asyncio.wait({serving, self.answered}, timeout=HANDSHAKE_SECONDS,
                           return_when=asyncio.FIRST_COMPLETED)
        if serving.done() or self.answered.done():
            await serving
            return
        logger.warning("closing a WebSocket whose handshake took over %s s "
                       "(the channel layer does not answer)", HANDSHAKE_SECONDS)
        self.revoked = True
        serving.cancel()
        # Whatever it ends with later (if ever) is not news.
        serving.add_done_callback(lambda task: task.cancelled() or task.exception())
        try:
            if not getattr(self, "accepted", False):
                await send({"type": "websocket.accept",
                            "subprotocol": getattr(self, "subprotocol", None)})
            await send({"type": "websocket.close", "code": UNAVAILABLE,
                        "reason": UNAVAILABLE_REASON})
        finally:
            await asyncio.wait({serving}, timeout=1)
            await self.forget()

    async def dispatch(self, message):
        """Run the handler of a frame or event, without channels' hop to the
        sync thread before each (``aclose_old_connections``): every database
        use here goes through ``database_sync_to_async``, which closes old
        connections around itself.  A frame or an event then costs no thread
        hop, and a socket flooding frames does not queue work on the thread
        that other users' requests run on."""
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def serve(self, scope, receive, send):
        # A channel layer that fails (Redis down or hung: chats.http.outage) ends
        # the socket with a close frame and a reason, not a dropped connection.
        try:
            await super().__call__(scope, receive, send)
        except REDIS_ERRORS as error:
            logger.warning("closing a WebSocket: the channel layer failed (%s: %s)",
                           type(error).__name__, error)
            await self.close_unavailable()
        finally:
            await self.forget()

    async def forget(self) -> None:
        """Stop the expiry timer and uncount the socket (idempotent)."""
        if getattr(self, "expiry", None) is not None:
            self.expiry.cancel()
            self.expiry = None
        if getattr(self, "registry", None) is not None:
            registry, self.registry = self.registry, None
            if await registry.release(self):
                presence_batch.note(self.user.pk)

    async def close_unavailable(self) -> None:
        if getattr(self, "revoked", False):
            return
        self.revoked = True
        if not getattr(self, "accepted", False):
            await self.accept(getattr(self, "subprotocol", None))
        await self.close(code=UNAVAILABLE, reason=UNAVAILABLE_REASON)

    async def connect(self):
        query = parse_qs(self.scope.get("query_string", b"").decode("latin-1"))
        subprotocols = self.scope.get("subprotocols") or []
        subprotocol = None
        registry = sockets.registry()
        if "ticket" not in query and len(subprotocols) == 2 \
                and subprotocols[0] == JWT_SUBPROTOCOL:
            subprotocol = JWT_SUBPROTOCOL
            access, user_id = verified_user_id(subprotocols[1])
            # A flooder reconnecting is refused before any query (this process
            # knows; another one learns it from Redis in registry.take).
            if access is not None and registry.cooling_down(user_id):
                await self.refuse(subprotocol, sockets.COOLING_DOWN)
                return
            login = await login_from_jwt(access, user_id) if access is not None else None
        else:
            login = await consume_ticket((query.get("ticket") or [""])[0])
        if login is None:
            await self.close(code=4401)
            return
        self.login = login
        self.user = login.user
        self.subprotocol = subprotocol
        refused = await registry.take(self)
        if refused:
            await self.refuse(subprotocol, refused)
            return
        self.registry = registry
        if getattr(self, "came_online", False):
            presence_batch.note(self.user.pk)
        self.frames = FrameLimit(settings.SOCKET_FRAMES_PER_SECOND)
        since = {**parse_since((query.get("since") or [""])[0]), **login.since}
        self.delivered = {}  # conversation id -> last seq delivered
        # presence.changed events only go to sockets that ask (?presence=1).
        self.wants_presence = (query.get("presence") or [""])[0] == "1"
        self.presence_sent = {}  # user id -> (online, last_seen_at) last forwarded
        await self.channel_layer.group_add(user_group(self.user.pk), self.channel_name)
        # Join the groups before reading positions: anything committed after
        # the read is then published to us, anything before is in the read.
        positions = await conversation_positions(self.user)
        for conversation_id in positions:
            await self.channel_layer.group_add(conversation_group(conversation_id),
                                               self.channel_name)
        await self.accept(subprotocol)
        self.accepted = True
        for conversation_id, last_seq in positions.items():
            start = since.get(conversation_id)
            if start is None or start >= last_seq:
                self.delivered[conversation_id] = last_seq
            else:
                self.delivered[conversation_id] = start
                await self.catch_up(conversation_id)
        await self.send_json({"type": "ready", "conversations": dict(self.delivered)})
        if not self.answered.done():
            self.answered.set_result(None)
        self.watch_expiry()

    async def refuse(self, subprotocol, why: str) -> None:
        """Close a handshake with TOO_MANY and a reason: ``why`` is
        sockets.TOO_MANY or sockets.COOLING_DOWN.  Accepted first: a handshake
        refused before the accept reaches the client as a bare HTTP 403.  A
        cooling-down user's refusal is held REFUSAL_PAUSE seconds first."""
        if why == sockets.COOLING_DOWN:
            await asyncio.sleep(REFUSAL_PAUSE)
        await self.accept(subprotocol)
        self.accepted = self.revoked = True
        await self.close(code=TOO_MANY, reason=(
            f"too_many_sockets: at most {settings.MAX_SOCKETS_PER_USER} open "
            "sockets per user; close one first" if why == sockets.TOO_MANY else
            "frame_flood: a socket of this user sent too many frames; "
            f"no new socket for {FLOOD_COOLDOWN:g} s"))

    async def disconnect(self, code):
        await self.forget()
        if not hasattr(self, "delivered"):
            return
        try:
            await self.channel_layer.group_discard(user_group(self.user.pk), self.channel_name)
            for conversation_id in list(self.delivered):
                await self.channel_layer.group_discard(conversation_group(conversation_id),
                                                       self.channel_name)
        except REDIS_ERRORS:
            pass  # the socket is gone either way; group memberships expire in Redis

    async def catch_up(self, conversation_id: str, upto=None) -> None:
        """Send every message after the delivered seq (up to upto), in order."""
        while conversation_id in self.delivered:
            after = self.delivered[conversation_id]
            batch = await messages_after(conversation_id, after, upto)
            for event in batch:
                await self.send_json(event)
                self.delivered[conversation_id] = event["seq"]
            if len(batch) < REPLAY_BATCH:
                return

    # The login behind the socket (chats.accounts.revocation).

    def watch_expiry(self) -> None:
        """Close the socket when its token expires: a timer, not a task.  The
        user's password and active flag are rechecked for all of the
        process's sockets at once (chats.realtime.sockets)."""
        left = max(0.0, (self.login.expires_at - timezone.now()).total_seconds())
        loop = asyncio.get_running_loop()
        self.expiry = loop.call_later(
            left, lambda: loop.create_task(self.revoke(revocation.TOKEN_EXPIRED)))

    async def revoke(self, reason: str) -> None:
        await self.revoke_with(revocation.CLOSE_CODE, reason)

    async def revoke_with(self, code: int, reason: str) -> None:
        if not getattr(self, "revoked", False):
            self.revoked = True
            await self.close(code=code, reason=reason)

    async def session_revoke(self, message):
        """A channel-layer notice: a logout, password change or deactivation."""
        if not message["session"] or message["session"] == self.login.session_id:
            await self.revoke(message["reason"])

    # Channel-layer handlers ("type": "chat.event" / "chat.presence" / "chat.membership").

    async def chat_event(self, message):
        event = message["event"]
        conversation_id = event["conversation"]
        if conversation_id not in self.delivered:
            return  # not (or no longer) a member
        kind = event["type"]
        if kind == "message.created":
            seq = event["seq"]
            if seq <= self.delivered[conversation_id]:
                return  # already delivered (replay, or gap fill)
            if seq > self.delivered[conversation_id] + 1:
                await self.catch_up(conversation_id, upto=seq - 1)
            self.delivered[conversation_id] = seq
        elif kind == "typing":
            if event.get("user_id") == str(self.user.pk):
                return  # not to the typist's own sockets
        elif kind == "conversation.updated":
            me = str(self.user.pk)
            if me in event.get("added", ()) or me in event.get("removed", ()):
                return  # this user hears of it through chat.membership
        # The layer hands one message object to all of this process's sockets
        # in the group: the event is encoded to JSON once, not once per socket.
        text = message.get("text")
        if text is None:
            text = message["text"] = await self.encode_json(event)
        await self.send(text_data=text)

    async def chat_presence(self, message):
        """The presence changes of a conversation's members (one message per
        conversation and interval, ``chats.realtime.presence_batch``): forward
        each ``presence.changed`` that differs from what this socket last
        forwarded about that person (a partner in three conversations is told
        once), never about this socket's own user.  The events come encoded."""
        if not getattr(self, "wants_presence", False) or \
                message["conversation"] not in self.delivered:
            return
        me = str(self.user.pk)
        for event, text in zip(message["events"], message["texts"], strict=True):
            user_id = event["user_id"]
            state = (event["online"], event["last_seen_at"])
            if user_id == me or self.presence_sent.get(user_id) == state:
                continue
            self.presence_sent[user_id] = state
            await self.send(text_data=text)

    async def chat_membership(self, message):
        conversation_id = message["conversation"]
        group = conversation_group(conversation_id)
        if message["action"] == "join":
            if conversation_id not in self.delivered:
                await self.channel_layer.group_add(group, self.channel_name)
                self.delivered[conversation_id] = message["last_seq"]
                await self.send_json(message["event"])
                await self.catch_up(conversation_id)
                return
        elif conversation_id in self.delivered:
            del self.delivered[conversation_id]
            await self.channel_layer.group_discard(group, self.channel_name)
        await self.send_json(message["event"])

    # Messages from the client.

    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        if getattr(self, "revoked", False):
            return  # closed by the server: what the client still sends is dropped
        verdict = self.frames.take()
        if verdict is not FrameLimit.ALLOWED:
            if verdict is FrameLimit.FLOOD:
                # Cooled down before the close: a reconnect cannot outrun it.
                await sockets.registry().cool_down(self.user.pk, FLOOD_COOLDOWN)
                await self.revoke_with(TOO_MANY, "frame_flood: too many frames; "
                                                 f"no new socket for {FLOOD_COOLDOWN:g} s")
            elif verdict is FrameLimit.TELL:
                await self.send_json({"type": "error", "code": "rate_limited",
                                      "detail": "Too many frames; this one was dropped.",
                                      "retry_after": self.frames.retry_after})
            return
        if text_data and len(text_data) > MAX_FRAME:
            await self.send_json({"type": "error", "code": "too_large",
                                  "detail": f"Frames are at most {MAX_FRAME} characters."})
            return
        try:
            content = await self.decode_json(text_data) if text_data else None
        except (ValueError, RecursionError):  # RecursionError: deeply nested arrays
            content = None
        if content is None:
            await self.send_json({"type": "error", "code": "invalid_json",
                                  "detail": "Send JSON text frames."})
            return
        await self.receive_json(content, **kwargs)

    async def receive_json(self, content, **kwargs):
        kind = content.get("type") if isinstance(content, dict) else None
        if kind == "ping":
            await self.send_json({"type": "pong"})
        elif kind == "typing":
            await self.typing(str(content.get("conversation", "")))
        else:
            await self.send_json({"type": "error", "code": "unknown_type",
                                  "detail": "Send {\"type\": \"typing\", \"conversation\": id} "
                                            "or {\"type\": \"ping\"}."})

    async def typing(self, conversation_id: str) -> None:
        if conversation_id not in self.delivered:
            await self.send_json({"type": "error", "code": "not_participant",
                                  "conversation": conversation_id})
            return
        if not await sockets.registry().typing_allowed(self.user.pk, conversation_id):
            await self.send_json({"type": "error", "code": "rate_limited",
                                  "conversation": conversation_id,
                                  "retry_after": settings.TYPING_MIN_INTERVAL})
            return
        await relay_typing(self.channel_layer, conversation_id, self.user.pk)
