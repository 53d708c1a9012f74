#!/usr/bin/env python3
"""Task 4: the average age of all users, computed from a stream.

``stream_user_ages()`` streams only the ``age`` column and yields ints one by
one; ``calculate_average_age()`` folds them into a sum and a count, so memory
stays flat whatever the table size, and no SQL aggregate is used.
"""
from operator import itemgetter

import prodev_db

AGES_SQL = f"SELECT {prodev_db.AGE} FROM user_data"


def stream_user_ages():
    """Yield each user's age as an int, fetching STREAM_BATCH at a time.

    Raises prodev_db.ProdevConnectionError (at the first next()) when the
    database cannot be reached.
    """
    with prodev_db.streaming_cursor(AGES_SQL) as cursor:
        while True:
            rows = cursor.fetchmany(prodev_db.STREAM_BATCH)
            if not rows:
                return
            yield from map(itemgetter(0), rows)


def calculate_average_age():
    """Return the mean age (float) of all users, 0.0 for an empty table.

    The sum is an exact int; the one division makes the float.
    """
    total = count = 0
    for age in stream_user_ages():
        total += age
        count += 1
    return total / count if count else 0.0


def average_age():
    """(compat) Print ``Average age of users: <average>`` and return it."""
    average = calculate_average_age()
    print(f"Average age of users: {average}")
    return average


# (compat) names used by other drivers for the same functions.
compute_average_age = calculate_average_age
calculate_avg_age = calculate_average_age
avg_user_age = average_age


if __name__ == "__main__":
    with prodev_db.clean_exit():
        average_age()
