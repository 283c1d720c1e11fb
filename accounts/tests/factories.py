import factory
from django.utils import timezone

from accounts.models import User

PASSWORD = "Kokshetau-Steppe-2026"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.kz")
    phone = factory.Sequence(lambda n: f"+7701{n:07d}")
    name = factory.Faker("first_name", locale="ru_RU")
    phone_verified_at = factory.LazyFunction(timezone.now)
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    class Params:
        unverified = factory.Trait(phone_verified_at=None)

    @factory.post_generation
    def _save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save(update_fields=["password"])
