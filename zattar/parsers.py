"""The API's JSON parser: DRF's, with the limits a public endpoint needs.

DRF reads a JSON body straight from the socket, past Django's DATA_UPLOAD_MAX_MEMORY_SIZE, and
lets the decoder's RecursionError through (a 500 for `[[[[...]]]]`). Here:
- the body is capped at DATA_UPLOAD_MAX_MEMORY_SIZE (RequestDataTooBig, which the exception
  handler answers with 413);
- nesting deeper than MAX_JSON_DEPTH is a parse error (400): no request of this API nests more
  than three levels, and a deep value would only reach code that recurses over it;
- so is a lone surrogate (`"\\ud800"`), valid JSON syntax but not text: an error message that
  echoed it back (`"x" is not a valid choice`) could not be encoded, a 500.

And its multipart parser: DRF's, except that a body that carries bytes but no part Django could
read (a part without headers, text outside any part) is a parse error (400), not an empty form
that an endpoint whose fields are all optional would act on.
"""

from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.utils.http import parse_header_parameters
from rest_framework import parsers
from rest_framework.exceptions import ParseError
from rest_framework.utils import json

MAX_JSON_DEPTH = 32
TOO_DEEP = f"JSON parse error - nested deeper than {MAX_JSON_DEPTH} levels."


def json_problem(value: Any, limit: int = MAX_JSON_DEPTH) -> str | None:
    """Why a decoded body is refused, or None: too deep, or a string (key or value) that is not
    Unicode text. Walked without recursion."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            try:
                item.encode()
            except UnicodeEncodeError:
                return "a string holds a lone surrogate, which is not text."
        elif isinstance(item, dict | list):
            if depth > limit:
                return f"nested deeper than {limit} levels."
            children = [*item.keys(), *item.values()] if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
    return None


def read_limited(stream) -> bytes:
    """The whole body, or RequestDataTooBig once it passes DATA_UPLOAD_MAX_MEMORY_SIZE."""
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    if limit is None:
        return stream.read()
    body = stream.read(limit + 1)
    if len(body) > limit:
        raise RequestDataTooBig("Request body exceeded settings.DATA_UPLOAD_MAX_MEMORY_SIZE.")
    return body


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        encoding = parsers.get_encoding(parser_context or {})  # text codecs only
        body = read_limited(stream)
        try:
            parse_constant = json.strict_constant if self.strict else None
            data = json.loads(body.decode(encoding), parse_constant=parse_constant)
        except RecursionError:
            raise ParseError(TOO_DEEP) from None
        except ValueError as exc:  # UnicodeDecodeError included
            raise ParseError(f"JSON parse error - {exc}") from None
        problem = json_problem(data)
        if problem:
            raise ParseError(f"JSON parse error - {problem}")
        return data


class MultiPartParser(parsers.MultiPartParser):
    def parse(self, stream, media_type=None, parser_context=None):
        parsed = super().parse(stream, media_type, parser_context)
        if parsed.data or parsed.files:
            return parsed
        request = (parser_context or {}).get("request")
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0) if request else 0
        except ValueError:
            length = 0
        boundary = parse_header_parameters(media_type or "")[1].get("boundary", "")
        # An empty form is the closing delimiter alone: "--boundary--", maybe with line breaks.
        if length > len(boundary) + 8:
            raise ParseError("Multipart form parse error - the body holds no readable part.")
        return parsed
