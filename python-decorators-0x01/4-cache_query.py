#!/usr/bin/env python3
"""Task 4: cache the results of read queries.

``@cache_query`` (under ``@with_db_connection``) keeps results in the
module-level plain dict ``query_cache``, shared by every cached function.

* Key: ``(function, database file, normalised SQL, the other arguments
  as sorted (name, value) pairs)``.  The SQL is the ``query`` argument
  (keyword or the first positional after the connection), normalised by
  ``query_tools.normalize_sql`` (whitespace and trailing ``;`` do not
  matter, literal text does); every other argument but the connection
  (bound parameters first of all) is part of the key, lists and dicts made
  hashable by ``query_tools.freeze`` (named parameters in any order match).
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
* Thread-safe: the dict and the counters change under one lock; the SQL runs
  outside it.  A result computed while an invalidation happened is returned
  but not stored.  Hits return a copy of a cached list, so a caller cannot
  change what the next caller gets.
"""
import functools
import inspect
import logging
import sqlite3
import sys
import threading
import time
from typing import (Any, Callable, Dict, List, NamedTuple, Optional,
                    Sequence, Tuple, TypeVar)

import query_tools
import users_db

with_db_connection = __import__("1-with_db_connection").with_db_connection

F = TypeVar("F", bound=Callable[..., Any])

logger = logging.getLogger("decorators.cache")

QUERY_CACHE_MAXSIZE = 256


class CacheEntry(NamedTuple):
    """One cached result and when it expires (``None``: never)."""

    value: Any
    expires_at: Optional[float]


class CacheInfo(NamedTuple):
    """Counters of one cached function, as ``functools.lru_cache`` has."""

    hits: int
    misses: int
    maxsize: int
    currsize: int


CacheKey = Tuple[str, str, str, Tuple[Any, ...]]

query_cache: Dict[CacheKey, CacheEntry] = {}

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
        _generation[0] += 1


def invalidate(database: str) -> None:
    """Drop the cached results of ``database`` ("" means: of all)."""
    with _lock:
        _generation[0] += 1
        if not database:
            query_cache.clear()
            return
        for key in [k for k in query_cache if k[1] == database]:
            del query_cache[key]


users_db.add_write_listener(invalidate)


def _evict() -> None:
    """Remove least recently used entries beyond the bound (lock held)."""
    while len(query_cache) > QUERY_CACHE_MAXSIZE:
        del query_cache[next(iter(query_cache))]


def _make_key(name: str, database: str, normalized: str, sql: str,
              conn: Optional[sqlite3.Connection], args: Tuple[Any, ...],
              kwargs: Dict[str, Any],
              positional: Sequence[str]) -> Optional[CacheKey]:
    """Build the cache key of a call, or ``None`` if it cannot be hashed.

    Every argument except the connection and the SQL itself is part of the
    key (bound parameters, limits, flags...), since the result may depend
    on any of them.  Arguments are keyed by parameter name (``positional``
    names the positional ones), so ``f(conn, sql, (1,))`` and
    ``f(conn, query=sql, params=(1,))`` share an entry.
    """
    named = []
    sql_seen = "query" in kwargs
    for index, value in enumerate(args):
        if index == 0 and value is conn:
            continue
        if not sql_seen and value is sql:
            sql_seen = True
            continue
        named.append((positional[index] if index < len(positional)
                      else f"*{index}", value))
    for arg_name, value in kwargs.items():
        if arg_name != "query" and value is not conn:
            named.append((arg_name, value))
    if len(named) > 1:
        named.sort(key=lambda item: item[0])
    key = (name, database, normalized, tuple(named))
    try:
        hash(key)
        return key
    except TypeError:
        try:
            return (name, database, normalized,
                    query_tools.freeze(tuple(named)))
        except TypeError:
            return None


def _copy(value: Any) -> Any:
    """Return a copy of a list result (rows are immutable tuples)."""
    return list(value) if isinstance(value, list) else value


def cache_query(func: Optional[F] = None, *,
                ttl: Optional[float] = None) -> Any:
    """Cache ``func``'s reads: ``@cache_query`` or ``@cache_query(ttl=60)``."""
    if ttl is not None and ttl <= 0:
        raise ValueError(f"ttl must be > 0 seconds or None, got {ttl!r}")
    if func is None:
        return functools.partial(cache_query, ttl=ttl)

    get_sql = query_tools.sql_getter(func, default_index=1)
    name = f"{func.__module__}.{func.__qualname__}"
    stats = [0, 0]  # hits, misses
    normalize = query_tools.normalize_sql
    is_read = query_tools.is_read_query
    database_of = users_db.database_of
    try:
        positional = [p.name for p in inspect.signature(func).parameters
                      .values() if p.kind in (p.POSITIONAL_ONLY,
                                              p.POSITIONAL_OR_KEYWORD)]
    except (TypeError, ValueError):
        positional = []

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        sql, _params = get_sql(args, kwargs)
        if sql is None:
            return func(*args, **kwargs)
        conn = args[0] if args else kwargs.get("conn")
        if isinstance(conn, sqlite3.Connection):
            database = database_of(conn)
            in_transaction = conn.in_transaction
        else:
            conn, in_transaction = None, False
            database = users_db.settings.database
        normalized = normalize(sql)
        if not is_read(normalized):
            try:
                return func(*args, **kwargs)
            finally:
                invalidate(database)
        if not database or in_transaction:
            return func(*args, **kwargs)
        key = _make_key(name, database, normalized, sql, conn, args, kwargs,
                        positional)
        if key is None:
            return func(*args, **kwargs)
        with _lock:
            entry = query_cache.get(key)
            if entry is not None:
                if entry.expires_at is None or clock() < entry.expires_at:
                    query_cache[key] = query_cache.pop(key)  # most recent
                    stats[0] += 1
                    logger.debug("cache hit: %s", normalized)
                    return _copy(entry.value)
                del query_cache[key]
            stats[1] += 1
            generation = _generation[0]
        logger.debug("cache miss, running SQL: %s", normalized)
        result = func(*args, **kwargs)
        with _lock:
            if generation == _generation[0]:
                expires_at = None if ttl is None else clock() + ttl
                query_cache[key] = CacheEntry(_copy(result), expires_at)
                if len(query_cache) > QUERY_CACHE_MAXSIZE:
                    _evict()
        return result

    def cache_info() -> CacheInfo:
        """Return this function's hits, misses, the bound and its entries."""
        with _lock:
            size = sum(1 for key in query_cache if key[0] == name)
            return CacheInfo(stats[0], stats[1], QUERY_CACHE_MAXSIZE, size)

    def cache_clear() -> None:
        """Drop this function's entries and reset its counters."""
        with _lock:
            for key in [k for k in query_cache if k[0] == name]:
                del query_cache[key]
            stats[0] = stats[1] = 0
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
    logging.basicConfig(level=logging.INFO, format="%(message)s",
                        stream=sys.stdout)
    logger.setLevel(logging.DEBUG)
    # First call with this query runs the SQL and caches the result.
    users = fetch_users_with_cache(query="SELECT * FROM users")
    # Second call with the same query is answered from query_cache.
    users_again = fetch_users_with_cache(query="SELECT * FROM users")
    print(f"{len(users_again)} users, same rows: {users_again == users}")
    print(fetch_users_with_cache.cache_info())
