from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import F, QuerySet
from django.utils import timezone

from accounts.errors import PhoneUnverified
from accounts.models import PhoneCode, User
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
    return user_by_phone(phone)


def user_by_phone(phone: str) -> User | None:
    """The account a phone number signs in: the one that verified it, else the only one that
    typed it. Several unverified accounts may hold one number (whoever verifies it first takes
    it); none of them signs in by it then, only by email."""
    holders = list(
        User.objects.filter(phone=phone).order_by(
            F("phone_verified_at").desc(nulls_last=True), "pk"
        )[:2]
    )
    if holders and holders[0].phone_verified:
        return holders[0]
    return holders[0] if len(holders) == 1 else None


def phone_held_by_verified(*, phone: str, other_than: User | None = None) -> bool:
    """Whether an account (other than `other_than`) has verified `phone`."""
    holders = User.objects.filter(phone=phone, phone_verified_at__isnull=False)
    if other_than is not None:
        holders = holders.exclude(pk=other_than.pk)
    return holders.exists()


def phone_verified_required(user) -> None:
    """PhoneUnverified (403 `phone_unverified`, with the page to verify on) unless `user` has
    verified a phone: posting ads, Safe Deals and revealing sellers' numbers need one."""
    if not getattr(user, "phone_verified", False):
        raise PhoneUnverified()


def user_public_list() -> QuerySet[User]:
    return User.objects.filter(is_active=True).select_related("city")


def user_get_public(*, user_id: int) -> User | None:
    return user_public_list().filter(pk=user_id).first()


def phone_code_pending(*, user: User) -> PhoneCode | None:
    """The user's code that can still be confirmed, if any."""
    return (
        PhoneCode.objects.filter(
            user=user,
            used_at=None,
            expires_at__gt=timezone.now(),
            attempts__lt=settings.PHONE_CODE_MAX_ATTEMPTS,
        )
        .order_by("-created_at")
        .first()
    )
