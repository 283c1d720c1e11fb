"""The vocabulary of title words that mistyped search words are corrected against."""

from django.db import migrations, models

# --- PostgreSQL: keep the vocabulary from every title, and index it by trigrams ---------------

TITLE_WORDS = (
    "SELECT DISTINCT word FROM regexp_split_to_table(lower({title}), '[^[:alnum:]]+') AS word "
    "WHERE length(word) BETWEEN 3 AND 100"
)
FORWARD = [
    "CREATE INDEX IF NOT EXISTS listing_term_trgm ON listings_searchterm "
    "USING gin (word gin_trgm_ops)",
    f"""
    CREATE OR REPLACE FUNCTION listings_listing_search_terms() RETURNS trigger AS $$
    BEGIN
        INSERT INTO listings_searchterm (word) {TITLE_WORDS.format(title="NEW.title")}
        ON CONFLICT DO NOTHING;
        RETURN NEW;
    END
    $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER listings_listing_search_terms
    AFTER INSERT OR UPDATE OF title ON listings_listing
    FOR EACH ROW EXECUTE FUNCTION listings_listing_search_terms()
    """,
    "INSERT INTO listings_searchterm (word) SELECT DISTINCT word FROM listings_listing, "
    "regexp_split_to_table(lower(title), '[^[:alnum:]]+') AS word "
    "WHERE length(word) BETWEEN 3 AND 100 ON CONFLICT DO NOTHING",
]
BACKWARD = [
    "DROP TRIGGER IF EXISTS listings_listing_search_terms ON listings_listing",
    "DROP FUNCTION IF EXISTS listings_listing_search_terms()",
]


class Migration(migrations.Migration):

    dependencies = [
        ('listings', '0005_load_categories'),
    ]

    operations = [
        migrations.CreateModel(
            name='SearchTerm',
            fields=[
                ('word', models.CharField(max_length=100, primary_key=True, serialize=False)),
            ],
            options={
                'verbose_name': 'search term',
                'verbose_name_plural': 'search terms',
            },
        ),
        migrations.RunSQL(FORWARD, BACKWARD),
    ]
