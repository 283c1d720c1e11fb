"""Writes of the saved searches: save, change, delete; the sweep that matches new ads and sends
instant alerts; the daily digests. Jobs (searches.tasks) call the last two every minute and every
hour; both are idempotent (a (search, ad) pair is stored once, and sent with it)."""

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from chat.selectors import blocked_user_ids
from listings.models import Listing
from notifications.kinds import Kind
from notifications.services import Notice, notify_many
from searches import matching
from searches.errors import SavedSearchLimit, SavedSearchNotFound
from searches.models import Frequency, SavedSearch, SavedSearchHit, SweepMark

log = logging.getLogger(__name__)
User = get_user_model()

FIELDS = ("q", "city", "category", "price_min", "price_max", "condition", "has_photos")
SWEEP_BATCH = 5000  # ads per sweep at most; a backlog is taken over the next minutes


def describe(params: dict) -> str:
    """A name for a search nobody named: its words, category and city."""
    parts = [params.get("q") or "", params.get("category") or "", params.get("city") or ""]
    name = ", ".join(str(part) for part in parts if part)
    return (name or _("All ads"))[:100]


def results_path(search: SavedSearch) -> str:
    """The search page with the saved filters, newest first: what the alert links to."""
    query = {key: value for key, value in search.params().items() if value not in ("", None, False)}
    if query.get("has_photos"):
        query["has_photos"] = "on"
    query["ordering"] = "new"
    return f"{reverse('listings:search')}?{urlencode(query)}"


def _own(*, user, search_id: int, lock: bool = False) -> SavedSearch:
    """The user's own search; another person's is as missing as one that never existed."""
    rows = SavedSearch.objects.filter(pk=search_id, user=user)
    if lock:
        rows = rows.select_for_update()
    search = rows.first()
    if search is None:
        raise SavedSearchNotFound()
    return search


@transaction.atomic
def saved_search_create(
    *, user, params: dict, name: str = "", frequency: str = Frequency.INSTANT
) -> SavedSearch:
    """Keep the search page's cleaned filters (`params`: SearchParamsForm.params()) under a name.
    At most SAVED_SEARCH_LIMIT per person (the person's row is locked while counting)."""
    User.objects.select_for_update().filter(pk=user.pk).first()
    limit = settings.SAVED_SEARCH_LIMIT
    if SavedSearch.objects.filter(user=user).count() >= limit:
        raise SavedSearchLimit(
            _("You can keep at most %(limit)d saved searches: delete one first.") % {"limit": limit}
        )
    values = {field: params.get(field) for field in FIELDS}
    values["q"] = values["q"] or ""
    values["condition"] = values["condition"] or ""
    values["has_photos"] = bool(values["has_photos"])
    return SavedSearch.objects.create(
        user=user,
        name=name or describe(values),
        frequency=frequency or Frequency.INSTANT,
        **values,
    )


@transaction.atomic
def saved_search_update(
    *,
    user,
    search_id: int,
    name: str | None = None,
    frequency: str | None = None,
    params: dict | None = None,
) -> SavedSearch:
    """Rename, change how often, or change the filters. Ads waiting for a digest are dropped
    when the search stops being daily (they are not sent later, nor twice)."""
    search = _own(user=user, search_id=search_id, lock=True)
    fields = ["updated_at"]
    if name is not None:
        search.name = name or describe(search.params())
        fields.append("name")
    if params is not None:
        for field in FIELDS:
            setattr(search, field, params.get(field))
        search.q = search.q or ""
        search.condition = search.condition or ""
        search.has_photos = bool(search.has_photos)
        fields += FIELDS
    if frequency is not None and frequency != search.frequency:
        if search.frequency == Frequency.DAILY:
            search.hits.filter(sent_at__isnull=True).update(sent_at=timezone.now())
        search.frequency = frequency
        fields.append("frequency")
    search.save(update_fields=fields)
    return search


@transaction.atomic
def saved_search_delete(*, user, search_id: int) -> None:
    _own(user=user, search_id=search_id, lock=True).delete()


# --- The sweep: new ads against the saved searches --------------------------------------------


@dataclass
class SweepResult:
    ads: int = 0
    hits: int = 0
    alerts: int = 0
    swept_until: datetime | None = None
    skipped: bool = False  # another sweep holds the mark


def _mark(now: datetime) -> SweepMark | None:
    """The sweep mark, locked; None while another sweep holds it. The first sweep starts
    SAVED_SEARCH_INSTANT_SECONDS back."""
    start = now - timedelta(seconds=settings.SAVED_SEARCH_INSTANT_SECONDS)
    try:
        with transaction.atomic():
            SweepMark.objects.get_or_create(pk=1, defaults={"swept_until": start})
    except IntegrityError:  # another sweep made it meanwhile
        pass
    return SweepMark.objects.select_for_update(skip_locked=True).filter(pk=1).first()


@transaction.atomic
def saved_searches_sweep(*, now: datetime | None = None, batch: int = SWEEP_BATCH) -> SweepResult:
    """Match the ads published since the mark against every saved search, store each new
    (search, ad) pair once, and alert the instant searches: one notification per search with
    the ads it found. One transaction: the pairs, the notifications, their delivery jobs and the
    mark commit together, so a retried or doubled run sends nothing twice."""
    now = now or timezone.now()
    mark = _mark(now)
    if mark is None:
        return SweepResult(skipped=True)
    # Ads whose transaction committed after the previous sweep looked are caught by looking back
    # a little; the pairs found again are left out by the table's unique constraint. A sweep cut
    # at its batch size is continued from the last ad it took.
    if mark.last_id:
        after = Q(published_at__gt=mark.swept_until) | Q(
            published_at=mark.swept_until, id__gt=mark.last_id
        )
    else:
        overlap = timedelta(seconds=settings.SAVED_SEARCH_SWEEP_OVERLAP_SECONDS)
        after = Q(published_at__gt=mark.swept_until - overlap)
    ads = list(
        Listing.objects.filter(after, status=Listing.Status.ACTIVE, published_at__lte=now)
        .order_by("published_at", "id")
        .values_list("id", "published_at")[:batch]
    )
    cut = len(ads) == batch
    found = matching.record([pk for pk, _published in ads], now=now)
    instant = defaultdict(list)
    for search_id, listing_id, send_now in found:
        if send_now:
            instant[search_id].append(listing_id)
    alerts = _instant_alerts(instant, now=now)
    if cut:
        mark.swept_until, mark.last_id = ads[-1][1], ads[-1][0]
    else:
        mark.swept_until, mark.last_id = max(now, mark.swept_until), 0
    mark.save(update_fields=["swept_until", "last_id"])
    return SweepResult(ads=len(ads), hits=len(found), alerts=alerts, swept_until=mark.swept_until)


def _ad_rows(listing_ids) -> dict[int, Listing]:
    return {
        listing.pk: listing
        for listing in Listing.objects.filter(pk__in=listing_ids).select_related("city")
    }


def _instant_alerts(found: dict[int, list[int]], *, now: datetime) -> int:
    if not found:
        return 0
    searches = SavedSearch.objects.filter(pk__in=found).select_related("user", "city", "category")
    ads = _ad_rows({pk for ids in found.values() for pk in ids})
    late = timedelta(seconds=settings.SAVED_SEARCH_INSTANT_SECONDS)
    notices = []
    for search in searches:
        listings = [ads[pk] for pk in found[search.pk]]
        oldest = min(ad.published_at for ad in listings)
        if now - oldest > late:
            log.warning("saved search alert late", extra={"search": search.pk})
        notices.append(_notice(search, listings, event="searches/instant"))
    return len(notify_many(notices))


def _notice(search: SavedSearch, listings: list[Listing], *, event: str) -> Notice:
    """One notification naming the search and its ads (the newest SAVED_SEARCH_DIGEST_MAX_ADS,
    with the number of the rest); one ad links to the ad, more to the search's results."""
    listings = sorted(listings, key=lambda ad: (ad.published_at, ad.pk), reverse=True)
    shown = listings[: settings.SAVED_SEARCH_DIGEST_MAX_ADS]
    results = results_path(search)
    url = shown[0].get_absolute_url() if len(listings) == 1 else results
    ids = ",".join(str(ad.pk) for ad in sorted(listings, key=lambda ad: ad.pk))
    kind = "ad" if len(listings) == 1 else "ads"
    return Notice(
        user=search.user,
        kind=Kind.SAVED_SEARCHES,
        event=event,
        key=f"saved-search:{search.pk}:{kind}:{ids}",
        context={
            "search": search,
            "listings": [(ad, absolute(ad.get_absolute_url())) for ad in shown],
            "count": len(listings),
            "more": len(listings) - len(shown),
            "results_url": absolute(results),
        },
        url=url,
    )


def absolute(path: str) -> str:
    return settings.SITE_URL + path


# --- The daily digest ------------------------------------------------------------------------


@transaction.atomic
def saved_search_digests_send(*, now: datetime | None = None, batch: int = 200) -> int:
    """Daily searches due (a day after their last digest, or after they were saved) that have
    ads waiting: one e-mail each with the newest ones still on sale, and every waiting ad
    marked sent. Each search is taken with SKIP LOCKED: several runners never share one. Returns
    the number of searches done (a digest each, unless none of their ads is on sale any more);
    the job calls it until it returns 0."""
    now = now or timezone.now()
    due = now - timedelta(days=1)
    pending = SavedSearchHit.objects.filter(search=OuterRef("pk"), sent_at__isnull=True)
    searches = list(
        SavedSearch.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(frequency=Frequency.DAILY)
        .filter(Q(last_alert_at__lte=due) | Q(last_alert_at__isnull=True, created_at__lte=due))
        .filter(Exists(pending))
        .select_related("user", "city", "category")
        .order_by("last_alert_at", "pk")[:batch]
    )
    notices = []
    for search in searches:
        hits = SavedSearchHit.objects.filter(search=search, sent_at__isnull=True)
        listing_ids = list(hits.values_list("listing_id", flat=True))
        hits.update(sent_at=now)
        SavedSearch.objects.filter(pk=search.pk).update(last_alert_at=now)
        listings = list(
            Listing.objects.filter(pk__in=listing_ids, status=Listing.Status.ACTIVE)
            .exclude(seller_id=search.user_id)
            .exclude(seller_id__in=blocked_user_ids(user_id=search.user_id))
            .select_related("city")
        )
        if listings:
            notices.append(_notice(search, listings, event="searches/digest"))
    notify_many(notices)
    return len(searches)


def saved_search_hits_prune(*, now: datetime | None = None, batch: int = 10_000) -> int:
    """Forget sent pairs older than SAVED_SEARCH_HIT_KEEP_DAYS (by then the ad has expired):
    the table of pairs stays the size of a month of matches. One batch; returns rows deleted."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.SAVED_SEARCH_HIT_KEEP_DAYS)
    old = SavedSearchHit.objects.filter(sent_at__isnull=False, matched_at__lt=cutoff)
    ids = list(old.values_list("pk", flat=True)[:batch])
    return SavedSearchHit.objects.filter(pk__in=ids).delete()[0] if ids else 0
