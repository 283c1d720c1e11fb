"""Text as a person reads it, for the rules that look for words, links and numbers in what users
write: the tricks that keep a word readable but change its characters are undone first."""

import re
import unicodedata
from contextlib import suppress
from functools import cache
from urllib.parse import urlsplit

import tldextract
from django.conf import settings

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


# --- Web addresses: one public suffix list (tldextract's bundled copy) for the whole project ---

# This site's registrable domain, whatever ALLOWED_HOSTS says on a given box.
OWN_DOMAINS = frozenset({"zattar.kz"})


@cache
def domain_parts_extractor() -> tldextract.TLDExtract:
    # No cache directory and no list URLs: the bundled snapshot, read once per process.
    return tldextract.TLDExtract(cache_dir=None, suffix_list_urls=())


def decoded_host(host: str) -> str:
    """The host in Unicode: punycode labels (xn--) decoded, so look-alikes show themselves."""
    labels = []
    for label in host.lower().strip(".").split("."):
        if label.startswith("xn--"):
            with suppress(UnicodeError):  # not valid punycode: kept as written
                label = label.encode().decode("idna")
        labels.append(label)
    return ".".join(labels)


def registrable_domain(host: str) -> str:
    """`shop.kaspi.kz` -> `kaspi.kz`; empty for a host without a public suffix."""
    return domain_parts_extractor()(decoded_host(host)).top_domain_under_public_suffix


def own_hosts() -> set[str]:
    """The hosts of this site: ALLOWED_HOSTS and SITE_URL's, and their registrable domains."""
    names = {host.lstrip(".").lower() for host in settings.ALLOWED_HOSTS if host != "*"}
    names.add((urlsplit(settings.SITE_URL).hostname or "").lower())
    names |= {registrable_domain(name) for name in names}
    names.update(OWN_DOMAINS)
    names.discard("")
    return names


def is_own(host: str, own: set[str] | None = None) -> bool:
    """A host of this site (`own`: own_hosts(), when the caller checks many hosts)."""
    own = own_hosts() if own is None else own
    return host in own or registrable_domain(host) in own
