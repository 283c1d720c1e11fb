"""Every write to listings: one atomic function per action, the seller checked on the server."""

import contextlib
import logging
import math
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

import imagehash
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, ImageStat
from redis.exceptions import RedisError

from accounts.selectors import phone_verified_required
from listings import selectors
from listings.errors import (
    CategoryLimitReached,
    DuplicateListing,
    InvalidPhotoOrder,
    ListingHasDeals,
    ListingNotFound,
    NotTheSeller,
    PendingPhotoGone,
    PhotoStorageUnavailable,
    RaiseTooSoon,
    RenewNotAllowed,
    StatusChangeNotAllowed,
    TooManyPhotos,
)
from listings.models import (
    EXPIRY_NOTICE,
    PENDING_PHOTO_LIFETIME,
    RENEW_WINDOW,
    Category,
    City,
    Favorite,
    Listing,
    ListingImage,
    PendingPhoto,
    ViewCountFlush,
    lifetime,
)
from listings.transitions import Role, allowed
from notifications.triggers import price_dropped
from zattar.images import ImageLimits, cover_crop, encode_jpeg, open_upload, upright_rgb
from zattar.storage import STORAGE_FAILURES, delete_quietly

logger = logging.getLogger(__name__)

MAX_PHOTOS = 10
# Photos uploaded from the ad form that no ad took yet, per user (a few forms' worth).
MAX_PENDING_PHOTOS = 30
PHOTO_LIMITS = ImageLimits(max_bytes=10 * 1024 * 1024, max_pixels=40_000_000)
LARGE_SIDE = 1600
THUMBNAIL_SIZE = (480, 360)
VIEW_WINDOW_SECONDS = 24 * 60 * 60


@dataclass(frozen=True)
class ProcessedPhoto:
    large: object
    thumbnail: object
    width: int
    height: int
    # The picture's perceptual hash (moderation.rules finds the same photo in another seller's
    # ad by it); None for a picture with nothing in it (one flat colour) to tell it apart.
    phash: int | None = None


# Below this spread of grey levels (0-255) a picture is one flat colour: it has no hash.
FLAT_PICTURE_STDDEV = 2.0


def photo_hash(image: Image.Image) -> int | None:
    """imagehash's pHash as a signed 64-bit integer (the column is a BigIntegerField): a
    picture re-encoded at another size or quality keeps it; None for a flat picture."""
    grey = image.convert("L").resize((32, 32), Image.Resampling.BILINEAR)
    if ImageStat.Stat(grey).stddev[0] < FLAT_PICTURE_STDDEV:
        return None
    unsigned = int(str(imagehash.phash(image)), 16)
    return unsigned - (1 << 64) if unsigned >= 1 << 63 else unsigned


def photo_process(upload) -> ProcessedPhoto:
    """Decode, turn upright, strip and re-encode one upload; raises ValidationError if bad."""
    upright = upright_rgb(open_upload(upload, PHOTO_LIMITS))  # once, for both sizes
    thumbnail = cover_crop(upright, THUMBNAIL_SIZE)
    upright.thumbnail((LARGE_SIDE, LARGE_SIDE), Image.Resampling.LANCZOS)
    large = encode_jpeg(upright)
    name = uuid.uuid4().hex
    large.name, thumbnail.name = f"{name}.jpg", f"{name}_t.jpg"
    return ProcessedPhoto(large, thumbnail, *upright.size, phash=photo_hash(upright))


def _locked_own_listing(*, listing_id: int, seller) -> Listing:
    listing = Listing.objects.select_for_update().filter(pk=listing_id).first()
    if listing is None:
        raise ListingNotFound()
    if listing.seller_id != seller.pk:
        raise NotTheSeller()
    return listing


def _store_photos(
    listing: Listing, photos: list[ProcessedPhoto], first_position: int
) -> list[ListingImage]:
    """Write the files, then their rows; if any of it fails, the files written so far go too
    (as far as the storage lets us), and the caller's transaction rolls back every row.

    Each service calls this last, so that after the files are written only the commit remains:
    a failed commit (or a process killed right before it) is the one way to leave files that
    no row names behind."""
    saved, images = [], []
    try:
        for offset, photo in enumerate(photos):
            image = ListingImage(
                listing=listing,
                position=first_position + offset,
                width=photo.width,
                height=photo.height,
                phash=photo.phash,
            )
            image.large.save(photo.large.name, photo.large, save=False)
            saved.append(image.large)
            image.thumbnail.save(photo.thumbnail.name, photo.thumbnail, save=False)
            saved.append(image.thumbnail)
            image.save()
            images.append(image)
    except STORAGE_FAILURES as error:
        logger.warning("photos of listing %s not stored: %r", listing.pk, error)
        delete_quietly((stored.storage, stored.name) for stored in saved)
        raise PhotoStorageUnavailable() from error
    except BaseException:
        delete_quietly((stored.storage, stored.name) for stored in saved)
        raise
    return images


@transaction.atomic
def listing_create(
    *,
    seller,
    title: str,
    description: str,
    price: int,
    negotiable: bool,
    condition: str,
    city: City,
    category: Category,
    photos: list[ProcessedPhoto] = (),
    pending_photo_ids: Sequence[int] = (),
) -> Listing:
    """Publish an ad with the seller's uploaded photos (`pending_photo_ids`, in that order,
    first) and `photos` after them."""
    phone_verified_required(seller)  # 403 phone_unverified
    pending = _take_pending_photos(owner=seller, ids=pending_photo_ids)
    photos = [*pending, *photos]
    if len(photos) > MAX_PHOTOS:
        raise TooManyPhotos(_("An ad can have at most %(max)d photos.") % {"max": MAX_PHOTOS})
    _refuse_duplicate(seller=seller, title=title, description=description)
    _refuse_over_limit(seller_id=seller.pk, category=category)
    now = timezone.now()
    listing = Listing.objects.create(
        published_at=now,
        expires_at=now + lifetime(),
        seller=seller,
        title=title,
        description=description,
        price=price,
        negotiable=negotiable,
        condition=condition,
        city=city,
        category=category,
        root_category_id=category.parent_id or category.pk,
        image_count=len(photos),
    )
    _screen(listing, photos=photos)
    _store_photos(listing, list(photos), 0)
    selectors.lists_changed()
    return listing


def _take_pending_photos(*, owner, ids: Sequence[int]) -> list[ProcessedPhoto]:
    """The owner's uploaded photos `ids` as photos to store, locked and deleted in the caller's
    transaction (their files go after commit); PendingPhotoGone if one is not his (any more)."""
    if not ids:
        return []
    rows = {
        row.pk: row
        for row in PendingPhoto.objects.select_for_update().filter(owner=owner, pk__in=ids)
    }
    if len(rows) != len(set(ids)):
        raise PendingPhotoGone()
    photos, files = [], []
    for pk in dict.fromkeys(ids):
        row = rows[pk]
        try:
            large = ContentFile(row.large.read(), name=f"{uuid.uuid4().hex}.jpg")
            thumbnail = ContentFile(row.thumbnail.read(), name=f"{large.name[:-4]}_t.jpg")
            row.large.close()
            row.thumbnail.close()
        except STORAGE_FAILURES as error:
            logger.warning("pending photo %s not read: %r", pk, error)
            raise PhotoStorageUnavailable() from error
        photos.append(ProcessedPhoto(large, thumbnail, row.width, row.height, phash=row.phash))
        files += [(row.large.storage, row.large.name), (row.thumbnail.storage, row.thumbnail.name)]
    PendingPhoto.objects.filter(pk__in=rows).delete()
    transaction.on_commit(partial(delete_quietly, files))
    return photos


@transaction.atomic
def pending_photo_create(*, owner, photo: ProcessedPhoto) -> PendingPhoto:
    """Keep one photo uploaded from the ad form until the ad is saved (or a day passes)."""
    get_user_model().objects.select_for_update().filter(pk=owner.pk).first()  # one at a time
    if PendingPhoto.objects.filter(owner=owner).count() >= MAX_PENDING_PHOTOS:
        raise TooManyPhotos(
            _("Too many photos are waiting for an ad: publish it or try again tomorrow.")
        )
    row = PendingPhoto(owner=owner, width=photo.width, height=photo.height, phash=photo.phash)
    saved = []
    try:
        row.large.save(photo.large.name, photo.large, save=False)
        saved.append(row.large)
        row.thumbnail.save(photo.thumbnail.name, photo.thumbnail, save=False)
        saved.append(row.thumbnail)
        row.save()
    except STORAGE_FAILURES as error:
        logger.warning("pending photo of user %s not stored: %r", owner.pk, error)
        delete_quietly((stored.storage, stored.name) for stored in saved)
        raise PhotoStorageUnavailable() from error
    except BaseException:
        delete_quietly((stored.storage, stored.name) for stored in saved)
        raise
    return row


@transaction.atomic
def pending_photo_delete(*, owner, photo_id: int) -> bool:
    """The owner took a photo off the form before saving the ad; False if it was not his."""
    row = PendingPhoto.objects.select_for_update().filter(owner=owner, pk=photo_id).first()
    if row is None:
        return False
    files = [(row.large.storage, row.large.name), (row.thumbnail.storage, row.thumbnail.name)]
    row.delete()
    transaction.on_commit(partial(delete_quietly, files))
    return True


def pending_photos_expire(*, now: datetime | None = None, batch: int = 500) -> int:
    """Delete uploaded photos that no ad took within a day, with their files."""
    cutoff = (now or timezone.now()) - PENDING_PHOTO_LIFETIME
    deleted = 0
    while True:
        with transaction.atomic():
            rows = list(
                PendingPhoto.objects.select_for_update(skip_locked=True)
                .filter(created_at__lt=cutoff)
                .order_by("id")[:batch]
            )
            if not rows:
                return deleted
            files = [(r.large.storage, r.large.name) for r in rows]
            files += [(r.thumbnail.storage, r.thumbnail.name) for r in rows]
            PendingPhoto.objects.filter(pk__in=[r.pk for r in rows]).delete()
            transaction.on_commit(partial(delete_quietly, files))
        deleted += len(rows)


def _refuse_duplicate(*, seller, title: str, description: str) -> None:
    """Only on posting: a second copy of one of the seller's own active (or held) ads is
    refused, naming the first. Editing an ad never makes it a duplicate."""
    from moderation.rules import duplicate_of

    existing = duplicate_of(seller_id=seller.pk, title=title, description=description)
    if existing is not None:
        raise DuplicateListing(existing)


def _lock_seller(seller_id: int) -> None:
    """Serialise one seller's moves into "active" (the per-category limit is a count, then an
    insert or a move: two at once could both see room). FOR NO KEY UPDATE: rows that merely
    point at the seller (messages, notifications) are not held up. Taken before the ad's row,
    always in this order."""
    get_user_model().objects.select_for_update(no_key=True).filter(pk=seller_id).exists()


def _refuse_over_limit(*, seller_id: int, category: Category, exclude_id: int | None = None):
    """LISTING_LIMIT_PER_CATEGORY active ads per seller per leaf category: the next one (a new
    ad, a reactivated or renewed one, one moved into the category) is refused."""
    _lock_seller(seller_id)
    limit = settings.LISTING_LIMIT_PER_CATEGORY
    active = Listing.objects.filter(
        seller_id=seller_id, status=Listing.Status.ACTIVE, category_id=category.pk
    )
    if exclude_id is not None:
        active = active.exclude(pk=exclude_id)
    if active.count() >= limit:
        raise CategoryLimitReached(limit=limit, category=category)


def _screen(
    listing: Listing,
    *,
    resubmitted: bool = False,
    photos: list[ProcessedPhoto] = (),
    changed: set[str] | None = None,
) -> None:
    """The automatic rules look at what the seller wrote and the photos he adds (`changed`:
    the fields an edit changed; None: a new ad): any hit puts the ad on review."""
    from moderation.services import listing_screen

    flags = listing_screen(
        listing=listing,
        resubmitted=resubmitted,
        photo_hashes=[photo.phash for photo in photos],
        changed=changed,
    )
    if flags and listing.status != Listing.Status.ON_REVIEW:
        role = Role.SELLER if resubmitted else Role.SYSTEM
        _move(listing, Listing.Status.ON_REVIEW, role)


# The statuses an edit is screened in: a live ad, a rejected one being resubmitted, and a held
# one (a new reason is added to the moderator's list).
# An expired ad is screened too: renewing it must not publish unscreened text.
SCREENED = (
    Listing.Status.ACTIVE,
    Listing.Status.REJECTED,
    Listing.Status.ON_REVIEW,
    Listing.Status.EXPIRED,
)

EDITABLE = ("title", "description", "price", "negotiable", "condition", "city", "category")


@transaction.atomic
def listing_update(
    *, listing_id: int, seller, photos: list[ProcessedPhoto] = (), **changes
) -> Listing:
    """Change the ad's text and add `photos` after its own, all or nothing."""
    if "category" in changes:
        _lock_seller(seller.pk)  # before the ad's row (the order every move into active keeps)
    listing = _locked_own_listing(listing_id=listing_id, seller=seller)
    if (
        "category" in changes
        and listing.status == Listing.Status.ACTIVE
        and changes["category"].pk != listing.category_id
    ):
        _refuse_over_limit(seller_id=seller.pk, category=changes["category"])
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise TypeError(f"not editable: {sorted(unknown)}")
    if listing.image_count + len(photos) > MAX_PHOTOS:
        raise TooManyPhotos(_("An ad can have at most %(max)d photos.") % {"max": MAX_PHOTOS})
    if (
        listing.status == Listing.Status.RESERVED
        and "price" in changes
        and changes["price"] != listing.price
    ):
        raise StatusChangeNotAllowed(_("The price cannot change while a Safe Deal is open."))
    changed = {name for name, value in changes.items() if _value(listing, name) != _key(value)}
    old_price = listing.price
    for name, value in changes.items():
        setattr(listing, name, value)
    fields = list(changes)
    if "category" in changes:
        category = changes["category"]
        listing.root_category_id = category.parent_id or category.pk
        fields.append("root_category")
    first_position = listing.image_count
    if photos:
        listing.image_count += len(photos)
        fields.append("image_count")
    if fields:
        listing.save(update_fields=[*fields, "updated_at"])
    if listing.status in SCREENED:
        _screen(
            listing,
            resubmitted=listing.status == Listing.Status.REJECTED,
            photos=photos,
            changed=changed,
        )
    _store_photos(listing, list(photos), first_position)
    if "price" in changed:
        price_dropped(listing=listing, old_price=old_price)  # favouriters told (a job) if lower
    selectors.lists_changed()
    return listing


def _value(listing: Listing, name: str):
    """A field's value as it is, a foreign key as its id (no query for the city or category)."""
    return getattr(listing, f"{name}_id" if name in ("city", "category") else name)


def _key(value):
    return value.pk if isinstance(value, City | Category) else value


def _move(listing: Listing, target: str, role: Role, *, fields=()) -> Listing:
    """The one place that assigns `Listing.status`: checks the move against the table."""
    if not allowed(listing.status, target, role):
        raise StatusChangeNotAllowed(
            _("An ad cannot go from “%(source)s” to “%(target)s”.")
            % {
                "source": Listing.Status(listing.status).label,
                "target": Listing.Status(target).label,
            }
        )
    listing.status = target
    listing.save(update_fields=["status", "updated_at", *fields])
    selectors.lists_changed()
    return listing


def _locked(listing_id: int) -> Listing:
    listing = Listing.objects.select_for_update().filter(pk=listing_id).first()
    if listing is None:
        raise ListingNotFound()
    return listing


@transaction.atomic
def listing_set_status(*, listing_id: int, seller, status: str) -> Listing:
    """The seller's own moves from My ads: sold, archived, back to active. Back to active is
    not a way to the top any more ("raise to top" is, once per BUMP_COOLDOWN_DAYS): the ad
    keeps its publication time and gets a fresh lifetime."""
    if status == Listing.Status.ACTIVE:
        _lock_seller(seller.pk)
    listing = _locked_own_listing(listing_id=listing_id, seller=seller)
    if listing.status == status:
        return listing
    fields = []
    if status == Listing.Status.ACTIVE and allowed(listing.status, status, Role.SELLER):
        _refuse_over_limit(seller_id=seller.pk, category=listing.category, exclude_id=listing.pk)
        fields = _fresh_lifetime(listing, timezone.now())
    return _move(listing, status, Role.SELLER, fields=fields)


def _fresh_lifetime(listing: Listing, now: datetime) -> list[str]:
    """Another LISTING_LIFETIME_DAYS from now (and a new reminder before it ends)."""
    listing.expires_at = now + lifetime()
    listing.expiry_reminded_at = None
    return ["expires_at", "expiry_reminded_at"]


@transaction.atomic
def listing_renew(*, listing_id: int, seller, now: datetime | None = None) -> Listing:
    """One click from My ads or the reminder e-mail: an expired ad is active again, or an
    active one expiring within RENEW_WINDOW gets its time extended; either way it expires
    LISTING_LIFETIME_DAYS from now. Its place in the newest-first list (published_at) stays."""
    now = now or timezone.now()
    _lock_seller(seller.pk)
    listing = _locked_own_listing(listing_id=listing_id, seller=seller)
    if listing.status == Listing.Status.EXPIRED:
        _refuse_over_limit(seller_id=seller.pk, category=listing.category, exclude_id=listing.pk)
        fields = _fresh_lifetime(listing, now)
        return _move(listing, Listing.Status.ACTIVE, Role.SELLER, fields=fields)
    if listing.status == Listing.Status.ACTIVE and listing.expires_at - now <= RENEW_WINDOW:
        listing.save(update_fields=[*_fresh_lifetime(listing, now), "updated_at"])
        return listing
    raise RenewNotAllowed(
        _(
            "An ad can be renewed once it has expired, or in its last %(days)d days. This one "
            "is active until %(date)s."
        )
        % {"days": RENEW_WINDOW.days, "date": _local_date(listing.expires_at)}
        if listing.status == Listing.Status.ACTIVE
        else _("Only an expired or active ad can be renewed.")
    )


def _local_date(moment: datetime) -> str:
    from django.utils import formats

    return formats.date_format(timezone.localtime(moment), "DATE_FORMAT")


@transaction.atomic
def listing_raise(*, listing_id: int, seller, now: datetime | None = None) -> Listing:
    """ "Raise to top": the ad's publication time becomes now (first in newest-first lists),
    at most once per BUMP_COOLDOWN_DAYS since it was published or last raised. A raise is a
    new publication: the ad also lives LISTING_LIFETIME_DAYS from now (never less than it had)."""
    now = now or timezone.now()
    listing = _locked_own_listing(listing_id=listing_id, seller=seller)
    if listing.status != Listing.Status.ACTIVE:
        raise StatusChangeNotAllowed(_("Only an active ad can be raised to the top."))
    available = listing.raise_available_at
    if now < available:
        raise RaiseTooSoon(
            retry_after=math.ceil((available - now).total_seconds()), available_at=available
        )
    listing.published_at = listing.raised_at = now
    fields = ["published_at", "raised_at", "updated_at"]
    if listing.expires_at < now + lifetime():
        fields += _fresh_lifetime(listing, now)
    listing.save(update_fields=fields)
    return listing


# Safe Deal's moves: called inside the deal's transaction, which already locks the ad's row.


def listing_reserve(*, listing: Listing) -> Listing:
    return _move(listing, Listing.Status.RESERVED, Role.DEAL)


def listing_release(*, listing: Listing) -> Listing:
    """The deal ended without a sale: the ad is for sale again, unless its seller was banned
    meanwhile (then it stays hidden until the ban is lifted)."""
    if listing.status != Listing.Status.RESERVED:
        return listing
    target = Listing.Status.ACTIVE if _seller_in_good_standing(listing) else Listing.Status.BLOCKED
    fields = []
    now = timezone.now()
    if listing.expires_at <= now + EXPIRY_NOTICE:  # its time ran out during the deal
        fields = _fresh_lifetime(listing, now)
    return _move(listing, target, Role.DEAL, fields=fields)


def listing_sell(*, listing: Listing) -> Listing:
    return _move(listing, Listing.Status.SOLD, Role.DEAL)


def _seller_in_good_standing(listing: Listing) -> bool:
    return type(listing.seller).objects.filter(pk=listing.seller_id, is_active=True).exists()


# Moderation's moves (moderation.services writes the reasons and the audit row).


@transaction.atomic
def listing_hold(*, listing_id: int, role: Role = Role.SYSTEM) -> Listing:
    """Put an active ad on review: out of search, lists and similar ads until a decision."""
    listing = _locked(listing_id)
    if listing.status == Listing.Status.ON_REVIEW:
        return listing
    return _move(listing, Listing.Status.ON_REVIEW, role)


@transaction.atomic
def listing_approve(*, listing_id: int) -> Listing:
    from moderation.selectors import listing_never_public

    listing = _locked(listing_id)
    target = Listing.Status.ACTIVE if _seller_in_good_standing(listing) else Listing.Status.BLOCKED
    listing.rejection_reason, listing.rejection_note = "", ""
    now = timezone.now()
    fields = ["rejection_reason", "rejection_note", *_fresh_lifetime(listing, now)]
    if listing_never_public(listing=listing):  # held at posting: approval publishes it
        listing.published_at = now
        fields.append("published_at")
    return _move(listing, target, Role.MODERATOR, fields=fields)


@transaction.atomic
def listing_reject(*, listing_id: int, reason: str, note: str = "") -> Listing:
    listing = _locked(listing_id)
    listing.rejection_reason = Listing.RejectionReason(reason)
    listing.rejection_note = note
    return _move(
        listing,
        Listing.Status.REJECTED,
        Role.MODERATOR,
        fields=["rejection_reason", "rejection_note"],
    )


def listings_hide_for_ban(*, seller_id: int) -> list[int]:
    """A banned seller's active ads leave every list at once; returns their ids."""
    return _move_all(seller_id, Listing.Status.ACTIVE, Listing.Status.BLOCKED)


def listings_restore_after_ban(*, seller_id: int) -> list[int]:
    """Lifting a ban brings back exactly what it hid: the ads in BLOCKED, nothing else. Those
    whose time ran out meanwhile get a fresh lifetime (the seller could not renew them)."""
    ids = _move_all(seller_id, Listing.Status.BLOCKED, Listing.Status.ACTIVE)
    now = timezone.now()
    Listing.objects.filter(pk__in=ids, expires_at__lte=now + EXPIRY_NOTICE).update(
        expires_at=now + lifetime(), expiry_reminded_at=None
    )
    return ids


def _move_all(seller_id: int, source: str, target: str) -> list[int]:
    if not allowed(source, target, Role.SYSTEM):
        raise StatusChangeNotAllowed(f"{source} -> {target}")
    ids = list(
        Listing.objects.select_for_update()
        .filter(seller_id=seller_id, status=source)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    Listing.objects.filter(pk__in=ids).update(status=target, updated_at=timezone.now())
    selectors.lists_changed()
    return ids


# The expiry sweeps (listings.tasks, every few minutes). Idempotent and safe from several workers
# at once: each ad is taken with SKIP LOCKED, and each notice has a key naming its cause.


def listings_expire(*, now: datetime | None = None, batch: int = 200) -> int:
    """Move every active ad past its expiry to "expired" and tell its seller; returns how many."""
    now = now or timezone.now()
    done = 0
    while True:
        with transaction.atomic():
            overdue = list(
                Listing.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(status=Listing.Status.ACTIVE, expires_at__lte=now)
                .select_related("seller")
                .order_by("expires_at")[:batch]
            )
            for listing in overdue:
                _move(listing, Listing.Status.EXPIRED, Role.SYSTEM)
                _tell_seller(listing, "expired")
            done += len(overdue)
        if len(overdue) < batch:
            return done


def listings_remind_expiring(*, now: datetime | None = None, batch: int = 200) -> int:
    """Tell the seller of every active ad expiring within EXPIRY_NOTICE, once per expiry
    date (renewing sets a new date, and a new reminder before it); returns how many."""
    now = now or timezone.now()
    done = 0
    while True:
        with transaction.atomic():
            due = list(
                Listing.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(
                    status=Listing.Status.ACTIVE,
                    expires_at__gt=now,
                    expires_at__lte=now + EXPIRY_NOTICE,
                    expiry_reminded_at__isnull=True,
                )
                .select_related("seller")
                .order_by("expires_at")[:batch]
            )
            for listing in due:
                listing.expiry_reminded_at = now
                listing.save(update_fields=["expiry_reminded_at"])
                _tell_seller(listing, "expiring")
            done += len(due)
        if len(due) < batch:
            return done


def _tell_seller(listing: Listing, what: str) -> None:
    """listings/expiring or listings/expired, keyed by the ad and its expiry date: a retried
    sweep tells nobody twice. The link leads to the page with the renew button."""
    from django.urls import reverse

    from notifications.kinds import Kind
    from notifications.services import notify

    day = timezone.localtime(listing.expires_at).date().isoformat()
    notify(
        user=listing.seller,
        kind=Kind.LISTINGS,
        event=f"listings/{what}",
        key=f"listing:{listing.pk}:{what}:{day}",
        context={"listing": listing, "lifetime_days": settings.LISTING_LIFETIME_DAYS},
        url=reverse("listings:renew", args=[listing.pk]),
    )


@transaction.atomic
def listing_delete(*, listing_id: int, seller) -> None:
    listing = _locked_own_listing(listing_id=listing_id, seller=seller)
    if listing.deals.exists():  # the escrow ledger points at it and must stay
        raise ListingHasDeals(
            _("This ad was bought with Safe Deal and stays on record: archive it instead.")
        )
    files = [(i.large.storage, i.large.name) for i in listing.images.all()]
    files += [(i.thumbnail.storage, i.thumbnail.name) for i in listing.images.all()]
    listing.delete()
    transaction.on_commit(partial(delete_quietly, files))


@transaction.atomic
def listing_images_add(
    *, listing_id: int, seller, photos: list[ProcessedPhoto]
) -> list[ListingImage]:
    """Add photos after the ad's own, all or none."""
    listing = _locked_own_listing(listing_id=listing_id, seller=seller)
    if not photos:
        return []
    if listing.image_count + len(photos) > MAX_PHOTOS:
        raise TooManyPhotos(_("An ad can have at most %(max)d photos.") % {"max": MAX_PHOTOS})
    position = listing.image_count
    listing.image_count += len(photos)
    listing.save(update_fields=["image_count", "updated_at"])
    if listing.status in (Listing.Status.ACTIVE, Listing.Status.ON_REVIEW, Listing.Status.EXPIRED):
        _screen(listing, photos=photos, changed=set())  # the photos only: the text is as it was
    selectors.lists_changed()  # a new cover on the cards, the gallery of kept ad pages
    return _store_photos(listing, list(photos), position)


def listing_image_add(*, listing_id: int, seller, photo: ProcessedPhoto) -> ListingImage:
    return listing_images_add(listing_id=listing_id, seller=seller, photos=[photo])[0]


def _renumber(listing: Listing, ordered_ids: list[int]) -> None:
    images = {image.pk: image for image in listing.images.all()}
    for position, image_id in enumerate(ordered_ids):
        image = images[image_id]
        if image.position != position:
            image.position = position
            image.save(update_fields=["position"])


@transaction.atomic
def listing_image_delete(*, listing_id: int, seller, image_id: int) -> None:
    listing = _locked_own_listing(listing_id=listing_id, seller=seller)
    image = listing.images.filter(pk=image_id).first()
    if image is None:
        raise ListingNotFound()
    files = [
        (image.large.storage, image.large.name),
        (image.thumbnail.storage, image.thumbnail.name),
    ]
    image.delete()
    remaining = list(listing.images.order_by("position", "id").values_list("pk", flat=True))
    _renumber(listing, remaining)
    listing.image_count = len(remaining)
    listing.save(update_fields=["image_count", "updated_at"])
    selectors.lists_changed()
    transaction.on_commit(partial(delete_quietly, files))


@transaction.atomic
def listing_images_reorder(*, listing_id: int, seller, image_ids: list[int]) -> None:
    """Put the photos in the given order; the first becomes the cover."""
    listing = _locked_own_listing(listing_id=listing_id, seller=seller)
    current = set(listing.images.values_list("pk", flat=True))
    if len(image_ids) != len(current) or set(image_ids) != current:
        raise InvalidPhotoOrder(_("Give every photo of the ad exactly once."))
    _renumber(listing, image_ids)
    selectors.lists_changed()


PENDING_VIEWS = "listing-views:pending"  # a Redis hash: ad id -> views not yet in view_count
FLUSHING_VIEWS = "listing-views:flushing"  # the batch being moved into the database
BATCH_FIELD = "batch"
FLUSH_RECORDS_KEPT_DAYS = 7


def _redis_client():
    """The cache's Redis connection, or None where the cache is not Redis (a development
    machine without it: views then go straight to the database)."""
    get_client = getattr(getattr(cache, "_cache", None), "get_client", None)
    return get_client(write=True) if get_client else None


def listing_register_view(*, listing_id: int, viewer_key: str) -> bool:
    """Count one view per viewer per 24 hours; the cache's atomic add decides who is new.

    The view is added to a Redis hash, not to the ad's row: listing_views_flush moves the
    counts into view_count once a minute (one UPDATE for all ads viewed). Best effort: with
    the cache (Redis) away the view is not counted, and the page is served."""
    try:
        new = cache.add(f"listing-view:{listing_id}:{viewer_key}", 1, VIEW_WINDOW_SECONDS)
        if not new:
            return False
        client = _redis_client()
        if client is not None:
            client.hincrby(cache.make_and_validate_key(PENDING_VIEWS), str(listing_id), 1)
    except RedisError as error:
        logger.warning("view of listing %s not counted: %r", listing_id, error)
        return False
    if client is None:
        Listing.objects.filter(pk=listing_id).update(view_count=F("view_count") + 1)
    return True


def listing_views_flush() -> int:
    """Move the views counted in Redis into the ads' view_count; returns the views added.

    Idempotent: the pending hash is renamed to a batch with its own id before it is read, the
    counts and the batch id are written in one transaction, and the batch is dropped after
    commit. A run that dies half way leaves the batch for the next run, which adds it only if
    its id is not in the database yet; two runs at once add it once."""
    client = _redis_client()
    if client is None:
        return 0
    pending = cache.make_and_validate_key(PENDING_VIEWS)
    flushing = cache.make_and_validate_key(FLUSHING_VIEWS)
    if not client.exists(flushing):
        if not client.exists(pending):
            return 0
        with contextlib.suppress(RedisError):  # the pending hash went: another run took it
            client.renamenx(pending, flushing)
    client.hsetnx(flushing, BATCH_FIELD, str(uuid.uuid4()))
    fields = client.hgetall(flushing)
    batch = fields.pop(BATCH_FIELD.encode(), b"").decode()
    counts = sorted((int(pk), int(n)) for pk, n in fields.items())
    total = sum(n for _, n in counts)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {ViewCountFlush._meta.db_table} (batch, views, flushed_at) "
            "VALUES (%s, %s, now()) ON CONFLICT (batch) DO NOTHING RETURNING batch",
            [batch, total],
        )
        created = cursor.fetchone() is not None
        if created and counts:
            cursor.execute(
                "UPDATE listings_listing AS l SET view_count = l.view_count + u.n "
                "FROM unnest(%s::bigint[], %s::integer[]) AS u(id, n) WHERE l.id = u.id",
                [[pk for pk, _ in counts], [n for _, n in counts]],
            )
    client.delete(flushing)
    ViewCountFlush.objects.filter(
        flushed_at__lt=timezone.now() - timedelta(days=FLUSH_RECORDS_KEPT_DAYS)
    ).delete()
    return total if created else 0


def favorite_add(*, user, listing: Listing) -> None:
    Favorite.objects.get_or_create(user=user, listing=listing)


def favorite_remove(*, user, listing: Listing) -> None:
    Favorite.objects.filter(user=user, listing=listing).delete()
