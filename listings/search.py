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
- When the words find nothing, each unknown word is replaced by the nearest word of the titles'
  vocabulary (a small table kept by a trigger, trigram-indexed with pg_trgm) and the search runs
  again, so "samsng galaxy" finds "Samsung Galaxy S21" ("showing results for samsung galaxy").
"""

import base64
import json
import re
from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection
from django.db.models import F, Q, QuerySet
from django.db.models.expressions import RawSQL

from chat.selectors import blocked_user_ids
from listings.models import Category, City, Listing

WORD = re.compile(r"\w+", re.UNICODE)
RANK_CANDIDATES = 1000
EXACT_COUNT_LIMIT = 1000
MAX_PAGE = 100


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
    return SearchQuery(q, config="russian", search_type="websearch")


def matching(filters: SearchFilters) -> QuerySet[Listing]:
    qs = filtered(filters)
    if not filters.q:
        return qs
    return qs.filter(search_vector=text_query(filters.q))


def typo_correction(q: str) -> str | None:
    """The words with each unknown one replaced by the nearest title word (pg_trgm), or None
    when nothing needed or could be corrected. One query against the small vocabulary."""
    tokens = sorted({token.lower() for token in WORD.findall(q) if len(token) >= 3})
    if not tokens:
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT t.token, (SELECT word FROM listings_searchterm "
            "WHERE word %% t.token ORDER BY word <-> t.token LIMIT 1) "
            "FROM unnest(%s::text[]) AS t(token)",
            [tokens],
        )
        nearest = {token: word for token, word in cursor.fetchall() if word and word != token}
    if not nearest:
        return None
    return WORD.sub(lambda m: nearest.get(m.group(0).lower(), m.group(0)), q)


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
