#!/usr/bin/env python3
"""Task 1: fetch user_data in batches and filter users older than 25.

``stream_users_in_batches(batch_size)`` yields lists of at most
``batch_size`` row dicts, one ``fetchmany`` each, so only one batch is ever
in memory.  ``batch_processing(batch_size)`` prints each user with
``age > 25``, one dict per line.
"""
import prodev_db


def stream_users_in_batches(batch_size):
    """Yield lists of up to batch_size (int) user_data rows, as dicts.

    Each dict has the keys user_id, name, email and age (an int).  The
    connection closes when the generator ends or is closed.  Raises
    ValueError at the first next() when batch_size is not a positive int,
    and prodev_db.ProdevConnectionError when the database is unreachable.
    """
    prodev_db.positive_int("batch_size", batch_size)
    with prodev_db.streaming_cursor(prodev_db.USERS_SQL) as cursor:
        while True:
            rows = cursor.fetchmany(batch_size)
            if not rows:
                return
            yield prodev_db.as_dicts(cursor.column_names, rows)


def batch_processing(batch_size):
    """Print every user older than 25, one dict per line; return None.

    batch_size (int) is the number of rows fetched at a time.
    """
    for batch in stream_users_in_batches(batch_size):
        for user in batch:
            if user["age"] > 25:
                print(user)
