"""How people in Kazakhstan type what they look for, as pure functions over words.

- The wrong keyboard layout: `dtkjcbgtl` is `велосипед` typed with the Latin layout on, `ршзрщту`
  is `iphone` typed with the Russian one; the Kazakh layout puts ә і ң ғ ү ұ қ ө һ on the digit
  row, so `r-qktr` is `көйлек`.
- Transliteration both ways (`velosiped` -> `велосипед`, `самсунг` -> `samsung`) and a small
  dictionary of brands people write in Cyrillic (`айфон` -> `iphone`).
- Kazakh word forms: PostgreSQL has no Kazakh stemmer, so plural, possessive and case endings are
  stripped here (`көйлектер` -> `көйлек`) and the stem is matched as a prefix of indexed words.

`listings.search` turns these into candidate queries and keeps the one the catalogue knows best.
"""

import re

# --- Keyboard layouts ---------------------------------------------------------------------------

LATIN_KEYS = "`qwertyuiop[]asdfghjkl;'zxcvbnm,."
RUSSIAN_KEYS = "ёйцукенгшщзхъфывапролджэячсмитьбю"
# The Kazakh layout: the Russian letters plus its own on the digit row (2-0, minus, equals).
KAZAKH_DIGIT_KEYS = {"2": "ә", "3": "і", "4": "ң", "5": "ғ", "8": "ү", "9": "ұ", "0": "қ"}
KAZAKH_DIGIT_KEYS |= {"-": "ө", "=": "һ"}

LATIN_TO_RUSSIAN = str.maketrans(
    LATIN_KEYS + LATIN_KEYS.upper(), RUSSIAN_KEYS + RUSSIAN_KEYS.upper()
)
LATIN_TO_KAZAKH = str.maketrans(
    LATIN_KEYS + LATIN_KEYS.upper() + "".join(KAZAKH_DIGIT_KEYS),
    RUSSIAN_KEYS + RUSSIAN_KEYS.upper() + "".join(KAZAKH_DIGIT_KEYS.values()),
)
CYRILLIC_TO_LATIN_KEYS = str.maketrans(
    RUSSIAN_KEYS + RUSSIAN_KEYS.upper() + "".join(KAZAKH_DIGIT_KEYS.values()),
    LATIN_KEYS + LATIN_KEYS.upper() + "".join(KAZAKH_DIGIT_KEYS),
)

LATIN = re.compile(r"[a-z]", re.IGNORECASE)
CYRILLIC = re.compile(r"[а-яёәғқңөұүһі]", re.IGNORECASE)
KAZAKH_LETTERS = frozenset("әғқңөұүһі")


def layout_swaps(token: str) -> list[str]:
    """What a token typed in the wrong layout was meant to be: Latin keys read as Russian (and as
    Kazakh when the digit row is involved), Cyrillic keys read as Latin."""
    if CYRILLIC.search(token) and not LATIN.search(token):
        return [token.translate(CYRILLIC_TO_LATIN_KEYS)]
    if not LATIN.search(token):
        return []
    swaps = [token.translate(LATIN_TO_RUSSIAN)]
    if any(key in token for key in KAZAKH_DIGIT_KEYS) and not token.isdigit():
        swaps.append(token.translate(LATIN_TO_KAZAKH))
    return swaps


# --- Transliteration ----------------------------------------------------------------------------

LATIN_TO_CYRILLIC = [  # longest first
    ("shch", "щ"), ("sch", "щ"), ("zh", "ж"), ("kh", "х"), ("ch", "ч"), ("sh", "ш"), ("ts", "ц"),
    ("yu", "ю"), ("ju", "ю"), ("ya", "я"), ("ja", "я"), ("yo", "ё"), ("jo", "ё"), ("iy", "ий"),
    ("yy", "ый"), ("yi", "ый"), ("ye", "е"), ("a", "а"), ("b", "б"), ("v", "в"), ("w", "в"),
    ("g", "г"), ("d", "д"), ("e", "е"), ("z", "з"), ("i", "и"), ("y", "ы"), ("j", "й"),
    ("k", "к"), ("q", "к"), ("l", "л"), ("m", "м"), ("n", "н"), ("o", "о"), ("p", "п"),
    ("r", "р"), ("s", "с"), ("t", "т"), ("u", "у"), ("f", "ф"), ("h", "х"), ("c", "ц"),
    ("x", "кс"), ("'", "ь"),
]  # fmt: skip
LATIN_PATTERN = re.compile("|".join(re.escape(latin) for latin, _ in LATIN_TO_CYRILLIC))
LATIN_MAP = dict(LATIN_TO_CYRILLIC)

CYRILLIC_TO_LATIN = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "yo", "ж": "zh", "з": "z",
    "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r",
    "с": "s", "т": "t", "у": "u", "ф": "f", "х": "h", "ц": "ts", "ч": "ch", "ш": "sh",
    "щ": "sch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu", "я": "ya", "ә": "a", "ғ": "g",
    "қ": "k", "ң": "n", "ө": "o", "ұ": "u", "ү": "u", "һ": "h", "і": "i",
}  # fmt: skip


def transliterate(word: str) -> str | None:
    """A Latin word in Cyrillic letters or a Cyrillic one in Latin; None for mixed or neither."""
    word = word.lower()
    if LATIN.search(word) and not CYRILLIC.search(word):
        return LATIN_PATTERN.sub(lambda m: LATIN_MAP[m.group(0)], word)
    if CYRILLIC.search(word) and not LATIN.search(word):
        return "".join(CYRILLIC_TO_LATIN.get(letter, letter) for letter in word)
    return None


# Brands and models as people write them in Cyrillic; the catalogue writes them in Latin.
BRANDS = {
    "айфон": "iphone", "айфоны": "iphone", "ифон": "iphone", "айпад": "ipad", "макбук": "macbook",
    "эпл": "apple", "эппл": "apple", "самсунг": "samsung", "самсунга": "samsung",
    "галакси": "galaxy", "гэлакси": "galaxy", "ксиоми": "xiaomi", "сяоми": "xiaomi",
    "ксяоми": "xiaomi", "шаоми": "xiaomi", "редми": "redmi", "хуавей": "huawei",
    "хонор": "honor", "нокиа": "nokia", "нокия": "nokia", "леново": "lenovo", "асус": "asus",
    "тойота": "toyota", "тоета": "toyota", "камри": "camry", "прадо": "prado", "хендай": "hyundai",
    "хундай": "hyundai", "хюндай": "hyundai", "хёндай": "hyundai", "шевроле": "chevrolet",
    "кобальт": "cobalt", "дэу": "daewoo", "деу": "daewoo", "нексия": "nexia", "хонда": "honda",
    "кавасаки": "kawasaki", "ямаха": "yamaha", "сони": "sony", "плейстейшн": "playstation",
    "плейстейшен": "playstation", "пс5": "playstation", "иксбокс": "xbox", "хбокс": "xbox",
    "нинтендо": "nintendo", "джбл": "jbl", "дайсон": "dyson", "бош": "bosch", "макита": "makita",
    "зара": "zara", "найк": "nike", "найки": "nike", "адидас": "adidas", "касио": "casio",
    "лего": "lego", "барби": "barbie", "элджи": "lg", "лж": "lg", "мерида": "merida",
    "стелс": "stels", "мишлен": "michelin", "нокиан": "nokian", "варта": "varta",
    "рисайзен": "ryzen", "райзен": "ryzen", "покетбук": "pocketbook",
    "артель": "artel", "гефест": "gefest", "ройал": "royal", "роял": "royal", "канин": "canin",
    "рейма": "reima", "росиньол": "rossignol", "торнео": "torneo",
}  # fmt: skip


# --- Kazakh word forms --------------------------------------------------------------------------

# Endings stripped from the end, longest first, layer by layer (case or possessive, then plural):
# көйлектерімізді -> көйлектеріміз -> көйлектер -> көйлек.
KAZAKH_ENDINGS = sorted(
    {
        # plural
        "лар", "лер", "дар", "дер", "тар", "тер",
        # possessive
        "ымыз", "іміз", "мыз", "міз", "ыңыз", "іңіз", "ңыз", "ңіз", "ым", "ім", "ың", "ің",
        "сы", "сі", "ы", "і", "м", "ң",
        # genitive, accusative, dative, locative, ablative, instrumental
        "ның", "нің", "дың", "дің", "тың", "тің", "ны", "ні", "ды", "ді", "ты", "ті", "н",
        "ға", "ге", "қа", "ке", "на", "не", "а", "е",
        "да", "де", "та", "те", "нда", "нде",
        "дан", "ден", "тан", "тен", "нан", "нен", "мен", "бен", "пен",
    },
    key=len,
    reverse=True,
)  # fmt: skip
KAZAKH_MIN_STEM = 3


def kazakh_stem(word: str) -> str:
    """The word without its Kazakh plural, possessive and case endings (at most three layers),
    never shorter than three letters (four for a word without a Kazakh letter, which may be
    Russian); one-letter endings only off words of five letters or more."""
    word = word.lower()
    shortest = KAZAKH_MIN_STEM if is_kazakh(word) else KAZAKH_MIN_STEM + 1
    for _ in range(3):
        for ending in KAZAKH_ENDINGS:
            keep = len(word) - len(ending)
            if word.endswith(ending) and keep >= max(shortest, 4 if len(ending) == 1 else 0):
                word = word[:keep]
                break
        else:
            break
    return word


def is_kazakh(word: str) -> bool:
    """Written with a letter only Kazakh has (Russian words are left to the Russian stemmer)."""
    return not KAZAKH_LETTERS.isdisjoint(word.lower())


# A Kazakh form written in Russian letters: a plural ending with up to four letters after it
# (`домбыралар`, `домбыралары`), or a vowel's possessive (`арбасы`). Russian words with
# these endings are rare enough (and kazakh_stem keeps four letters of them).
KAZAKH_FORM = re.compile(r"(?:лар|лер|дар|дер|тар|тер)[а-яё]{0,4}$|[аеёиоуыэюя]с[ыі]$")


def kazakh_form(word: str) -> bool:
    """Whether `word` may carry Kazakh endings worth stripping: a Kazakh letter, or the form
    of one. Other words are left to the Russian stemmer: stripping «-ка» off «футболка» would
    make it a «футбол»."""
    word = word.lower()
    return is_kazakh(word) or KAZAKH_FORM.search(word) is not None


TITLE_WORD = re.compile(r"[a-zа-яёәғқңөұүһі]+")


def kazakh_title_stems(title: str) -> list[str]:
    """The stems a title's Kazakh forms add to its search vector (migration 0015's
    `listings_kazakh_stems` in SQL, which a test holds equal to this)."""
    stems = []
    for word in TITLE_WORD.findall(title.lower()):
        if kazakh_form(word) and (stem := kazakh_stem(word)) != word:
            stems.append(stem)
    return stems


VOICING = {"к": "г", "г": "к", "қ": "ғ", "ғ": "қ", "п": "б", "б": "п"}


def kazakh_stems(word: str) -> list[str]:
    """The stem, and the stem with its last consonant voiced or unvoiced: a vowel ending voices
    it (`көйлек` -> `көйлегі`, `кітап` -> `кітабы`), so both spellings are looked for."""
    stem = kazakh_stem(word)
    if stem[-1] in VOICING:
        return [stem, stem[:-1] + VOICING[stem[-1]]]
    return [stem]
