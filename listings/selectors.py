from django.db.models import QuerySet

from listings.models import City


def city_list() -> QuerySet[City]:
    return City.objects.all()
