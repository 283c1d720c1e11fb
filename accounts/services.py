"""Every write to accounts."""

import logging
import uuid
from functools import partial

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from accounts.errors import AvatarStorageUnavailable
from accounts.models import User
from listings.models import City
from zattar.images import ImageLimits, open_upload, reencode
from zattar.storage import STORAGE_FAILURES, delete_quietly

logger = logging.getLogger(__name__)

AVATAR_LIMITS = ImageLimits(max_bytes=settings.AVATAR_MAX_UPLOAD_BYTES, max_pixels=40_000_000)


@transaction.atomic
def user_register(*, email: str, phone: str, password: str, name: str) -> User:
    """Create an account. Email and phone must already be validated and normalized."""
    return User.objects.create_user(email=email, phone=phone, password=password, name=name)


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
) -> User:
    """Change what a user shows of themselves. Avatars are re-encoded before they are stored."""
    user = User.objects.select_for_update().get(pk=user.pk)
    fields: list[str] = []
    if name is not None:
        user.name = name
        fields.append("name")
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
