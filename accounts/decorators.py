"""View decorators other apps use on their pages."""

from functools import wraps
from urllib.parse import urlencode

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse

from accounts.errors import PhoneUnverified


def phone_verified_required(view):
    """Pages that post ads or start Safe Deals: a signed-in user without a verified phone is
    sent to the phone page (with a message), and comes back here afterwards. Place it under
    login_required."""

    @wraps(view)
    def checked(request, *args, **kwargs):
        if not request.user.phone_verified:
            messages.warning(request, PhoneUnverified().detail)
            query = urlencode({"next": request.get_full_path()})
            return redirect(f"{reverse('accounts:phone')}?{query}")
        return view(request, *args, **kwargs)

    return checked
