from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from accounts import selectors, services
from accounts.errors import AvatarStorageUnavailable
from accounts.forms import ProfileForm, RegisterForm
from deals import selectors as deal_selectors
from listings import selectors as listing_selectors
from zattar.redirects import safe_next
from zattar.throttling import rate_limit


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
    favorite_ids = listing_selectors.favorite_ids(
        user=request.user, listing_ids=[a.pk for a in ads]
    )
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
    initial = {"name": user.name, "city": user.city_id}
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
            )
        except ValidationError as error:  # decoding the avatar found the server busy
            form.add_error("avatar", error)
        except AvatarStorageUnavailable as error:  # nothing saved: the form comes back as sent
            form.add_error("avatar", error.detail)
        else:
            messages.success(request, _("Your profile is saved."))
            return redirect("accounts:profile_edit")
    return render(request, "accounts/profile_edit.html", {"form": form})
