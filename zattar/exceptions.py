"""One place maps errors to HTTP, for the DRF API and for plain Django views under /api/.

Every API error is JSON: `{"detail", "code", ...}`, or per-field lists for validation errors.
Requests Django finds suspicious (a body over DATA_UPLOAD_MAX_MEMORY_SIZE, too many fields, a
foreign Host) are 413 or 400 in that shape too, whether DRF or Django's own handler meets them.
"""

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from rest_framework.response import Response
from rest_framework.views import exception_handler

from zattar.errors import DomainError
from zattar.images import DecoderBusy
from zattar.logs import request_id_of


def _suspicious(exc: SuspiciousOperation) -> tuple[dict, int]:
    if isinstance(exc, RequestDataTooBig):
        return {"detail": _("The request is too large."), "code": "too_large"}, 413
    return {"detail": _("The request could not be read."), "code": "bad_request"}, 400


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
    if isinstance(exc, SuspiciousOperation):
        body, status = _suspicious(exc)
        return Response(body, status=status)
    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(response.data, list):  # ValidationError("...") raised outside a serializer
        response.data = {"detail": " ".join(map(str, response.data)), "code": "invalid"}
    elif isinstance(response.data, dict) and set(response.data) == {"detail"}:
        codes = exc.get_codes() if hasattr(exc, "get_codes") else None
        response.data["code"] = codes if isinstance(codes, str) else "error"
    return response


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def bad_request(request: HttpRequest, exception: Exception | None = None):
    if _is_api(request):
        if isinstance(exception, SuspiciousOperation):
            body, status = _suspicious(exception)
        else:
            body, status = {"detail": _("Bad request."), "code": "bad_request"}, 400
        return JsonResponse(body, status=status)
    from django.views.defaults import bad_request as html_bad_request

    return html_bad_request(request, exception)


def not_found(request: HttpRequest, exception: Exception | None = None):
    if _is_api(request):
        return JsonResponse({"detail": _("Not found."), "code": "not_found"}, status=404)
    from django.views.defaults import page_not_found

    return page_not_found(request, exception, template_name="errors/404.html")


def server_error(request: HttpRequest):
    if _is_api(request):
        # The id the log line of the error carries (and Sentry's event): what to quote to us.
        body = {"detail": _("Server error."), "code": "server_error"}
        return JsonResponse({**body, "request_id": request_id_of(request)}, status=500)
    from django.views.defaults import server_error as html_server_error

    return html_server_error(request, template_name="errors/500.html")
