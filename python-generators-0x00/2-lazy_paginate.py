seed = __import__('seed')
__doc__ = """Task 2: lazily paginate user_data, one page per request.

``paginate_users(page_size, offset)`` is the curriculum's OFFSET page;
``lazy_paginate(page_size)`` fetches the next page only when asked, from
offset 0, and stops at the first empty page.  OFFSET makes the server skip
``offset`` rows for every page (a full scan is quadratic), so
``paginate_users_after`` and ``lazy_paginate(page_size, keyset=True)`` page
by ``user_id`` instead, at a constant cost per page.
"""
from functools import partial  # noqa: E402
from typing import Any, Iterator, List, Optional  # noqa: E402

import prodev_db  # noqa: E402
from prodev_db import ProdevConnectionError  # noqa: E402

# Keyset pages: a primary-key range per page instead of skipping rows.
KEYSET_COLUMNS = ("user_id, name, email, CAST(age AS SIGNED INTEGER) AS age"
                  " FROM user_data")
KEYSET_FIRST = f"SELECT {KEYSET_COLUMNS} ORDER BY user_id LIMIT %s"
KEYSET_NEXT = (f"SELECT {KEYSET_COLUMNS} WHERE user_id > %s "
               "ORDER BY user_id LIMIT %s")


def _connect() -> Any:
    """Connect with seed.connect_to_prodev(); it reports its own errors."""
    connection = seed.connect_to_prodev()
    if connection is None:
        raise ProdevConnectionError("cannot connect", reported=True)
    return connection


def _fetch_page(sql: str, params: tuple) -> List[dict]:
    """Run one bounded page query and return its rows as dicts."""
    connection = _connect()
    try:
        cursor = connection.cursor(dictionary=True)
        cursor.execute(sql, params)
        rows = cursor.fetchall()
        cursor.close()
        return rows
    finally:
        connection.close()


def paginate_users(page_size: int, offset: int) -> List[dict]:
    """Return up to ``page_size`` rows starting at row ``offset``."""
    return _fetch_page("SELECT * FROM user_data LIMIT %s OFFSET %s",
                       (int(page_size), int(offset)))


def paginate_users_after(page_size: int, last_user_id: Optional[str] = None,
                         connection: Any = None) -> List[dict]:
    """Return up to ``page_size`` rows with ``user_id > last_user_id``.

    Pages follow ``user_id`` order; pass the last ``user_id`` of a page to
    get the next one (None for the first page).  Each page is a primary-key
    range read, whatever its position.  Reuses ``connection`` when given,
    else opens and closes one.  Ages come back as int (cast in SQL).
    """
    if last_user_id is None:
        sql, params = KEYSET_FIRST, (int(page_size),)
    else:
        sql, params = KEYSET_NEXT, (last_user_id, int(page_size))
    own = connection is None
    if own:
        connection = prodev_db.connect(int_ages=False)
    try:
        cursor = connection.cursor()
        cursor.execute(sql, params)
        names = cursor.column_names
        rows = cursor.fetchall()   # bounded by LIMIT
        cursor.close()
        return list(map(dict, map(partial(zip, names), rows)))
    finally:
        if own:
            connection.close()


def lazy_paginate(page_size: int,
                  keyset: bool = False) -> Iterator[List[dict]]:
    """Yield pages of up to ``page_size`` rows, each fetched when asked.

    Stops at the first empty page.  By default each page is
    ``paginate_users(page_size, offset)``.  ``keyset=True`` pages with
    ``paginate_users_after`` on one autocommit connection held while the
    generator lives (closed when it ends or is closed).  Raises ValueError
    for a page size below 1.
    """
    if int(page_size) < 1:
        raise ValueError(
            f"page_size must be a positive int, got {page_size!r}")
    offset, last_user_id, connection = 0, None, None
    if keyset:
        connection = prodev_db.connect(int_ages=False, autocommit=True)
    try:
        while True:
            if keyset:
                page = paginate_users_after(page_size, last_user_id,
                                            connection)
            else:
                page = paginate_users(page_size, offset)
            if not page:
                return
            yield page
            offset += page_size
            last_user_id = page[-1]["user_id"]
    finally:
        if connection is not None:
            prodev_db.close_quietly(connection)


# (compat) the official 3-main.py imports this name.
lazy_pagination = lazy_paginate
