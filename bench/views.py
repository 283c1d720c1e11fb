"""The HTTP floor: a view with no template and no database, mounted only when BENCH_ROUTES is
set. It passes through the whole middleware stack on the same server as the real pages, so a
page's throughput over this one's means the same on a faster or a slower machine."""

import functools

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET


@require_GET
def floor(request: HttpRequest) -> HttpResponse:
    return HttpResponse(b"ok", content_type="text/plain")


# The page floor: 20 ads from one query through one plain template, no includes, no tags.
FLOOR_TEMPLATE = """<!doctype html><html lang="ru"><head><meta charset="utf-8"><title>Floor</title>
</head><body><main><ul>{% for ad in ads %}<li><a href="/ads/{{ ad.id }}/">{{ ad.title }}</a>
<b>{{ ad.price }}</b> <time>{{ ad.published_at|date:"j M" }}</time></li>{% endfor %}</ul></main>
</body></html>"""


@functools.cache
def _floor_template():
    from django.template import engines

    return engines["django"].from_string(FLOOR_TEMPLATE)  # compiled once, as the loader caches


@require_GET
def floor_page(request: HttpRequest) -> HttpResponse:
    """What any page with a list of ads costs at least: one query for 20 ads, one template."""
    from listings.models import Listing

    ads = Listing.objects.filter(status=Listing.Status.ACTIVE).order_by("-published_at")
    ads = ads.only("id", "title", "price", "published_at")[:20]
    return HttpResponse(_floor_template().render({"ads": ads}, request))
