"""The relevance test set: generated ads on top of the demo catalogue, and queries by class with
the ads each must find.

An ad is relevant to a query when its title or description names the query's concept (a regular
expression per concept, over the demo catalogue and the generated ads alike). Every concept gets
six generated ads that write it in different forms (Russian cases and plurals, Kazakh endings,
brands in Latin letters), so every query has enough ads to find.
"""

import re
from dataclasses import dataclass

from listings.rewrites import CYRILLIC_TO_LATIN_KEYS, LATIN_TO_KAZAKH, LATIN_TO_RUSSIAN


@dataclass(frozen=True)
class Concept:
    word: str  # the canonical query
    pattern: str  # what makes an ad relevant (title or description, case-insensitive)
    forms: tuple[str, ...]  # how generated ads write it
    category: str  # leaf category slug of the generated ads
    kind: str  # "ru", "brand", "kk"
    latin: str = ""  # ru: how people spell it in Latin letters
    cyrillic: str = ""  # brand: how people spell it in Cyrillic letters
    kazakh_queries: tuple[str, ...] = ()  # kk: inflected query forms


RU = [
    Concept(
        "велосипед",
        r"велосипед",
        ("Велосипед", "Велосипеды", "велосипеда"),
        "bicycles",
        "ru",
        latin="velosiped",
    ),
    Concept(
        "холодильник",
        r"холодильник",
        ("Холодильник", "Холодильники", "холодильника"),
        "appliances",
        "ru",
        latin="holodilnik",
    ),
    Concept("диван", r"диван", ("Диван", "Диваны", "дивана"), "furniture", "ru", latin="divan"),
    Concept(
        "коляска", r"коляск", ("Коляска", "Коляски", "коляску"), "strollers", "ru", latin="kolyaska"
    ),
    Concept(
        "телевизор",
        r"телевизор",
        ("Телевизор", "Телевизоры", "телевизора"),
        "tv-audio-video",
        "ru",
        latin="televizor",
    ),
    Concept(
        "ноутбук",
        r"ноутбук",
        ("Ноутбук", "Ноутбуки", "ноутбука"),
        "computers",
        "ru",
        latin="noutbuk",
    ),
    Concept(
        "кроссовки",
        r"кроссовк",
        ("Кроссовки", "Кроссовок", "кроссовки"),
        "shoes",
        "ru",
        latin="krossovki",
    ),
    Concept(
        "куртка", r"куртк", ("Куртка", "Куртки", "куртку"), "womens-clothing", "ru", latin="kurtka"
    ),
    Concept("шкаф", r"шкаф", ("Шкаф", "Шкафы", "шкафа"), "furniture", "ru", latin="shkaf"),
    Concept(
        "квартира",
        r"квартир",
        ("Квартира", "Квартиры", "квартиру"),
        "apartments-sale",
        "ru",
        latin="kvartira",
    ),
    Concept(
        "гитара",
        r"гитар",
        ("Гитара", "Гитары", "гитару"),
        "musical-instruments",
        "ru",
        latin="gitara",
    ),
    Concept(
        "пылесос",
        r"пылесос",
        ("Пылесос", "Пылесосы", "пылесоса"),
        "appliances",
        "ru",
        latin="pylesos",
    ),
    Concept(
        "наушники",
        r"наушник",
        ("Наушники", "Наушник", "наушников"),
        "tv-audio-video",
        "ru",
        latin="naushniki",
    ),
    Concept(
        "монитор",
        r"монитор",
        ("Монитор", "Мониторы", "монитора"),
        "computers",
        "ru",
        latin="monitor",
    ),
    Concept(
        "перфоратор",
        r"перфоратор",
        ("Перфоратор", "Перфораторы", "перфоратора"),
        "tools",
        "ru",
        latin="perforator",
    ),
    Concept(
        "кровать",
        r"кроват",
        ("Кровать", "Кровать детская", "кровать"),
        "furniture",
        "ru",
        latin="krovat",
    ),
    Concept("сапоги", r"сапог", ("Сапоги", "Сапог", "сапоги"), "shoes", "ru", latin="sapogi"),
    Concept(
        "аккумулятор",
        r"аккумулятор",
        ("Аккумулятор", "Аккумуляторы", "аккумулятора"),
        "spare-parts",
        "ru",
        latin="akkumulyator",
    ),
    Concept(
        "микроволновка",
        r"микроволновк",
        ("Микроволновка", "Микроволновки", "микроволновку"),
        "appliances",
        "ru",
        latin="mikrovolnovka",
    ),
    Concept(
        "котята",
        r"котят",
        ("Котята", "Котята британские", "Котята метисы"),
        "cats",
        "ru",
        latin="kotyata",
    ),
]
BRANDS = [
    Concept(
        "iphone",
        r"(?:iphone|айфон)\b",
        ("iPhone 12", "iPhone 14 Pro", "Apple iPhone SE"),
        "phones",
        "brand",
        cyrillic="айфон",
    ),
    Concept(
        "samsung",
        r"(?:samsung|самсунг)\b",
        ("Samsung A54", "Samsung Galaxy S23", "Телефон Samsung"),
        "phones",
        "brand",
        cyrillic="самсунг",
    ),
    Concept(
        "xiaomi",
        r"xiaomi|сяоми",
        ("Xiaomi Redmi 10", "Xiaomi Mi 11", "Телефон Xiaomi"),
        "phones",
        "brand",
        cyrillic="сяоми",
    ),
    Concept(
        "toyota",
        r"toyota|тойота",
        ("Toyota Corolla", "Toyota RAV4", "Toyota Highlander"),
        "cars",
        "brand",
        cyrillic="тойота",
    ),
    Concept(
        "hyundai",
        r"hyundai|хендай",
        ("Hyundai Elantra", "Hyundai Sonata", "Hyundai Creta"),
        "cars",
        "brand",
        cyrillic="хендай",
    ),
    Concept(
        "lenovo",
        r"lenovo|леново",
        ("Lenovo ThinkPad", "Lenovo Legion", "Lenovo Yoga"),
        "computers",
        "brand",
        cyrillic="леново",
    ),
    Concept(
        "sony",
        r"(?:sony|сони)\b",
        ("Sony Bravia", "Sony WH-CH720", "Sony Xperia"),
        "tv-audio-video",
        "brand",
        cyrillic="сони",
    ),
    Concept(
        "nokia",
        r"(?:nokia|нокиа)\b",
        ("Nokia 3310", "Nokia G21", "Nokia C31"),
        "phones",
        "brand",
        cyrillic="нокиа",
    ),
    Concept(
        "playstation",
        r"playstation|плейстейшн",
        ("PlayStation 4", "PlayStation 5 Slim", "Sony PlayStation"),
        "games-consoles",
        "brand",
        cyrillic="плейстейшн",
    ),
    Concept(
        "dyson",
        r"dyson|дайсон",
        ("Dyson V8", "Dyson Supersonic", "Dyson V15"),
        "appliances",
        "brand",
        cyrillic="дайсон",
    ),
    Concept(
        "makita",
        r"makita|макита",
        ("Makita DF333", "Makita болгарка", "Makita GA5030"),
        "tools",
        "brand",
        cyrillic="макита",
    ),
    Concept(
        "casio",
        r"(?:casio|касио)\b",
        ("Casio Edifice", "Casio Vintage", "Casio Pro Trek"),
        "watches-jewelry",
        "brand",
        cyrillic="касио",
    ),
    Concept(
        "lego",
        r"(?:lego|лего)\b",
        ("LEGO Technic", "LEGO Friends", "LEGO Duplo"),
        "toys",
        "brand",
        cyrillic="лего",
    ),
    Concept(
        "nike",
        r"(?:nike|найк)\b",
        ("Nike Air Max", "Nike Dunk", "Nike Pegasus"),
        "shoes",
        "brand",
        cyrillic="найк",
    ),
    Concept(
        "macbook",
        r"macbook|макбук",
        ("MacBook Pro 14", "MacBook Air M2", "Apple MacBook"),
        "computers",
        "brand",
        cyrillic="макбук",
    ),
    Concept(
        "bosch",
        r"(?:bosch|бош)\b",
        ("Bosch GSR 120", "Bosch PSB 500", "Bosch Serie 4"),
        "tools",
        "brand",
        cyrillic="бош",
    ),
    Concept(
        "huawei",
        r"huawei|хуавей",
        ("Huawei P30", "Huawei Nova 11", "Huawei MatePad"),
        "phones",
        "brand",
        cyrillic="хуавей",
    ),
    Concept(
        "chevrolet",
        r"chevrolet|шевроле",
        ("Chevrolet Nexia", "Chevrolet Spark", "Chevrolet Onix"),
        "cars",
        "brand",
        cyrillic="шевроле",
    ),
]
KK = [
    Concept("көйлек", r"көйле[кг]", ("Көйлек", "Көйлектер", "Қыз көйлегі"), "womens-clothing", "kk", kazakh_queries=("көйлектер", "көйлекті", "көйлектері")),  # noqa: E501
    Concept("күшік", r"күші[кг]", ("Күшік", "Күшіктер", "Алабай күшігі"), "dogs", "kk", kazakh_queries=("күшіктер", "күшікті", "күшіктері")),  # noqa: E501
    Concept("пәтер", r"пәтер", ("Пәтер", "Пәтерлер", "Екі бөлмелі пәтері"), "apartments-sale", "kk", kazakh_queries=("пәтерлер", "пәтерді", "пәтерге")),  # noqa: E501
    Concept("кітап", r"кіта[пб]", ("Кітап", "Кітаптар", "Балалар кітабы"), "books", "kk", kazakh_queries=("кітаптар", "кітапты", "кітаптары")),  # noqa: E501
    Concept("дөңгелек", r"дөңгеле[кг]", ("Дөңгелек", "Дөңгелектер", "Қысқы дөңгелегі"), "tyres-wheels", "kk", kazakh_queries=("дөңгелектер", "дөңгелекті", "дөңгелектері")),  # noqa: E501
    Concept("мысық", r"мысы[қғ]", ("Мысық", "Мысықтар", "Мысығы"), "cats", "kk", kazakh_queries=("мысықтар", "мысықты", "мысықтары")),  # noqa: E501
    Concept("білезік", r"білезі[кг]", ("Білезік", "Білезіктер", "Күміс білезігі"), "watches-jewelry", "kk", kazakh_queries=("білезіктер", "білезікті", "білезіктері")),  # noqa: E501
    Concept("арба", r"арба", ("Арба", "Арбалар", "Балалар арбасы"), "strollers", "kk", kazakh_queries=("арбалар", "арбаны", "арбаға")),  # noqa: E501
    Concept("шалбар", r"шалбар", ("Шалбар", "Шалбарлар", "Ерлер шалбары"), "womens-clothing", "kk", kazakh_queries=("шалбарлар", "шалбарды", "шалбарға")),  # noqa: E501
    Concept("тоңазытқыш", r"тоңазытқыш", ("Тоңазытқыш", "Тоңазытқыштар", "Тоңазытқышы"), "appliances", "kk", kazakh_queries=("тоңазытқыштар", "тоңазытқышты", "тоңазытқышқа")),  # noqa: E501
    Concept("гантель", r"гантел", ("Гантель", "Гантельдер", "Гантельдері"), "sport-equipment", "kk", kazakh_queries=("гантельдер", "гантельді", "гантельдері")),  # noqa: E501
    Concept("домбыра", r"домбыр", ("Домбыра", "Домбыралар", "Шебер домбырасы"), "musical-instruments", "kk", kazakh_queries=("домбыралар", "домбыраны", "домбырасы")),  # noqa: E501
]  # fmt: skip
CONCEPTS = RU + BRANDS + KK

# Words that go with every concept in generated titles, never a concept themselves.
EXTRAS = ["новый", "недорого", "срочно", "отличный", "жаңа", "оригинал"]
DESCRIPTIONS = [
    "Состояние хорошее, самовывоз из центра, торг уместен.",
    "Жақсы күйде, хабарласыңыз, көрсетемін.",
    "Продаю в связи с переездом, пишите в чат.",
]


def generated_ads() -> list[dict]:
    """Six ads per concept: each form twice, with a different extra word."""
    ads = []
    for c_index, concept in enumerate(CONCEPTS):
        for n in range(6):
            form = concept.forms[n % len(concept.forms)]
            extra = EXTRAS[(c_index + n) % len(EXTRAS)]
            ads.append(
                {
                    "title": f"{form} {extra}",
                    "description": DESCRIPTIONS[(c_index + n) % len(DESCRIPTIONS)],
                    "category": concept.category,
                    "price": 10_000 + 1_000 * n,
                }
            )
    return ads


# --- Queries ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Query:
    cls: str
    q: str
    patterns: tuple[str, ...]  # an ad is relevant when it matches all of them

    def relevant(self, text: str) -> bool:
        return all(re.search(rf"\b(?:{p})", text, re.IGNORECASE) for p in self.patterns)


def wrong_layout(word: str) -> str:
    """The keys a word's letters sit on in the other layout (Kazakh letters: the Kazakh one)."""
    if re.search("[a-z]", word):
        return word.translate(LATIN_TO_RUSSIAN)
    return word.translate(CYRILLIC_TO_LATIN_KEYS)


def typo(word: str) -> str:
    """One letter dropped from the middle: the commonest slip."""
    middle = len(word) // 2
    return word[:middle] + word[middle + 1 :]


def queries() -> list[Query]:
    found: list[Query] = []
    for concept in CONCEPTS:
        pattern = (concept.pattern,)
        found.append(Query("exact", concept.word, pattern))
        if len(concept.word) >= 6:
            found.append(Query("typo", typo(concept.word), pattern))
        found.append(Query("wrong layout", wrong_layout(concept.word), pattern))
        if concept.kind == "ru":
            found.append(Query("translit latin->cyrillic", concept.latin, pattern))
        if concept.kind == "brand":
            found.append(Query("cyrillic brand", concept.cyrillic, pattern))
        for form in concept.kazakh_queries:
            found.append(Query("kazakh forms", form, pattern))
    # Two words: the concept and the extra word some of its generated ads carry.
    for c_index, concept in enumerate(CONCEPTS):
        extra = EXTRAS[c_index % len(EXTRAS)]
        word = concept.cyrillic or concept.word if c_index % 2 else concept.word
        found.append(Query("multi-word", f"{word} {extra}", (concept.pattern, extra)))
    return found


# Kazakh-layout check: a Kazakh word typed with the Latin layout on reads back through the map.
assert wrong_layout("көйлек").translate(LATIN_TO_KAZAKH) == "көйлек"
