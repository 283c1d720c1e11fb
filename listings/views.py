import hashlib

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponsePermanentRedirect,
    JsonResponse,
)
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.decorators import phone_verified_required
from accounts.errors import PhoneUnverified
from deals.selectors import offers_safe_deal
from listings import search, selectors, services
from listings.errors import (
    CategoryLimitReached,
    DuplicateListing,
    ListingNotFound,
    PendingPhotoGone,
    PhotoStorageUnavailable,
    RaiseTooSoon,
)
from listings.forms import (
    ListingForm,
    SearchForm,
    photos_left_out_message,
    photos_that_fit,
    process_each,
)
from listings.landing import landing_for, landing_get
from listings.models import Listing, PendingPhoto
from listings.templatetags.listings import fill_favorites, tenge, thousands
from zattar import page_cache, throttling, viewer
from zattar.errors import DomainError
from zattar.page_cache import anonymous_page
from zattar.redirects import safe_next

PAGE_SIZE = 24
# Cards whose covers load at once, not lazily: the first row or two on a phone's first screen.
EAGER_CARDS = 2


def viewer_key(request: HttpRequest) -> str:
    """Who a view is counted for: a signed-in user, or an anonymous viewer's network and
    browser. No session for that: an anonymous page view writes nothing but the count."""
    if request.user.is_authenticated:
        return f"u{request.user.pk}"
    agent = request.META.get("HTTP_USER_AGENT", "")[:300]
    digest = hashlib.sha256(f"{throttling.client_network(request)}|{agent}".encode()).hexdigest()
    return f"a{digest[:24]}"


def _page_number(request: HttpRequest) -> int:
    try:
        return min(max(int(request.GET.get("page", 1)), 1), search.MAX_PAGE)
    except ValueError:
        return 1


def _permanent_redirect(request: HttpRequest, url: str) -> HttpResponse:
    """301 to `url`, keeping the query string (utm_* and the like)."""
    query = request.META.get("QUERY_STRING", "")
    return HttpResponsePermanentRedirect(f"{url}?{query}" if query else url)


def _with_favorites(request: HttpRequest, listings) -> set[int]:
    return viewer.favorite_ids(request, [x.pk for x in listings])


@require_GET
@anonymous_page
def home(request: HttpRequest) -> HttpResponse:
    newest = selectors.listing_newest(limit=12)
    return render(
        request,
        "listings/home.html",
        {
            "roots": selectors.category_roots(),
            "newest": newest,
            "favorite_ids": _with_favorites(request, newest),
            "eager_cards": EAGER_CARDS,
        },
    )


# "Show more" puts how many cards are on the page in the URL (`shown`), so that a reload or Back
# renders them all; past this many, the page renders this many.
MAX_SHOWN = 10 * PAGE_SIZE
# The search page's box in the header belongs to the filters' form there (one query field).
SEARCH_FORM_ID = "search-filters"


def _shown(request: HttpRequest) -> int:
    """How many cards the list had when its URL was last updated, in whole pages (rounded up),
    at most `MAX_SHOWN`; 0 when the URL does not say (or says nonsense)."""
    try:
        shown = int(request.GET.get("shown", 0))
    except ValueError:
        return 0
    pages = -(-min(max(shown, 0), MAX_SHOWN) // PAGE_SIZE)  # whole pages, rounded up
    return pages * PAGE_SIZE


def _search_url(params) -> str:
    encoded = params.urlencode()
    return reverse("listings:search") + (f"?{encoded}" if encoded else "")


def _filter_chips(request: HttpRequest, filters: search.SearchFilters) -> list[dict]:
    """The active filters of the panel, each with the URL of this search without it (and back
    on its first page). The words are in the search box, the order is not a filter."""

    def without(*keys: str) -> str:
        params = request.GET.copy()
        for key in (*keys, "page", "cursor", "shown"):
            params.pop(key, None)
        return _search_url(params)

    chips = []
    if filters.category is not None:
        chips.append({"label": filters.category.name, "url": without("category")})
    if filters.city is not None:
        chips.append({"label": filters.city.name, "url": without("city")})
    if filters.price_min is not None:
        label = _("from %(price)s") % {"price": tenge(filters.price_min)}
        chips.append({"label": label, "url": without("price_min")})
    if filters.price_max is not None:
        label = _("up to %(price)s") % {"price": tenge(filters.price_max)}
        chips.append({"label": label, "url": without("price_max")})
    if filters.condition:
        label = Listing.Condition(filters.condition).label
        chips.append({"label": label, "url": without("condition")})
    if filters.has_photos:
        chips.append({"label": _("With photos"), "url": without("has_photos")})
    return chips


def _clear_filters_url(request: HttpRequest) -> str:
    """This search with none of the panel's filters: the words and the order stay."""
    params = request.GET.copy()
    for key in list(params):
        if key not in ("q", "ordering"):
            params.pop(key)
    return _search_url(params)


def _show_ads_label(count: int, is_estimate: bool) -> str:
    """The phone panel's apply button: "Show 12 ads", or "Show 1 000+ ads" past the exact count."""
    if is_estimate:
        return _("Show %(count)s+ ads") % {"count": thousands(search.EXACT_COUNT_LIMIT)}
    return ngettext("Show %(count)s ad", "Show %(count)s ads", count) % {"count": thousands(count)}


@require_GET
@anonymous_page
def search_page(
    request: HttpRequest, city: str | None = None, category: str | None = None
) -> HttpResponse:
    """The search page, and a category x city landing page (/almaty/bicycles/: the two filters
    come from the path, the rest of the query string still applies). For htmx: the results (the
    filters changed), the results and the filters (a chip or "clear all" was followed), or the
    next cards ("show more", which also replaces the URL with one that renders every card
    loaded so far).

    What a signed-in viewer who blocked nobody (and was blocked by nobody) sees is what every
    such viewer sees but their hearts: it is made once and kept for the next ones (as anonymous
    visitors' whole pages are); a viewer with blocks gets their own, without those ads."""
    if city is not None and landing_get(city_slug=city, category_slug=category) is None:
        raise Http404
    if not request.user.is_authenticated:  # the whole page is kept (`anonymous_page`)
        return _search_response(request, _search_made(request, city, category), set())
    made_now = []

    def make() -> dict:
        made_now.append(True)
        return _search_made(request, city, category)

    def nobody_blocked(made: dict) -> bool:
        return not viewer.hearts_and_blocks(request, made["ids"])[1]

    vary = [request.META.get(header, "") for header in page_cache.VARY_HEADERS]
    made = page_cache.fragment(request, "search", make, "signed-in", *vary, keep_if=nobody_blocked)
    favorites, blocked = viewer.hearts_and_blocks(request, made["ids"])
    if blocked and not made_now:  # kept for viewers with no blocks: theirs is their own
        with page_cache.marks(request):
            made = _search_made(request, city, category)
        favorites = viewer.hearts_and_blocks(request, made["ids"])[0]
    return page_cache.fill_marks(request, _search_response(request, made, favorites))


def _search_response(request: HttpRequest, made: dict, favorites: set[int]) -> HttpResponse:
    """The page (or the htmx fragment) `_search_made` made, with the viewer's hearts."""
    csrf_token = get_token(request) if request.user.is_authenticated else ""
    body = mark_safe(fill_favorites(request, made["body"], favorites, csrf_token))
    if made["seo"] is None:  # an htmx fragment
        response = HttpResponse(body)
        if made["replace_url"]:
            response["HX-Replace-Url"] = made["replace_url"]
        return response
    context = {
        "title": made["title"],
        "seo": mark_safe(made["seo"]),
        "content": body,
        "header_search_form": SEARCH_FORM_ID,
    }
    return render(request, "listings/search.html", context)


def _search_made(request: HttpRequest, city: str | None, category: str | None) -> dict:
    """The search's part of the page (or its htmx fragment), the hearts as marks: nothing in it
    is any viewer's own but what differs between signed-in people and others (how to save the
    search) and, for a viewer with blocks, which ads are left out."""
    params = request.GET
    if city is not None:
        params = request.GET.copy()
        params.update({"city": city, "category": category})
    form = SearchForm(params)
    filters = form.filters()
    cursor = request.GET.get("cursor") or None
    shown = _shown(request)
    page = _page_number(request)
    htmx = bool(request.htmx) and not request.htmx.history_restore_request
    showing_more = htmx and bool(cursor or page > 1) and shown > 0
    # a reload or Back after "show more": every card loaded, from the top
    page_size = shown if shown and not (cursor or page > 1) else PAGE_SIZE
    try:
        result = selectors.listing_search(
            filters=filters,
            page=page,
            page_size=page_size,
            cursor=cursor,
            with_count=not showing_more,
            viewer=request.user,
        )
    except search.InvalidCursor:  # a mangled link: show the first page instead
        showing_more, page = False, 1
        result = selectors.listing_search(
            filters=filters, page=1, page_size=PAGE_SIZE, viewer=request.user
        )
    # How many cards the page will have once these are added, and the next chunk's link.
    loaded = (shown if showing_more else (page - 1) * PAGE_SIZE) + len(result.items)
    more_url = state_url = ""
    params = request.GET.copy()
    for key in ("page", "cursor", "shown"):
        params.pop(key, None)
    if result.has_next:
        state = params.copy()
        state["shown"] = loaded + PAGE_SIZE  # without JS: the same list, one page longer
        state_url = _search_url(state)
        nxt = params.copy()
        if result.next_cursor:
            nxt["cursor"] = result.next_cursor
        else:
            nxt["page"] = loaded // PAGE_SIZE + 1
        nxt["shown"] = loaded
        more_url = _search_url(nxt)
    chips = _filter_chips(request, filters)
    landing = landing_for(filters)
    context = {
        "form": form,
        "filters": filters,
        "result": result,
        "favorite_marks": True,
        "chips": chips,
        "clear_url": _clear_filters_url(request),
        "more_url": more_url,
        "more_href": state_url,
        "show_label": _show_ads_label(result.count, result.count_is_estimate),
        "count_url": reverse("listings:search_count"),
        "landing": landing,
        "eager_cards": 0 if showing_more else EAGER_CARDS,
    }
    made = {"ids": [listing.pk for listing in result.items], "seo": None, "replace_url": ""}
    if showing_more:
        current = params.copy()
        current["shown"] = loaded
        made["replace_url"] = _search_url(current)
        template = "listings/search.html#more"
    elif htmx and request.htmx.target == "search-layout":
        template = "listings/search.html#layout"
    elif htmx:  # the filters' own form changed: it shows them already; the counts follow
        template = "listings/search.html#results"
        context["oob"] = True
    else:
        template = "listings/search.html#content"
        made["seo"] = render_to_string("listings/search.html#seo", context, request)
        made["title"] = str(landing.heading) if landing else (filters.q or _("Search"))
    made["body"] = render_to_string(template, context, request)
    return made


@require_GET
def search_count(request: HttpRequest) -> JsonResponse:
    """How many ads the phone panel's current choices find, for its "Show N ads" button, as the
    fields change: `{"count": 12, "estimate": false, "label": "Show 12 ads"}`; invalid filters:
    400 with the message of each field."""
    form = SearchForm(request.GET)
    if not form.is_valid():
        return JsonResponse({"errors": form.errors}, status=400)
    count, is_estimate = selectors.listing_search_count(filters=form.filters(), viewer=request.user)
    return JsonResponse(
        {"count": count, "estimate": is_estimate, "label": _show_ads_label(count, is_estimate)}
    )


# My ads' tabs: every status but "hidden: seller banned" (a banned seller cannot sign in).
SELLER_TABS = [s for s in Listing.Status.values if s != Listing.Status.BLOCKED]


def _count_kept_view(request: HttpRequest, meta: dict) -> None:
    """An anonymous visitor served a kept ad page is counted as one who got it rendered."""
    if "count_view" in meta:
        key = viewer_key(request)
        services.listing_register_view(listing_id=meta["count_view"], viewer_key=key)


AD_PARTS = ("seo", "content", "scripts")


def _viewer_kind(request: HttpRequest) -> str:
    """What an ad page differs by between the viewers who are not its seller (besides their
    hearts): how they can get the seller's phone number."""
    if not request.user.is_authenticated:
        return "anonymous"
    return "verified" if request.user.phone_verified else "unverified"


def _ad_parts(request: HttpRequest, listing: Listing, *, is_seller: bool) -> dict:
    """The ad page's parts (listings/_detail.html), hearts as marks, and what the view needs
    of the ad besides; nothing in it is any viewer's own."""
    similar = selectors.listing_similar(listing=listing)
    context = {
        "listing": listing,
        "safe_deal": offers_safe_deal(listing),
        "is_seller": is_seller,
        "similar": similar,
        "favorite_marks": True,
    }
    return {
        "parts": {
            name: render_to_string(f"listings/_detail.html#{name}", context, request)
            for name in AD_PARTS
        },
        "title": listing.title,
        "slug": listing.slug,
        "url": listing.get_absolute_url(),
        "seller_id": listing.seller_id,
        "active": listing.status == Listing.Status.ACTIVE,
        "ids": [listing.pk, *(other.pk for other in similar)],
    }


def _public_ad_parts(request: HttpRequest, pk: int) -> dict | None:
    """The parts everyone but the seller sees; None for an ad that is not public, and for its
    seller (what they see is theirs alone: their "Show phone" is not there, for one)."""
    listing = selectors.listing_get_page(listing_id=pk)
    if listing is None or listing.seller_id == request.user.pk:
        return None
    return _ad_parts(request, listing, is_seller=False)


@require_GET
@anonymous_page(on_hit=_count_kept_view)
def detail(request: HttpRequest, pk: int, slug: str | None = None) -> HttpResponse:
    """An ad's page. What anyone but its seller sees is rendered once and kept for the ad's
    next visitors (per kind of viewer); the hearts and the tokens are each viewer's own."""
    user = request.user
    ad = page_cache.fragment(
        request, "ad", lambda: _public_ad_parts(request, pk), _viewer_kind(request)
    )
    is_seller = user.is_authenticated and ad is not None and ad["seller_id"] == user.pk
    if ad is None or is_seller:  # not public (only its seller may see it), or its seller's page
        listing = (
            selectors.listing_get_for_seller(listing_id=pk, seller=user)
            if user.is_authenticated
            else None
        )
        if listing is None:
            raise Http404(_("No such ad."))
        is_seller = True
        with page_cache.marks(request):
            ad = _ad_parts(request, listing, is_seller=True)
    if (slug or "") != ad["slug"]:  # an old /ads/<id>/ link, or the title changed since
        return _permanent_redirect(request, ad["url"])
    counted = ad["active"] and not is_seller
    if counted:
        services.listing_register_view(listing_id=pk, viewer_key=viewer_key(request))
    favorites = viewer.favorite_ids(request, ad["ids"])
    csrf_token = get_token(request) if user.is_authenticated else ""  # a page never kept
    parts = ad["parts"] | {  # the kept part, its marks made into buttons by format_html
        "content": mark_safe(fill_favorites(request, ad["parts"]["content"], favorites, csrf_token))
    }
    response = render(request, "listings/detail.html", {"title": ad["title"], "parts": parts})
    if counted:
        response.page_cache_meta = {"count_view": pk}
    return page_cache.fill_marks(request, response)


@login_required
@phone_verified_required
@require_http_methods(["GET", "POST"])
@throttling.rate_limit("ad_create")
def create(request: HttpRequest) -> HttpResponse:
    form = ListingForm(request.POST or None, request.FILES or None, owner=request.user)
    duplicate = None
    if request.method == "POST" and form.is_valid():
        try:
            listing = services.listing_create(
                seller=request.user,
                photos=form.cleaned_data["photos"],
                pending_photo_ids=[photo.pk for photo in form.cleaned_data["pending_photos"]],
                **form.listing_fields(),
            )
        except PhotoStorageUnavailable as error:  # nothing saved: the form comes back as sent
            form.add_error("photos", error.detail)
        except PendingPhotoGone as error:  # taken by another tab's ad meanwhile
            form.add_error("photos", error.detail)
        except DuplicateListing as error:  # the page names the ad and links to it
            duplicate = error.existing
        except CategoryLimitReached as error:
            form.add_error("category", error.detail)
        else:
            _say_published(request, listing)
            return redirect(listing)
    pending = _keep_photos(request, form) if request.method == "POST" else []
    return render(
        request,
        "listings/form.html",
        {"form": form, "listing": None, "duplicate": duplicate, "pending": pending},
    )


def _keep_photos(request: HttpRequest, form: ListingForm) -> list[PendingPhoto]:
    """The photos the form comes back with: its uploads, and the good files sent with it (a
    form sent without JavaScript) kept as uploads, so that fixing another field keeps them."""
    pending = list(form.pending)
    for photo in form.processed:
        try:
            pending.append(services.pending_photo_create(owner=request.user, photo=photo))
        except DomainError:  # too many waiting, or the storage is away: the file is not kept
            break
    return pending


def _say_published(request: HttpRequest, listing: Listing) -> None:
    if listing.status == Listing.Status.ON_REVIEW:  # an automatic rule held it
        messages.info(
            request,
            _("Your ad is saved and goes to a moderator first: until then nobody else sees it."),
        )
    else:
        messages.success(request, _("Your ad is published."))


@require_POST
def validate_field(request: HttpRequest) -> HttpResponse:
    """Live validation: the one field the user just left, with its errors, as a fragment."""
    name = request.POST.get("_field", "")
    form = ListingForm(request.POST)
    if name not in form.fields or name in ("photos", "pending_photos"):
        return HttpResponse(status=204)
    form.is_valid()
    return render(request, "components/field.html", {"field": form[name]})


def _own_listing(request: HttpRequest, pk: int) -> Listing:
    listing = selectors.listing_get_for_seller(listing_id=pk, seller=request.user)
    if listing is None:
        raise Http404(_("No such ad."))
    return listing


def _has_files(request: HttpRequest) -> bool:
    return bool(request.FILES)


@login_required
@require_http_methods(["GET", "POST"])
@throttling.rate_limit("photo_upload", only_if=_has_files)
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    listing = _own_listing(request, pk)
    initial = {
        "title": listing.title,
        "category": listing.category.slug,
        "description": listing.description,
        "price": listing.price,
        "negotiable": listing.negotiable,
        "condition": listing.condition,
        "city": listing.city,
    }
    form = ListingForm(
        request.POST or None,
        request.FILES or None,
        initial=initial,
        existing_photos=listing.image_count,
    )
    if request.method == "POST" and form.is_valid():
        try:
            updated = services.listing_update(
                listing_id=pk,
                seller=request.user,
                photos=form.cleaned_data["photos"],
                **form.listing_fields(),
            )
        except PhotoStorageUnavailable as error:  # nothing saved: the form comes back as sent
            form.add_error(None, error.detail)  # this page adds photos in its photo panel
        except DomainError as error:
            messages.error(request, error.detail)
            return redirect("listings:edit", pk=pk)
        else:
            if updated.status == Listing.Status.ON_REVIEW:
                messages.info(
                    request,
                    _(
                        "Your changes are saved. The ad goes to a moderator first: until then "
                        "nobody else sees it."
                    ),
                )
            else:
                messages.success(request, _("Your changes are saved."))
            return redirect(listing)
    return render(request, "listings/form.html", {"form": form, "listing": listing})


def _photos_fragment(request: HttpRequest, pk: int, error: str = "") -> HttpResponse:
    listing = _own_listing(request, pk)
    return render(request, "listings/form.html#photos", {"listing": listing, "photo_error": error})


@login_required
@require_POST
def photo_add(request: HttpRequest, pk: int) -> HttpResponse:
    listing = _own_listing(request, pk)
    try:
        throttling.hit(request, "photo_upload")
    except throttling.Throttled as refused:
        if request.htmx:  # htmx swaps only a 200: the message goes in the photos fragment
            return _photos_fragment(request, pk, refused.detail)
        return throttling.throttled_response(request, refused)
    uploads = request.FILES.getlist("photos")
    errors = [] if uploads else [_("Choose one or more photos to upload.")]
    kept, left_out = photos_that_fit(uploads, already=listing.image_count)
    photos, bad = process_each(kept)
    errors += [message for error in bad for message in error.messages]
    try:
        services.listing_images_add(listing_id=pk, seller=request.user, photos=photos)
    except DomainError as exc:
        errors.append(exc.detail)
    if left_out:  # as many as fit are added; the message says how many were not
        errors.append(photos_left_out_message(left_out))
    error = " ".join(str(e) for e in errors)
    if request.htmx:
        return _photos_fragment(request, pk, error)
    if error:
        messages.error(request, error)
    return redirect("listings:edit", pk=pk)


@login_required
@require_POST
def photo_upload(request: HttpRequest) -> HttpResponse:
    """One photo picked in the ad form, re-encoded and kept for the user until the form is
    sent: JSON {id, thumbnail} (201), or {errors: {photo: [...]}} (400)."""
    if not request.user.phone_verified:
        return JsonResponse({"errors": {"photo": [PhoneUnverified().detail]}}, status=403)
    try:
        throttling.hit(request, "photo_upload")
    except throttling.Throttled as refused:
        response = JsonResponse({"errors": {"photo": [refused.detail]}}, status=429)
        response["Retry-After"] = str(refused.retry_after)
        return response
    uploads = request.FILES.getlist("photo")
    if len(uploads) != 1:
        return JsonResponse({"errors": {"photo": [_("Send one photo.")]}}, status=400)
    photos, bad = process_each(uploads)
    if bad:
        return JsonResponse({"errors": {"photo": bad[0].messages}}, status=400)
    try:
        pending = services.pending_photo_create(owner=request.user, photo=photos[0])
    except DomainError as error:
        return JsonResponse({"errors": {"photo": [str(error.detail)]}}, status=error.status_code)
    return JsonResponse({"id": pending.pk, "thumbnail": pending.thumbnail.url}, status=201)


@login_required
@require_POST
def photo_upload_delete(request: HttpRequest, photo_id: int) -> HttpResponse:
    """The user took an uploaded photo off the form before sending it."""
    if not services.pending_photo_delete(owner=request.user, photo_id=photo_id):
        raise Http404(_("No such photo."))
    return HttpResponse(status=204)


@login_required
@require_POST
def photo_change(request: HttpRequest, pk: int, image_id: int) -> HttpResponse:
    """Delete a photo, make it the cover, or move it one place left or right."""
    listing = _own_listing(request, pk)
    action = request.POST.get("action")
    order = [image.pk for image in listing.images.all()]
    if image_id not in order:
        raise Http404(_("No such photo."))
    if action == "delete":
        services.listing_image_delete(listing_id=pk, seller=request.user, image_id=image_id)
    elif action in ("cover", "left", "right"):
        index = order.index(image_id)
        order.pop(index)
        target = {"cover": 0, "left": max(index - 1, 0), "right": index + 1}[action]
        order.insert(min(target, len(order)), image_id)
        services.listing_images_reorder(listing_id=pk, seller=request.user, image_ids=order)
    else:
        return HttpResponse(_("Unknown action."), status=400)
    if request.htmx:
        return _photos_fragment(request, pk)
    return redirect("listings:edit", pk=pk)


@login_required
@require_POST
def change_status(request: HttpRequest, pk: int) -> HttpResponse:
    status = request.POST.get("status", "")
    if status not in Listing.Status.values:
        return HttpResponse(_("Unknown status."), status=400)
    try:
        services.listing_set_status(listing_id=pk, seller=request.user, status=status)
    except ListingNotFound:
        raise Http404(_("No such ad.")) from None
    except DomainError as error:
        if error.status_code == 403:
            raise Http404(_("No such ad.")) from None
        messages.error(request, error.detail)
    else:
        messages.success(
            request, _("The ad is now “%(status)s”.") % {"status": Listing.Status(status).label}
        )
    return redirect(safe_next(request) or "listings:my_ads")


@login_required
@require_http_methods(["GET", "POST"])
def renew(request: HttpRequest, pk: int) -> HttpResponse:
    """The reminder e-mail's link: the ad and one button (a POST) that renews it; My ads'
    renew button posts here too."""
    listing = _own_listing(request, pk)  # someone else's ad: 404
    if request.method == "POST":
        try:
            services.listing_renew(listing_id=pk, seller=request.user)
        except DomainError as error:
            messages.error(request, error.detail)
        else:
            messages.success(
                request,
                _("The ad is renewed: it stays in search for %(days)d days.")
                % {"days": settings.LISTING_LIFETIME_DAYS},
            )
            return redirect(safe_next(request) or f"{reverse('listings:my_ads')}#ad-{pk}")
    return render(
        request,
        "listings/renew.html",
        {"listing": listing, "lifetime_days": settings.LISTING_LIFETIME_DAYS},
    )


@login_required
@require_POST
def raise_to_top(request: HttpRequest, pk: int) -> HttpResponse:
    _own_listing(request, pk)  # someone else's ad: 404
    try:
        services.listing_raise(listing_id=pk, seller=request.user)
    except RaiseTooSoon as error:
        messages.warning(request, error.detail)
    except DomainError as error:
        messages.error(request, error.detail)
    else:
        messages.success(request, _("The ad is raised to the top of the newest ads."))
    return redirect(safe_next(request) or f"{reverse('listings:my_ads')}#ad-{pk}")


@login_required
@require_http_methods(["GET", "POST"])
def delete(request: HttpRequest, pk: int) -> HttpResponse:
    listing = _own_listing(request, pk)
    if request.method == "POST":
        try:
            services.listing_delete(listing_id=pk, seller=request.user)
        except DomainError as error:
            messages.error(request, error.detail)
            return redirect("listings:my_ads")
        messages.success(request, _("The ad is deleted."))
        return redirect("listings:my_ads")
    return render(request, "listings/confirm_delete.html", {"listing": listing})


@login_required
@require_GET
def my_ads(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status") or Listing.Status.ACTIVE
    if status not in SELLER_TABS:
        status = Listing.Status.ACTIVE
    page = Paginator(
        selectors.seller_listings(seller=request.user, status=status), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "listings/my_ads.html",
        {
            "page": page,
            "status": status,
            "counts": selectors.seller_status_counts(seller=request.user),
            "statuses": [c for c in Listing.Status.choices if c[0] in SELLER_TABS],
        },
    )


@login_required
@require_GET
def favorites(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.favorite_listings(user=request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "listings/favorites.html",
        {"page": page, "favorite_ids": {listing.pk for listing in page}},
    )


@login_required
@require_POST
def favorite_toggle(request: HttpRequest, pk: int) -> HttpResponse:
    listing = selectors.listing_get_public(listing_id=pk)
    if listing is None:
        raise Http404(_("No such ad."))
    if request.POST.get("on") == "1":
        services.favorite_add(user=request.user, listing=listing)
    else:
        services.favorite_remove(user=request.user, listing=listing)
    is_favorite = request.POST.get("on") == "1"
    if request.htmx:
        return render(
            request,
            "components/favorite_button.html",
            {"listing": listing, "is_favorite": is_favorite},
        )
    return redirect(safe_next(request) or listing.get_absolute_url())
