from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.decorators import phone_verified_required
from deals import selectors, services
from deals.errors import MissingDetails
from deals.forms import ReviewForm, TransitionForm
from deals.transitions import Role, Status
from listings.selectors import listing_get_public
from zattar.errors import DomainError
from zattar.ids import parse_id


@login_required
@phone_verified_required
@require_http_methods(["GET", "POST"])
def start(request: HttpRequest, listing_id: int) -> HttpResponse:
    """ "Buy with Safe Deal": a confirmation step with the amount and the rules, then the deal."""
    listing = listing_get_public(listing_id=listing_id)
    if listing is None:
        raise Http404(_("No such ad."))
    if request.method == "POST":
        seen = request.POST.get("amount")
        if seen is not None and parse_id(seen) is None:  # not the price the page showed
            messages.error(request, _("The price could not be read: check the ad again."))
            return redirect(listing)
        try:
            deal = services.deal_start(
                listing_id=listing.pk, buyer=request.user, expected_amount=parse_id(seen)
            )
        except DomainError as error:
            messages.error(request, error.detail)
            return redirect(listing)
        messages.success(request, _("The money is held. The seller has been told to ship."))
        return redirect("deals:detail", deal_id=deal.pk)
    return render(request, "deals/start.html", {"listing": listing})


def _deal(request: HttpRequest, deal_id: int):
    deal = selectors.deal_for_user(deal_id=deal_id, user=request.user)
    if deal is None:
        raise Http404(_("No such deal."))
    return deal


@login_required
@require_GET
def detail(request: HttpRequest, deal_id: int) -> HttpResponse:
    return _detail_page(request, _deal(request, deal_id))


def _detail_page(
    request: HttpRequest, deal, *, sent: TransitionForm | None = None, status: int = 200
) -> HttpResponse:
    """The deal page; `sent` is a move's form that came back with errors under its fields."""
    role = selectors.role_of(request.user, deal)
    allowed = selectors.allowed_transitions(deal, request.user, now=timezone.now())
    reviewed = any(review.author_id == request.user.pk for review in deal.reviews.all())
    sent_target = sent.data.get("status") if sent is not None else None
    return render(
        request,
        "deals/detail.html",
        {
            "deal": deal,
            "role": role,
            "actions": [
                (
                    target,
                    sent
                    if target.value == sent_target
                    else TransitionForm(initial={"status": target.value}),
                )
                for target in allowed
            ],
            "can_review": deal.status == Status.COMPLETED
            and role in (Role.BUYER, Role.SELLER)
            and not reviewed,
            "review_form": ReviewForm(),
        },
        status=status,
    )


@login_required
@require_POST
def transition(request: HttpRequest, deal_id: int) -> HttpResponse:
    deal = _deal(request, deal_id)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        if form.errors.keys() - {"status"}:  # a detail too long: said under its field
            return _detail_page(request, deal, sent=form, status=400)
        messages.error(request, _("Choose what to do with the deal."))
        return redirect("deals:detail", deal_id=deal_id)
    try:
        services.deal_transition(
            deal_id=deal_id,
            actor=request.user,
            target=form.cleaned_data["status"],
            tracking_number=form.cleaned_data["tracking_number"],
            carrier=form.cleaned_data["carrier"],
            reason=form.cleaned_data["reason"],
            note=form.cleaned_data["note"],
        )
    except MissingDetails as error:  # each missing detail is said under its own field
        for name in error.extra["fields"]:
            form.add_error(name, _("This field is required."))
        return _detail_page(request, deal, sent=form, status=400)
    except DomainError as error:
        messages.error(request, error.detail)
    else:
        messages.success(
            request,
            _("Done: the deal is now “%(status)s”.")
            % {"status": Status(form.cleaned_data["status"]).label},
        )
    return redirect("deals:detail", deal_id=deal_id)


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
