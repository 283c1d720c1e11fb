"""/sitemap.xml (an index of sections) and /robots.txt.

Sections: `ads` (active ads only, by id ranges: cheap on a million ads), `pages` (home, search)
and `landings` (category x city pages with at least one active ad). Every URL carries its
alternates in ru (unprefixed), kk, en and x-default.
"""

import math
from xml.sax.saxutils import escape

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.contrib.sites.requests import RequestSite
from django.core.paginator import EmptyPage, PageNotAnInteger
from django.db.models import Max
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import http_date
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from listings.landing import landing_combinations
from listings.models import Listing
from listings.slugs import slug_of


class Pages:
    """What the sitemap index asks of a paginator: how many pages a section has."""

    def __init__(self, count) -> None:
        self._count = count

    @property
    def num_pages(self) -> int:
        return max(1, self._count()) if callable(self._count) else self._count


def language_prefixes() -> list[tuple[str, str]]:
    """[("ru", ""), ("kk", "/kk"), ("en", "/en")]: what i18n_patterns puts before a path."""
    prefixes = []
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            prefixes.append((code, reverse("home").removesuffix("/")))
    return prefixes


class LanguageSitemap(Sitemap):
    """One <url> per page: its Russian (unprefixed) address, with alternates in every language
    and x-default. A subclass gives the Russian paths and their lastmod; the URLs are built by
    joining strings, not by a reverse() per page and language (a page of 5,000 ads would make
    20,000 of them)."""

    def paths(self, page: int) -> list[tuple[str, object]]:
        raise NotImplementedError

    def get_latest_lastmod(self):
        return None  # the index does not ask the whole table for max(updated_at)

    def get_urls(self, page=1, site=None, protocol=None) -> list[dict]:
        origin = f"{self.get_protocol(protocol)}://{self.get_domain(site)}"
        try:
            page = int(page)
        except (TypeError, ValueError):
            raise PageNotAnInteger from None
        if not 1 <= page <= self.paginator.num_pages:
            raise EmptyPage
        prefixes = [(code, origin + prefix) for code, prefix in language_prefixes()]
        urls = []
        for path, lastmod in self.paths(page):
            alternates = [{"lang_code": code, "location": head + path} for code, head in prefixes]
            location = alternates[0]["location"]
            alternates.append({"lang_code": "x-default", "location": location})
            urls.append({"location": location, "lastmod": lastmod, "alternates": alternates})
        lastmods = [url["lastmod"] for url in urls if url["lastmod"]]
        if lastmods:
            self.latest_lastmod = max(lastmods)
        return urls


class AdSitemap(LanguageSitemap):
    """Active ads, page p holding the ids ((p-1)*limit, p*limit]: a primary-key range scan that
    reads only id, title (the slug is made from it) and updated_at, never an OFFSET that walks
    the table. A page may hold fewer ads than `limit` (sold, expired, archived ones leave gaps);
    the number of pages comes from the largest id (the primary key's last entry)."""

    limit = 5_000

    @property
    def paginator(self) -> Pages:
        top = Listing.objects.aggregate(top=Max("pk"))["top"] or 0
        return Pages(math.ceil(top / self.limit) or 1)

    def paths(self, page: int) -> list[tuple[str, object]]:
        rows = (
            Listing.objects.filter(
                status=Listing.Status.ACTIVE,
                pk__gt=(page - 1) * self.limit,
                pk__lte=page * self.limit,
            )
            .order_by("pk")
            .values_list("pk", "title", "updated_at")
        )
        with translation.override(settings.LANGUAGE_CODE):
            ads = reverse("listings:detail", args=[0]).removesuffix("0/")  # "/ads/"
        paths = []
        for pk, title, updated_at in rows:
            slug = slug_of(title)
            paths.append((f"{ads}{pk}-{slug}/" if slug else f"{ads}{pk}/", updated_at))
        return paths


class PageSitemap(LanguageSitemap):
    changefreq = "daily"
    paginator = Pages(1)

    def paths(self, page: int) -> list[tuple[str, object]]:
        with translation.override(settings.LANGUAGE_CODE):
            return [(reverse(name), None) for name in ("home", "listings:search")]


class LandingSitemap(LanguageSitemap):
    """ "Велосипеды в Алматы": /almaty/bicycles/, for each combination with an active ad (a few
    thousand at most: cities x categories, one page)."""

    paginator = Pages(1)

    def paths(self, page: int) -> list[tuple[str, object]]:
        with translation.override(settings.LANGUAGE_CODE):
            home = reverse("landing", args=["c", "k"]).removesuffix("c/k/")  # "/"
        return [(f"{home}{city}/{category}/", None) for city, category in landing_combinations()]


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
def sitemap(request: HttpRequest, section: str) -> HttpResponse:
    """One section's page of the sitemap: Django's sitemap view, written out by joining strings
    rather than through a template (a template takes seconds for 5,000 URLs with alternates)."""
    if section not in SITEMAPS:
        raise Http404
    site = SITEMAPS[section]()
    try:
        urls = site.get_urls(
            page=request.GET.get("p", 1), site=RequestSite(request), protocol=request.scheme
        )
    except (EmptyPage, PageNotAnInteger):
        raise Http404 from None
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>\n<urlset '
        'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        'xmlns:xhtml="http://www.w3.org/1999/xhtml">\n'
    ]
    for url in urls:
        parts.append(f"<url><loc>{escape(url['location'])}</loc>")
        if url["lastmod"]:
            parts.append(
                f"<lastmod>{timezone.localtime(url['lastmod']).date().isoformat()}</lastmod>"
            )
        parts.extend(
            f'<xhtml:link rel="alternate" hreflang="{alt["lang_code"]}" '
            f'href="{escape(alt["location"])}"/>'
            for alt in url["alternates"]
        )
        parts.append("</url>\n")
    parts.append("</urlset>\n")
    response = HttpResponse("".join(parts), content_type="application/xml")
    response["X-Robots-Tag"] = "noindex, noodp, noarchive"
    if getattr(site, "latest_lastmod", None):
        response["Last-Modified"] = http_date(site.latest_lastmod.timestamp())
    return response


@require_GET
@cache_control(max_age=86400, public=True)
def robots_txt(request: HttpRequest) -> HttpResponse:
    prefixes = [""] + [
        f"{code}/" for code, _n in settings.LANGUAGES if code != settings.LANGUAGE_CODE
    ]
    # The longest rule wins: the sitemap's pages (?p=2) and a search by words alone
    # (/search/?q=велосипед, as OLX's /list/q-.../ pages are found) stay open under
    # "Disallow: /*?"; words with any filter, order or page are combinations and stay closed.
    lines = ["User-agent: *", "Allow: /sitemap-", "Disallow: /*?"]
    for prefix in prefixes:
        lines += [f"Allow: /{prefix}search/?q=", f"Disallow: /{prefix}search/?q=*&"]
    lines += [f"Disallow: /{prefix}{path}" for path in PRIVATE for prefix in prefixes]
    lines += ["Disallow: /api/", "Disallow: /admin/", "Disallow: /i18n/", ""]
    lines.append(f"Sitemap: {request.build_absolute_uri(reverse('sitemap'))}")
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
