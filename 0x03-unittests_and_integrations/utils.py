#!/usr/bin/env python3
"""Small helpers behind the GitHub organisation client.

``access_nested_map`` walks a path of keys through nested mappings,
``get_json`` fetches a URL and decodes its JSON body, and ``memoize`` turns
a method into a property that is computed once per instance.
"""
from collections import abc
from functools import wraps
from typing import Any, Callable, Mapping, Sequence, TypeVar

import requests

__all__ = ["access_nested_map", "get_json", "memoize"]

T = TypeVar("T")


def access_nested_map(nested_map: Mapping, path: Sequence) -> Any:
    """Return the value reached by following the keys of path in nested_map.

    An empty path returns nested_map itself.  A missing key raises the
    native ``KeyError(key)``; a key applied to a value that is not a Mapping
    (a number, a string, a list, None) raises ``KeyError(key)`` too, so the
    error always names the first key that could not be followed.
    """
    value = nested_map
    for key in path:
        if not isinstance(value, abc.Mapping):
            raise KeyError(key)
        value = value[key]
    return value


def get_json(url: str) -> Any:
    """Send an HTTP GET to url and return the decoded JSON body.

    The call is exactly ``requests.get(url)``, and ``requests.get`` is looked
    up when the function runs, so patching either ``requests.get`` or
    ``utils.requests.get`` replaces it.  HTTP error statuses are not raised:
    GitHub answers them with a JSON body (``{"message": "Not Found"}``) and
    that body is returned like any other.
    """
    response = requests.get(url)
    return response.json()


def memoize(fn: Callable[[Any], T]) -> property:
    """Turn the method fn into a property computed once per instance.

    The first read calls ``fn(self)`` and stores the result on the instance
    under ``"_" + fn.__name__``; later reads return the stored value, even
    when it is falsy or None.  If fn raises, nothing is stored and the next
    read calls it again.  The getter keeps fn's name and docstring.
    """
    attr_name = "_" + fn.__name__

    @wraps(fn)
    def memoized(self: Any) -> T:
        """Return the stored result, calling the method on the first read."""
        if not hasattr(self, attr_name):
            setattr(self, attr_name, fn(self))
        return getattr(self, attr_name)

    return property(memoized)
