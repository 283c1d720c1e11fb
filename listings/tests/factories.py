import factory

from accounts.tests.factories import UserFactory
from listings.models import Category, City, Listing


class ListingFactory(factory.django.DjangoModelFactory):
    """An active ad in a real leaf category and city (both loaded by migrations)."""

    class Meta:
        model = Listing

    seller = factory.SubFactory(UserFactory)
    title = factory.Sequence(lambda n: f"Велосипед городской номер {n}")
    description = "Хорошее состояние, самовывоз из центра города, торг уместен."
    price = 50_000
    condition = Listing.Condition.USED
    city = factory.LazyFunction(lambda: City.objects.get(slug="almaty"))
    category = factory.LazyFunction(lambda: Category.objects.get(slug="bicycles"))
    root_category = factory.LazyAttribute(lambda o: o.category.parent or o.category)
