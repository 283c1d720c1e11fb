"""What Zattar changes in daphne, its HTTP and WebSocket server.

Twisted, under daphne, parses every POST whose body is a form (multipart or urlencoded) into
its own `request.args` before daphne hands the raw body to Django, which parses it again. Nothing
reads those args: the work and the memory (up to ten 10 MB photos a request) are wasted, and a
multipart body Twisted cannot parse is answered by Twisted itself with a bare `400` and no body,
where the API promises `{"detail", "code"}` in JSON. Twisted has a switch for this,
`parsePOSTFormSubmission`; daphne does not pass it, so its request class is replaced by one that
does. Django then parses the body once, and a malformed one gets the API's JSON 400.
"""

from daphne import http_protocol


class WebRequest(http_protocol.WebRequest):
    def __init__(self, *args, **kwargs):
        kwargs["parsePOSTFormSubmission"] = False
        super().__init__(*args, **kwargs)


def leave_form_bodies_to_django() -> None:
    """Make the daphne of this process build WebRequest above (call before it serves)."""
    http_protocol.WebRequest = WebRequest
