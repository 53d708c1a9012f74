#!/usr/bin/env python3
"""Keyset pagination of user_data: each page continues after a user_id.

``lazy_paginate`` (task 2) pages with OFFSET, which makes the server skip
every row before the page: a full scan of N rows costs O(N^2).  Here each
page is a primary-key range, ``WHERE user_id > last ORDER BY user_id LIMIT
n``, so every page costs the same wherever it is.
"""
from typing import Any, Iterator, List, Optional

import prodev_db

FIRST_PAGE = (f"{prodev_db.USERS_SQL} ORDER BY user_id LIMIT %s")
NEXT_PAGE = (f"{prodev_db.USERS_SQL} WHERE user_id > %s "
             "ORDER BY user_id LIMIT %s")


def paginate_users_after(page_size: int, last_user_id: Optional[str] = None,
                         connection: Any = None) -> List[dict]:
    """Return up to ``page_size`` rows with ``user_id > last_user_id``.

    Pages follow ``user_id`` order; pass the last ``user_id`` of a page to
    get the next one (None for the first page).  Reuses ``connection`` when
    given, else opens and closes one.  Rows are dicts, ages ints.
    """
    if last_user_id is None:
        sql, params = FIRST_PAGE, (page_size,)
    else:
        sql, params = NEXT_PAGE, (last_user_id, page_size)
    own = connection is None
    if own:
        connection = prodev_db.connect(int_ages=False)
    try:
        cursor = connection.cursor()
        cursor.execute(sql, params)
        rows = cursor.fetchall()   # bounded by LIMIT
        columns = cursor.column_names
        cursor.close()
        return prodev_db.as_dicts(columns, rows)
    finally:
        if own:
            connection.close()


def lazy_paginate_keyset(page_size: int) -> Iterator[List[dict]]:
    """Yield pages of up to ``page_size`` rows in ``user_id`` order.

    Like ``lazy_paginate``, each page is fetched when asked and the
    generator stops at the first empty page; all pages share one autocommit
    connection, closed when the generator ends or is closed.  Raises
    ValueError at the first next() when page_size is not a positive int.
    """
    prodev_db.positive_int("page_size", page_size)
    connection = prodev_db.connect(int_ages=False, autocommit=True)
    try:
        last_user_id = None
        while True:
            page = paginate_users_after(page_size, last_user_id, connection)
            if not page:
                return
            yield page
            last_user_id = page[-1]["user_id"]
    finally:
        prodev_db.close_quietly(connection)
