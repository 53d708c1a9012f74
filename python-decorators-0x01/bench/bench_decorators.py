#!/usr/bin/env python3
"""Benchmark: what each decorator adds to the call it wraps, in microseconds.

Run from the module folder (``make bench`` does)::

    ../.venv/bin/python bench/bench_decorators.py [--rounds 400]

For each decorator the same call is timed plain and decorated, on the same
database file, alternating round by round (the best round of each is kept:
on a shared machine that is the one least disturbed).  The table shows the
plain call, the decorated call and the difference: the decorator's cost per
call, next to the query time it wraps.  The last rows time
``fetch_users_with_cache("SELECT * FROM users")`` on a miss and on a hit.

Databases are built in ``bench/data/`` (git-ignored) by ``users_db``.
"""
import argparse
import importlib
import logging
import os
import sqlite3
import sys
import time
from typing import Any, Callable, List, Tuple

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

import users_db  # noqa: E402

logq = importlib.import_module("0-log_queries")
conn_mod = importlib.import_module("1-with_db_connection")
tx = importlib.import_module("2-transactional")
retry = importlib.import_module("3-retry_on_failure")
cache = importlib.import_module("4-cache_query")

DATA = os.path.join(HERE, "data")
PK_SQL = "SELECT * FROM users WHERE id = ?"
ALL_SQL = "SELECT * FROM users"
LOOKUP_IDS = 1000  # more than the cache holds: cycling ids always misses

Row = Tuple[str, float, float]


def database(rows: int) -> str:
    """Return a users database of ``rows`` rows in bench/data (build once)."""
    os.makedirs(DATA, exist_ok=True)
    path = os.path.join(DATA, f"users_{rows}.db")
    if os.path.exists(path):
        conn = sqlite3.connect(path)
        try:
            (count,) = conn.execute("SELECT COUNT(*) FROM users").fetchone()
        except sqlite3.Error:
            count = -1
        finally:
            conn.close()
        if count == rows:
            return path
    return users_db.build_database(path, rows=rows)


def per_call(func: Callable[[int], Any], first: int, calls: int) -> float:
    """Seconds per call of ``func(i)`` for i in first .. first + calls."""
    start = time.perf_counter()
    for i in range(first, first + calls):
        func(i)
    return (time.perf_counter() - start) / calls


def compare(plain: Callable[[int], Any], decorated: Callable[[int], Any],
            calls: int, rounds: int) -> Tuple[float, float]:
    """Best seconds per call of each, measured alternately."""
    best = [float("inf"), float("inf")]
    pair = (plain, decorated)
    counter = 0
    for round_no in range(rounds + 20):   # the first 20 warm up
        order = (0, 1) if round_no % 2 == 0 else (1, 0)
        for which in order:
            seconds = per_call(pair[which], counter, calls)
            if round_no >= 20:
                best[which] = min(best[which], seconds)
        counter += calls
    return best[0], best[1]


def pk(i: int) -> int:
    """The user id looked up by call number ``i``."""
    return i % LOOKUP_IDS + 1


def overhead_rows(path: str, calls: int, rounds: int) -> List[Row]:
    """Each decorator around a primary-key lookup, vs the lookup alone."""
    users_db.configure(database=path)
    conn = sqlite3.connect(path)
    rows: List[Row] = []

    def lookup(c: sqlite3.Connection, i: int) -> Any:
        return c.execute(PK_SQL, (pk(i),)).fetchone()

    @logq.log_queries
    def logged(query: str, params: Any) -> Any:
        return conn.execute(query, params).fetchone()

    logger = logging.getLogger("decorators.log_queries")
    logger.propagate = False
    logger.addHandler(logging.StreamHandler(open(os.devnull, "w")))
    for level, label in ((logging.INFO, "line written to a handler"),
                         (logging.WARNING, "logger above INFO")):
        logger.setLevel(level)
        rows.append((f"log_queries ({label})",
                     *compare(lambda i: lookup(conn, i),
                              lambda i: logged(PK_SQL, (pk(i),)),
                              calls, rounds)))

    def open_lookup_close(i: int) -> Any:
        c = sqlite3.connect(path)
        try:
            return lookup(c, i)
        finally:
            c.close()

    @conn_mod.with_db_connection
    def connected(c: sqlite3.Connection, i: int) -> Any:
        return lookup(c, i)

    rows.append(("with_db_connection (open + lookup + close)",
                 *compare(open_lookup_close, connected, calls, rounds)))

    @tx.transactional
    def in_transaction(c: sqlite3.Connection, i: int) -> Any:
        return lookup(c, i)

    def lookup_commit(i: int) -> Any:
        row = lookup(conn, i)
        conn.commit()
        return row

    rows.append(("transactional (lookup + commit)",
                 *compare(lookup_commit, lambda i: in_transaction(conn, i),
                          calls, rounds)))

    @retry.retry_on_failure(retries=3, delay=1)
    def retried(c: sqlite3.Connection, i: int) -> Any:
        return lookup(c, i)

    rows.append(("retry_on_failure (no failure)",
                 *compare(lambda i: lookup(conn, i),
                          lambda i: retried(conn, i), calls, rounds)))

    @cache.cache_query
    def cached(c: sqlite3.Connection, query: str) -> Any:
        return c.execute(query).fetchone()

    def literal(i: int) -> str:
        return f"SELECT * FROM users WHERE id = {pk(i)}"

    rows.append(("cache_query miss (lookup + store + evict)",
                 *compare(lambda i: conn.execute(literal(i)).fetchone(),
                          lambda i: cached(conn, literal(i)),
                          calls, rounds)))
    cache.cache_clear()
    rows.append(("cache_query hit (vs the lookup it saves)",
                 *compare(lambda i: conn.execute(literal(i % 50)).fetchone(),
                          lambda i: cached(conn, literal(i % 50)),
                          calls, rounds)))
    conn.close()
    return rows


def miss_and_hit(size: int, calls: int, rounds: int) -> Row:
    """Best seconds per miss and per hit of fetch_users_with_cache(ALL)."""
    users_db.configure(database=database(size))
    func = cache.fetch_users_with_cache
    best_miss = best_hit = float("inf")
    for _round in range(rounds):
        spent = 0.0
        for _ in range(calls):
            func.cache_clear()
            start = time.perf_counter()
            func(query=ALL_SQL)
            spent += time.perf_counter() - start
        best_miss = min(best_miss, spent / calls)
        start = time.perf_counter()
        for _ in range(calls * 20):
            func(query=ALL_SQL)
        best_hit = min(best_hit, (time.perf_counter() - start) / (calls * 20))
    return (f"fetch_users_with_cache, {size:,} rows: miss, then hit",
            best_miss, best_hit)


def show(rows: List[Row]) -> None:
    """Print the table in microseconds."""
    print(f"{'case':<52} {'plain us':>10} {'decorated':>10} {'added us':>9}")
    for name, plain, decorated in rows:
        print(f"{name:<52} {plain * 1e6:>10.1f} {decorated * 1e6:>10.1f} "
              f"{(decorated - plain) * 1e6:>+9.1f}")


def main() -> int:
    """Run every measurement and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=400,
                        help="alternating rounds per pair (best kept)")
    parser.add_argument("--calls", type=int, default=10,
                        help="calls per round")
    args = parser.parse_args()
    print(f"python {sys.version.split()[0]}, SQLite {sqlite3.sqlite_version};"
          f" best of {args.rounds} rounds of {args.calls} calls")
    rows = overhead_rows(database(1000), args.calls, args.rounds)
    rows.append(miss_and_hit(1000, 50, 5))
    rows.append(miss_and_hit(100_000, 2, 5))
    show(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
