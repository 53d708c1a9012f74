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

import prodev_db


def stream_users():
    """Yield every user_data row as a dict, fetching STREAM_BATCH at a time.

    Yields dicts with the keys user_id (str), name (str), email (str) and
    age (int).  Raises prodev_db.ProdevConnectionError (at the first next())
    when the database cannot be reached.
    """
    with prodev_db.streaming_cursor(prodev_db.USERS_SQL) as cursor:
        while True:
            rows = cursor.fetchmany(prodev_db.STREAM_BATCH)
            if not rows:
                return
            yield from prodev_db.as_dicts(cursor.column_names, rows)


class _CallableModule(types.ModuleType):
    """(compat) Calling the module calls ``stream_users()``."""

    def __call__(self):
        return stream_users()


sys.modules[__name__].__class__ = _CallableModule
