from django.db.models import Q, QuerySet

from deals.models import Review, SafeDeal
from deals.transitions import Role, Status, allowed_for

# Safe Deal is for goods that ship: not for jobs, services or real estate.
NOT_SHIPPABLE_ROOTS = frozenset({"jobs", "services", "real-estate"})


def offers_safe_deal(listing) -> bool:
    """Whether an ad's page offers "Buy with Safe Deal": priced goods that ship. Ads go in
    leaves, so the category's parent (already joined on the ad page) is the root."""
    root = listing.category.parent or listing.category
    return listing.price > 0 and root.slug not in NOT_SHIPPABLE_ROOTS


def is_moderator(user) -> bool:
    return bool(user and user.is_authenticated and user.has_perm("deals.moderate_safedeal"))


def role_of(user, deal: SafeDeal) -> Role | None:
    if not getattr(user, "is_authenticated", False):
        return None
    if user.pk == deal.buyer_id:
        return Role.BUYER
    if user.pk == deal.seller_id:
        return Role.SELLER
    if is_moderator(user):
        return Role.MODERATOR
    return None


def allowed_transitions(deal: SafeDeal, user, *, now) -> list[Status]:
    before_deadline = deal.confirm_by is None or now <= deal.confirm_by
    return allowed_for(Status(deal.status), role_of(user, deal), before_deadline=before_deadline)


def deal_for_user(*, deal_id: int, user) -> SafeDeal | None:
    """A deal as its page shows it, to its two people and to moderators only."""
    deal = (
        SafeDeal.objects.filter(pk=deal_id)
        .select_related("listing", "buyer", "seller", "delivery_city")
        .prefetch_related("events__actor", "ledger", "reviews", "dispute_photos")
        .first()
    )
    if deal is None or role_of(user, deal) is None:
        return None
    return deal


def last_delivery(*, buyer) -> dict:
    """The delivery details of the buyer's latest deal that had them, as the start form's
    initial values: offered again next time."""
    deal = (
        SafeDeal.objects.filter(buyer=buyer)
        .exclude(delivery_carrier="")
        .select_related("delivery_city")
        .order_by("-created_at", "-id")
        .first()
    )
    if deal is None:
        return {}
    return {
        "recipient_name": deal.delivery_recipient,
        "phone": deal.delivery_phone,
        "city": deal.delivery_city,
        "address": deal.delivery_address,
        "pickup_point": deal.delivery_pickup_point,
        "carrier": deal.delivery_carrier,
    }


def deals_of(*, user, as_role: Role) -> QuerySet[SafeDeal]:
    side = Q(buyer=user) if as_role == Role.BUYER else Q(seller=user)
    return (
        SafeDeal.objects.filter(side)
        .select_related("listing", "buyer", "seller")
        .order_by("-created_at", "-id")
    )


def disputes_waiting() -> QuerySet[SafeDeal]:
    return SafeDeal.objects.filter(status=Status.DISPUTED).order_by("updated_at", "id")


def reviews_of(*, user, limit: int = 10) -> list[Review]:
    """The latest reviews a person received (not those a moderator hid), with their authors,
    for the profile."""
    return list(
        Review.objects.filter(subject=user, hidden_at__isnull=True)
        .select_related("author")
        .order_by("-created_at")[:limit]
    )


def dispute_context(*, deal: SafeDeal, messages: int = 30) -> dict:
    """What a moderator weighs a dispute by: the ad with its photos, the buyer's and seller's
    conversation about it (the latest `messages`, oldest first) and the dispute's photos."""
    from chat.models import Message
    from listings.models import Listing

    listing = Listing.objects.prefetch_related("images").get(pk=deal.listing_id)
    chat = list(
        Message.objects.filter(
            conversation__listing_id=deal.listing_id, conversation__buyer_id=deal.buyer_id
        )
        .select_related("sender")
        .order_by("-id")[:messages]
    )[::-1]
    return {
        "deal": deal,
        "listing": listing,
        "messages": chat,
        "photos": list(deal.dispute_photos.select_related("author")),
    }


def dispute_photo_file(*, deal: SafeDeal, photo_id: int, size: str):
    """The stored file of one of a deal's dispute photos (`thumbnail` or `large`), or None.
    The caller has already got `deal` through deal_for_user."""
    photo = next((p for p in deal.dispute_photos.all() if p.pk == photo_id), None)
    if photo is None or size not in ("thumbnail", "large"):
        return None
    return photo.thumbnail if size == "thumbnail" else photo.large
