#!/usr/bin/env python3
"""Task 4: cache the results of read queries, keyed by their SQL text.

After ``fetch_users_with_cache(query=q)``, the module-level dict
``query_cache`` holds the rows under ``q`` (the SQL exactly as passed), and
the next call with ``q`` runs no SQL; clearing the dict runs it again.  One
dict serves every ``@cache_query`` function, so cache only functions whose
result the SQL alone decides.  Only reads are kept (``SELECT``, ``VALUES``,
``WITH`` without a write); other SQL runs and empties the cache, and so
does closing a ``@with_db_connection`` connection that changed rows.  Calls
with arguments besides the connection and the SQL (bound parameters), and
reads inside an open transaction, run uncached.  ``configure_cache`` sets
the bound (least recently used entries go first) and a TTL; ``cache_info``
and ``cache_clear`` work like ``functools.lru_cache``'s.
"""
import functools
import threading
import time
from typing import Any, Dict, NamedTuple, Optional

import query_tools
import users_db

with_db_connection = __import__("1-with_db_connection").with_db_connection

# SQL text -> the rows that query returned.  A dict keeps insertion order
# and a hit re-inserts its entry, so the first entry is the least recently
# used one: the one evicted when the cache is full.
query_cache: Dict[str, Any] = {}

_maxsize = 256
_ttl: Optional[float] = None        # seconds an entry stays valid
_stored_at: Dict[str, float] = {}   # SQL -> clock() when stored, for _ttl
clock = time.monotonic              # the clock the TTL reads (tests set it)
_lock = threading.Lock()
_hits = _misses = 0
_generation = 0             # bumped whenever the cache is emptied
_MISSING = object()


class CacheInfo(NamedTuple):
    """The cache's counters, as ``functools.lru_cache`` reports them."""

    hits: int
    misses: int
    maxsize: int
    currsize: int


def configure_cache(maxsize=None, ttl=None):
    """Set the bound (int >= 1) and/or the TTL (seconds; 0 turns it off).

    Only the arguments given change.  Raises ValueError for a bad value.
    """
    global _maxsize, _ttl
    if maxsize is not None and (type(maxsize) is not int or maxsize < 1):
        raise ValueError(f"maxsize must be an int >= 1, got {maxsize!r}")
    if ttl is not None and ttl < 0:
        raise ValueError(f"ttl must be >= 0 seconds, got {ttl!r}")
    with _lock:
        _maxsize = _maxsize if maxsize is None else maxsize
        _ttl = _ttl if ttl is None else (ttl or None)
        _evict()


def cache_info():
    """Return CacheInfo(hits, misses, maxsize, currsize)."""
    with _lock:
        return CacheInfo(_hits, _misses, _maxsize, len(query_cache))


def cache_clear():
    """Empty the cache and reset its counters."""
    global _hits, _misses
    with _lock:
        _empty()
        _hits = _misses = 0


def invalidate():
    """Empty the cache (counters are kept): the data may have changed."""
    with _lock:
        _empty()


users_db.add_change_listener(invalidate)


def cache_query(func):
    """Cache the rows func (callable) returns for each read, by SQL text.

    func takes the connection first and the SQL next (see module doc).
    Returns the wrapper, with cache_info() and cache_clear() attached.
    """
    @functools.wraps(func)
    def wrapper(conn, *args, **kwargs):
        sql = query_tools.sql_of(args, kwargs)
        if (sql is None or len(args) + len(kwargs) != 1
                or conn.in_transaction):
            return func(conn, *args, **kwargs)
        if not query_tools.is_read_query(sql):
            try:
                return func(conn, *args, **kwargs)
            finally:
                invalidate()
        rows = _lookup(sql)
        if rows is not _MISSING:
            return rows
        generation = _generation
        rows = func(conn, *args, **kwargs)
        _store(sql, rows, generation)
        return rows

    wrapper.cache_info = cache_info
    wrapper.cache_clear = cache_clear
    return wrapper


def _lookup(sql):
    """Return a copy of the cached rows of sql, or _MISSING; count it."""
    global _hits, _misses
    with _lock:
        rows = query_cache.pop(sql, _MISSING)
        if rows is not _MISSING and _ttl is not None and (
                clock() - _stored_at.get(sql, float("-inf")) >= _ttl):
            rows = _MISSING     # expired: stays out of the dict
        if rows is _MISSING:
            _stored_at.pop(sql, None)
            _misses += 1
            return _MISSING
        query_cache[sql] = rows  # now the most recently used
        _hits += 1
    return list(rows) if isinstance(rows, list) else rows


def _store(sql, rows, generation):
    """Keep rows under sql unless the cache was emptied since generation."""
    with _lock:
        if generation != _generation:
            return
        query_cache[sql] = list(rows) if isinstance(rows, list) else rows
        if _ttl is not None:
            _stored_at[sql] = clock()
        _evict()


def _evict():
    """Drop least recently used entries beyond maxsize (lock held)."""
    while len(query_cache) > _maxsize:
        oldest = next(iter(query_cache))
        del query_cache[oldest]
        _stored_at.pop(oldest, None)


def _empty():
    """Forget every entry (lock held)."""
    global _generation
    query_cache.clear()
    _stored_at.clear()
    _generation += 1


@with_db_connection
@cache_query
def fetch_users_with_cache(conn, query):
    """Return the rows (list of tuples) of query (str); reads are cached."""
    cursor = conn.cursor()
    cursor.execute(query)
    return cursor.fetchall()


if __name__ == "__main__":
    # Count the SQL statements SQLite runs: the second call runs none.
    executed = []
    users_db.add_connect_hook(lambda c: c.set_trace_callback(executed.append))
    for call in ("1st", "2nd"):
        users = fetch_users_with_cache(query="SELECT * FROM users")
        print(f"{call} call: {len(users)} users, SQL statements run so far: "
              f"{len(executed)}")
    print(cache_info())
