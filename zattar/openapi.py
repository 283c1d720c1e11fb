"""How the API describes itself: drf-spectacular's AutoSchema plus the error answers every view
can give, so that the schema at /api/v1/schema/ lists every status code a client may receive.

What a view can answer follows from how it is built, and is added to what its `extend_schema`
says (which wins for a code it names):
- 400 when it reads a body or query parameters (per-field errors, or a JSON parse error),
- 401 when it authenticates (a wrong, expired or revoked token is refused even where anonymous
  callers are welcome),
- 403 for unsafe methods when a session may authenticate (CSRF),
- 404 when the path names something, or the list is paginated (a page past the end),
- 413 and 415 when it reads a body (too large; a content type it does not parse),
- 429 for unsafe methods (POST, PATCH, DELETE: the rate limits of zattar.throttling count
  those, and logins and chat messages have their own limits) and when DRF throttles it.
"""

from drf_spectacular import openapi
from rest_framework import serializers
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import SAFE_METHODS

BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
# An empty string, which a form sends for "none" or "any" (an empty field of a GET form, a
# cleared select): schemas of values that may also come empty list it beside their type.
EMPTY_STRING = {"type": "string", "enum": [""]}


class ErrorSerializer(serializers.Serializer):
    """`{"detail", "code"}` (some errors add fields, such as `retry_after`), or for invalid
    input one list of messages per field."""

    detail = serializers.CharField(required=False)
    code = serializers.CharField(required=False)


ERRORS = {
    "400": "Invalid input: a list of messages per field, or `{detail, code}`.",
    "401": "Not authenticated, or the token is invalid, expired or revoked.",
    "403": "Not allowed.",
    "404": "Not found.",
    "413": "The request body is too large (`code: too_large`).",
    "415": "The request body's content type is not accepted.",
    "429": "Too many requests (`code: throttled`, `retry_after`); so says `Retry-After` too.",
}


class AutoSchema(openapi.AutoSchema):
    def _error_codes(self) -> set[str]:
        view, method = self.view, self.method
        authenticators = view.get_authenticators()
        has_body = method in BODY_METHODS and self.get_request_serializer() is not None
        codes = set()
        if has_body or self._has_query_parameters():
            codes.add("400")
        if authenticators:
            codes.add("401")
        if method not in SAFE_METHODS and any(
            isinstance(a, SessionAuthentication) for a in authenticators
        ):
            codes.add("403")
        if "{" in self.path or (self._is_list_view() and self._get_paginator() is not None):
            codes.add("404")
        if has_body:
            codes |= {"413", "415"}
        if method not in SAFE_METHODS or view.get_throttles():
            codes.add("429")
        return codes

    def _has_query_parameters(self) -> bool:
        return any(p.get("in") == "query" for p in self._get_parameters())

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code in sorted(self._error_codes() - set(responses)):
            responses[code] = self._get_response_for_code(
                ErrorSerializer, code, direction=direction
            )
            responses[code]["description"] = ERRORS[code]
        return responses

    def _get_response_for_code(
        self, serializer, status_code, media_types=None, direction="response"
    ):
        response = super()._get_response_for_code(serializer, status_code, media_types, direction)
        if status_code >= "400" and "content" not in response:  # an error named with no body
            error = self.resolve_serializer(ErrorSerializer, direction).ref
            response["content"] = {"application/json": {"schema": error}}
        return response


def patch_changes_something(result: dict, generator, request, public) -> dict:
    """Postprocessing hook: a PATCH sends a body with at least one field (see
    zattar.fields.ChangesSomething)."""
    components = result.get("components", {}).get("schemas", {})
    for path in result.get("paths", {}).values():
        body = path.get("patch", {}).get("requestBody")
        if not body:
            continue
        body["required"] = True
        for media in body["content"].values():
            reference = media["schema"].get("$ref", "")
            if reference.startswith("#/components/schemas/"):
                components[reference.rsplit("/", 1)[1]]["minProperties"] = 1
    return result


# Response fields some readers do not get (read-only fields are otherwise listed as required).
SOMETIMES_LEFT_OUT = {"Listing": ["review_reasons"]}  # its seller's only


def sometimes_left_out(result: dict, generator, request, public) -> dict:
    """Postprocessing hook: the fields of SOMETIMES_LEFT_OUT are not required in responses."""
    components = result.get("components", {}).get("schemas", {})
    for name, fields in SOMETIMES_LEFT_OUT.items():
        schema = components.get(name, {})
        schema["required"] = [f for f in schema.get("required", []) if f not in fields]
    return result
