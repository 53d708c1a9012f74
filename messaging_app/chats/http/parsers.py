"""A JSON parser that refuses text no database can store and nesting no code needs."""
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

# No request body of this API nests deeper than a few levels.
MAX_DEPTH = 32


def _check(value) -> None:
    """Raise ParseError if value nests deeper than MAX_DEPTH or holds a string
    that is not valid UTF-8 text."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                raise ParseError("JSON strings must be valid Unicode "
                                 "(lone surrogate escapes are refused).") from None
        elif isinstance(item, dict | list):
            if depth > MAX_DEPTH:
                raise ParseError(f"JSON nested deeper than {MAX_DEPTH} levels is refused.")
            children = [*item.keys(), *item.values()] if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)


class StrictJSONParser(JSONParser):
    """DRF's JSON parser, plus a 400 for lone surrogates such as ``"\\ud800"``
    and for deep nesting.

    Python's json module accepts lone surrogates, but they cannot be encoded
    to UTF-8, so they would fail later inside the database driver with a
    500; it raises RecursionError (not ValueError, which DRF turns into a
    400) on about a thousand nested brackets.
    """

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(f"JSON nested deeper than {MAX_DEPTH} levels is refused.") from None
        _check(data)
        return data
