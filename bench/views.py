"""The HTTP floor: a view with no template and no database, mounted only when BENCH_ROUTES is
set. It passes through the whole middleware stack on the same server as the real pages, so a
page's throughput over this one's means the same on a faster or a slower machine."""

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET


@require_GET
def floor(request: HttpRequest) -> HttpResponse:
    return HttpResponse(b"ok", content_type="text/plain")
