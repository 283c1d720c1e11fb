import factory

from accounts.tests.factories import UserFactory
from searches.models import Frequency, SavedSearch


class SavedSearchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SavedSearch

    user = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"Поиск {n}")
    frequency = Frequency.INSTANT
