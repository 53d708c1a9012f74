seed = __import__('seed')
prodev_db = __import__('prodev_db')

# Task 2: lazily paginate user_data, one page per request.
#
# paginate_users(page_size, offset) is the curriculum's OFFSET page, read on
# a connection of its own from seed.connect_to_prodev() (ages come back as
# int).  lazy_paginate(page_size) fetches the next page only when asked, from
# offset 0, and stops at the first empty page.  OFFSET makes the server skip
# `offset` rows for every page, so a full scan costs quadratic time;
# keyset_paginate.py pages by user_id instead, at a constant cost per page.


def paginate_users(page_size, offset):
    """Return up to page_size (int) rows starting at row offset (int).

    The rows are dicts with the keys user_id, name, email and age (an int).
    Raises prodev_db.ProdevConnectionError when the database cannot be
    reached (seed.connect_to_prodev() has printed why).
    """
    connection = seed.connect_to_prodev()
    if connection is None:
        raise prodev_db.ProdevConnectionError("cannot connect",
                                              reported=True)
    try:
        cursor = connection.cursor(dictionary=True)
        cursor.execute("SELECT * FROM user_data LIMIT %s OFFSET %s",
                       (page_size, offset))
        rows = cursor.fetchall()   # bounded by LIMIT
        cursor.close()
        return rows
    finally:
        connection.close()


def lazy_paginate(page_size):
    """Yield pages of up to page_size (int) rows, each fetched when asked.

    Each page is paginate_users(page_size, offset), from offset 0; the
    generator stops at the first empty page.  Raises ValueError at the
    first next() when page_size is not a positive int.
    """
    prodev_db.positive_int("page_size", page_size)
    offset = 0
    while True:
        page = paginate_users(page_size, offset)
        if not page:
            return
        yield page
        offset += page_size


# (compat) the official 3-main.py imports this name.
lazy_pagination = lazy_paginate
