"""Every read of listings that a page, the API or another app needs."""

import contextlib
import time
from dataclasses import replace

from django.core.cache import cache
from django.db import transaction
from django.db.models import F, Prefetch, QuerySet
from django.db.models.functions import Coalesce
from redis.exceptions import RedisError

from listings import search
from listings.models import Category, City, Listing, ListingImage
from listings.search import SearchFilters, SearchResult
from listings.transitions import PUBLIC


def city_list() -> QuerySet[City]:
    return City.objects.all()


REFERENCE_TTL_SECONDS = 60
_reference: dict[str, tuple[float, list[tuple]]] = {}


def reference_rows(kind: str) -> list[tuple]:
    """Cities or the category tree as plain rows (slug, parent id, ru, kk, en) for pickers,
    kept in memory for a minute: they change rarely and are on every search page."""
    now = time.monotonic()
    cached = _reference.get(kind)
    if cached and now - cached[0] < REFERENCE_TTL_SECONDS:
        return cached[1]
    if kind == "city":
        rows = [
            (slug, None, ru, kk, en)
            for slug, ru, kk, en in City.objects.values_list(
                "slug", "name_ru", "name_kk", "name_en"
            )
        ]
    else:
        rows = list(
            Category.objects.order_by(
                Coalesce("parent__position", "position"),
                Coalesce("parent_id", "id"),
                F("parent_id").asc(nulls_first=True),
                "position",
            ).values_list("slug", "parent_id", "name_ru", "name_kk", "name_en")
        )
    _reference[kind] = (now, rows)
    return rows


SHARED_TTL_SECONDS = 30
_shared: dict[tuple, tuple[float, object]] = {}


# Bumped (in the shared cache, after commit) whenever an ad's status, text, price or photos
# change: the lists of ads kept in each process's memory, and the pages kept for anonymous
# visitors (zattar.page_cache), are made again at once, not up to `ttl` later, so an ad sold,
# expired or hidden with its banned seller leaves every list on the next page view.
LISTS_GENERATION_KEY = "listings:lists-generation"


def lists_changed() -> None:
    """Call inside the transaction that changes an ad: after commit every process's lists of ads
    are stale."""

    def bump() -> None:
        with contextlib.suppress(RedisError, OSError):  # Redis is down: lists live out their ttl
            try:
                cache.incr(LISTS_GENERATION_KEY)
            except ValueError:  # not there yet (or evicted)
                cache.set(LISTS_GENERATION_KEY, 1, None)

    transaction.on_commit(bump)


def shared(key: tuple, make, ttl: float = SHARED_TTL_SECONDS, *, ads: bool = False):
    """What every visitor is shown alike (the catalogue, the newest ads, an ad's similar ones),
    kept in this process's memory for `ttl` seconds: no query for the pages everyone opens.
    Lists of `ads` also follow `lists_changed()` (one cache read per page)."""
    now = time.monotonic()
    cached = _shared.get(key)
    generation = 0
    if ads:
        try:
            generation = cache.get(LISTS_GENERATION_KEY, 0)
        except (RedisError, OSError):  # Redis is down: what we hold is good for its ttl
            generation = cached[2] if cached else 0
    if cached and now - cached[0] < ttl and cached[2] == generation:
        return cached[1]
    value = make()
    _shared[key] = (now, value, generation)
    return value


def shared_clear() -> None:
    _shared.clear()


def category_roots() -> list[Category]:
    """The catalogue as a tree: roots in order, each with its leaves prefetched."""
    return shared(
        ("category_roots",),
        lambda: list(
            Category.objects.filter(parent=None).prefetch_related(
                Prefetch("children", queryset=Category.objects.order_by("position", "name_ru"))
            )
        ),
        ttl=REFERENCE_TTL_SECONDS,
    )


def category_leaves() -> QuerySet[Category]:
    return Category.objects.exclude(parent=None).select_related("parent")


def with_cards(qs: QuerySet[Listing]) -> QuerySet[Listing]:
    """What an ad card shows: city, category and the cover photo, in a fixed number of queries."""
    return qs.select_related("city", "category").prefetch_related(
        Prefetch("images", queryset=ListingImage.objects.filter(position=0), to_attr="covers")
    )


def listing_search(
    *,
    filters: SearchFilters,
    page: int = 1,
    page_size: int = 20,
    cursor: str | None = None,
    with_count: bool = True,
    viewer=None,
) -> SearchResult:
    """One page of active ads for the filters: by offset page, or after a keyset cursor.

    With words that find (almost) nothing, the words are rewritten (typos, the wrong keyboard
    layout, the other alphabet, Kazakh endings) against the titles' vocabulary and the search
    runs once more; when that finds more, it is shown ("showing results for ..."). A signed-in
    `viewer` does not see the ads of people they blocked or who blocked them."""
    if getattr(viewer, "is_authenticated", False):
        filters = replace(filters, viewer_id=viewer.pk)
    found = _search(filters, page, page_size, cursor, with_count)
    if filters.q and with_count and found.count < search.FEW_RESULTS:
        rewritten = search.rewrite(filters.q)
        if rewritten:
            better = _search(replace(filters, q=rewritten), page, page_size, cursor, with_count)
            if better.count > found.count:
                found = better
                found.corrected_query = rewritten
    return found


def listing_search_count(*, filters: SearchFilters, viewer=None) -> tuple[int, bool]:
    """How many ads the filters find, as cheaply as the search page counts them: exact up to
    `search.EXACT_COUNT_LIMIT`, past it the planner's estimate (and True). No rows are fetched;
    words that find nothing are corrected as the page corrects them."""
    if getattr(viewer, "is_authenticated", False):
        filters = replace(filters, viewer_id=viewer.pk)
    count, is_estimate = search.count_capped(search.matching(filters))
    if filters.q and count < search.FEW_RESULTS:
        correction = search.rewrite(filters.q)
        if correction:
            count, is_estimate = search.count_capped(
                search.matching(replace(filters, q=correction))
            )
    return count, is_estimate


def _search(filters, page, page_size, cursor, with_count) -> SearchResult:
    matched = search.matching(filters)
    ordering = filters.effective_ordering
    if ordering == search.Ordering.RELEVANCE:
        # The candidates are fetched once; below the cap they are the exact count too, and
        # only past it is the planner asked for an estimate.
        candidates = search.relevance_candidate_ids(matched, filters)
        if len(candidates) < search.RANK_CANDIDATES:
            count, is_estimate = len(candidates), False
        elif with_count:
            estimate = search.matched_estimate(matched, filters)
            count, is_estimate = max(estimate, len(candidates)), True
        else:
            count, is_estimate = len(candidates), True
        qs = search.ranked(candidates, filters)
    else:
        count, is_estimate = search.count_capped(matched) if with_count else (0, False)
        qs = search.ordered(matched, filters)
    if cursor and search.supports_cursor(filters):
        qs = search.after_cursor(qs, cursor, ordering)
        offset = 0
    else:
        offset = (page - 1) * page_size
    nothing = ordering == search.Ordering.RELEVANCE and not candidates
    rows = [] if nothing else page_rows(qs, offset, page_size + 1)
    has_next = len(rows) > page_size
    items = rows[:page_size]
    next_cursor = None
    if has_next and search.supports_cursor(filters) and items:
        next_cursor = search.encode_cursor(items[-1], ordering)
    return SearchResult(
        items=items,
        count=count if with_count else 0,
        count_is_estimate=is_estimate,
        has_next=has_next,
        next_cursor=next_cursor,
        page=page,
        page_size=page_size,
    )


def page_rows(qs: QuerySet[Listing], offset: int, limit: int) -> list[Listing]:
    """A deferred join: the page's ids first (an index-only scan where an index covers the
    filters and the order), then just those rows with what their cards show."""
    ids = list(qs.values_list("id", flat=True)[offset : offset + limit])
    by_id = with_cards(Listing.objects.filter(id__in=ids)).in_bulk(ids)
    return [by_id[pk] for pk in ids if pk in by_id]


def listing_newest(*, limit: int = 12) -> list[Listing]:
    return shared(
        ("newest", limit),
        lambda: list(with_cards(Listing.objects.filter(status=Listing.Status.ACTIVE))[:limit]),
        ads=True,
    )


def listing_get_public(*, listing_id: int) -> Listing | None:
    """An ad as its page shows it: active, reserved and sold ads of a seller in good standing
    are public; archived, held, rejected ones and a banned seller's are not."""
    return (
        Listing.objects.filter(pk=listing_id, status__in=PUBLIC, seller__is_active=True)
        .select_related("seller", "seller__city", "city", "category", "category__parent")
        .prefetch_related("images")
        .first()
    )


def listing_get_page(*, listing_id: int) -> Listing | None:
    """An ad as its own page shows it to anyone: the public statuses and an expired ad too, so
    a link shared or bookmarked earlier still answers and says the ad has ended."""
    return (
        Listing.objects.filter(
            pk=listing_id, status__in=PUBLIC | {Listing.Status.EXPIRED}, seller__is_active=True
        )
        .select_related("seller", "seller__city", "city", "category", "category__parent")
        .prefetch_related("images")
        .first()
    )


def listing_get_for_seller(*, listing_id: int, seller) -> Listing | None:
    return (
        Listing.objects.filter(pk=listing_id, seller=seller)
        .select_related("city", "category", "category__parent")
        .prefetch_related("images")
        .first()
    )


def listing_similar(*, listing: Listing, limit: int = 8) -> list[Listing]:
    """The newest active ads of the same category, this one left out; one list per category
    shared by every page of that category for a few seconds."""
    newest = shared(
        ("similar", listing.category_id, limit),
        lambda: list(
            with_cards(
                Listing.objects.filter(
                    status=Listing.Status.ACTIVE, category_id=listing.category_id
                )
            )[: limit + 1]
        ),
        ads=True,
    )
    return [other for other in newest if other.pk != listing.pk][:limit]


def seller_listings(*, seller, status: str | None = None) -> QuerySet[Listing]:
    qs = Listing.objects.filter(seller=seller)
    if status:
        qs = qs.filter(status=status)
    if status == Listing.Status.ON_REVIEW:  # the seller sees why (the reasons, not report texts)
        from moderation.selectors import open_listing_flags

        qs = qs.prefetch_related(
            Prefetch("flags", queryset=open_listing_flags(), to_attr="open_flags")
        )
    return with_cards(qs.order_by("-created_at", "-id"))


def seller_status_counts(*, seller) -> dict[str, int]:
    from django.db.models import Count

    rows = Listing.objects.filter(seller=seller).values("status").annotate(n=Count("id"))
    counts = {status: 0 for status in Listing.Status.values}
    counts.update({row["status"]: row["n"] for row in rows})
    return counts


def seller_active_listings(*, seller) -> QuerySet[Listing]:
    return with_cards(
        Listing.objects.filter(seller=seller, status=Listing.Status.ACTIVE).order_by(
            "-published_at", "-id"
        )
    )


def favorite_listings(*, user) -> QuerySet[Listing]:
    return with_cards(
        Listing.objects.filter(
            favorited_by__user=user, status__in=PUBLIC, seller__is_active=True
        ).order_by("-favorited_by__created_at")
    )
