import hashlib

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.decorators import phone_verified_required
from deals.selectors import offers_safe_deal
from listings import search, selectors, services
from listings.errors import (
    CategoryLimitReached,
    DuplicateListing,
    ListingNotFound,
    PhotoStorageUnavailable,
    RaiseTooSoon,
)
from listings.forms import ListingForm, SearchForm, process_photos
from listings.models import Listing
from zattar import throttling
from zattar.errors import DomainError
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


def _with_favorites(request: HttpRequest, listings) -> set[int]:
    return selectors.favorite_ids(user=request.user, listing_ids=[x.pk for x in listings])


@require_GET
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


@require_GET
def search_page(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET)
    filters = form.filters()
    cursor = request.GET.get("cursor") or None
    showing_more = bool(cursor) and request.htmx
    try:
        result = selectors.listing_search(
            filters=filters,
            page=_page_number(request),
            page_size=PAGE_SIZE,
            cursor=cursor,
            with_count=not showing_more,
            viewer=request.user,
        )
    except search.InvalidCursor:  # a mangled link: show the first page instead
        showing_more = False
        result = selectors.listing_search(
            filters=filters, page=1, page_size=PAGE_SIZE, viewer=request.user
        )
    context = {
        "form": form,
        "filters": filters,
        "result": result,
        "favorite_ids": _with_favorites(request, result.items),
        "eager_cards": 0 if showing_more else EAGER_CARDS,
    }
    if showing_more:
        template = "listings/search.html#more"
    elif request.htmx:
        template = "listings/search.html#results"
    else:
        template = "listings/search.html"
    return render(request, template, context)


# My ads' tabs: every status but "hidden: seller banned" (a banned seller cannot sign in).
SELLER_TABS = [s for s in Listing.Status.values if s != Listing.Status.BLOCKED]


@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    listing = selectors.listing_get_public(listing_id=pk)
    if listing is None:
        own = (
            selectors.listing_get_for_seller(listing_id=pk, seller=request.user)
            if request.user.is_authenticated
            else None
        )
        if own is None:
            raise Http404(_("No such ad."))
        listing = own
    is_seller = request.user.is_authenticated and listing.seller_id == request.user.pk
    if not is_seller and listing.status == Listing.Status.ACTIVE:
        services.listing_register_view(listing=listing, viewer_key=viewer_key(request))
    similar = selectors.listing_similar(listing=listing)
    return render(
        request,
        "listings/detail.html",
        {
            "listing": listing,
            "safe_deal": offers_safe_deal(listing),
            "is_seller": is_seller,
            "similar": similar,
            "favorite_ids": _with_favorites(request, [listing, *similar]),
        },
    )


@login_required
@phone_verified_required
@require_http_methods(["GET", "POST"])
@throttling.rate_limit("ad_create")
def create(request: HttpRequest) -> HttpResponse:
    form = ListingForm(request.POST or None, request.FILES or None)
    duplicate = None
    if request.method == "POST" and form.is_valid():
        try:
            listing = services.listing_create(
                seller=request.user, photos=form.cleaned_data["photos"], **form.listing_fields()
            )
        except PhotoStorageUnavailable as error:  # nothing saved: the form comes back as sent
            form.add_error("photos", error.detail)
        except DuplicateListing as error:  # the page names the ad and links to it
            duplicate = error.existing
        except CategoryLimitReached as error:
            form.add_error("category", error.detail)
        else:
            _say_published(request, listing)
            return redirect(listing)
    return render(
        request, "listings/form.html", {"form": form, "listing": None, "duplicate": duplicate}
    )


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
    if name not in form.fields or name == "photos":
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
    error = "" if request.FILES.getlist("photos") else _("Choose one or more photos to upload.")
    try:
        photos = process_photos(request.FILES.getlist("photos"), already=listing.image_count)
        services.listing_images_add(listing_id=pk, seller=request.user, photos=photos)
    except ValidationError as exc:
        error = " ".join(exc.messages)
    except DomainError as exc:
        error = exc.detail
    if request.htmx:
        return _photos_fragment(request, pk, error)
    if error:
        messages.error(request, error)
    return redirect("listings:edit", pk=pk)


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
