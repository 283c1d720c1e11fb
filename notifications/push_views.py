"""The web app's manifest and its service worker, served at the site's root: a service worker
controls the pages under the folder it is served from, so /sw.js (scope /) must not live under
/static/ nor carry a hashed name."""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

THEME_COLOR = "#8B5E3C"  # --brown-600, the primary colour (static/css/tokens.css)
BACKGROUND_COLOR = "#FAF6F1"  # --brown-50, the page's background


@require_GET
@cache_control(private=True, max_age=3600)  # in the visitor's language
def manifest(request: HttpRequest) -> HttpResponse:
    icons = [
        {"src": static(f"img/icons/icon-{n}.png"), "sizes": f"{n}x{n}", "type": "image/png"}
        for n in (192, 512)
    ]
    return JsonResponse(
        {
            "name": "Zattar",
            "short_name": "Zattar",
            "description": _("Classifieds, chat and Safe Deal for Kazakhstan."),
            "id": "/",
            "start_url": "/",
            "scope": "/",
            "display": "standalone",
            "theme_color": THEME_COLOR,
            "background_color": BACKGROUND_COLOR,
            "icons": icons + [{**icon, "purpose": "maskable"} for icon in icons],
        },
        content_type="application/manifest+json",
        json_dumps_params={"ensure_ascii": False},
    )


@require_GET
@cache_control(no_cache=True)  # a new worker reaches the browsers at their next visit
def service_worker(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "notifications/sw.js",
        {"icon": static("img/icons/icon-192.png")},
        content_type="application/javascript; charset=utf-8",
    )
