"""A second search index over (words, publication day) of active ads, for relevance over words of
middling frequency (a few per cent of a million ads, such as "samsung galaxy"): the newest matches
are looked for among the last few days first, and one GIN scan intersects the words' postings with
those days (btree_gin), so only those rows are read instead of every match."""

from django.db import migrations

DAY = "date_trunc('day', published_at AT TIME ZONE 'UTC')"
FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS btree_gin",
    f"""
    CREATE INDEX IF NOT EXISTS listing_search_day ON listings_listing
    USING gin (search_vector, ({DAY})) WHERE status = 'active'
    """,
]
BACKWARD = ["DROP INDEX IF EXISTS listing_search_day"]


class Migration(migrations.Migration):
    dependencies = [("listings", "0011_pending_photos")]
    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
