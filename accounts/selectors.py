from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from accounts.models import User
from accounts.phones import normalize_kz_phone


def user_by_login(login: str) -> User | None:
    """The user whose email or phone (in any accepted form) is `login`, if any."""
    login = (login or "").strip()
    if not login:
        return None
    if "@" in login:
        return User.objects.filter(email__iexact=login).first()
    try:
        phone = normalize_kz_phone(login)
    except ValidationError:
        return None
    return User.objects.filter(phone=phone).first()


def user_public_list() -> QuerySet[User]:
    return User.objects.filter(is_active=True).select_related("city")


def user_get_public(*, user_id: int) -> User | None:
    return user_public_list().filter(pk=user_id).first()
