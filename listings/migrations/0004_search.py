"""Full-text search, kept by the database itself so bulk loads and admin edits stay searchable.

The vector holds the title (weight A) and the description (weight B) through the `russian`
configuration: Russian words are reduced to their stems ("велосипеды" and "велосипед" meet), Latin
words go through the English stemmer, and Kazakh words and numbers are matched as written.
"""

from django.db import migrations

FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    """
    CREATE OR REPLACE FUNCTION listings_listing_search_vector() RETURNS trigger AS $$
    BEGIN
        NEW.search_vector :=
            setweight(to_tsvector('russian', coalesce(NEW.title, '')), 'A') ||
            setweight(to_tsvector('russian', coalesce(NEW.description, '')), 'B');
        RETURN NEW;
    END
    $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER listings_listing_search_vector
    BEFORE INSERT OR UPDATE OF title, description ON listings_listing
    FOR EACH ROW EXECUTE FUNCTION listings_listing_search_vector()
    """,
    "UPDATE listings_listing SET title = title",
    """
    CREATE INDEX IF NOT EXISTS listing_search ON listings_listing
    USING gin (search_vector) WHERE status = 'active'
    """,
    ]

BACKWARD = [
    "DROP INDEX IF EXISTS listing_search",
    "DROP TRIGGER IF EXISTS listings_listing_search_vector ON listings_listing",
    "DROP FUNCTION IF EXISTS listings_listing_search_vector()",
]


class Migration(migrations.Migration):
    dependencies = [("listings", "0003_catalogue")]
    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
