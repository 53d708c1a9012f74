"""A JSON parser that refuses text no database can store."""
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


def _check(value) -> None:
    """Raise ParseError if any string inside value is not valid UTF-8 text."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                raise ParseError("JSON strings must be valid Unicode "
                                 "(lone surrogate escapes are refused).") from None
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


class StrictJSONParser(JSONParser):
    """DRF's JSON parser plus a check for lone surrogates such as ``"\\ud800"``.

    Python's json module accepts them, but they cannot be encoded to UTF-8,
    so they would fail later inside the database driver with a 500.
    """

    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        _check(data)
        return data
