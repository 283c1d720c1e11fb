from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from notifications import selectors, services
from notifications.kinds import Kind


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
def preferences(request: HttpRequest) -> HttpResponse:
    """Placeholder until the preferences page lands."""
    return render(
        request,
        "notifications/preferences.html",
        {"preferences": services.preferences(user=request.user)},
    )


@login_required
def feed(request: HttpRequest) -> HttpResponse:
    """Placeholder until the notifications page lands."""
    return render(request, "notifications/feed.html", {"items": selectors.feed(user=request.user)})
