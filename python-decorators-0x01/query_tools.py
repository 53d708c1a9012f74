#!/usr/bin/env python3
"""What the decorators need to know about a call's SQL.

* :func:`sql_of` finds the SQL of a call: the ``query`` keyword, else the
  first positional argument that is a string (so ``f(query)`` and
  ``f(conn, query)`` both work, with no signature inspection).
* :func:`is_read_query` says whether a statement only reads (``SELECT``,
  ``VALUES``, or ``WITH`` without a data-changing statement), which is what
  the cache may keep.
"""
import re
from functools import lru_cache
from typing import Any, Dict, Optional, Sequence

# Leading whitespace, comments and opening parentheses before the keyword.
_LEADING_NOISE = re.compile(r"^(?:\s+|--[^\n]*|/\*.*?\*/|\()*", re.DOTALL)
_WRITE_WORDS = re.compile(r"\b(?:INSERT|UPDATE|DELETE|REPLACE)\b",
                          re.IGNORECASE)
_STRINGS = re.compile(r"'(?:[^']|'')*'")


def sql_of(args: Sequence[Any], kwargs: Dict[str, Any]) -> Optional[str]:
    """Return the SQL text of a call, or None when it has none.

    The SQL is the ``query`` keyword argument when there is one, else the
    first positional argument that is a ``str``.
    """
    if "query" in kwargs:
        sql = kwargs["query"]
        return sql if isinstance(sql, str) else None
    for value in args:
        if isinstance(value, str):
            return value
    return None


@lru_cache(maxsize=1024)
def is_read_query(sql: str) -> bool:
    """Say whether ``sql`` only reads data (and so may be cached).

    ``SELECT`` and ``VALUES`` read; ``WITH`` reads unless the statement
    after the common table expressions writes (any INSERT, UPDATE, DELETE
    or REPLACE keyword outside a string literal counts as a write: when in
    doubt, do not cache).  Everything else (DML, DDL, PRAGMA, ...) writes.
    The answer for each SQL string is remembered (1024 of them).
    """
    body = _LEADING_NOISE.sub("", sql)
    first = body.split(None, 1)[0].upper() if body.strip() else ""
    if first in ("SELECT", "VALUES"):
        return True
    if first == "WITH":
        return not _WRITE_WORDS.search(_STRINGS.sub("''", body))
    return False
