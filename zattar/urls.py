from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.conf.urls.static import static
from django.contrib import admin
from django.contrib.sitemaps import views as sitemap_views
from django.urls import include, path

from accounts import views as account_views
from listings.views import home, search_page
from notifications import push_views
from zattar import health, metrics, sitemaps

handler400 = "zattar.exceptions.bad_request"
handler404 = "zattar.exceptions.not_found"
handler500 = "zattar.exceptions.server_error"

# Machines' addresses: no language in the URL (the API and the admin still answer in the
# language of the cookie or Accept-Language: zattar/middleware.py's Locale).
urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", metrics.metrics, name="metrics"),
    path("manifest.webmanifest", push_views.manifest, name="manifest"),
    path("sw.js", push_views.service_worker, name="service_worker"),
    path("robots.txt", sitemaps.robots_txt, name="robots_txt"),
    path(
        "sitemap.xml",
        sitemap_views.index,
        {"sitemaps": sitemaps.SITEMAPS, "sitemap_url_name": "sitemap_section"},
        name="sitemap",
    ),
    path("sitemap-<section>.xml", sitemaps.sitemap, name="sitemap_section"),
    # The switcher: Django's, and a signed-in person's account keeps the language.
    path("i18n/setlang/", account_views.set_language, name="set_language"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/", include(("zattar.api", "api"))),
    path("admin/", admin.site.urls),
]

# People's pages: Russian at /..., Kazakh at /kk/..., English at /en/.... The URL names the
# language, so an unprefixed page is always Russian, whatever the cookie or the browser says.
urlpatterns += i18n_patterns(
    path("", home, name="home"),
    path("accounts/", include("accounts.urls")),
    path("", include("listings.urls")),
    path("chat/", include("chat.urls")),
    path("deals/", include("deals.urls")),
    path("", include("moderation.urls")),
    path("notifications/", include("notifications.urls")),
    path("searches/", include("searches.urls")),
    # Category x city landing pages, /almaty/bicycles/ ("Велосипеды в Алматы"): last, so that no
    # other two-part path of the site is ever taken for a city and a category.
    path("<slug:city>/<slug:category>/", search_page, name="landing"),
    prefix_default_language=False,
)
if settings.BENCH_ROUTES:
    urlpatterns += [path("", include("bench.routes"))]
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
