#!/usr/bin/env python3
"""Task 0: stream user_data rows one by one with a generator.

``stream_users()`` yields ``{'user_id', 'name', 'email', 'age'}`` dicts (age
an int) while holding at most one fetch batch in memory.  The generator owns
its connection: stopping early (``islice``, ``break``, an exception in the
consumer) closes it at once.

(compat) The official ``1-main.py`` calls the module object itself:
``stream_users = __import__('0-stream_users'); stream_users()``, so this
module is callable and returns the generator.
"""
import sys
import types
from functools import partial
from typing import Iterator

import prodev_db

# ``CAST`` in SQL gives ints on every backend and keeps mysql-connector's C
# extension on its fast conversion path (a Python converter is far slower).
USERS_SQL = ("SELECT user_id, name, email, CAST(age AS SIGNED INTEGER) AS age"
             " FROM user_data")


def stream_users() -> Iterator[dict]:
    """Yield every user_data row as a dict, fetching STREAM_BATCH at a time.

    Raises prodev_db.ProdevConnectionError when the database is unreachable.
    """
    with prodev_db.streaming_cursor(USERS_SQL) as cursor:
        as_dict = partial(zip, cursor.column_names)
        while True:
            rows = cursor.fetchmany(prodev_db.STREAM_BATCH)
            if not rows:
                return
            yield from map(dict, map(as_dict, rows))


class _CallableModule(types.ModuleType):
    """(compat) Calling the module calls ``stream_users()``."""

    def __call__(self) -> Iterator[dict]:
        return stream_users()


sys.modules[__name__].__class__ = _CallableModule
