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
        .select_related("listing", "buyer", "seller")
        .prefetch_related("events__actor", "ledger", "reviews")
        .first()
    )
    if deal is None or role_of(user, deal) is None:
        return None
    return deal


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
