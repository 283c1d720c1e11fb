"""Reverse matching: which saved searches does each new ad satisfy?

Running 100,000 saved searches against the million ads every minute would be 100,000 searches a
minute. Instead the few hundred ads published since the last sweep are taken, and for each the
planner probes the saved searches' index (`saved_search_match`) for the six keys that can match
it: (its leaf, its root or any category) x (its city or any city). The price range, condition,
photos, the seller (never your own ads) and blocks (either way, chat.models.UserBlock) are
checked on those candidates, and the text last: `search_vector @@ query`, the search page's
full-text test (listings.search: the trigger-kept vector, `websearch_to_tsquery('russian', q)`
compiled once per saved search in its `query` column), evaluated on the new ads only.

Only active ads are taken (what the search page shows: listings.search.filtered); an ad on
review, rejected, reserved or sold is nobody's alert.
"""

from datetime import datetime

from django.db import connection

from listings.models import Listing

# The candidates of one ad: every saved search of its category (leaf or root, or any) in its city
# (or any), not switched off, passing the cheap filters; then the text.
MATCHES_SQL = """
    WITH ads AS MATERIALIZED (
        SELECT id, seller_id, city_id, category_id, root_category_id, price, condition,
               image_count, search_vector
        FROM listings_listing
        WHERE id = ANY(%(ids)s) AND status = %(active)s
    )
    SELECT s.id AS search_id, a.id AS listing_id, s.frequency
    FROM ads a
    JOIN searches_savedsearch s
      ON s.category_key = ANY(ARRAY[0, a.category_id, a.root_category_id])
     AND s.city_key = ANY(ARRAY[0, a.city_id])
     AND s.frequency <> 'off'
    WHERE (s.price_min IS NULL OR s.price_min <= a.price)
      AND (s.price_max IS NULL OR s.price_max >= a.price)
      AND (s.condition = '' OR s.condition = a.condition)
      AND (NOT s.has_photos OR a.image_count > 0)
      AND s.user_id <> a.seller_id
      AND (s.q = '' OR a.search_vector @@ s.query)
      AND NOT EXISTS (
          SELECT 1 FROM chat_userblock b
          WHERE (b.blocker_id = s.user_id AND b.blocked_id = a.seller_id)
             OR (b.blocker_id = a.seller_id AND b.blocked_id = s.user_id)
      )
"""

# The same, stored: a (search, ad) pair already found is left as it is (ON CONFLICT), so a
# sweep that runs twice over the same ads finds nothing new. Instant searches' hits are sent
# now; daily ones wait for the digest.
RECORD_SQL = f"""
    WITH found AS ({MATCHES_SQL})
    INSERT INTO searches_savedsearchhit (search_id, listing_id, matched_at, sent_at)
    SELECT search_id, listing_id, %(now)s,
           CASE WHEN frequency = 'instant' THEN %(now)s END
    FROM found
    ON CONFLICT (search_id, listing_id) DO NOTHING
    RETURNING search_id, listing_id, sent_at IS NOT NULL
"""


def matches(listing_ids: list[int]) -> list[tuple[int, int, str]]:
    """(saved search id, ad id, frequency) for every pair that matches: no writes."""
    with connection.cursor() as cursor:
        cursor.execute(MATCHES_SQL, {"ids": listing_ids, "active": Listing.Status.ACTIVE})
        return cursor.fetchall()


def record(listing_ids: list[int], *, now: datetime) -> list[tuple[int, int, bool]]:
    """Store the new pairs; returns (search id, ad id, to send now) for those not seen before."""
    if not listing_ids:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            RECORD_SQL, {"ids": listing_ids, "active": Listing.Status.ACTIVE, "now": now}
        )
        return cursor.fetchall()
