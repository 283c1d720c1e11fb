"""Demo data for a newcomer's first `make run`: idempotent, so running it again changes nothing."""

from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.models import User
from accounts.services import user_register
from listings.models import City

DEMO_PASSWORD = "zattar-demo-2026"
DEMO_USERS = [
    ("aigerim@demo.zattar.kz", "+77011234501", "Айгерим", "almaty"),
    ("daniyar@demo.zattar.kz", "+77021234502", "Данияр", "astana"),
    ("olga@demo.zattar.kz", "+77051234503", "Ольга", "karaganda"),
    ("nurlan@demo.zattar.kz", "+77071234504", "Нұрлан", "shymkent"),
    ("asel@demo.zattar.kz", "+77471234505", "Асель", "almaty"),
    ("timur@demo.zattar.kz", "+77761234506", "Тимур", "pavlodar"),
]


class Command(BaseCommand):
    help = "Load the demo users (and, once the catalogue exists, their ads). Safe to run again."

    @transaction.atomic
    def handle(self, *args, **options) -> None:
        created = 0
        cities = {city.slug: city for city in City.objects.all()}
        for email, phone, name, city in DEMO_USERS:
            if User.objects.filter(email=email).exists():
                continue
            user = user_register(email=email, phone=phone, password=DEMO_PASSWORD, name=name)
            user.city = cities.get(city)
            user.save(update_fields=["city"])
            created += 1
        if not User.objects.filter(is_superuser=True).exists():
            User.objects.create_superuser(
                "admin@demo.zattar.kz", "+77001234500", DEMO_PASSWORD, name="Модератор"
            )
            created += 1
        self.stdout.write(
            f"Demo data: {created} users created. Log in as {DEMO_USERS[0][0]} or "
            f"admin@demo.zattar.kz with the password {DEMO_PASSWORD}."
        )
