"""What counts as text a person can see."""
import unicodedata

# Unicode's Default_Ignorable_Code_Point property (DerivedCoreProperties.txt,
# Unicode 15.1; Python's unicodedata does not expose it): code points a
# renderer draws as nothing when it does not support them.  Among them the
# soft hyphen, zero-width space and joiners, bidi marks, embeddings and
# isolates, variation selectors (U+FE00..FE0F, U+E0100..E01EF), Hangul
# fillers, tag characters (U+E0000..E007F) and the reserved blocks kept for
# future ones.
DEFAULT_IGNORABLE = (
    (0x00AD, 0x00AD), (0x034F, 0x034F), (0x061C, 0x061C), (0x115F, 0x1160),
    (0x17B4, 0x17B5), (0x180B, 0x180F), (0x200B, 0x200F), (0x202A, 0x202E),
    (0x2060, 0x206F), (0x3164, 0x3164), (0xFE00, 0xFE0F), (0xFEFF, 0xFEFF),
    (0xFFA0, 0xFFA0), (0xFFF0, 0xFFF8), (0x1BCA0, 0x1BCA3), (0x1D173, 0x1D17A),
    (0xE0000, 0xE0FFF),
)
# Drawn as nothing but not default-ignorable: the blank Braille pattern.
INVISIBLE = frozenset("\u2800")
# Whitespace and the categories of invisible controls: format, control, and
# the separators.
INVISIBLE_CATEGORIES = frozenset({"Cf", "Cc", "Zs", "Zl", "Zp"})


def is_default_ignorable(ch: str) -> bool:
    """True when the character ch has Unicode's Default_Ignorable_Code_Point property."""
    point = ord(ch)
    return any(low <= point <= high for low, high in DEFAULT_IGNORABLE)


def is_blank(text: str) -> bool:
    """True when text (str) has no character a reader would see: only
    whitespace, controls, format characters and default-ignorable code points."""
    return all(ch.isspace() or ch in INVISIBLE or is_default_ignorable(ch)
               or unicodedata.category(ch) in INVISIBLE_CATEGORIES for ch in text)
