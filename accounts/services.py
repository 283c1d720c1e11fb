"""Every write to accounts."""

import logging
import math
import secrets
import uuid
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone, translation
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from accounts import tasks
from accounts.errors import (
    AvatarStorageUnavailable,
    PhoneAlreadyVerified,
    PhoneCodeExpired,
    PhoneCodeWrong,
    PhoneHidden,
    PhoneNotMobile,
    PhoneRevealsUsedUp,
    PhoneTaken,
)
from accounts.models import PhoneCode, PhoneReveal, User
from accounts.phones import is_kz_mobile
from accounts.selectors import phone_held_by_verified, phone_verified_required
from accounts.sms import get_sms_backend
from listings.models import City, Listing
from zattar.images import ImageLimits, open_upload, reencode
from zattar.storage import STORAGE_FAILURES, delete_quietly
from zattar.throttling import Throttled

logger = logging.getLogger(__name__)

AVATAR_LIMITS = ImageLimits(max_bytes=settings.AVATAR_MAX_UPLOAD_BYTES, max_pixels=40_000_000)


@transaction.atomic
def user_register(*, email: str, phone: str, password: str, name: str, language: str = "") -> User:
    """Create an account. Email and phone must already be validated and normalized. The
    account's language is the one given, else the one the site is shown in right now."""
    return User.objects.create_user(
        email=email, phone=phone, password=password, name=name, language=site_language(language)
    )


def site_language(code: str = "") -> str:
    """A language Zattar writes in: `code`, else the active one, else the default."""
    known = {code for code, _name in settings.LANGUAGES}
    for candidate in (code, (translation.get_language() or "")[:2]):
        if candidate in known:
            return candidate
    return settings.LANGUAGE_CODE


def user_language_set(*, user: User, language: str) -> User:
    """Keep the language the person uses the site in (the switcher, the API)."""
    language = site_language(language)
    if user.language != language:
        User.objects.filter(pk=user.pk).update(language=language)
        user.language = language
    return user


@transaction.atomic
def user_password_change(*, user: User, new_password: str) -> User:
    """Set a new (already validated) password. Every JWT issued before dies with the old one:
    tokens carry a hash of the password hash (SIMPLE_JWT's CHECK_REVOKE_TOKEN), and the
    outstanding refresh tokens are blacklisted as well."""
    user = User.objects.select_for_update().get(pk=user.pk)
    user.set_password(new_password)
    user.save(update_fields=["password"])
    user_tokens_revoke(user=user)
    return user


@transaction.atomic
def user_tokens_revoke(*, user: User) -> int:
    """Blacklist every unexpired refresh token of `user`; returns how many were still live."""
    live = OutstandingToken.objects.filter(
        user=user, expires_at__gt=timezone.now(), blacklistedtoken__isnull=True
    )
    entries = [BlacklistedToken(token=token) for token in live]
    BlacklistedToken.objects.bulk_create(entries, ignore_conflicts=True)
    return len(entries)


def _avatar_file(upload):
    image = open_upload(upload, AVATAR_LIMITS)
    content = reencode(image, longest_side=settings.AVATAR_SIZE)
    content.name = f"{uuid.uuid4().hex}.jpg"
    return content


@transaction.atomic
def profile_update(
    *,
    user: User,
    name: str | None = None,
    city: City | None = None,
    clear_city: bool = False,
    avatar=None,
    clear_avatar: bool = False,
    show_phone: bool | None = None,
    language: str | None = None,
) -> User:
    """Change what a user shows of themselves. Avatars are re-encoded before they are stored."""
    user = User.objects.select_for_update().get(pk=user.pk)
    fields: list[str] = []
    if name is not None:
        user.name = name
        fields.append("name")
    if show_phone is not None:
        user.show_phone = show_phone
        fields.append("show_phone")
    if language is not None:
        user.language = site_language(language)
        fields.append("language")
    if city is not None or clear_city:
        user.city = city
        fields.append("city")
    old_avatar = user.avatar.name if (avatar is not None or clear_avatar) else None
    if clear_avatar and avatar is None:
        user.avatar = ""
        fields.append("avatar")
    if fields:
        user.save(update_fields=fields)
    if avatar is not None:  # the file last: after it only the commit remains
        content = _avatar_file(avatar)
        try:
            user.avatar.save(content.name, content, save=False)
        except STORAGE_FAILURES as error:
            logger.warning("avatar of user %s not stored: %r", user.pk, error)
            raise AvatarStorageUnavailable() from error
        try:
            user.save(update_fields=["avatar"])
        except BaseException:
            delete_quietly([(user.avatar.storage, user.avatar.name)])
            raise
    if old_avatar and old_avatar != user.avatar.name:
        transaction.on_commit(partial(delete_quietly, [(user.avatar.storage, old_avatar)]))
    return user


# --- Verified phones -----------------------------------------------------------------------------
#
# A code is six random digits; the row keeps an HMAC of it (keyed by SECRET_KEY), never the code.
# The SMS is a job deferred in the transaction that creates the row. The job needs the digits:
# its arguments (which the job admin shows) carry them sealed, added digit-wise to a one-time
# mask derived from SECRET_KEY and the row's id, so the queue's table reveals nothing usable.

ONE_HOUR = timedelta(hours=1)
ONE_DAY = timedelta(days=1)


def _code_hash(*, user_id: int, phone: str, code: str) -> str:
    return salted_hmac(
        "accounts.PhoneCode", f"{user_id}:{phone}:{code}", algorithm="sha256"
    ).hexdigest()


def _code_mask(code_id: int) -> int:
    digest = salted_hmac("accounts.PhoneCode.sms", str(code_id), algorithm="sha256").digest()
    return int.from_bytes(digest[:8], "big") % 1_000_000


def code_seal(code: str, code_id: int) -> str:
    return f"{(int(code) + _code_mask(code_id)) % 1_000_000:06d}"


def code_unseal(sealed: str, code_id: int) -> str:
    return f"{(int(sealed) - _code_mask(code_id)) % 1_000_000:06d}"


def _lock(key: str) -> None:
    """Serialize, until the transaction ends, the writers that count rows under `key`."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [key])


def _window_wait(rows, *, limit: int, window: timedelta, now: datetime) -> int | None:
    """Seconds until the oldest of the `limit` newest rows in `window` leaves it, if the
    window holds `limit` rows already; None while there is room."""
    times = list(
        rows.filter(created_at__gt=now - window)
        .order_by("-created_at")
        .values_list("created_at", flat=True)[:limit]
    )
    if len(times) < limit:
        return None
    return max(math.ceil((times[-1] + window - now).total_seconds()), 1)


@transaction.atomic
def phone_code_send(
    *, user: User, ip: str | None, phone: str = "", now: datetime | None = None
) -> PhoneCode:
    """Send a code by SMS to `phone` (a normalized mobile number; default: the account's).
    Refused when another account verified the number (409 phone_taken), when it is the
    account's verified number already, or over PHONE_CODE_SENDS_PER_PHONE codes per number or
    PHONE_CODE_SENDS_PER_ADDRESS per client address in an hour (429 with retry_after). A new
    code voids the user's earlier ones."""
    now = now or timezone.now()
    user = User.objects.select_for_update().get(pk=user.pk)
    phone = phone or user.phone
    if phone == user.phone and user.phone_verified:
        raise PhoneAlreadyVerified()
    if not is_kz_mobile(phone):  # an account's old landline
        raise PhoneNotMobile()
    if phone_held_by_verified(phone=phone, other_than=user):
        raise PhoneTaken()
    _lock(f"phone-code:phone:{phone}")
    waits = [
        _window_wait(
            PhoneCode.objects.filter(phone=phone),
            limit=settings.PHONE_CODE_SENDS_PER_PHONE,
            window=ONE_HOUR,
            now=now,
        )
    ]
    if ip:
        _lock(f"phone-code:ip:{ip}")
        waits.append(
            _window_wait(
                PhoneCode.objects.filter(ip=ip),
                limit=settings.PHONE_CODE_SENDS_PER_ADDRESS,
                window=ONE_HOUR,
                now=now,
            )
        )
    if any(waits):
        raise Throttled(retry_after=max(w for w in waits if w))
    PhoneCode.objects.filter(user=user, used_at=None, expires_at__gt=now).update(expires_at=now)
    code = f"{secrets.randbelow(1_000_000):06d}"
    row = PhoneCode.objects.create(
        user=user,
        phone=phone,
        code_hash=_code_hash(user_id=user.pk, phone=phone, code=code),
        ip=ip,
        created_at=now,
        expires_at=now + settings.PHONE_CODE_TTL,
    )
    tasks.phone_code_sms.defer(
        code_id=row.pk, sealed=code_seal(code, row.pk), language=translation.get_language()
    )
    return row


def phone_code_deliver(*, code_id: int, sealed: str, language: str) -> None:
    """The job's work: the SMS with the code, unless the code is used, void or sent already."""
    row = PhoneCode.objects.filter(pk=code_id).first()
    now = timezone.now()
    if row is None or row.sent_at or row.used_at or row.expires_at <= now:
        return
    minutes = int(settings.PHONE_CODE_TTL.total_seconds() // 60)
    with translation.override(language):
        text = _(
            "Zattar: your code is %(code)s. It is valid for %(minutes)d minutes. Do not tell it "
            "to anyone."
        ) % {"code": code_unseal(sealed, code_id), "minutes": minutes}
    get_sms_backend().send(row.phone, text)
    PhoneCode.objects.filter(pk=row.pk).update(sent_at=now)


def phone_confirm(*, user: User, code: str, now: datetime | None = None) -> User:
    """Check the code of the user's live code: right, the number becomes the account's,
    verified; wrong, the try is counted (PHONE_CODE_MAX_ATTEMPTS void the code). Another account
    that verified the number meanwhile keeps it (409 phone_taken)."""
    now = now or timezone.now()
    error: Exception
    with transaction.atomic():  # a wrong try is saved although the answer is an error
        user = User.objects.select_for_update().get(pk=user.pk)
        row = (
            PhoneCode.objects.select_for_update()
            .filter(
                user=user,
                used_at=None,
                expires_at__gt=now,
                attempts__lt=settings.PHONE_CODE_MAX_ATTEMPTS,
            )
            .order_by("-created_at")
            .first()
        )
        if row is None:
            raise PhoneCodeExpired()
        expected = _code_hash(user_id=user.pk, phone=row.phone, code=code)
        if not constant_time_compare(expected, row.code_hash):
            row.attempts += 1
            row.save(update_fields=["attempts"])
            left = settings.PHONE_CODE_MAX_ATTEMPTS - row.attempts
            error = PhoneCodeWrong(attempts_left=left) if left else PhoneCodeExpired()
        elif phone_held_by_verified(phone=row.phone, other_than=user):
            error = PhoneTaken()
        else:
            row.used_at = now
            row.save(update_fields=["used_at"])
            user.phone, user.phone_verified_at = row.phone, now
            try:
                with transaction.atomic():
                    user.save(update_fields=["phone", "phone_verified_at"])
            except IntegrityError:  # another account verified it a moment ago
                error = PhoneTaken()
            else:
                return user
    raise error


@transaction.atomic
def phone_reveal(
    *,
    viewer: User,
    seller_id: int,
    listing_id: int | None = None,
    ip: str | None = None,
    now: datetime | None = None,
) -> User:
    """Show `seller`'s number to `viewer`: only a seller who chose to show it and verified it
    (else 404 phone_hidden), only to a verified viewer (403 phone_unverified), at most
    PHONE_REVEALS_PER_DAY sellers per viewer in 24 hours (429; seeing one again is free). Each
    reveal is logged for moderators. Returns the seller."""
    now = now or timezone.now()
    seller = User.objects.filter(pk=seller_id, is_active=True).first()
    if seller is None or not (seller.show_phone and seller.phone_verified):
        raise PhoneHidden()
    if seller.pk == viewer.pk:
        return seller
    phone_verified_required(viewer)
    User.objects.select_for_update().filter(pk=viewer.pk).first()  # one count at a time
    today = PhoneReveal.objects.filter(viewer=viewer, created_at__gt=now - ONE_DAY)
    if not today.filter(seller=seller).exists():
        firsts = (
            today.order_by("seller_id", "created_at")
            .distinct("seller_id")
            .values_list("created_at", flat=True)
        )
        if len(firsts) >= settings.PHONE_REVEALS_PER_DAY:
            oldest = min(firsts)
            raise PhoneRevealsUsedUp(
                retry_after=max(math.ceil((oldest + ONE_DAY - now).total_seconds()), 1)
            )
    if (
        listing_id is not None
        and not Listing.objects.filter(pk=listing_id, seller_id=seller.pk).exists()
    ):
        listing_id = None
    PhoneReveal.objects.create(
        viewer=viewer, seller=seller, listing_id=listing_id, ip=ip, created_at=now
    )
    return seller
