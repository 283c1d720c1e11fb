from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from deals.transitions import OPEN, Status


def money(amount: int) -> str:
    """`1 234 567 ₸` with no-break spaces, as listings' `tenge` filter writes prices."""
    from listings.templatetags.listings import tenge

    return tenge(amount)


class Carrier(models.TextChoices):
    """How the item reaches the buyer, chosen when the deal starts."""

    KAZPOST = "kazpost", _("Kazpost")
    CDEK = "cdek", _("CDEK")
    IN_PERSON = "in_person", _("Hand over in person")


class SafeDeal(models.Model):
    """A purchase through escrow: the buyer's money is held until the buyer has the item."""

    Status = Status
    Carrier = Carrier

    listing = models.ForeignKey(
        "listings.Listing", verbose_name=_("ad"), on_delete=models.PROTECT, related_name="deals"
    )
    buyer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("buyer"),
        on_delete=models.PROTECT,
        related_name="deals_as_buyer",
    )
    seller = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("seller"),
        on_delete=models.PROTECT,
        related_name="deals_as_seller",
    )
    amount = models.PositiveBigIntegerField(_("amount, ₸"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    tracking_number = models.CharField(_("tracking number"), max_length=64, blank=True)
    carrier = models.CharField(_("carrier"), max_length=64, blank=True)
    ship_by = models.DateTimeField(_("ship by"))
    confirm_by = models.DateTimeField(_("confirm by"), null=True, blank=True)
    dispute_reason = models.TextField(_("dispute reason"), blank=True)
    cancel_reason = models.TextField(_("cancellation reason"), blank=True)
    resolution_note = models.TextField(_("resolution note"), blank=True)
    # Where the seller ships: given by the buyer when the deal starts, shown only to the two
    # participants and moderators. Blank on deals started before these were asked.
    delivery_recipient = models.CharField(_("recipient"), max_length=100, blank=True)
    delivery_phone = models.CharField(_("recipient's phone"), max_length=16, blank=True)
    delivery_city = models.ForeignKey(
        "listings.City",
        verbose_name=_("delivery city"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    delivery_address = models.CharField(_("delivery address"), max_length=300, blank=True)
    delivery_pickup_point = models.CharField(_("pick-up point"), max_length=200, blank=True)
    delivery_carrier = models.CharField(
        _("delivery by"), max_length=10, choices=Carrier.choices, blank=True
    )
    created_at = models.DateTimeField(_("started"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    class Meta:
        verbose_name = _("Safe Deal")
        verbose_name_plural = _("Safe Deals")
        ordering = ["-created_at", "-id"]
        permissions = [("moderate_safedeal", _("Can resolve Safe Deal disputes"))]
        constraints = [
            # One open deal per ad at a time, whatever races.
            models.UniqueConstraint(
                fields=["listing"],
                condition=Q(status__in=sorted(s.value for s in OPEN)),
                name="one_open_deal_per_ad",
            ),
            models.CheckConstraint(condition=~Q(buyer=F("seller")), name="deal_two_people"),
        ]
        indexes = [
            models.Index(fields=["buyer", "-created_at"], name="deal_buyer"),
            models.Index(fields=["seller", "-created_at"], name="deal_seller"),
            models.Index(fields=["status", "ship_by"], name="deal_ship_deadline"),
            models.Index(fields=["status", "confirm_by"], name="deal_confirm_deadline"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_status_display()} {money(self.amount)}"


class DealEvent(models.Model):
    """One move of a deal, written with it: the deal's timeline."""

    deal = models.ForeignKey(SafeDeal, on_delete=models.CASCADE, related_name="events")
    source = models.CharField(_("from"), max_length=10, choices=Status.choices, blank=True)
    target = models.CharField(_("to"), max_length=10, choices=Status.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    role = models.CharField(_("as"), max_length=10)
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("time"), default=timezone.now)
    # What the deal_changed_notify job has done for this event: a replay skips what is marked.
    chat_noted_at = models.DateTimeField(_("told in chat"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("emailed"), null=True, blank=True)

    class Meta:
        verbose_name = _("deal event")
        verbose_name_plural = _("deal events")
        ordering = ["id"]

    def __str__(self) -> str:
        return str(self.in_words)

    @property
    def in_words(self) -> str:
        """What happened, as people say it: "Shipped — by the seller"."""
        return _("%(what)s — %(who)s") % {
            "what": self.get_target_display(),
            "who": ROLE_WORDS.get(self.role, self.role),
        }


ROLE_WORDS = {
    "buyer": _("by the buyer"),
    "seller": _("by the seller"),
    "moderator": _("by a moderator"),
    "system": _("automatically"),
}


class EscrowEntry(models.Model):
    """The escrow ledger: money held when the deal starts, then released or refunded."""

    class Kind(models.TextChoices):
        HOLD = "HOLD", _("Held")
        RELEASE = "RELEASE", _("Released to the seller")
        REFUND = "REFUND", _("Refunded to the buyer")

    class State(models.TextChoices):
        PENDING = "PENDING", _("Sent to the payment provider")
        DONE = "DONE", _("Confirmed by the payment provider")

    deal = models.ForeignKey(SafeDeal, on_delete=models.PROTECT, related_name="ledger")
    kind = models.CharField(_("entry"), max_length=8, choices=Kind.choices)
    amount = models.PositiveBigIntegerField(_("amount, ₸"))
    # The transition writes the entry PENDING; the escrow_settle job asks the payment provider
    # (the entry's idempotency key makes a replay a no-op there) and marks it DONE.
    state = models.CharField(_("state"), max_length=8, choices=State.choices, default=State.PENDING)
    reference = models.CharField(_("payment reference"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("time"), default=timezone.now)
    settled_at = models.DateTimeField(_("confirmed"), null=True, blank=True)

    class Meta:
        verbose_name = _("money movement")
        verbose_name_plural = _("money held and paid out")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["deal", "kind"], name="escrow_entry_once"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {money(self.amount)}"

    @property
    def idempotency_key(self) -> str:
        """What the payment provider dedupes on: one entry, one movement of money."""
        return f"zattar-escrow-{self.pk}"


class Review(models.Model):
    """One side's review of the other after a completed deal."""

    deal = models.ForeignKey(SafeDeal, on_delete=models.CASCADE, related_name="reviews")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reviews_written"
    )
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reviews_received"
    )
    rating = models.PositiveSmallIntegerField(
        _("rating"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    text = models.TextField(_("text"), max_length=1000, blank=True)
    created_at = models.DateTimeField(_("time"), default=timezone.now)
    # Hidden by a moderator: out of the profile page, the API and the rating.
    hidden_at = models.DateTimeField(_("hidden"), null=True, blank=True)
    hidden_reason = models.TextField(_("why hidden"), max_length=1000, blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("hidden by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        ordering = ["-created_at", "-id"]
        permissions = [("hide_review", _("Can hide and show reviews"))]
        constraints = [
            models.UniqueConstraint(fields=["deal", "author"], name="review_once_per_side"),
            models.CheckConstraint(
                condition=Q(rating__gte=1) & Q(rating__lte=5), name="review_rating_1_5"
            ),
        ]
        indexes = [models.Index(fields=["subject", "-created_at"], name="review_subject")]

    def __str__(self) -> str:
        return f"{self.rating}★ {self.author_id} → {self.subject_id}"


def dispute_photo_path(photo: "DisputePhoto", filename: str) -> str:
    return f"disputes/{photo.deal_id}/{filename}"


class DisputePhoto(models.Model):
    """A picture a participant adds to a dispute (the item as it arrived, the parcel, ...),
    re-encoded as ad photos are; shown to the deal's two people and the moderators only."""

    deal = models.ForeignKey(SafeDeal, on_delete=models.CASCADE, related_name="dispute_photos")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("added by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    large = models.ImageField(_("photo"), upload_to=dispute_photo_path)
    thumbnail = models.ImageField(_("thumbnail"), upload_to=dispute_photo_path)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        verbose_name = _("dispute photo")
        verbose_name_plural = _("dispute photos")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"#{self.deal_id} photo {self.pk}"
