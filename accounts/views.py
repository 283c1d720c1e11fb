from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import check_for_language
from django.utils.translation import gettext as _
from django.views import i18n
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import selectors, services
from accounts.errors import AvatarStorageUnavailable
from accounts.forms import PhoneConfirmForm, PhoneSendForm, ProfileForm, RegisterForm
from deals import selectors as deal_selectors
from listings import selectors as listing_selectors
from zattar import viewer
from zattar.errors import DomainError
from zattar.ids import parse_id
from zattar.redirects import safe_next
from zattar.throttling import client_network, rate_limit


@never_cache  # the answer to a refused form carries the password back (RegisterForm)
@require_http_methods(["GET", "POST"])
@rate_limit("register")
def register(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("accounts:profile_edit")
    form = RegisterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        user = services.user_register(
            email=data["email"], phone=data["phone"], password=data["password1"], name=data["name"]
        )
        login(request, user, backend="accounts.backends.EmailOrPhoneBackend")
        messages.success(request, _("Welcome to Zattar, %(name)s!") % {"name": user.name})
        return redirect(safe_next(request) or "home")
    return render(request, "accounts/register.html", {"form": form, "next": safe_next(request)})


@require_GET
def profile(request: HttpRequest, user_id: int) -> HttpResponse:
    person = selectors.user_get_public(user_id=user_id)
    if person is None:
        raise Http404(_("No such user."))
    ads = Paginator(listing_selectors.seller_active_listings(seller=person), 24).get_page(
        request.GET.get("page")
    )
    favorite_ids = viewer.favorite_ids(request, [a.pk for a in ads])
    reviews = deal_selectors.reviews_of(user=person) if person.rating_count else []
    return render(
        request,
        "accounts/profile.html",
        {"person": person, "page": ads, "favorite_ids": favorite_ids, "reviews": reviews},
    )


@login_required
@require_http_methods(["GET", "POST"])
def profile_edit(request: HttpRequest) -> HttpResponse:
    user = request.user
    initial = {"name": user.name, "city": user.city_id, "show_phone": user.show_phone}
    form = ProfileForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        avatar = form.cleaned_data["avatar"]
        try:
            services.profile_update(
                user=user,
                name=form.cleaned_data["name"],
                city=form.cleaned_data["city"],
                clear_city=form.cleaned_data["city"] is None,
                avatar=avatar or None,
                clear_avatar=avatar is False,
                show_phone=form.cleaned_data["show_phone"],
            )
        except ValidationError as error:  # decoding the avatar found the server busy
            form.add_error("avatar", error)
        except AvatarStorageUnavailable as error:  # nothing saved: the form comes back as sent
            form.add_error("avatar", error.detail)
        else:
            messages.success(request, _("Your profile is saved."))
            return redirect("accounts:profile_edit")
    return render(request, "accounts/profile_edit.html", {"form": form})


def _phone_page(request: HttpRequest, send_form=None, confirm_form=None, status=200):
    user = request.user
    return render(
        request,
        "accounts/phone.html",
        {
            "send_form": send_form or PhoneSendForm(),
            "confirm_form": confirm_form or PhoneConfirmForm(),
            "pending": selectors.phone_code_pending(user=user),
            "phone_taken": not user.phone_verified
            and selectors.phone_held_by_verified(phone=user.phone, other_than=user),
            "next": safe_next(request),
        },
        status=status,
    )


@login_required
@require_GET
def phone(request: HttpRequest) -> HttpResponse:
    """The account's phone: verified or not, a form to send a code (to the number or a new
    one), and one to confirm it."""
    return _phone_page(request)


@login_required
@require_POST
def phone_send(request: HttpRequest) -> HttpResponse:
    form = PhoneSendForm(request.POST)
    if not form.is_valid():
        return _phone_page(request, send_form=form, status=400)
    try:
        code = services.phone_code_send(
            user=request.user, ip=client_network(request), phone=form.cleaned_data["phone"]
        )
    except DomainError as error:
        form.add_error("phone", error.detail)
        return _phone_page(request, send_form=form, status=error.status_code)
    messages.success(
        request,
        _("We have sent a code to %(phone)s. Enter it below.") % {"phone": code.phone_display},
    )
    return redirect(_phone_url(request))


@login_required
@require_POST
def phone_confirm(request: HttpRequest) -> HttpResponse:
    form = PhoneConfirmForm(request.POST)
    if not form.is_valid():
        return _phone_page(request, confirm_form=form, status=400)
    try:
        services.phone_confirm(user=request.user, code=form.cleaned_data["code"])
    except DomainError as error:
        form.add_error("code", error.detail)
        return _phone_page(request, confirm_form=form, status=error.status_code)
    messages.success(request, _("Your phone number is verified."))
    return redirect(safe_next(request) or "accounts:phone")


def _phone_url(request: HttpRequest) -> str:
    target = safe_next(request)
    url = reverse("accounts:phone")
    return f"{url}?{urlencode({'next': target})}" if target else url


@login_required
@require_POST
def phone_reveal(request: HttpRequest, user_id: int) -> HttpResponse:
    """ "Show phone": the number in a fragment the button's htmx swaps in (or, without
    JavaScript, a message on the page the viewer came from)."""
    try:
        seller = services.phone_reveal(
            viewer=request.user,
            seller_id=user_id,
            listing_id=parse_id(request.POST.get("listing", "")),
            ip=client_network(request),
        )
    except DomainError as error:
        if request.htmx:
            return render(
                request,
                "accounts/phone_reveal.html#refused",
                {"error": error},
                status=error.status_code,
            )
        messages.error(request, error.detail)
        return redirect(safe_next(request) or "home")
    if request.htmx:
        return render(request, "accounts/phone_reveal.html#number", {"seller": seller})
    messages.info(
        request,
        _("%(name)s's phone: %(phone)s") % {"name": seller.name, "phone": seller.phone_display},
    )
    return redirect(safe_next(request) or seller)


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Django's language switcher, and a signed-in person's account keeps the choice: Zattar
    writes to them (e-mails, SMS) in the language they use the site in."""
    # Django translates `next` to the chosen language (/ads/5-x/ -> /kk/ads/5-x/) by resolving it
    # in the active language; the page's own language (from its prefix) is the one to resolve in.
    next_url = request.POST.get("next", request.GET.get("next", ""))
    page_language = translation.get_language_from_path(urlsplit(next_url).path)
    with translation.override(page_language or settings.LANGUAGE_CODE):
        response = i18n.set_language(request)
    chosen = request.POST.get("language", "")
    if request.user.is_authenticated and check_for_language(chosen):
        services.user_language_set(user=request.user, language=chosen)
    return response
