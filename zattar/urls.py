from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

from accounts import views as account_views
from listings.views import home
from notifications import push_views
from zattar import health, metrics

handler400 = "zattar.exceptions.bad_request"
handler404 = "zattar.exceptions.not_found"
handler500 = "zattar.exceptions.server_error"

urlpatterns = [
    path("", home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", metrics.metrics, name="metrics"),
    path("manifest.webmanifest", push_views.manifest, name="manifest"),
    path("sw.js", push_views.service_worker, name="service_worker"),
    # The switcher: Django's, and a signed-in person's account keeps the language.
    path("i18n/setlang/", account_views.set_language, name="set_language"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("accounts.urls")),
    path("", include("listings.urls")),
    path("chat/", include("chat.urls")),
    path("deals/", include("deals.urls")),
    path("", include("moderation.urls")),
    path("notifications/", include("notifications.urls")),
    path("searches/", include("searches.urls")),
    path("api/", include(("zattar.api", "api"))),
    path("admin/", admin.site.urls),
]
if settings.BENCH_ROUTES:
    urlpatterns += [path("", include("bench.routes"))]
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
