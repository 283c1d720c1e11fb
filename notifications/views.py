from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from notifications import selectors, services
from notifications.forms import PreferencesForm
from notifications.kinds import Channel, Kind

# The feed's icon per kind (symbols of static/img/icons.svg).
KIND_ICONS = {
    Kind.MESSAGES: "chat",
    Kind.DEALS: "shield",
    Kind.SAVED_SEARCHES: "search",
    Kind.PRICE_DROPS: "heart",
    Kind.LISTINGS: "clock",
}


@csrf_exempt  # the link's signature is the proof; mail clients POST without a session (RFC 8058)
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """The one-click unsubscribe of an e-mail, without logging in. GET shows one button (a
    link scanner opening the page changes nothing); POST, from that button or from the mail
    client's List-Unsubscribe-Post, switches the kind's e-mails off."""
    found = services.unsubscribe_read(token)
    if found is None:
        return render(request, "notifications/unsubscribe.html", {"invalid": True}, status=400)
    user, kind = found
    done = request.method == "POST"
    if done:
        services.unsubscribe(user=user, kind=kind)
    return render(
        request,
        "notifications/unsubscribe.html",
        {"kind_label": Kind(kind).label, "done": done, "email": user.email},
    )


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    """A switch per kind and channel; saving writes the whole table."""
    from notifications import push

    current = services.preferences(user=request.user)
    channels = [channel for channel in Channel if channel != Channel.PUSH or push.enabled()]
    # Not `request.POST or None`: every box unticked posts nothing at all, and is a choice.
    data = request.POST if request.method == "POST" else None
    form = PreferencesForm(data, preferences=current, channels=channels)
    if form.is_valid():
        services.preferences_set(user=request.user, changes=form.changes())
        messages.success(request, _("Notification settings saved."))
        return redirect("notifications:preferences")
    return render(
        request,
        "notifications/preferences.html",
        {"form": form, "channels": channels},
    )


@login_required
@require_GET
def feed(request: HttpRequest) -> HttpResponse:
    """The last 50 things that happened to the person. Opening the page reads them: the ones
    that were new are highlighted this once, and the bell goes back to zero. Only those shown
    are marked, so one that arrives while the page renders stays unread."""
    items = selectors.feed(user=request.user)
    for item in items:
        item.icon = KIND_ICONS.get(item.kind, "bell")
    unread = [item.pk for item in items if item.read_at is None]
    if unread:
        services.notifications_read(user=request.user, ids=unread)
    return render(request, "notifications/feed.html", {"items": items})
