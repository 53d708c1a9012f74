#!/usr/bin/env python3
"""Task 1: fetch user_data in batches and filter users older than 25.

``stream_users_in_batches(batch_size)`` yields lists of at most
``batch_size`` row dicts, one ``fetchmany`` each, so only one batch is ever
in memory.  ``batch_processing(batch_size)`` prints each user with
``age > 25``, one dict per line.
"""
from functools import partial
from typing import Iterator, List

import prodev_db

USERS_SQL = ("SELECT user_id, name, email, CAST(age AS SIGNED INTEGER) AS age"
             " FROM user_data")


def stream_users_in_batches(batch_size: int) -> Iterator[List[dict]]:
    """Return a generator of lists of up to ``batch_size`` user dicts.

    Raises ValueError at once for a batch size that is not a positive int.
    """
    if (not isinstance(batch_size, int) or isinstance(batch_size, bool)
            or batch_size < 1):
        raise ValueError(
            f"batch_size must be a positive int, got {batch_size!r}")
    return _batches(batch_size)


def _batches(batch_size: int) -> Iterator[List[dict]]:
    """Yield the batches; the connection closes when the generator does."""
    with prodev_db.streaming_cursor(USERS_SQL) as cursor:
        as_dict = partial(zip, cursor.column_names)
        while True:
            rows = cursor.fetchmany(batch_size)
            if not rows:
                return
            yield list(map(dict, map(as_dict, rows)))


def batch_processing(batch_size: int) -> None:
    """Print every user older than 25, one dict per line."""
    for batch in stream_users_in_batches(batch_size):
        for user in batch:
            if user["age"] > 25:
                print(user)
