"""What counts as text a person can see."""
import unicodedata

# Characters drawn as nothing that are neither whitespace nor format
# controls: a combining mark, Hangul fillers, the blank Braille pattern.
INVISIBLE = frozenset("\u034f\u115f\u1160\u3164\uffa0\u2800")
# Whitespace and the categories of invisible controls: format (zero-width
# space and joiners, the byte-order mark, the word joiner, the soft hyphen),
# control, and the separators.
INVISIBLE_CATEGORIES = frozenset({"Cf", "Cc", "Zs", "Zl", "Zp"})


def is_blank(text: str) -> bool:
    """True when text (str) has no character a reader would see."""
    return all(ch.isspace() or ch in INVISIBLE
               or unicodedata.category(ch) in INVISIBLE_CATEGORIES for ch in text)
