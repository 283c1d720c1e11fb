"""The automatic rules an ad meets when its seller posts or edits it.

Each rule is a function that looks at one thing (the text, the price, the photos) and returns
its hits; `listing_hits` runs the ones that apply and `moderation.services.listing_screen` turns
every hit into an open ListingFlag, which puts the ad on review. The duplicate check is not a
hold but a refusal, made by listings.services before the ad exists (`duplicate_of`).
"""

import functools
import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.postgres.search import TrigramSimilarity
from django.db import connection
from django.utils import timezone

from listings.models import Listing, ListingImage
from moderation.models import BannedWord, ListingFlag
from zattar.text import as_cyrillic_words, domain_parts_extractor, is_own, unmasked

Code = ListingFlag.Code


@dataclass(frozen=True)
class Hit:
    """One reason to hold an ad: the rule's code, what it found, and the ad it copies."""

    code: str
    detail: str = ""
    original: Listing | None = None


# --- Banned words ----------------------------------------------------------------------------


def normalise(text: str) -> str:
    """Case-folded, with ё written as е (Russian writes both for the same word), and without
    the tricks that hide a word from a filter but not from a reader (zattar.text)."""
    return as_cyrillic_words(unmasked(text).casefold()).replace("ё", "е")


@functools.lru_cache(maxsize=8)
def _banned_pattern(words: tuple[str, ...]) -> re.Pattern | None:
    """One regular expression for the whole list, compiled once per version of the list.

    A word matches whole: not preceded or followed by a letter or digit of any alphabet
    (Python's \\w is Unicode: Cyrillic and the Kazakh letters әғқңөұүһі are letters). A
    phrase matches with any spacing; a word ending in `*` matches every word it begins."""
    parts = []
    for word in sorted({normalise(w).strip() for w in words if w.strip()}, key=len, reverse=True):
        prefix = word.endswith("*")
        body = r"\s+".join(re.escape(piece) for piece in word.rstrip("*").split())
        if body:
            parts.append(body + (r"\w*" if prefix else ""))
    if not parts:
        return None
    return re.compile(r"(?<!\w)(?:" + "|".join(parts) + r")(?!\w)")


def banned_word_hits(text: str) -> list[Hit]:
    # The list is short and read on every screening (one small query), so an edit in the admin
    # takes effect at once in every process; the compiled pattern is cached per list.
    words = tuple(BannedWord.objects.order_by("pk").values_list("word", flat=True))
    pattern = _banned_pattern(words)
    if pattern is None:
        return []
    found = dict.fromkeys(m.group(0) for m in pattern.finditer(normalise(text)))
    return [Hit(Code.BANNED_WORD, ", ".join(found)[:300])] if found else []


# --- Links, e-mail addresses and phone numbers -----------------------------------------------


EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
# A word with dots in it: a domain if its last part is a known public suffix (site.kz, t.me).
DOTTED = re.compile(r"(?<![\w@.])[\w-]+(?:\.[\w-]+)+(?:/\S*)?")
# The suffixes near Kazakhstan that a domain written in capitals ends with (not .NET: ASP.NET).
SHOUTED_SUFFIXES = frozenset({"kz", "ru", "com", "рф", "қаз", "su", "uz", "kg", "by", "me"})
SEP = r"[\s.\-]*"
# +7 701 123 45 67, 8 (701) 123-45-67, 87011234567, 8.701.123.45.67, 701 123 4567: an optional
# country or trunk prefix, then three, three, two and two digits, with spaces, dashes, dots or
# brackets between the groups. Without a prefix the number must start as a Kazakh (7xx) or a
# Russian mobile (9xx) does, so prices ("150 000 ₸"), years and sizes do not match.
PHONE = re.compile(
    rf"(?<![\d+])(?:(?:\+\s*7|8|7){SEP}\(?\s*\d{{3}}|\(?[79]\d{{2}}){SEP}\)?"
    rf"{SEP}\d{{3}}{SEP}\d{{2}}{SEP}\d{{2}}(?!\d)"
)
# The same number written one digit at a time: "8 7 0 1 1 2 3 4 5 6 7", "8-7-0-1-...".
SPELLED_PHONE = re.compile(r"(?<![\d+])\+?\d(?:[\s.\-()]{1,3}\d){9,10}(?!\d)")
# A Telegram (or Instagram) name: "@ivan_shop", not inside an e-mail address (those are caught
# first); at least five characters, as Telegram requires.
HANDLE = re.compile(r"(?<![\w@.])@[A-Za-z][A-Za-z0-9_]{4,31}(?!\w)")


def _is_phone_digits(digits: str) -> bool:
    if len(digits) == 11:
        return digits[0] in "78"
    return len(digits) == 10 and digits[0] in "79"


def _is_foreign_domain(token: str) -> bool:
    host = token.split("/", 1)[0].strip(".-")
    parts = host.split(".")
    if not any(c.isalpha() for c in parts[0]):
        return False
    # "отличное.Продаю", "ASP.NET": a missing space after a full stop or a name, not a web
    # address; but "SHOP.KZ" written in capitals still is one.
    if parts[-1][:1].isupper() and not (host.isupper() and parts[-1].lower() in SHOUTED_SUFFIXES):
        return False
    found = domain_parts_extractor()(host.lower())
    if not (found.domain and found.suffix):
        return False
    return not is_own(host.lower())


def _is_own_url(url: str) -> bool:
    host = re.sub(r"^(?:https?://)?(?:www\.)?", "", url, flags=re.IGNORECASE)
    host = host.split("/", 1)[0].split("?", 1)[0].split(":", 1)[0].lower()
    return is_own(host)


def contact_hits(text: str) -> list[Hit]:
    """Links to other sites, e-mail addresses and phone numbers: on Zattar the contact is the
    chat (and, for a verified phone, the seller's "show phone")."""
    found: list[str] = []
    rest = unmasked(text)
    found += [m.group(0) for m in EMAIL.finditer(rest)]
    rest = EMAIL.sub(" ", rest)
    found += [m.group(0) for m in URL.finditer(rest) if not _is_own_url(m.group(0))]
    rest = URL.sub(" ", rest)
    found += [m.group(0) for m in DOTTED.finditer(rest) if _is_foreign_domain(m.group(0))]
    found += [m.group(0) for m in HANDLE.finditer(rest)]
    phones = [m.group(0) for m in PHONE.finditer(rest)]
    rest = PHONE.sub(" ", rest)
    phones += [
        m.group(0)
        for m in SPELLED_PHONE.finditer(rest)
        if _is_phone_digits(re.sub(r"\D", "", m.group(0)))
    ]
    found += [" ".join(p.split()) for p in phones]
    return [Hit(Code.CONTACTS, ", ".join(dict.fromkeys(found))[:300])] if found else []


# --- Price -------------------------------------------------------------------------------------


def category_price_sample(*, category_id: int, exclude_id: int | None = None) -> tuple[int, float]:
    """How many recent priced active ads the leaf category has, and their median price: over
    the newest PRICE_CHECK_MAX_SAMPLE of the last PRICE_CHECK_DAYS days (an index-only scan of
    listing_active_cat_new, which carries the price)."""
    since = timezone.now() - timedelta(days=settings.PRICE_CHECK_DAYS)
    table = Listing._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT count(*), percentile_cont(0.5) WITHIN GROUP (ORDER BY price)
            FROM (
                SELECT price FROM {table}
                WHERE status = %s AND category_id = %s AND published_at >= %s
                  AND price > 0 AND id <> %s
                ORDER BY published_at DESC, id DESC
                LIMIT %s
            ) recent
            """,
            [
                Listing.Status.ACTIVE,
                category_id,
                since,
                exclude_id or 0,
                settings.PRICE_CHECK_MAX_SAMPLE,
            ],
        )
        count, median = cursor.fetchone()
    return count, float(median or 0)


def price_hits(listing: Listing) -> list[Hit]:
    if listing.price == 0:  # free is a price of its own, never an outlier
        return []
    count, median = category_price_sample(category_id=listing.category_id, exclude_id=listing.pk)
    if count < settings.PRICE_CHECK_MIN_SAMPLE or median <= 0:
        return []
    factor = settings.PRICE_CHECK_FACTOR
    if median / factor <= listing.price <= median * factor:
        return []
    return [Hit(Code.PRICE, f"{listing.price} ₸; median {round(median)} ₸ of {count} ads")]


# --- Photos ------------------------------------------------------------------------------------


def photo_copy_hits(*, seller_id: int, photo_hashes: Iterable[int | None]) -> list[Hit]:
    """A photo whose perceptual hash is already on another seller's ad: the earliest such ad
    is the original (its owner is credited and left alone); this ad is the copy."""
    hashes = {h for h in photo_hashes if h is not None}
    if not hashes:
        return []
    earlier = (
        ListingImage.objects.filter(phash__in=hashes)
        .exclude(listing__seller_id=seller_id)
        .select_related("listing")
        .order_by("created_at", "id")
    )
    originals: dict[int, Listing] = {}
    for image in earlier:
        originals.setdefault(image.phash, image.listing)
    first = {listing.pk: listing for listing in originals.values()}
    return [Hit(Code.PHOTO_COPY, f"#{pk}: {ad.title}"[:300], ad) for pk, ad in first.items()]


# --- Duplicates (a refusal, not a hold) -------------------------------------------------------


def duplicate_of(*, seller_id: int, title: str, description: str) -> Listing | None:
    """The seller's own active or held ad that this title and description nearly repeat
    (pg_trgm similarity of each at least DUPLICATE_SIMILARITY; pg_trgm ignores letter case and
    punctuation), or None. Titles are short: they are compared first, and only the few ads
    with a similar title have their long descriptions compared (a seller may have a thousand
    ads; comparing every description took 50 ms, see `python -m bench rules`)."""
    threshold = settings.DUPLICATE_SIMILARITY
    own = Listing.objects.filter(
        seller_id=seller_id, status__in=[Listing.Status.ACTIVE, Listing.Status.ON_REVIEW]
    )
    similar_titles = list(
        own.annotate(title_similarity=TrigramSimilarity("title", " ".join(title.split())))
        .filter(title_similarity__gte=threshold)
        .values_list("pk", flat=True)[:50]
    )
    if not similar_titles:
        return None
    return (
        Listing.objects.filter(pk__in=similar_titles)
        .annotate(text_similarity=TrigramSimilarity("description", " ".join(description.split())))
        .filter(text_similarity__gte=threshold)
        .order_by("-text_similarity", "-created_at")
        .first()
    )


# --- All of them -------------------------------------------------------------------------------

TEXT_FIELDS = frozenset({"title", "description"})
PRICE_FIELDS = frozenset({"price", "category"})


def listing_hits(
    listing: Listing,
    *,
    photo_hashes: Iterable[int | None] = (),
    changed: Collection[str] | None = None,
) -> list[Hit]:
    """Every rule's hits for the ad. `changed` names the fields an edit changed (None: a new or
    resubmitted ad, every rule runs): an edit is checked on what it changed, so an ad a
    moderator approved is not held again for what he saw. `photo_hashes`: the new photos."""
    hits: list[Hit] = []
    if changed is None or TEXT_FIELDS & set(changed):
        text = f"{listing.title}\n{listing.description}"
        hits += banned_word_hits(text)
        hits += contact_hits(text)
    if changed is None or PRICE_FIELDS & set(changed):
        hits += price_hits(listing)
    hits += photo_copy_hits(seller_id=listing.seller_id, photo_hashes=photo_hashes)
    return hits
