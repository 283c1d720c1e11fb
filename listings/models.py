from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from listings.slugs import slug_of
from listings.transitions import Status


def in_language(ru: str, kk: str, en: str) -> str:
    """The one of three names that matches the active language (Russian by default)."""
    return {"kk": kk, "en": en}.get((get_language() or "ru")[:2], ru)


class City(models.Model):
    """A city of Kazakhstan, with its names in the three languages of the site."""

    slug = models.SlugField(_("slug"), unique=True)
    name_ru = models.CharField(_("name (Russian)"), max_length=80)
    name_kk = models.CharField(_("name (Kazakh)"), max_length=80)
    name_en = models.CharField(_("name (English)"), max_length=80)
    region_ru = models.CharField(_("region (Russian)"), max_length=120)
    region_kk = models.CharField(_("region (Kazakh)"), max_length=120)
    region_en = models.CharField(_("region (English)"), max_length=120)
    population = models.PositiveIntegerField(_("population"), default=0)
    is_regional_centre = models.BooleanField(_("regional centre"), default=False)

    class Meta:
        verbose_name = _("city")
        verbose_name_plural = _("cities")
        ordering = ["-population", "name_ru"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return in_language(self.name_ru, self.name_kk, self.name_en)

    @property
    def region(self) -> str:
        return in_language(self.region_ru, self.region_kk, self.region_en)


class Category(models.Model):
    """A node of the catalogue tree: roots group leaves, and ads go in leaves."""

    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    slug = models.SlugField(_("slug"), unique=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    name_ru = models.CharField(_("name (Russian)"), max_length=80)
    name_kk = models.CharField(_("name (Kazakh)"), max_length=80)
    name_en = models.CharField(_("name (English)"), max_length=80)
    icon = models.CharField(_("icon"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["position", "name_ru"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return in_language(self.name_ru, self.name_kk, self.name_en)


active = Q(status="active")


def lifetime() -> timedelta:
    return timedelta(days=settings.LISTING_LIFETIME_DAYS)


def expiry_from_now() -> datetime:
    """When an ad published or renewed now expires."""
    return timezone.now() + lifetime()


# An active ad may be renewed (without waiting for it to expire) this close to its expiry: the
# reminder goes out EXPIRY_NOTICE before, and its link leads to the renew button.
EXPIRY_NOTICE = timedelta(days=2)
RENEW_WINDOW = timedelta(days=3)
COVERING = ["price", "city", "category", "root_category", "condition", "image_count"]


class Listing(models.Model):
    """An ad: something a seller offers, in one leaf category and one city."""

    Status = Status  # the ad's life: listings/transitions.py

    class RejectionReason(models.TextChoices):
        PROHIBITED = "prohibited", _("Prohibited item")
        FRAUD = "fraud", _("Signs of fraud")
        CONTACTS = "contacts", _("Contacts or links in the ad")
        WRONG_CATEGORY = "wrong_category", _("Wrong category")
        WRONG_PRICE = "wrong_price", _("Unrealistic price")
        DUPLICATE = "duplicate", _("Duplicate of another ad")
        STOLEN_PHOTOS = "stolen_photos", _("Photos taken from another ad")
        OFFENSIVE = "offensive", _("Offensive content")
        OTHER = "other", _("Other")

    class Condition(models.TextChoices):
        NEW = "new", _("New")
        USED = "used", _("Used")

    seller = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("seller"),
        on_delete=models.CASCADE,
        related_name="listings",
    )
    title = models.CharField(_("title"), max_length=75)
    description = models.TextField(_("description"), max_length=5000)
    price = models.PositiveBigIntegerField(_("price, ₸"), help_text=_("0 means free."))
    negotiable = models.BooleanField(_("negotiable"), default=False)
    condition = models.CharField(_("condition"), max_length=8, choices=Condition.choices)
    city = models.ForeignKey(
        City, verbose_name=_("city"), on_delete=models.PROTECT, related_name="listings"
    )
    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.PROTECT, related_name="listings"
    )
    # The leaf's root, kept beside it so that "a root and its leaves" is one indexed column.
    root_category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="+", editable=False
    )
    # Written only by listings.services, through the table in listings/transitions.py.
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE, editable=False
    )
    rejection_reason = models.CharField(
        _("rejection reason"),
        max_length=20,
        choices=RejectionReason.choices,
        blank=True,
        default="",
        db_default="",  # bulk loads (COPY) leave it out
    )
    rejection_note = models.TextField(
        _("moderator's note"), max_length=2000, blank=True, default="", db_default=""
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    published_at = models.DateTimeField(_("published"), default=timezone.now)
    # Set on publication, renewal, approval and reactivation; the sweep expires active ads
    # past it (listings.tasks). published_at moves only on posting and "raise to top".
    expires_at = models.DateTimeField(_("expires"), default=expiry_from_now, editable=False)
    raised_at = models.DateTimeField(_("raised to top"), null=True, blank=True, editable=False)
    # The reminder "expires in 2 days" went out for the current expires_at (reset with it).
    expiry_reminded_at = models.DateTimeField(null=True, blank=True, editable=False)
    view_count = models.PositiveIntegerField(_("views"), default=0, editable=False)
    image_count = models.PositiveSmallIntegerField(_("photos"), default=0, editable=False)
    # Filled by a PostgreSQL trigger on every insert and update (see migration 0004).
    search_vector = SearchVectorField(null=True, editable=False)

    class Meta:
        verbose_name = _("ad")
        verbose_name_plural = _("ads")
        ordering = ["-published_at", "-id"]
        # Search indexes (GIN on the vector, trigrams on the title) are PostgreSQL-only and are
        # made by migration 0004 together with the trigger that fills search_vector.
        # Newest-first partial indexes carry the filter columns (INCLUDE) so that a page of ids
        # comes from an index-only scan; the rows are then fetched by id (a deferred join).
        indexes = [
            models.Index(
                fields=["city", "-published_at", "-id"],
                name="listing_active_city_new",
                condition=active,
                include=COVERING,
            ),
            models.Index(
                fields=["category", "-published_at", "-id"],
                name="listing_active_cat_new",
                condition=active,
                include=COVERING,
            ),
            models.Index(
                fields=["root_category", "-published_at", "-id"],
                name="listing_active_root_new",
                condition=active,
                include=COVERING,
            ),
            models.Index(
                fields=["-published_at", "-id"],
                name="listing_active_new",
                condition=active,
                include=COVERING,
            ),
            models.Index(
                fields=["price", "id"],
                name="listing_active_price",
                condition=active,
                include=["category", "root_category", "city", "condition", "image_count"],
            ),
            models.Index(fields=["seller", "status", "-created_at"], name="listing_seller_status"),
            # The expiry sweep and the reminder sweep: active ads by expiry time.
            models.Index(fields=["expires_at"], name="listing_active_expiry", condition=active),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        """`/ads/<id>-<slug>/` (with the active language's prefix, `/kk/...`, `/en/...`)."""
        slug = self.slug
        if not slug:  # nothing Latin-writable in the title: the bare id is the canonical URL
            return reverse("listings:detail", args=[self.pk])
        return reverse("listings:detail", args=[self.pk, slug])

    @property
    def slug(self) -> str:
        """The title in Latin letters, for readable URLs (listings/slugs.py); not stored."""
        return slug_of(self.title)

    @property
    def is_free(self) -> bool:
        return self.price == 0

    @property
    def raise_available_at(self) -> datetime:
        """The earliest "raise to top": BUMP_COOLDOWN_DAYS after publication or the last raise."""
        last = max(filter(None, [self.published_at, self.raised_at]))
        return last + timedelta(days=settings.BUMP_COOLDOWN_DAYS)

    @property
    def can_raise_now(self) -> bool:
        return self.status == Status.ACTIVE and timezone.now() >= self.raise_available_at

    @property
    def can_renew_now(self) -> bool:
        """Expired, or active and expiring within RENEW_WINDOW."""
        if self.status == Status.EXPIRED:
            return True
        return self.status == Status.ACTIVE and self.expires_at - timezone.now() <= RENEW_WINDOW


def listing_image_path(image: "ListingImage", filename: str) -> str:
    return f"listings/{image.listing_id}/{filename}"


class ListingImage(models.Model):
    """One photo of an ad, stored as a large picture and a thumbnail; position 0 is the cover."""

    listing = models.ForeignKey(
        Listing, verbose_name=_("ad"), on_delete=models.CASCADE, related_name="images"
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    large = models.ImageField(_("photo"), upload_to=listing_image_path)
    thumbnail = models.ImageField(_("thumbnail"), upload_to=listing_image_path)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    # A perceptual hash of the picture (imagehash's pHash, 64 bits as a signed integer): the
    # same photo in another seller's ad is found by equality on this index.
    phash = models.BigIntegerField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("photo")
        verbose_name_plural = _("photos")
        ordering = ["position", "id"]
        indexes = [
            models.Index("listing", "position", name="listing_image_order"),
            models.Index("phash", name="listing_image_phash", condition=Q(phash__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"{self.listing_id}#{self.position}"


class SearchTerm(models.Model):
    """A word seen in an ad title: the vocabulary that mistyped search words are corrected
    against (pg_trgm). Filled by a PostgreSQL trigger on every title (see migration 0006)."""

    word = models.CharField(max_length=100, primary_key=True)

    class Meta:
        verbose_name = _("search term")
        verbose_name_plural = _("search terms")

    def __str__(self) -> str:
        return self.word


class Favorite(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="favorites"
    )
    listing = models.ForeignKey(Listing, on_delete=models.CASCADE, related_name="favorited_by")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("favourite")
        verbose_name_plural = _("favourites")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "listing"], name="favorite_once"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} ♥ {self.listing_id}"


PENDING_PHOTO_LIFETIME = timedelta(days=1)


def pending_photo_path(photo: "PendingPhoto", filename: str) -> str:
    return f"pending/{photo.owner_id}/{filename}"


class PendingPhoto(models.Model):
    """A photo uploaded from the ad form as soon as it was picked, before the ad exists: the
    form carries its id, so an error elsewhere in the form does not lose it. Only its owner
    can attach it to an ad; a periodic job deletes it (and its files) a day after upload."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.CASCADE,
        related_name="pending_photos",
    )
    large = models.ImageField(_("photo"), upload_to=pending_photo_path)
    thumbnail = models.ImageField(_("thumbnail"), upload_to=pending_photo_path)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    phash = models.BigIntegerField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("uploaded photo")
        verbose_name_plural = _("uploaded photos")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"pending {self.pk} of {self.owner_id}"


class ViewCountFlush(models.Model):
    """One batch of ad views moved from Redis into view_count: its id is written in the same
    transaction as the counts, so a batch retried after a crash is never added twice."""

    batch = models.CharField(max_length=36, primary_key=True)
    views = models.PositiveIntegerField()
    flushed_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("view count flush")
        verbose_name_plural = _("view count flushes")

    def __str__(self) -> str:
        return f"{self.batch}: {self.views}"
