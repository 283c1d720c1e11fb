"""Price drops on favourites: the people who favourited an ad are told when its price goes down,
at most once a day per ad (the key `price:<ad>:<date>`, the date in Asia/Almaty).

`price_dropped()` is called by the listings app in the transaction that saves the lower price and
defers one job; the job fans out to the favouriters in batches, each told through notify() in a
transaction of its own, so a retried job tells nobody twice (the key) and goes on where it
failed."""

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from procrastinate.contrib.django import app

from notifications.kinds import Kind
from notifications.services import notify
from notifications.tasks import RETRY
from zattar.tasks import logged

BATCH = 500


def price_dropped(*, listing, old_price: int) -> None:
    """The listing's price went from `old_price` down to `listing.price`: tell its favouriters
    (after commit, by a job deferred in the caller's transaction). A rise tells nobody."""
    if listing.price is None or old_price is None or listing.price >= old_price:
        return
    price_drop_fanout.defer(listing_id=listing.pk, old_price=old_price)


@app.task(name="notifications.price_drop_fanout", retry=RETRY)
@logged("notifications.price_drop_fanout")
def price_drop_fanout(*, listing_id: int, old_price: int) -> None:
    price_drop_tell(listing_id=listing_id, old_price=old_price)


def price_drop_tell(*, listing_id: int, old_price: int, batch: int = BATCH) -> int:
    """Tell each person who favourited the ad that it is cheaper than `old_price` now: not the
    seller, not a banned or deactivated account, not someone who blocked the seller or whom the
    seller blocked. Nothing if the ad is not active (sold, on review...) or its price is back
    up. Returns
    how many were told."""
    from chat.selectors import blocked_user_ids
    from listings.models import Favorite, Listing

    listing = Listing.objects.filter(pk=listing_id).first()
    if listing is None or listing.status != Listing.Status.ACTIVE or listing.price >= old_price:
        return 0
    day = timezone.localdate().isoformat()
    key = f"price:{listing.pk}:{day}"
    url = listing.get_absolute_url()
    told, after = 0, 0
    while True:
        favourites = list(
            Favorite.objects.filter(listing_id=listing.pk, pk__gt=after, user__is_active=True)
            .exclude(user_id=listing.seller_id)
            .exclude(user_id__in=blocked_user_ids(user_id=listing.seller_id))
            .exclude(Q(user__notifications__key=key))
            .select_related("user")
            .order_by("pk")[:batch]
        )
        for favourite in favourites:
            with transaction.atomic():
                created = notify(
                    user=favourite.user,
                    kind=Kind.PRICE_DROPS,
                    event="listings/price_drop",
                    key=key,
                    context={"listing": listing, "old_price": old_price},
                    url=url,
                )
            told += created is not None
        if len(favourites) < batch:
            return told
        after = favourites[-1].pk
