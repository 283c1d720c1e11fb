"""Text as a person reads it, for the rules that look for words, links and numbers in what users
write: the tricks that keep a word readable but change its characters are undone first."""

import re
import unicodedata

# Dots a reader takes for a full stop in a web address (ideographic, full-width, half-width).
DOTS = str.maketrans({"\u3002": ".", "\uff0e": ".", "\uff61": ".", "\u2024": "."})
# Latin letters that look like Cyrillic ones: inside a word that has Cyrillic letters too, a
# reader sees the Cyrillic word ("нaркотик" with a Latin a).
LOOK_ALIKES = str.maketrans("aceopxykmthbAСEOPXYKMTHB", "асеорхукмтнвАСЕОРХУКМТНВ")
MIXED_WORD = re.compile(r"\w*[а-яёәғқңөұүһі]\w*", re.IGNORECASE)


def unmasked(text: str) -> str:
    """NFKC (full-width digits and letters become plain ones), without the invisible format
    characters (soft hyphens, zero-width spaces and joiners), with look-alike dots as dots."""
    text = unicodedata.normalize("NFKC", text).translate(DOTS)
    return "".join(c for c in text if unicodedata.category(c) != "Cf")


def as_cyrillic_words(text: str) -> str:
    """Words mixing Cyrillic and Latin look-alike letters written all in Cyrillic."""
    return MIXED_WORD.sub(lambda m: m.group(0).translate(LOOK_ALIKES), text)
