"""The ad's life as periodic jobs (procrastinate): expiry, the reminder before it, and the view
counts. Several workers may run them at once (each ad is taken with SKIP LOCKED), and a retried
run tells nobody twice (each notice is keyed by the ad and its expiry date)."""

from procrastinate.contrib.django import app

from zattar.tasks import logged


@app.periodic(cron="*/5 * * * *", periodic_id="listings_expire")
@app.task(name="listings.listings_expire", queueing_lock="listings_expire")
@logged("listings.listings_expire")
def listings_expire(timestamp: int) -> None:
    """Every 5 minutes: active ads past their expiry leave search, and their sellers are told."""
    from listings.services import listings_expire as expire

    expire()


@app.periodic(cron="*/15 * * * *", periodic_id="listings_remind_expiring")
@app.task(name="listings.listings_remind_expiring", queueing_lock="listings_remind_expiring")
@logged("listings.listings_remind_expiring")
def listings_remind_expiring(timestamp: int) -> None:
    """Every 15 minutes: sellers of ads expiring within 2 days are told, once per expiry date."""
    from listings.services import listings_remind_expiring as remind

    remind()


@app.periodic(cron="17 * * * *", periodic_id="pending_photos_expire")
@app.task(name="listings.pending_photos_expire", queueing_lock="pending_photos_expire")
@logged("listings.pending_photos_expire")
def pending_photos_expire(timestamp: int) -> None:
    """Every hour: photos uploaded from an ad form that no ad took within a day are deleted."""
    from listings.services import pending_photos_expire as expire

    expire()


@app.periodic(cron="* * * * *", periodic_id="listings_flush_views")
@app.task(name="listings.listings_flush_views", queueing_lock="listings_flush_views")
@logged("listings.listings_flush_views")
def listings_flush_views(timestamp: int) -> None:
    """Every minute: the ad views counted in Redis go into view_count, one UPDATE for all."""
    from listings.services import listing_views_flush

    listing_views_flush()
