#!/usr/bin/env python3
"""Make N primary-key lookups one way, for instruction counting.

Not a benchmark of its own (``make bench`` runs only ``bench_*.py``): run it
under valgrind, twice with different N, and divide the difference, to get
deterministic per-call instruction and L1-data-miss counts::

    valgrind --tool=cachegrind --cache-sim=yes \\
        --cachegrind-out-file=/dev/null python bench/stack_calls.py full 2000

Variants: ``hand`` (connect, query, commit, close written out), ``conn``
(``@with_db_connection``), ``full`` (``@with_db_connection
@retry_on_failure @transactional @cache_query``, every call a cache miss).
"""
import importlib
import os
import sqlite3
import sys
from typing import Any, Callable, Dict

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

import users_db  # noqa: E402

conn_mod = importlib.import_module("1-with_db_connection")
tx = importlib.import_module("2-transactional")
retry = importlib.import_module("3-retry_on_failure")
cache = importlib.import_module("4-cache_query")

SQL = "SELECT * FROM users WHERE id = ?"


def variants(path: str) -> Dict[str, Callable[[str, Any], Any]]:
    """The ways of making one lookup, by name."""
    def hand(query: str, params: Any) -> Any:
        conn = sqlite3.connect(path)
        try:
            row = conn.execute(query, params).fetchone()
            conn.commit()
            return row
        finally:
            conn.close()

    @conn_mod.with_db_connection
    def conn(c: sqlite3.Connection, query: str, params: Any) -> Any:
        return c.execute(query, params).fetchone()

    @conn_mod.with_db_connection
    @retry.retry_on_failure(retries=3, delay=1)
    @tx.transactional
    @cache.cache_query
    def full(c: sqlite3.Connection, query: str, params: Any) -> Any:
        return c.execute(query, params).fetchone()

    return {"hand": hand, "conn": conn, "full": full}


def main() -> int:
    """Run ``argv[2]`` lookups with variant ``argv[1]`` on a 1,000-row db."""
    name, calls = sys.argv[1], int(sys.argv[2])
    bench = importlib.import_module("bench_decorators")
    path = bench.database(1000)
    users_db.configure(database=path)
    func = variants(path)[name]
    for i in range(calls):
        func(SQL, (i % 1000 + 1,))  # 1,000 ids > 256 cached: always a miss
    return 0


if __name__ == "__main__":
    sys.exit(main())
