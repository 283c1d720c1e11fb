from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.decorators import phone_verified_required
from deals import selectors, services
from deals.errors import MissingDetails
from deals.forms import DeliveryForm, ReviewForm, TransitionForm, process_dispute_photos
from deals.transitions import Role, Status
from listings.selectors import listing_get_public
from zattar.errors import DomainError
from zattar.ids import parse_id
from zattar.storage import STORAGE_FAILURES


@login_required
@phone_verified_required
@require_http_methods(["GET", "POST"])
def start(request: HttpRequest, listing_id: int) -> HttpResponse:
    """ "Buy with Safe Deal": where to ship, the amount and the rules, then the deal."""
    listing = listing_get_public(listing_id=listing_id)
    if listing is None:
        raise Http404(_("No such ad."))
    if request.method == "POST":
        seen = request.POST.get("amount")
        if seen is not None and parse_id(seen) is None:  # not the price the page showed
            messages.error(request, _("The price could not be read: check the ad again."))
            return redirect(listing)
        form = DeliveryForm(request.POST, listing=listing)
        if not form.is_valid():
            return render(
                request, "deals/start.html", {"listing": listing, "form": form}, status=400
            )
        try:
            deal = services.deal_start(
                listing_id=listing.pk,
                buyer=request.user,
                delivery=form.delivery(),
                expected_amount=parse_id(seen),
            )
        except DomainError as error:
            messages.error(request, error.detail)
            return redirect(listing)
        messages.success(request, _("The money is held. The seller has been told to ship."))
        return redirect("deals:detail", deal_id=deal.pk)
    initial = selectors.last_delivery(buyer=request.user) or {"city": listing.city}
    form = DeliveryForm(initial=initial, listing=listing)
    return render(request, "deals/start.html", {"listing": listing, "form": form})


def _deal(request: HttpRequest, deal_id: int):
    deal = selectors.deal_for_user(deal_id=deal_id, user=request.user)
    if deal is None:
        raise Http404(_("No such deal."))
    return deal


def _detail_page(
    request: HttpRequest, deal, *, bound: TransitionForm | None = None, status: int = 200
) -> HttpResponse:
    """The deal page; `bound` is a move's form sent back with its errors under its fields."""
    role = selectors.role_of(request.user, deal)
    allowed = selectors.allowed_transitions(deal, request.user, now=timezone.now())
    reviewed = any(review.author_id == request.user.pk for review in deal.reviews.all())
    bound_target = bound.data.get("status") if bound is not None else None
    actions = [
        (
            target,
            bound
            if bound_target == target.value
            else TransitionForm(initial={"status": target.value}),
        )
        for target in allowed
    ]
    return render(
        request,
        "deals/detail.html",
        {
            "deal": deal,
            "role": role,
            "actions": actions,
            "can_review": deal.status == Status.COMPLETED
            and role in (Role.BUYER, Role.SELLER)
            and not reviewed,
            "review_form": ReviewForm(),
        },
        status=status,
    )


@login_required
@require_GET
def detail(request: HttpRequest, deal_id: int) -> HttpResponse:
    return _detail_page(request, _deal(request, deal_id))


@login_required
@require_POST
def transition(request: HttpRequest, deal_id: int) -> HttpResponse:
    deal = _deal(request, deal_id)
    form = TransitionForm(request.POST, request.FILES)
    if not form.is_valid():
        if "status" in form.errors:
            messages.error(request, _("Choose what to do with the deal."))
            return redirect("deals:detail", deal_id=deal_id)
        return _detail_page(request, deal, bound=form, status=400)
    target = Status(form.cleaned_data["status"])
    role = selectors.role_of(request.user, deal)
    allowed = selectors.allowed_transitions(deal, request.user, now=timezone.now())
    releases = target == Status.COMPLETED and role == Role.BUYER and target in allowed
    if releases and not form.cleaned_data["confirm"]:
        # One click never releases the money: without the page's dialog (no JavaScript), this
        # page asks the same question.
        return render(request, "deals/confirm_release.html", {"deal": deal})
    photos = process_dispute_photos(form)
    if photos is None:
        return _detail_page(request, deal, bound=form, status=400)
    try:
        services.deal_transition(
            deal_id=deal_id,
            actor=request.user,
            target=target,
            tracking_number=form.cleaned_data["tracking_number"],
            carrier=form.cleaned_data["carrier"],
            reason=form.cleaned_data["reason"],
            note=form.cleaned_data["note"],
            photos=photos,
        )
    except MissingDetails as error:
        for field in error.extra["fields"]:
            form.add_error(field, _("This is needed for this step."))
        return _detail_page(request, deal, bound=form, status=400)
    except DomainError as error:
        messages.error(request, error.detail)
    else:
        messages.success(
            request, _("Done: the deal is now “%(status)s”.") % {"status": target.label}
        )
    return redirect("deals:detail", deal_id=deal_id)


@login_required
@require_POST
def dispute_photos(request: HttpRequest, deal_id: int) -> HttpResponse:
    """More photos for a deal under dispute, from either participant."""
    deal = _deal(request, deal_id)
    form = TransitionForm({"status": Status.DISPUTED}, request.FILES)
    if not form.is_valid() or not (photos := process_dispute_photos(form)):
        for error in form.errors.get("photos", []) or [_("Choose at least one photo.")]:
            messages.error(request, error)
        return redirect("deals:detail", deal_id=deal.pk)
    try:
        services.dispute_photos_add(deal_id=deal.pk, author=request.user, photos=photos)
    except DomainError as error:
        messages.error(request, error.detail)
    else:
        messages.success(request, _("The photos are added to the dispute."))
    return redirect("deals:detail", deal_id=deal.pk)


@login_required
@require_GET
def dispute_photo(request: HttpRequest, deal_id: int, photo_id: int, size: str) -> HttpResponse:
    """A dispute photo, to the deal's two people and the moderators only (never a public URL)."""
    deal = _deal(request, deal_id)
    file = selectors.dispute_photo_file(deal=deal, photo_id=photo_id, size=size)
    if file is None:
        raise Http404(_("No such photo."))
    try:
        handle = file.storage.open(file.name, "rb")
    except STORAGE_FAILURES:
        raise Http404(_("No such photo.")) from None
    response = FileResponse(handle, content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    return response


@login_required
@require_POST
def review(request: HttpRequest, deal_id: int) -> HttpResponse:
    _deal(request, deal_id)
    form = ReviewForm(request.POST)
    if form.is_valid():
        try:
            services.review_leave(deal_id=deal_id, author=request.user, **form.cleaned_data)
            messages.success(request, _("Thank you for the review."))
        except DomainError as error:
            messages.error(request, error.detail)
    else:
        messages.error(request, _("Give 1 to 5 stars."))
    return redirect("deals:detail", deal_id=deal_id)


@login_required
@require_GET
def my_deals(request: HttpRequest) -> HttpResponse:
    tab = "selling" if request.GET.get("tab") == "selling" else "buying"
    role = Role.SELLER if tab == "selling" else Role.BUYER
    page = Paginator(selectors.deals_of(user=request.user, as_role=role), 20).get_page(
        request.GET.get("page")
    )
    return render(request, "deals/my_deals.html", {"page": page, "tab": tab})
