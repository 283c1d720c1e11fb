"""One place maps domain errors to HTTP, for the DRF API and for plain Django views under /api/."""

from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from rest_framework.response import Response
from rest_framework.views import exception_handler

from zattar.errors import DomainError
from zattar.images import DecoderBusy


def api_exception_handler(exc: Exception, context: dict) -> Response | None:
    if isinstance(exc, DomainError):
        response = Response(exc.as_dict(), status=exc.status_code)
        if "retry_after" in exc.extra:  # throttled, locked out: when to come back
            response["Retry-After"] = str(exc.extra["retry_after"])
        return response
    if isinstance(exc, DecoderBusy):  # every image-decoding slot of this process is taken
        return Response(
            exc.as_dict(), status=exc.status_code, headers={"Retry-After": str(exc.retry_after)}
        )
    return exception_handler(exc, context)


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def not_found(request: HttpRequest, exception: Exception | None = None):
    if _is_api(request):
        return JsonResponse({"detail": _("Not found."), "code": "not_found"}, status=404)
    from django.views.defaults import page_not_found

    return page_not_found(request, exception, template_name="errors/404.html")


def server_error(request: HttpRequest):
    if _is_api(request):
        return JsonResponse({"detail": _("Server error."), "code": "server_error"}, status=500)
    from django.views.defaults import server_error as html_server_error

    return html_server_error(request, template_name="errors/500.html")
