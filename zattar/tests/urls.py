"""The site's URLs plus views that fail on purpose, for the tests of errors' logs and reports."""

from django.urls import path

from zattar.urls import handler400, handler404, handler500
from zattar.urls import urlpatterns as site_urlpatterns

__all__ = ["handler400", "handler404", "handler500", "urlpatterns"]


class Boom(Exception):
    pass


def boom(request):
    raise Boom("a view failed on purpose")


urlpatterns = [
    path("api/v1/test/boom", boom),
    path("test/boom", boom),
    *site_urlpatterns,
]
