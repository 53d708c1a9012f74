#!/usr/bin/env python3
"""Task 4: cache the results of read queries.

``@cache_query`` (under ``@with_db_connection``) keeps results in the
module-level plain dict ``query_cache``, shared by every cached function.

* Key: ``(function, database file, normalised SQL, the other arguments)``.
  The SQL is the ``query`` argument (keyword or the first positional after
  the connection), normalised by ``query_tools.normalize_sql`` (whitespace
  and trailing ``;`` do not matter, literal text does).  Every other
  argument but the connection (bound parameters first of all) is part of
  the key: positional parameters by position however they were passed,
  lists and dicts made hashable by ``query_tools.freeze`` (so named
  parameters match in any order).
* Only reads are cached (``SELECT`` / ``VALUES`` / ``WITH`` without a write,
  see ``query_tools.is_read_query``).  Any other SQL runs uncached and drops
  the cached reads of that database.  A read made inside an open transaction
  (which may see its own uncommitted writes), on an in-memory database, or
  with unhashable parameters also bypasses the cache.
* Writes made through the module's decorated functions invalidate: a
  connection from ``@with_db_connection`` that changed rows, and a
  ``@transactional`` commit that changed rows, notify ``users_db`` write
  listeners, and this module drops that database's entries.  Writes by other
  processes are not seen: use ``ttl`` when they matter.
* Bounded: least recently used entries are evicted beyond
  ``QUERY_CACHE_MAXSIZE`` (default 256, change with :func:`configure_cache`).
  ``@cache_query(ttl=seconds)`` makes entries of that function expire.
* Like ``functools.lru_cache``: ``f.cache_info()`` gives
  ``CacheInfo(hits, misses, maxsize, currsize)`` for that function,
  ``f.cache_clear()`` empties its entries and counters;
  :func:`clear_query_cache` empties everything.
* Thread-safe: a lookup is one atomic ``dict.get``; every change to the
  dicts and counters happens under one lock; the SQL runs outside it.  A
  result computed while an invalidation happened is returned but not
  stored.  Hits return a copy of a cached list, so a caller cannot change
  what the next caller gets.
"""
import functools
import logging
import sqlite3
import threading
import time
from collections import OrderedDict
from typing import (Any, Callable, Dict, List, NamedTuple, Optional,
                    Sequence, Tuple, TypeVar)

import query_tools
import users_db

with_db_connection = __import__("1-with_db_connection").with_db_connection

F = TypeVar("F", bound=Callable[..., Any])

logger = logging.getLogger("decorators.cache")

QUERY_CACHE_MAXSIZE = 256


class CacheInfo(NamedTuple):
    """Counters of one cached function, as ``functools.lru_cache`` has."""

    hits: int
    misses: int
    maxsize: int
    currsize: int


CacheKey = Tuple[str, str, str, Tuple[Any, ...]]

# key -> the cached result itself (a copy of what the function returned).
query_cache: Dict[CacheKey, Any] = {}
# key -> clock() deadline, for entries of functions cached with a ttl.
_expiry: Dict[CacheKey, float] = {}

# Recency order of the keys, least recent first.  A plain dict evicting its
# first key gets slow (iteration skips every slot deleted before), so the
# order lives in an OrderedDict: O(1) to refresh and to pop the oldest.
_recency: "OrderedDict[CacheKey, None]" = OrderedDict()

_lock = threading.Lock()
_generation = [0]  # bumped by every invalidation
clock = time.monotonic  # the clock TTLs use (tests replace it)


def configure_cache(maxsize: int) -> None:
    """Set the cache bound (entries, all functions together) and evict."""
    global QUERY_CACHE_MAXSIZE
    if not isinstance(maxsize, int) or maxsize < 1:
        raise ValueError(f"maxsize must be an int >= 1, got {maxsize!r}")
    with _lock:
        QUERY_CACHE_MAXSIZE = maxsize
        _evict()


def clear_query_cache() -> None:
    """Drop every cached result (counters are kept)."""
    with _lock:
        query_cache.clear()
        _recency.clear()
        _expiry.clear()
        _generation[0] += 1


def invalidate(database: str) -> None:
    """Drop the cached results of ``database`` ("" means: of all)."""
    with _lock:
        _generation[0] += 1
        if not database:
            dropped = len(query_cache)
            query_cache.clear()
            _recency.clear()
            _expiry.clear()
        else:
            keys = [k for k in query_cache if k[1] == database]
            dropped = len(keys)
            for key in keys:
                _drop(key)
    if dropped:
        logger.debug("write to %s: dropped %d cached result(s)",
                     database or "an unknown database", dropped)


users_db.add_write_listener(invalidate)


def _evict() -> None:
    """Remove least recently used entries beyond the bound (lock held).

    The cache wrapper runs the same loop inline, on its hot path.
    """
    while len(query_cache) > QUERY_CACHE_MAXSIZE:
        oldest = (_recency.popitem(False)[0] if _recency
                  else next(iter(query_cache)))  # edited from outside
        query_cache.pop(oldest, None)
        if _expiry:
            _expiry.pop(oldest, None)


def _drop(key: CacheKey) -> None:
    """Forget one entry (lock held)."""
    query_cache.pop(key, None)
    _recency.pop(key, None)
    _expiry.pop(key, None)


def _make_key(name: str, database: str, normalized: str, sql: str,
              conn: Optional[sqlite3.Connection], args: Tuple[Any, ...],
              kwargs: Dict[str, Any], positional: Sequence[str]) -> CacheKey:
    """Build the cache key of a call (it may still hold unhashable values).

    Every argument except the connection and the SQL itself is part of the
    key (bound parameters, limits, flags...), since the result may depend
    on any of them.  The key holds the values of the positional parameters
    after the SQL, in order, however they were passed (``f(conn, sql, (1,))``
    and ``f(conn, query=sql, params=(1,))`` share an entry), then any other
    arguments as sorted ``(name, value)`` pairs.
    """
    values: List[Any] = []
    extra: List[Tuple[str, Any]] = []
    sql_seen = False
    start = 1 if args and conn is not None and args[0] is conn else 0
    for index, value in enumerate(args[start:], start):
        if not sql_seen and "query" not in kwargs and value is sql:
            sql_seen = True
            continue
        if index < len(positional):
            values.append(value)
        else:
            extra.append((f"*{index}", value))
    for arg_name in positional[len(args):]:
        if arg_name in ("conn", "query"):
            continue
        values.append(kwargs.get(arg_name, _MISSING))
    for arg_name, value in kwargs.items():
        if arg_name not in positional and value is not conn:
            extra.append((arg_name, value))
    rest: Tuple[Any, ...] = tuple(values)
    if extra:
        extra.sort(key=_first)
        rest += (_MISSING, tuple(extra))
    return (name, database, normalized, rest)


def _frozen(key: CacheKey) -> Optional[CacheKey]:
    """Return ``key`` with its arguments made hashable, or ``None``."""
    try:
        return key[:3] + (query_tools.freeze(key[3]),)  # type: ignore
    except TypeError:
        return None


def _first(item: Tuple[Any, ...]) -> Any:
    """Sort key: the first element (a parameter name)."""
    return item[0]


_MISSING = object()  # "no value": a defaulted argument, an absent entry
_UNCACHED = object()  # plan(): run this call without the cache


def cache_query(func: Optional[F] = None, *,
                ttl: Optional[float] = None) -> Any:
    """Cache ``func``'s reads: ``@cache_query`` or ``@cache_query(ttl=60)``."""
    if ttl is not None and ttl <= 0:
        raise ValueError(f"ttl must be > 0 seconds or None, got {ttl!r}")
    if func is None:
        return functools.partial(cache_query, ttl=ttl)

    query_index = query_tools.query_position(func, default_index=1)
    positional = query_tools.positional_names(func)
    n_positional = len(positional)
    # Calls of exactly this many positional arguments and no keywords,
    # ``(conn, query, *rest)``, can take the fast path below.
    fast_arity = (n_positional if query_index == 1 and n_positional > 1
                  else -1)
    name = f"{func.__module__}.{func.__qualname__}"
    hits = misses = 0
    classify = query_tools.classify
    database_of = users_db.database_of
    connection_type = sqlite3.Connection
    own_connection = users_db.UsersConnection
    acquire = _lock.acquire
    release = _lock.release

    def plan(args: Tuple[Any, ...], kwargs: Dict[str, Any]) -> Any:
        """Decide what to do with any call: the cache key of a cacheable
        read; ``_UNCACHED``; or, for a write, the database it changes."""
        if "query" in kwargs:
            sql = kwargs["query"]
        elif query_index is not None and len(args) > query_index:
            sql = args[query_index]
        else:
            sql = None
        if not isinstance(sql, str):
            return _UNCACHED
        conn = args[0] if args else kwargs.get("conn")
        if type(conn) is own_connection:
            database = conn.database  # type: ignore[union-attr]
        elif isinstance(conn, connection_type):
            database = database_of(conn)
        else:
            conn = None
            database = users_db.settings.database
        normalized, is_read = classify(sql)
        if not is_read:
            return database
        if not database or (conn is not None and conn.in_transaction):
            return _UNCACHED
        if (not kwargs and query_index == 1 and conn is not None
                and len(args) == n_positional):
            # Every parameter passed by position.
            return (name, database, normalized, args[2:])
        return _make_key(name, database, normalized, sql, conn, args,
                         kwargs, positional)

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        nonlocal hits, misses
        # Fast path: a users_db connection and a str query passed by
        # position, a read, no transaction open: the key ``plan`` would
        # build, without the detour.  Every other call asks ``plan``.
        key = None
        if not kwargs and len(args) == fast_arity:
            conn = args[0]
            if type(conn) is own_connection:
                sql = args[1]
                if type(sql) is str:
                    normalized, is_read = classify(sql)
                    if is_read and conn.database and not conn.in_transaction:
                        key = (name, conn.database, normalized, args[2:])
        if key is None:
            key = plan(args, kwargs)
            if type(key) is not tuple:
                if key is _UNCACHED:
                    return func(*args, **kwargs)
                try:  # a write: run it, then drop that database's reads
                    return func(*args, **kwargs)
                finally:
                    invalidate(key)
        try:
            value = query_cache.get(key, _MISSING)
        except TypeError:  # an argument is unhashable: freeze it
            key = _frozen(key)
            if key is None:
                return func(*args, **kwargs)
            value = query_cache.get(key, _MISSING)
        if value is not _MISSING:
            with _lock:
                if ttl is None or clock() < _expiry.get(key, 0.0):
                    if key in query_cache:
                        _recency[key] = None
                        _recency.move_to_end(key)
                    hits += 1
                    return list(value) if type(value) is list else value
                _drop(key)
        generation = _generation[0]
        try:
            result = func(*args, **kwargs)
        except BaseException:
            with _lock:
                misses += 1
            raise
        # The lock as bound methods: cheaper than ``with`` on this path.
        acquire()
        try:
            misses += 1
            if generation == _generation[0]:
                query_cache[key] = (list(result) if type(result) is list
                                    else result)
                _recency[key] = None
                if ttl is not None:
                    _expiry[key] = clock() + ttl
                while len(query_cache) > QUERY_CACHE_MAXSIZE:
                    oldest = (_recency.popitem(False)[0] if _recency
                              else next(iter(query_cache)))
                    query_cache.pop(oldest, None)
                    if _expiry:
                        _expiry.pop(oldest, None)
        finally:
            release()
        return result

    def cache_info() -> CacheInfo:
        """Return this function's hits, misses, the bound and its entries."""
        with _lock:
            size = sum(1 for key in query_cache if key[0] == name)
            return CacheInfo(hits, misses, QUERY_CACHE_MAXSIZE, size)

    def cache_clear() -> None:
        """Drop this function's entries and reset its counters."""
        nonlocal hits, misses
        with _lock:
            for key in [k for k in query_cache if k[0] == name]:
                _drop(key)
            hits = misses = 0
            _generation[0] += 1

    wrapper.cache_info = cache_info  # type: ignore[attr-defined]
    wrapper.cache_clear = cache_clear  # type: ignore[attr-defined]
    return wrapper


@with_db_connection
@cache_query
def fetch_users_with_cache(conn: Any, query: str) -> List[tuple]:
    """Return the rows of ``query``; a repeated read comes from the cache."""
    cursor = conn.cursor()
    cursor.execute(query)
    return cursor.fetchall()


if __name__ == "__main__":
    # Count the SQL statements SQLite really runs, on every connection.
    executed: List[str] = []
    users_db.add_connect_hook(
        lambda conn: conn.set_trace_callback(executed.append))
    # First call with this query runs the SQL and caches the result.
    users = fetch_users_with_cache(query="SELECT * FROM users")
    print(f"1st call: {len(users)} users, SQL statements run: "
          f"{len(executed)}")
    # Second call with the same query is answered from query_cache.
    users_again = fetch_users_with_cache(query="SELECT * FROM users")
    print(f"2nd call: {len(users_again)} users (same rows: "
          f"{users_again == users}), SQL statements run: {len(executed)}")
    print(fetch_users_with_cache.cache_info())
