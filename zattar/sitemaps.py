"""/sitemap.xml (an index of sections) and /robots.txt.

Sections: `ads` (active ads only, by id ranges: cheap on a million ads), `pages` (home, search)
and `landings` (category x city pages with at least one active ad). Every URL carries its
alternates in ru (unprefixed), kk, en and x-default.
"""

import math

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.core.paginator import EmptyPage, PageNotAnInteger
from django.db.models import Max
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import translation
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from listings.landing import landing_combinations
from listings.models import Listing
from listings.slugs import slug_of


class IdRanges:
    """What the sitemap index asks of a paginator: how many pages (of `size` ids each)."""

    def __init__(self, size: int) -> None:
        self.size = size

    @property
    def num_pages(self) -> int:
        top = Listing.objects.aggregate(top=Max("pk"))["top"] or 0  # the primary key's end
        return max(1, math.ceil(top / self.size))


class AdSitemap(Sitemap):
    """Active ads, page p holding the ids ((p-1)*limit, p*limit]: a primary-key range scan that
    reads only id, title (the slug is made from it) and updated_at, never an OFFSET that walks
    the whole table. A page may hold fewer ads than `limit` (sold, expired, archived ones leave
    gaps) or none. One <url> per ad, the Russian address, with its alternates."""

    limit = 5_000

    @property
    def paginator(self) -> IdRanges:
        return IdRanges(self.limit)

    def get_latest_lastmod(self):
        return None  # the index does not ask the whole table for max(updated_at)

    def get_urls(self, page=1, site=None, protocol=None) -> list[dict]:
        protocol = self.get_protocol(protocol)
        domain = self.get_domain(site)
        try:
            page = int(page)
        except (TypeError, ValueError):
            raise PageNotAnInteger from None
        if page < 1:
            raise EmptyPage
        rows = (
            Listing.objects.filter(
                status=Listing.Status.ACTIVE,
                pk__gt=(page - 1) * self.limit,
                pk__lte=page * self.limit,
            )
            .order_by("pk")
            .values_list("pk", "title", "updated_at")
        )
        heads = []  # ("kk", "https://host/kk/ads/"), ...
        for code, _name in settings.LANGUAGES:
            with translation.override(code):
                path = reverse("listings:detail", args=[0]).removesuffix("0/")
            heads.append((code, f"{protocol}://{domain}{path}"))
        urls = []
        for pk, title, updated_at in rows:
            slug = slug_of(title)
            tail = f"{pk}-{slug}/" if slug else f"{pk}/"
            alternates = [{"lang_code": code, "location": head + tail} for code, head in heads]
            location = alternates[0]["location"]
            alternates.append({"lang_code": "x-default", "location": location})
            urls.append({"location": location, "lastmod": updated_at, "alternates": alternates})
        if urls:
            self.latest_lastmod = max(url["lastmod"] for url in urls)
        return urls


class PageSitemap(Sitemap):
    i18n = alternates = x_default = True
    changefreq = "daily"

    def items(self) -> list[str]:
        return ["home", "listings:search"]

    def location(self, item: str) -> str:
        return reverse(item)


class LandingSitemap(Sitemap):
    """ "Велосипеды в Алматы": /almaty/bicycles/, for each combination with an active ad."""

    i18n = alternates = x_default = True
    changefreq = "daily"
    limit = 15_000  # 3 languages per landing page: at most 45,000 <url> a page

    def items(self) -> list[tuple[str, str]]:
        return landing_combinations()

    def location(self, item: tuple[str, str]) -> str:
        return reverse("landing", args=item)


SITEMAPS = {"pages": PageSitemap, "landings": LandingSitemap, "ads": AdSitemap}

# Crawlers: the pages people find (home, ads, landing pages, search without filters) are open;
# any URL with a query string (search filters, sorting, paging, next=...) and the pages of a
# signed-in person are not. Django's i18n_patterns repeat every path under /kk/ and /en/.
PRIVATE = [
    "accounts/",
    "my/",
    "chat/",
    "deals/",
    "notifications/",
    "searches/",
    "report/",
    "ads/new/",
    "ads/*/edit/",
]


@require_GET
@cache_control(max_age=86400, public=True)
def robots_txt(request: HttpRequest) -> HttpResponse:
    prefixes = [""] + [
        f"{code}/" for code, _n in settings.LANGUAGES if code != settings.LANGUAGE_CODE
    ]
    lines = ["User-agent: *", "Disallow: /*?"]
    lines += [f"Disallow: /{prefix}{path}" for path in PRIVATE for prefix in prefixes]
    lines += ["Disallow: /api/", "Disallow: /admin/", "Disallow: /i18n/", ""]
    lines.append(f"Sitemap: {request.build_absolute_uri(reverse('sitemap'))}")
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
