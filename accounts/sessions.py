"""Sessions in the database that name their signed-in user (`accounts.models.Session`): loading
one reads its user in the same statement, and `AuthenticationMiddleware` hands that user to
Django's own `auth.get_user` (which still checks the backend, the account and the session's
password hash). A user read with a session is used for that session's request only."""

import contextlib
import contextvars
import logging

from django.contrib import auth
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.middleware import AuthenticationMiddleware as DjangoAuthentication
from django.contrib.sessions.backends import db
from django.contrib.sessions.backends.base import VALID_KEY_CHARS
from django.core.exceptions import SuspiciousOperation
from django.utils import timezone
from django.utils.functional import SimpleLazyObject

KEY_CHARACTERS = frozenset(VALID_KEY_CHARS)
_reading = contextvars.ContextVar("accounts_sessions_reading", default=None)


class SessionStore(db.SessionStore):
    signed_in_user = None  # read with the session by `load`: its user, if any

    def _validate_session_key(self, key) -> bool:
        """Only what `_get_new_session_key` makes: a cookie with a NUL or a 5,000-character
        value is no session (and no query), not an error."""
        return bool(key) and 8 <= len(key) <= 40 and set(key) <= KEY_CHARACTERS

    @classmethod
    def get_model_class(cls):
        from accounts.models import Session

        return Session

    def create_model_instance(self, data):
        return _naming_its_user(super().create_model_instance(data), data)

    async def acreate_model_instance(self, data):
        return _naming_its_user(await super().acreate_model_instance(data), data)

    def _get_session_from_db(self):
        self.signed_in_user = None
        try:
            session = self.model.objects.select_related("user").get(
                session_key=self.session_key, expire_date__gt=timezone.now()
            )
        except (self.model.DoesNotExist, SuspiciousOperation) as error:
            if isinstance(error, SuspiciousOperation):
                logger = logging.getLogger(f"django.security.{error.__class__.__name__}")
                logger.warning(str(error))
            self._session_key = None
            return None
        self.signed_in_user = session.user
        return session


def _naming_its_user(session, data):
    try:
        session.user_id = int(data.get(SESSION_KEY))
    except (TypeError, ValueError):
        session.user_id = None
    return session


def user_read_with_session(user_id):
    """The user read with the session of the request being authenticated, if it is `user_id`
    (for `accounts.backends`); None otherwise (then the backend reads it)."""
    store = _reading.get()
    user = getattr(store, "signed_in_user", None)
    if user is not None and str(user.pk) == str(user_id):
        return user
    return None


@contextlib.contextmanager
def _authenticating(request):
    token = _reading.set(getattr(request, "session", None))
    try:
        yield
    finally:
        _reading.reset(token)


def _get_user(request):
    if not hasattr(request, "_cached_user"):
        with _authenticating(request):
            request._cached_user = auth.get_user(request)
    return request._cached_user


class AuthenticationMiddleware(DjangoAuthentication):
    """Django's, with the user read with the session where it can be (no second statement)."""

    def process_request(self, request):
        super().process_request(request)  # its checks, and request.auser
        request.user = SimpleLazyObject(lambda: _get_user(request))
