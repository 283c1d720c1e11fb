"""Readable URLs: an ad's title (Russian, Kazakh or English) as a Latin slug.

Django's `slugify` (without allow_unicode) drops every Cyrillic letter, so the title is
transliterated: Russian by the common passport-style table (щ = shch, ю = yu), the nine
Kazakh letters to their nearest Latin (ә = a, ғ = g, қ = q, ң = n, ө = o, ұ = u, ү = u, һ = h,
і = i). The slug is decoration: the ad is found by its id, and a wrong or old slug answers 301
to the current one, so a title change never breaks a link.
"""

import re
import unicodedata

MAX_LENGTH = 60

_TABLE = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh",
    "з": "z", "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o",
    "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts",
    "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu",
    "я": "ya",
    "ә": "a", "ғ": "g", "қ": "q", "ң": "n", "ө": "o", "ұ": "u", "ү": "u", "һ": "h", "і": "i",
}  # fmt: skip
_TRANSLATE = str.maketrans(_TABLE)
_SEPARATORS = re.compile(r"[^a-z0-9]+")


def transliterate(text: str) -> str:
    """Cyrillic (Russian and Kazakh) letters to Latin; the rest as it was, lower-cased."""
    return text.lower().translate(_TRANSLATE)


def slug_of(title: str) -> str:
    """`Велосипед Stels 26"` -> `velosiped-stels-26`; at most MAX_LENGTH characters, cut at a
    word boundary; "" when nothing Latin-writable is left (emoji only). Like Django's slugify
    but quicker (the sitemap makes thousands at a time): other accented letters lose their
    accents, and every run of other characters becomes one hyphen."""
    text = title.lower().translate(_TRANSLATE)
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = _SEPARATORS.sub("-", text).strip("-")
    if len(slug) > MAX_LENGTH:
        cut = slug[: MAX_LENGTH + 1]
        slug = cut.rsplit("-", 1)[0] if "-" in cut else slug[:MAX_LENGTH]
    return slug
