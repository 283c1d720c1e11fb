"""Search over active ads, built to stay fast with a million of them.

What it does, on PostgreSQL:
- Words go through `websearch_to_tsquery('russian', q)` against the stored, trigger-kept
  `search_vector` (title weight A, description B): quoted phrases, `-word` and `or` work.
- Newest, cheapest and most expensive orders are plain `ORDER BY ... LIMIT`: the planner walks the
  matching partial index (active ads by city, category or root category, newest first; or by
  price) and filters, or, for a rare word, reads the GIN index and sorts the few matches.
- Relevance ranks a bounded candidate set: the newest `RANK_CANDIDATES` matches are fetched
  through the same index walk and only those are ranked with `ts_rank_cd`. Ranking every match of
  a common word (hundreds of thousands) is what makes naive relevance search slow.
- Counts are exact up to `EXACT_COUNT_LIMIT`; past that the planner's estimate is shown as "about
  N". Deep pages use offsets (bounded by `MAX_PAGE`); "show more" uses a keyset cursor.
- Kazakh words (written with a letter only Kazakh has) lose their plural, possessive and case
  endings and match as a prefix (`көйлектер` is `көйлек:*`): there is no Kazakh stemmer, and a
  prefix query still uses the GIN index.
- When the words find (almost) nothing, each word is rewritten into what the shopper meant: the
  nearest word of the titles' vocabulary (a small table kept by a trigger, trigram-indexed with
  pg_trgm) among the word as typed, the word in the other keyboard layout, transliterated, from a
  brand dictionary, or without its Kazakh endings (`listings.rewrites`). One query scores every
  variant against the vocabulary; the search then runs again, so "samsng galaxy" finds "Samsung
  Galaxy S21" and `dtkjcbgtl` finds "велосипед" ("showing results for ...").
"""

import base64
import json
import math
import re
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection
from django.db.models import F, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone

from chat.selectors import blocked_user_ids
from listings.models import Category, City, Listing
from listings.rewrites import (
    BRANDS,
    is_kazakh,
    kazakh_form,
    kazakh_stem,
    kazakh_stems,
    layout_swaps,
    transliterate,
)

WORD = re.compile(r"\w+", re.UNICODE)
# A Cyrillic word long enough to be matched by its stem as a prefix as well.
CYRILLIC_WORD = re.compile(r"[а-яёәғқңөұүһі]{4,}", re.IGNORECASE)
KAZAKH_PLURAL = ("лар", "лер", "дар", "дер", "тар")


def looks_kazakh(token: str) -> bool:
    """A Kazakh word: with a letter only Kazakh has, or a Kazakh plural ending on a stem of four
    letters or more (`арбалар`). Russian words are left to the Russian stemmer."""
    if not CYRILLIC_WORD.fullmatch(token):
        return False
    return is_kazakh(token) or (
        token.lower().endswith(KAZAKH_PLURAL) and len(kazakh_stem(token)) < len(token)
    )


RANK_CANDIDATES = 1000
EXACT_COUNT_LIMIT = 1000
MAX_PAGE = 100
# Fewer matches than this and the words are rewritten (when the rewrite finds more). One: only
# words that find nothing, so a rare word that does find its ad costs no extra query.
FEW_RESULTS = 1


class Ordering:
    RELEVANCE = "relevance"
    NEW = "new"
    CHEAP = "cheap"
    EXPENSIVE = "expensive"
    ALL = (RELEVANCE, NEW, CHEAP, EXPENSIVE)


@dataclass(frozen=True)
class SearchFilters:
    q: str = ""
    city: City | None = None
    category: Category | None = None
    price_min: int | None = None
    price_max: int | None = None
    condition: str = ""
    has_photos: bool = False
    ordering: str = ""
    # The signed-in viewer: the ads of people they blocked, or who blocked them, are left out.
    viewer_id: int | None = None

    @property
    def effective_ordering(self) -> str:
        if self.ordering == Ordering.RELEVANCE and not self.q:
            return Ordering.NEW
        return self.ordering or (Ordering.RELEVANCE if self.q else Ordering.NEW)


@dataclass
class SearchResult:
    items: list[Listing]
    count: int
    count_is_estimate: bool
    has_next: bool
    next_cursor: str | None = None
    corrected_query: str = ""
    page: int = 1
    page_size: int = 20
    extra: dict = field(default_factory=dict)


def filtered(filters: SearchFilters) -> QuerySet[Listing]:
    """Active ads narrowed by everything but the words."""
    qs = Listing.objects.filter(status=Listing.Status.ACTIVE)
    if filters.city is not None:
        qs = qs.filter(city=filters.city)
    if filters.category is not None:
        if filters.category.parent_id is None:
            qs = qs.filter(root_category=filters.category)
        else:
            qs = qs.filter(category=filters.category)
    if filters.price_min is not None:
        qs = qs.filter(price__gte=filters.price_min)
    if filters.price_max is not None:
        qs = qs.filter(price__lte=filters.price_max)
    if filters.condition:
        qs = qs.filter(condition=filters.condition)
    if filters.has_photos:
        qs = qs.filter(image_count__gt=0)
    if filters.viewer_id is not None:  # a subquery: no extra round trip
        qs = qs.exclude(seller_id__in=blocked_user_ids(user_id=filters.viewer_id))
    return qs


def text_query(q: str) -> SearchQuery:
    """The words as `websearch_to_tsquery` reads them; a Kazakh word also matches any indexed
    word that begins with its stem without Kazakh endings (`көйлектер` finds `көйлек`,
    `көйлегі`; `арбалар` finds `арба`, `арбасы`): the Russian stemmer leaves Kazakh words as
    written. Quoted phrases and `or` leave the words as they are."""
    tokens = q.split()
    if '"' in q or any(token.lower() == "or" for token in tokens):
        return SearchQuery(q, config="russian", search_type="websearch")
    plain, query = [], None
    for token in tokens:
        if not token.startswith("-") and looks_kazakh(token):
            term = SearchQuery(token, config="russian", search_type="plain")
            for stem in kazakh_stems(token):  # as written, and as the Russian stemmer cut it
                term |= SearchQuery(f"{stem}:*", config="simple", search_type="raw")
                term |= SearchQuery(stem, config="russian", search_type="plain")
            query = term if query is None else query & term
        else:
            plain.append(token)
    if plain or query is None:
        words = SearchQuery(" ".join(plain), config="russian", search_type="websearch")
        query = words if query is None else words & query
    return query


def matching(filters: SearchFilters) -> QuerySet[Listing]:
    qs = filtered(filters)
    if not filters.q:
        return qs
    return qs.filter(search_vector=text_query(filters.q))


TRUSTED = 0.95  # the score of a dictionary brand, known to the catalogue or not


def word_variants(token: str) -> list[tuple[str, float]]:
    """What a typed word may have meant, each with a floor score: the word itself, the brand it
    spells, the other layout, the other alphabet, the Kazakh stem."""
    word = token.lower()
    variants = [(word, 0.0)]
    if word in BRANDS:
        variants.append((BRANDS[word], TRUSTED))
    for swapped in layout_swaps(word):
        swapped = swapped.lower()
        variants.append((swapped, 0.0))
        if swapped in BRANDS:
            variants.append((BRANDS[swapped], TRUSTED))
    translit = transliterate(word)
    if translit:
        variants.append((translit, 0.0))
    if kazakh_form(word):
        variants.append((kazakh_stem(word), 0.0))
    return [(text, floor) for text, floor in variants if WORD.fullmatch(text)]


class Answers:
    """Answers kept in this process's memory for `ttl` seconds, at most `limit` of them (all
    forgotten when full): what PostgreSQL said about a word changes slowly, shoppers repeat
    their words."""

    MISSING = object()

    def __init__(self, ttl: float, limit: int):
        self.ttl, self.limit = ttl, limit
        self._kept: dict[object, tuple[float, object]] = {}

    def get(self, key):
        kept = self._kept.get(key)
        if kept and time.monotonic() - kept[0] < self.ttl:
            return kept[1]
        return self.MISSING

    def put(self, answers: dict) -> None:
        if len(self._kept) + len(answers) > self.limit:
            self._kept.clear()
        now = time.monotonic()
        self._kept.update({key: (now, answer) for key, answer in answers.items()})

    def kept(self, key, make):
        """The answer for `key`, made by `make()` and kept when missing."""
        if (answer := self.get(key)) is self.MISSING:
            answer = make()
            self.put({key: answer})
        return answer

    def clear(self) -> None:
        self._kept.clear()


SPAN_TTL_SECONDS = 600
# What the vocabulary answered for a word: whether it is a title word ("known", word), and the
# title word nearest to it by trigrams ("nearest", word). A word new to the vocabulary becomes a
# correction at most SPAN_TTL_SECONDS later.
_vocabulary = Answers(SPAN_TTL_SECONDS, 20_000)


def rewrite(q: str) -> str | None:
    """The words rewritten into what the shopper most likely meant, or None when nothing needed
    or could be rewritten. Each word keeps the variant closest to a title word (similarity 1 for
    a known word). Known variants are looked up first (one index probe for all); only the words
    none of whose variants is known are scored against the vocabulary by trigrams, one query
    for all their variants. The answers are remembered (`_vocabulary`)."""
    tokens = q.split()
    variants = {
        index: word_variants(token)
        for index, token in enumerate(tokens)
        if len(token) >= 2 and not token.isdigit() and not token.startswith("-")
    }
    lookups = sorted({text for options in variants.values() for text, _ in options})
    if not lookups:
        return None
    known = {text: _vocabulary.get(("known", text)) for text in lookups}
    if asked := [text for text, answer in known.items() if answer is Answers.MISSING]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT word FROM listings_searchterm WHERE word = ANY(%s)", [asked])
            found = {word for (word,) in cursor.fetchall()}
        answers = {text: text in found for text in asked}
        _vocabulary.put({("known", text): answer for text, answer in answers.items()})
        known |= answers
    nearest = {text: (text, 1.0) for text, is_known in known.items() if is_known}
    unknown: set[str] = set()  # the variants of the words none of whose variants is known
    for options in variants.values():
        texts = {text for text, _ in options}
        if not texts & nearest.keys():
            unknown |= texts
    similar = {text: _vocabulary.get(("nearest", text)) for text in unknown}
    if asked := sorted(text for text, answer in similar.items() if answer is Answers.MISSING):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT t.token, n.word, similarity(n.word, t.token) FROM unnest(%s::text[]) AS "
                "t(token) LEFT JOIN LATERAL (SELECT word FROM listings_searchterm WHERE word %% "
                "t.token ORDER BY word <-> t.token LIMIT 1) AS n ON true",
                [asked],
            )
            answers = {token: (word, score or 0.0) for token, word, score in cursor.fetchall()}
        _vocabulary.put({("nearest", text): answer for text, answer in answers.items()})
        similar |= answers
    nearest |= similar
    changed = False
    for index, options in variants.items():
        best, best_score = tokens[index], 0.0
        for text, floor in options:
            word, score = nearest.get(text, (None, 0.0))
            if floor > score:
                word, score = text, floor
            if word and score > best_score:
                best, best_score = word, score
        if best.lower() != tokens[index].lower():
            tokens[index], changed = best, True
    return " ".join(tokens) if changed else None


ORDER_FIELDS = {
    Ordering.NEW: ("-published_at", "-id"),
    Ordering.CHEAP: ("price", "id"),
    Ordering.EXPENSIVE: ("-price", "-id"),
}


def ordered(qs: QuerySet[Listing], filters: SearchFilters) -> QuerySet[Listing]:
    """Newest, cheapest or most expensive first (relevance without words: newest)."""
    ordering = filters.effective_ordering
    if ordering == Ordering.RELEVANCE:
        ordering = Ordering.NEW
    return qs.order_by(*ORDER_FIELDS[ordering])


def relevance_candidates(qs: QuerySet[Listing]):
    """The newest `RANK_CANDIDATES` matches, the only ones ranked. For a common word the planner
    walks a newest-first index and stops early; for a rarer one it reads the matches from the
    GIN index and keeps the newest."""
    return qs.order_by("-published_at", "-id").values_list("id", flat=True)[:RANK_CANDIDATES]


# Relevance for words of middling frequency (alone, without filters, between these many active
# ads) first looks among the newest weeks only, through the (words, week) index. GIN cannot take
# an array: every week asked for is a scan of its own that walks the words' postings, so a few
# weeks (two, as a rule) cost far less than the dozen days they cover would.
WINDOW_WORD_ADS = (10 * RANK_CANDIDATES, 100 * RANK_CANDIDATES)
WEEK_SQL = "date_trunc('week', \"listings_listing\".\"published_at\" AT TIME ZONE 'UTC')"
_span: list = []


def active_span_days() -> float:
    """How many days the active ads' publication times cover (kept in memory ten minutes)."""
    now = time.monotonic()
    if not _span or now - _span[0] > SPAN_TTL_SECONDS:
        oldest = (
            Listing.objects.filter(status=Listing.Status.ACTIVE)
            .order_by("published_at")
            .values_list("published_at", flat=True)
            .first()
        )
        days = (timezone.now() - oldest).total_seconds() / 86400 if oldest else 0.0
        _span[:] = [now, days]
    return _span[1]


def word_frequency(q: str, matched: QuerySet[Listing]) -> int:
    """How many active ads the least frequent word is in, by the planner's statistics for each
    word alone, kept in memory (good for one word; for words together the planner multiplies
    and underestimates, where the rarest word's count is an upper bound). Phrases, negation
    and `or` are not their words: the planner is asked about the whole query."""
    words = [token for token in WORD.findall(q) if not token.isdigit()]
    if not words or '"' in q or "-" in q or any(token.lower() == "or" for token in q.split()):
        return query_estimate(q, matched)
    return min(word_estimate(word.lower()) for word in words[:4])


_word_estimates = Answers(SPAN_TTL_SECONDS, 10_000)


def word_estimate(word: str) -> int:
    """The planner's estimate of the active ads holding `word`, kept for as long as the table's
    span (the statistics behind it change only when the table is analysed)."""
    return _word_estimates.kept(
        word,
        lambda: estimated_count(
            Listing.objects.filter(status=Listing.Status.ACTIVE, search_vector=text_query(word))
        ),
    )


def query_estimate(q: str, matched: QuerySet[Listing]) -> int:
    """The planner's estimate of the matches of words alone (no filter), kept as a word's is
    (one word: the word's own)."""
    if WORD.findall(q) == [word := q.strip()]:
        return word_estimate(word.lower())
    return _word_estimates.kept(("query", word), lambda: estimated_count(matched))


def unfiltered(filters: SearchFilters) -> bool:
    return filters == SearchFilters(q=filters.q, ordering=filters.ordering)


def matched_estimate(matched: QuerySet[Listing], filters: SearchFilters) -> int:
    """The planner's estimate of the matches; for words alone, kept."""
    if unfiltered(filters):
        return query_estimate(filters.q, matched)
    return estimated_count(matched)


def recent_weeks(frequency: int) -> list[datetime]:
    """The newest weeks (Monday, UTC) that should hold about twice `RANK_CANDIDATES` matches."""
    span = active_span_days()
    days = max(1, math.ceil(span * 2 * RANK_CANDIDATES / frequency))
    today = timezone.now().astimezone(UTC).replace(tzinfo=None)
    monday = (today - timedelta(days=today.weekday())).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    this_week = today.weekday() + 1  # days of this week so far, today included
    weeks = 1 + max(0, math.ceil((days - this_week) / 7))
    return [monday - timedelta(weeks=n) for n in range(weeks)]


def newest_by_week(qs: QuerySet[Listing], weeks: list[datetime]) -> tuple[str, list]:
    """One statement: the newest `RANK_CANDIDATES` matches among `weeks` (newest first), each
    week read only when the newer ones held fewer (a one-time filter: PostgreSQL never starts
    the scan). Weeks do not overlap, so a newer week's matches all come before an older's."""
    parts, params, held = [], [], []
    for n, week in enumerate(weeks):
        in_week = qs.extra(where=[f"{WEEK_SQL} = %s::timestamp"], params=[week])
        in_week = in_week.order_by("-published_at", "-id").values_list("id", "published_at")
        sql, week_params = in_week[:RANK_CANDIDATES].query.sql_with_params()
        if held:
            sql = f"SELECT * FROM ({sql}) AS w WHERE {' + '.join(held)} < {RANK_CANDIDATES}"
        parts.append(f"w{n} AS MATERIALIZED ({sql})")
        params += week_params
        held.append(f"(SELECT count(*) FROM w{n})")
    weeks_sql = " UNION ALL ".join(f"SELECT * FROM w{n}" for n in range(len(weeks)))
    return (
        f"WITH {', '.join(parts)} SELECT id FROM ({weeks_sql}) AS found "
        f"ORDER BY published_at DESC, id DESC LIMIT {RANK_CANDIDATES}",
        params,
    )


def relevance_candidate_ids(qs: QuerySet[Listing], filters: SearchFilters) -> list[int]:
    """The ids of the newest `RANK_CANDIDATES` matches. For words of middling frequency the
    newest weeks are looked at first, one after the other: when they hold enough matches
    those are the newest ones (the same answer), read through the (words, week) index instead
    of every match's row."""
    if unfiltered(filters):
        frequency = word_frequency(filters.q, qs)
        if frequency and WINDOW_WORD_ADS[0] <= frequency <= WINDOW_WORD_ADS[1]:
            sql, params = newest_by_week(qs, recent_weeks(frequency))
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                ids = [pk for (pk,) in cursor.fetchall()]
            if len(ids) >= RANK_CANDIDATES:
                return ids
    return list(relevance_candidates(qs))


def ranked(candidate_ids: list[int], filters: SearchFilters) -> QuerySet[Listing]:
    # The ids travel as one array parameter: a thousand `%s` placeholders cost psycopg and
    # Django more than the ranking itself.
    ids = RawSQL("SELECT unnest(%s::bigint[])", [list(candidate_ids)])
    return (
        Listing.objects.filter(id__in=ids)
        .annotate(rank=SearchRank(F("search_vector"), text_query(filters.q), cover_density=True))
        .order_by("-rank", "-published_at", "-id")
    )


def estimated_count(qs: QuerySet[Listing]) -> int:
    """The planner's row estimate for the query: free compared with counting."""
    sql, params = qs.order_by().values("id").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


def count_capped(
    qs: QuerySet[Listing], limit: int | None = None, estimate: int | None = None
) -> tuple[int, bool]:
    """Exact up to `limit`; past it, the planner's estimate (and True: it is an estimate).

    When the estimate alone is far past the limit, the exact walk is skipped."""
    limit = limit or EXACT_COUNT_LIMIT
    if estimate is None:
        estimate = estimated_count(qs)
    if estimate > 10 * limit:
        return estimate, True
    exact = qs.order_by()[: limit + 1].count()
    if exact <= limit:
        return exact, False
    return max(estimate, limit + 1), True


# --- Keyset cursors for "show more" ------------------------------------------------------------


def encode_cursor(listing: Listing, ordering: str) -> str:
    if ordering == Ordering.NEW:
        key = [listing.published_at.isoformat(), listing.pk]
    else:
        key = [listing.price, listing.pk]
    return base64.urlsafe_b64encode(json.dumps([ordering, *key]).encode()).decode().rstrip("=")


class InvalidCursor(ValueError):
    pass


def after_cursor(qs: QuerySet[Listing], cursor: str, ordering: str) -> QuerySet[Listing]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        kind, first, last_id = json.loads(base64.urlsafe_b64decode(padded))
        last_id = int(last_id)
        if kind != ordering:
            raise InvalidCursor(cursor)
        if ordering == Ordering.NEW:
            published = datetime.fromisoformat(first)
            return qs.filter(
                Q(published_at__lt=published) | Q(published_at=published, id__lt=last_id)
            )
        price = int(first)
    except (ValueError, TypeError, OverflowError, RecursionError) as error:  # any mangled link
        raise InvalidCursor(cursor) from error
    if ordering == Ordering.CHEAP:
        return qs.filter(Q(price__gt=price) | Q(price=price, id__gt=last_id))
    return qs.filter(Q(price__lt=price) | Q(price=price, id__lt=last_id))


def supports_cursor(filters: SearchFilters) -> bool:
    return filters.effective_ordering != Ordering.RELEVANCE
