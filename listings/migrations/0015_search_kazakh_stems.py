"""Kazakh word forms in titles meet their base word. The `russian` configuration keeps a Kazakh
word as written, so a title «Домбыралар» or «Балалар арбасы» was not found by «домбыра» or «арба»
(the query side already strips the endings of the words typed: listings.rewrites.kazakh_stem).
The vector now also holds, at the title's weight, each title word in a Kazakh form (a Kazakh
letter, a plural ending, a vowel's possessive) with its endings stripped, by the same rules as
listings.rewrites.kazakh_title_stems (a test holds them equal). Other words are left to the
Russian stemmer: «футболка» must not become a «футбол».

Existing ads get the stems appended to their vector in place: the vector's own column is
updated, so neither the title triggers (vocabulary, vector) fire again nor a title changes."""

import importlib

from django.db import migrations

# listings.rewrites' KAZAKH_ENDINGS (longest first), KAZAKH_LETTERS and KAZAKH_MIN_STEM as they
# are now: a change there needs a new migration (listings/tests/test_search.py compares them).
# fmt: off
KAZAKH_ENDINGS = [
    "ымыз", "ыңыз", "іміз", "іңіз", "бен", "дан", "дар", "ден", "дер", "дың", "дің", "лар", "лер",
    "мен", "мыз", "міз", "нан", "нда", "нде", "нен", "ның", "нің", "пен", "тан", "тар", "тен",
    "тер", "тың", "тің", "ңыз", "ңіз", "ге", "да", "де", "ды", "ді", "ке", "на", "не", "ны", "ні",
    "сы", "сі", "та", "те", "ты", "ті", "ым", "ың", "ім", "ің", "ға", "қа", "а", "е", "м", "н",
    "ы", "і", "ң"
]
# fmt: on
KAZAKH_LETTERS = "іғқңүұһәө"
KAZAKH_MIN_STEM = 3
ENDINGS = "ARRAY[" + ", ".join(f"'{ending}'" for ending in KAZAKH_ENDINGS) + "]"

STEM = f"""
CREATE OR REPLACE FUNCTION listings_kazakh_stem(word text) RETURNS text AS $$
DECLARE
    endings text[] := {ENDINGS};
    shortest int;
    ending text;
    keep int;
    stripped boolean;
BEGIN
    word := lower(word);
    shortest := CASE WHEN word ~ '[{KAZAKH_LETTERS}]'
                THEN {KAZAKH_MIN_STEM} ELSE {KAZAKH_MIN_STEM + 1} END;
    FOR layer IN 1..3 LOOP
        stripped := false;
        FOREACH ending IN ARRAY endings LOOP
            keep := char_length(word) - char_length(ending);
            IF right(word, char_length(ending)) = ending
               AND keep >= greatest(shortest, CASE WHEN char_length(ending) = 1 THEN 4 ELSE 0 END)
            THEN
                word := left(word, keep);
                stripped := true;
                EXIT;
            END IF;
        END LOOP;
        EXIT WHEN NOT stripped;
    END LOOP;
    RETURN word;
END
$$ LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
"""

# The stems of the title's words in a Kazakh form (listings.rewrites.kazakh_title_stems), as one
# text for to_tsvector ('' when none).
STEMS = f"""
CREATE OR REPLACE FUNCTION listings_kazakh_stems(title text) RETURNS text AS $$
    SELECT coalesce(string_agg(stem, ' ' ORDER BY n), '')
    FROM (
        SELECT listings_kazakh_stem(word) AS stem, word, n
        FROM regexp_matches(lower(coalesce(title, '')), '[a-zа-яёәғқңөұүһі]+', 'g')
            WITH ORDINALITY AS found(match, n), LATERAL (SELECT match[1] AS word) AS w
        WHERE word ~ '[{KAZAKH_LETTERS}]'
           OR word ~ '(лар|лер|дар|дер|тар|тер)[а-яё]{{0,4}}$'
           OR word ~ '[аеёиоуыэюя]с[ыі]$'
    ) AS words
    WHERE stem <> word
$$ LANGUAGE sql IMMUTABLE PARALLEL SAFE
"""

VECTOR = """
CREATE OR REPLACE FUNCTION listings_listing_search_vector() RETURNS trigger AS $$
BEGIN
    NEW.search_vector :=
        setweight(to_tsvector('russian', coalesce(NEW.title, '')), 'A') ||
        setweight(to_tsvector('russian', coalesce(NEW.description, '')), 'B') ||
        setweight(to_tsvector('russian', listings_kazakh_stems(NEW.title)), 'A');
    RETURN NEW;
END
$$ LANGUAGE plpgsql
"""

# Back: the vector as migration 0004 made it (its trigger function, as written there).
OLD_VECTOR = importlib.import_module("listings.migrations.0004_search").FORWARD[1]

BACKFILL = """
UPDATE listings_listing
SET search_vector = search_vector ||
    setweight(to_tsvector('russian', listings_kazakh_stems(title)), 'A')
WHERE listings_kazakh_stems(title) <> ''
"""

UNFILL = """
UPDATE listings_listing
SET search_vector =
    setweight(to_tsvector('russian', coalesce(title, '')), 'A') ||
    setweight(to_tsvector('russian', coalesce(description, '')), 'B')
WHERE listings_kazakh_stems(title) <> ''
"""


class Migration(migrations.Migration):
    dependencies = [("listings", "0014_search_recent_weeks")]
    operations = [
        migrations.RunSQL(
            [STEM, STEMS, VECTOR, BACKFILL],
            [
                UNFILL,
                OLD_VECTOR,
                "DROP FUNCTION IF EXISTS listings_kazakh_stems(text)",
                "DROP FUNCTION IF EXISTS listings_kazakh_stem(text)",
            ],
        )
    ]
