#!/usr/bin/env python3
"""Helpers the decorators share: find the SQL in a call, normalise it,
classify it.

* :func:`sql_getter` looks at a function's signature once and returns a fast
  ``(args, kwargs) -> (sql, params)`` extractor: the SQL is the ``query``
  argument (keyword or positional), else the positional argument at
  ``default_index``; the bound parameters are the ``params`` / ``parameters``
  argument when the function has one, else ``()``.
* :func:`normalize_sql` collapses whitespace outside string literals and drops
  trailing semicolons, so ``"SELECT *\\n  FROM users;"`` and
  ``"SELECT * FROM users"`` are one cache key and one log line.
* :func:`is_read_query` says whether a statement only reads (``SELECT``,
  ``VALUES``, or ``WITH`` without a data-changing statement).
* :func:`freeze` turns call arguments (bound parameters and the like) into
  hashable cache-key parts.
"""
import inspect
import re
from functools import lru_cache
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

SqlCall = Tuple[Optional[str], Any]
Extractor = Callable[[Sequence[Any], Dict[str, Any]], SqlCall]

_POSITIONAL = (inspect.Parameter.POSITIONAL_ONLY,
               inspect.Parameter.POSITIONAL_OR_KEYWORD)
_PARAM_NAMES = ("params", "parameters")

# A string literal, a quoted identifier, or a run of whitespace/comments.
_TOKENS = re.compile(r"""
    '(?:[^']|'')*'          # 'string literal'
  | "(?:[^"]|"")*"          # "quoted identifier"
  | `[^`]*`                 # `quoted identifier`
  | \[[^\]]*\]              # [quoted identifier]
  | (?:\s+|--[^\n]*|/\*.*?\*/)+   # run of whitespace and comments
""", re.VERBOSE | re.DOTALL)
_LEADING_NOISE = re.compile(r"^(?:\s+|--[^\n]*|/\*.*?\*/|\()*", re.DOTALL)
_WRITE_WORDS = re.compile(r"\b(?:INSERT|UPDATE|DELETE|REPLACE)\b",
                          re.IGNORECASE)
_STRINGS = re.compile(r"'(?:[^']|'')*'")


def query_position(func: Callable[..., Any],
                   default_index: int = 0) -> Optional[int]:
    """Return the positional index of ``func``'s SQL argument, or ``None``.

    That is the index of the ``query`` parameter when ``func`` has one (None
    if it is keyword-only), else ``default_index``.
    """
    try:
        parameters = list(inspect.signature(func).parameters.values())
    except (TypeError, ValueError):
        return default_index
    positional = [p.name for p in parameters if p.kind in _POSITIONAL]
    if "query" in positional:
        return positional.index("query")
    if any(p.name == "query" for p in parameters):
        return None
    return default_index


def positional_names(func: Callable[..., Any]) -> List[str]:
    """Return the names of ``func``'s positional parameters, in order."""
    try:
        parameters = inspect.signature(func).parameters.values()
    except (TypeError, ValueError):
        return []
    return [p.name for p in parameters if p.kind in _POSITIONAL]


def sql_getter(func: Callable[..., Any], default_index: int = 0) -> Extractor:
    """Return a function pulling ``(sql, params)`` out of a call to ``func``.

    The signature is inspected here, once, so each call costs a few lookups.
    ``sql`` is ``None`` when the call carries no string SQL.
    """
    query_index = query_position(func, default_index)
    try:
        names = list(inspect.signature(func).parameters)
    except (TypeError, ValueError):
        names = []
    positional = positional_names(func)
    params_name = next((n for n in _PARAM_NAMES if n in names), None)
    params_index = (positional.index(params_name)
                    if params_name in positional else None)

    def extract(args: Sequence[Any], kwargs: Dict[str, Any]) -> SqlCall:
        if "query" in kwargs:
            sql = kwargs["query"]
        elif query_index is not None and len(args) > query_index:
            sql = args[query_index]
        else:
            sql = None
        if params_name is not None and params_name in kwargs:
            params = kwargs[params_name]
        elif params_index is not None and len(args) > params_index:
            params = args[params_index]
        else:
            params = ()
        return (sql if isinstance(sql, str) else None), params

    return extract


@lru_cache(maxsize=1024)
def classify(sql: str) -> Tuple[str, bool]:
    """Return ``(normalize_sql(sql), is_read_query(...))`` in one lookup."""
    normalized = normalize_sql(sql)
    return normalized, is_read_query(normalized)


@lru_cache(maxsize=1024)
def normalize_sql(sql: str) -> str:
    """Return ``sql`` on one line: whitespace runs and comments outside
    literals become one space; leading/trailing space and ``;`` are dropped.
    Case is kept (literals are case-sensitive)."""
    def replace(match: "re.Match[str]") -> str:
        token = match.group(0)
        if token[0] in "'\"`[":
            return token
        return " "
    return _TOKENS.sub(replace, sql).strip().rstrip(";").rstrip()


@lru_cache(maxsize=1024)
def is_read_query(sql: str) -> bool:
    """Say whether ``sql`` only reads data (and so may be cached).

    ``SELECT`` and ``VALUES`` read; ``WITH`` reads unless the statement after
    the common table expressions writes (any INSERT/UPDATE/DELETE/REPLACE
    keyword outside a string literal makes it count as a write: when in
    doubt, do not cache).  Everything else (DML, DDL, PRAGMA, ...) is a write.
    """
    body = _LEADING_NOISE.sub("", sql)
    first = body.split(None, 1)[0].upper() if body.strip() else ""
    if first in ("SELECT", "VALUES"):
        return True
    if first == "WITH":
        return not _WRITE_WORDS.search(_STRINGS.sub("''", body))
    return False


def freeze(value: Any) -> Any:
    """Return a hashable stand-in for ``value`` (for cache keys).

    Hashable values are returned as they are; lists and tuples become tuples
    of frozen items, mappings ``(dict, sorted (name, value) pairs)`` (so
    named parameters are order-independent), sets frozensets.  Raises
    ``TypeError`` for anything else that cannot be hashed.
    """
    try:
        hash(value)
        return value
    except TypeError:
        pass
    if isinstance(value, (list, tuple)):
        return tuple(freeze(item) for item in value)
    if isinstance(value, dict):
        return (dict, tuple(sorted((key, freeze(item))
                                   for key, item in value.items())))
    if isinstance(value, (set, frozenset)):
        return frozenset(freeze(item) for item in value)
    raise TypeError(f"cannot use {type(value).__name__} in a cache key")
