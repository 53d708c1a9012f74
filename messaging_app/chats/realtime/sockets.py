"""The open WebSockets of this server process, and what is limited across them.

One ``SocketRegistry`` per event loop (one per server process) holds the
process's open consumers and runs a single task for all of them:

- **The login recheck** (``chats.accounts.revocation``): every
  ``SOCKET_RECHECK_SECONDS`` ONE query reads the password hash and active
  flag of every user with an open socket here, and the sockets whose login
  no longer holds are closed.  An idle socket costs no query and no task of
  its own: its token's expiry is a timer (``loop.call_at``).  Logouts,
  password changes and deactivations still close sockets at once through
  the channel layer; the recheck only catches changes made without signals.
- **Sockets per user** (``MAX_SOCKETS_PER_USER``): with Redis as the channel
  layer the count is shared by every server process (a sorted set per user
  of ``channel name -> expiry``, refreshed by the same task in a few script
  calls, so the entries of a process that died expire by themselves);
  otherwise it is this
  process's count.  A Redis that fails is counted around: the socket is
  counted in this process only.
- **A flooder's cooldown**: a user whose socket was closed for flooding
  frames opens no new socket for a while (``cool_down``); the socket count
  refuses it, in this process's memory first, then in Redis (the same
  round trip as the count), so a refused handshake costs no extra round trip.
- **Typing notices** (``TYPING_MIN_INTERVAL``): at most one per user and
  conversation per interval, across all of that user's sockets (Redis
  ``SET NX PX`` when Redis is the layer, this process's memory otherwise).
"""
import asyncio
import logging
import time

from channels.db import database_sync_to_async
from django.conf import settings

from ..accounts import revocation
from ..http.outage import REDIS_ERRORS
from .loop_local import PerLoop

logger = logging.getLogger(__name__)

# Take one socket of a user if the user holds fewer than ARGV[3] and is not
# cooling down (KEYS[2] exists); forget the entries whose expiry (the score)
# has passed.  Returns minus the milliseconds left when cooling down, 0 when
# full, 1 when taken, 2 when taken as the user's only live socket (the user
# came online).
TAKE_SCRIPT = """
local cooling = redis.call('PTTL', KEYS[2])
if cooling ~= -2 then return -math.max(cooling, 1) end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
local held = redis.call('ZCARD', KEYS[1])
if held >= tonumber(ARGV[3]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[4])
redis.call('EXPIRE', KEYS[1], ARGV[5])
if held == 0 then return 2 end
return 1
"""

# Forget one socket of a user (ARGV[2]) and the expired entries; returns the
# live sockets left (0: the user went offline).
RELEASE_SCRIPT = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZREM', KEYS[1], ARGV[2]) == 0 then return -1 end
return redis.call('ZCARD', KEYS[1])
"""

# Push back the expiry (ARGV[1]) of one entry per key (ARGV[i + 2]: a socket's
# channel name in KEYS[i]) and the key's own (ARGV[2] seconds); an entry already
# gone stays gone (XX).  One call per REFRESH_CHUNK sockets: a pipeline of two
# commands per socket cost the event loop about 70 microseconds a socket in one
# stretch (175 ms for 2,500), this a few milliseconds per chunk.  The keys may
# lie in different slots: a single Redis, not a cluster.
REFRESH_SCRIPT = """
for i, key in ipairs(KEYS) do
  redis.call('ZADD', key, 'XX', ARGV[1], ARGV[i + 2])
  redis.call('EXPIRE', key, ARGV[2])
end
return #KEYS
"""
REFRESH_CHUNK = 500

# Why take() refuses a socket.
TOO_MANY, COOLING_DOWN = "too_many_sockets", "frame_flood"

# Sockets counted in this process's memory, per user id (text), over all event loops:
# presence without Redis (chats.realtime.presence).
local_sockets = {}


def sockets_key(user_id) -> str:
    return f"messaging:sockets:{user_id}"


def cooldown_key(user_id) -> str:
    return f"messaging:flood:{user_id}"


def typing_key(user_id, conversation_id) -> str:
    return f"messaging:typing:{user_id}:{conversation_id}"


def redis_layer_url() -> str:
    """REDIS_URL when the channel layer is Redis ('' otherwise)."""
    backend = settings.CHANNEL_LAYERS.get("default", {}).get("BACKEND", "")
    return settings.REDIS_URL if settings.REDIS_URL and "Redis" in backend else ""


current_credentials = database_sync_to_async(revocation.current_credentials)


class SocketRegistry:
    """This event loop's open sockets (see the module docstring)."""

    def __init__(self):
        self.sockets = set()
        self.per_user = {}  # user id -> sockets counted here (in-memory limit)
        self.typing = {}  # (user id, conversation id) -> monotonic time allowed again
        self.cooling = {}  # user id (text) -> monotonic time their sockets are taken again
        self.task = None
        self._redis = None
        self._refresh_script = None
        self.redis_url = redis_layer_url()

    @property
    def interval(self) -> float:
        return float(settings.SOCKET_RECHECK_SECONDS)

    @property
    def entry_ttl(self) -> float:
        """Seconds a socket's entry in Redis lives without a refresh."""
        return 3 * self.interval + 10

    def redis(self):
        if self._redis is None:
            import redis.asyncio
            self._redis = redis.asyncio.Redis.from_url(
                self.redis_url, socket_timeout=settings.REDIS_TIMEOUT,
                socket_connect_timeout=settings.REDIS_TIMEOUT)
        return self._redis

    # Sockets per user.

    async def take(self, consumer):
        """Count consumer's socket against its user's limit.  Returns None when
        counted, else why not: TOO_MANY (the user holds the limit) or
        COOLING_DOWN (``cool_down``).

        Sets ``consumer.came_online`` when this is the user's only live socket
        (with Redis: in any process; else: in this process)."""
        limit = settings.MAX_SOCKETS_PER_USER
        user_id = consumer.user.pk
        if self.cooling_down(user_id):
            return COOLING_DOWN
        if self.redis_url:
            now = time.time()
            try:
                taken = await self.redis().eval(
                    TAKE_SCRIPT, 2, sockets_key(user_id), cooldown_key(user_id), now,
                    now + self.entry_ttl, limit, consumer.channel_name,
                    int(self.entry_ttl) + 1)
            except REDIS_ERRORS as error:
                logger.warning("socket count in Redis failed (%s: %s); counting in this "
                               "process", type(error).__name__, error)
            else:
                if taken < 0:  # remembered here: the next refusal costs no query
                    self.cooling[str(user_id)] = time.monotonic() - taken / 1000
                    return COOLING_DOWN
                if taken == 0:
                    return TOO_MANY
                consumer.counted_in_redis = True
                consumer.came_online = taken == 2
                self.add(consumer)
                return None
        if self.per_user.get(user_id, 0) >= limit:
            return TOO_MANY
        self.per_user[user_id] = self.per_user.get(user_id, 0) + 1
        key = str(user_id)
        local_sockets[key] = local_sockets.get(key, 0) + 1
        # With Redis down, whether the user was online elsewhere is unknown.
        consumer.came_online = not self.redis_url and local_sockets[key] == 1
        consumer.counted_here = True
        self.add(consumer)
        return None

    def cooling_down(self, user_id) -> bool:
        """Whether this process knows the user to be cooling down (no round trip)."""
        return self.cooling.get(str(user_id), 0.0) > time.monotonic()

    async def cool_down(self, user_id, seconds: float) -> None:
        """Refuse the user's new sockets for seconds: in this process, and in
        every process sharing Redis when Redis is the layer."""
        now = time.monotonic()
        if len(self.cooling) > 10_000:
            self.cooling = {k: t for k, t in self.cooling.items() if t > now}
        self.cooling[str(user_id)] = now + seconds
        if self.redis_url:
            try:
                await self.redis().set(cooldown_key(user_id), 1,
                                       px=max(1, int(seconds * 1000)))
            except REDIS_ERRORS as error:
                logger.warning("could not store a flooder's cooldown in Redis (%s: %s); "
                               "this process refuses them", type(error).__name__, error)

    async def release(self, consumer) -> bool:
        """Forget consumer's socket (it closed).  True when it was its user's
        last live socket (the user went offline); False when not or unknown."""
        self.sockets.discard(consumer)
        user_id = consumer.user.pk
        went_offline = False
        if getattr(consumer, "counted_here", False):
            consumer.counted_here = False
            left = self.per_user.get(user_id, 1) - 1
            if left > 0:
                self.per_user[user_id] = left
            else:
                self.per_user.pop(user_id, None)
            key = str(user_id)
            left = local_sockets.get(key, 1) - 1
            if left > 0:
                local_sockets[key] = left
            else:
                local_sockets.pop(key, None)
                went_offline = not self.redis_url
        if getattr(consumer, "counted_in_redis", False):
            consumer.counted_in_redis = False
            try:
                left = await self.redis().eval(RELEASE_SCRIPT, 1, sockets_key(user_id),
                                               time.time(), consumer.channel_name)
            except REDIS_ERRORS:
                pass  # the entry expires by itself
            else:
                went_offline = left == 0
        return went_offline

    # Typing.

    async def typing_allowed(self, user_id, conversation_id) -> bool:
        """Whether user may announce typing in conversation now (and take the turn)."""
        interval = float(settings.TYPING_MIN_INTERVAL)
        if self.redis_url:
            try:
                return bool(await self.redis().set(typing_key(user_id, conversation_id), 1,
                                                   nx=True, px=max(1, int(interval * 1000))))
            except REDIS_ERRORS:
                pass  # counted in this process meanwhile
        now = time.monotonic()
        key = (user_id, conversation_id)
        if self.typing.get(key, 0.0) > now:
            return False
        if len(self.typing) > 10_000:
            self.typing = {k: t for k, t in self.typing.items() if t > now}
        self.typing[key] = now + interval
        return True

    # The recheck.

    def add(self, consumer) -> None:
        self.sockets.add(consumer)
        if self.task is None or self.task.done():
            self.task = asyncio.get_running_loop().create_task(self.run())

    async def run(self) -> None:
        while self.sockets:
            await asyncio.sleep(self.interval)
            try:
                await self.recheck()
                await self.refresh()
            except Exception:  # noqa: BLE001 - the loop must outlive one bad round
                logger.exception("socket recheck failed; trying again in %.0f s",
                                 self.interval)

    async def recheck(self) -> None:
        """One query for every open socket: close those whose login no longer holds."""
        consumers = [c for c in self.sockets if not getattr(c, "revoked", False)]
        if not consumers:
            return
        stored = await current_credentials({c.user.pk for c in consumers})
        for consumer in consumers:
            problem = revocation.problem_with(stored.get(consumer.user.pk),
                                              consumer.user.password)
            if problem:
                await consumer.revoke(problem)

    async def refresh(self) -> None:
        """Push back the expiry of this process's entries in Redis: one script
        call per REFRESH_CHUNK sockets, the loop free between them."""
        counted = [c for c in self.sockets if getattr(c, "counted_in_redis", False)]
        if not counted:
            return
        if self._refresh_script is None:
            self._refresh_script = self.redis().register_script(REFRESH_SCRIPT)
        expiry = time.time() + self.entry_ttl
        try:
            for start in range(0, len(counted), REFRESH_CHUNK):
                chunk = counted[start:start + REFRESH_CHUNK]
                await self._refresh_script(
                    keys=[sockets_key(c.user.pk) for c in chunk],
                    args=[expiry, int(self.entry_ttl) + 1, *(c.channel_name for c in chunk)])
        except REDIS_ERRORS as error:
            logger.warning("could not refresh socket counts in Redis (%s: %s)",
                           type(error).__name__, error)


# The registry of the running event loop.
registry = PerLoop(SocketRegistry)
