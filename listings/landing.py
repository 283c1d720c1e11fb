"""Category x city landing pages: /almaty/bicycles/, "Велосипеды в Алматы".

A landing page is the search page with two filters fixed by its path, a heading of its own and a
title and description for search engines. The search page with exactly these two filters names
the landing page as its canonical URL. The sitemap lists the combinations that have active ads.
"""

from dataclasses import dataclass

from django.db.models import Count
from django.urls import reverse
from django.utils import translation

from listings.models import Category, City, Listing
from listings.search import SearchFilters

VOWELS = "аеёиоуыэюяАЕЁИОУЫЭЮЯ"


def city_locative_ru(name: str) -> str:
    """Where, in Russian: Астана -> Астане, Шымкент -> Шымкенте, Семей -> Семее,
    Рудный -> Рудном; Алматы, Актобе, Атырау stay as they are."""
    if name.endswith("ый"):
        return name[:-2] + "ом"
    if name.endswith(("а", "й")):
        return name[:-1] + "е"
    if name.endswith("ь"):
        return name[:-1] + "и"
    if name[-1:] in VOWELS:
        return name
    return name + "е"


@dataclass(frozen=True)
class Landing:
    city: City
    category: Category

    @property
    def heading(self) -> str:
        """ "Велосипеды в Алматы", "Bicycles in Almaty", "Велосипедтер — Алматы"."""
        language = translation.get_language()
        if language == "ru":  # the city in the prepositional case: "в Астане"
            return f"{self.category.name_ru} в {city_locative_ru(self.city.name_ru)}"
        if language == "kk":  # Kazakh declines the city too ("Алматыдағы"): a dash instead
            return f"{self.category.name_kk} — {self.city.name_kk}"
        return f"{self.category.name_en} in {self.city.name_en}"

    def get_absolute_url(self) -> str:
        return reverse("landing", args=[self.city.slug, self.category.slug])


def landing_get(*, city_slug: str, category_slug: str) -> Landing | None:
    city = City.objects.filter(slug=city_slug).first()
    category = city and Category.objects.filter(slug=category_slug).first()
    return Landing(city, category) if city and category else None


def landing_for(filters: SearchFilters) -> Landing | None:
    """The landing page of a search that filters by a city and a category and nothing else."""
    if not (filters.city and filters.category):
        return None
    others = SearchFilters(city=filters.city, category=filters.category)
    return Landing(filters.city, filters.category) if filters == others else None


def landing_combinations() -> list[tuple[str, str]]:
    """(city slug, category slug) of every combination with an active ad, leaf and top-level
    categories: one grouped query over the active ads' ids (no join), two small lookups."""
    rows = (
        Listing.objects.filter(status=Listing.Status.ACTIVE)
        .values_list("city_id", "category_id", "root_category_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    pairs = set()
    for city, category, root, _n in rows:
        pairs.add((city, category))
        pairs.add((city, root))
    cities = dict(City.objects.values_list("pk", "slug"))
    categories = dict(Category.objects.values_list("pk", "slug"))
    return sorted({(cities[city], categories[category]) for city, category in pairs})
