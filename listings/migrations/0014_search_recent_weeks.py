"""The recent-matches index keyed by week instead of day. GIN takes no array: each key of
`week = ANY(...)` is a scan of its own walking the words' postings, and the dozen days a
middling word needs cost about 12 ms on a million ads where the two weeks that cover them cost 5
(listings.search.recent_weeks). Built concurrently, so posting and editing go on meanwhile."""

from django.db import migrations

WEEK = "date_trunc('week', published_at AT TIME ZONE 'UTC')"
DAY = "date_trunc('day', published_at AT TIME ZONE 'UTC')"


class Migration(migrations.Migration):
    atomic = False
    dependencies = [("listings", "0013_view_count_flush")]
    operations = [
        migrations.RunSQL(
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS listing_search_week ON listings_listing "
            f"USING gin (search_vector, ({WEEK})) WHERE status = 'active'",
            "DROP INDEX CONCURRENTLY IF EXISTS listing_search_week",
        ),
        migrations.RunSQL(
            "DROP INDEX CONCURRENTLY IF EXISTS listing_search_day",
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS listing_search_day ON listings_listing "
            f"USING gin (search_vector, ({DAY})) WHERE status = 'active'",
        ),
    ]
