"""Sessions in the database that name their signed-in user (`accounts.models.Session`): loading
one reads its user in the same statement, and `AuthenticationMiddleware` hands that user to
Django's own `auth.get_user` (which still checks the backend, the account and the session's
password hash). A user read with a session is used for that session's request only."""

import contextlib
import contextvars
import functools
import logging

from django.contrib import auth
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.middleware import AuthenticationMiddleware as DjangoAuthentication
from django.contrib.sessions.backends import db
from django.contrib.sessions.backends.base import VALID_KEY_CHARS
from django.core.exceptions import SuspiciousOperation
from django.db import connection, connections, router
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
            if (statement := _statement()) is None:  # a field the ORM must convert
                session = self.model.objects.select_related("user").get(
                    session_key=self.session_key, expire_date__gt=timezone.now()
                )
            else:
                session = _session_with_user(statement, self.session_key)
        except (self.model.DoesNotExist, SuspiciousOperation) as error:
            if isinstance(error, SuspiciousOperation):
                logger = logging.getLogger(f"django.security.{error.__class__.__name__}")
                logger.warning(str(error))
            self._session_key = None
            return None
        self.signed_in_user = session.user
        return session


@functools.cache
def _statement() -> tuple[str, list[str], list[str]] | None:
    """The session and its user as one plain statement, built once from the models' fields:
    read through the ORM it cost 0.9 ms a signed-in request, 0.3 ms as SQL with its rows made
    into models by `from_db`. None when a field's value needs a converter (then the ORM reads
    it, as the ORM would convert it)."""
    from accounts.models import Session, User

    session_fields, user_fields = Session._meta.concrete_fields, User._meta.concrete_fields
    for field in (*session_fields, *user_fields):
        column = field.get_col(field.model._meta.db_table)
        if field.get_db_converters(connection) or connection.ops.get_db_converters(column):
            return None
    quote = connection.ops.quote_name
    columns = [f"s.{quote(field.column)}" for field in session_fields]
    columns += [f"u.{quote(field.column)}" for field in user_fields]
    sql = (
        f"SELECT {', '.join(columns)} FROM {quote(Session._meta.db_table)} s "
        f"LEFT JOIN {quote(User._meta.db_table)} u "
        f"ON u.{quote(User._meta.pk.column)} = s.{quote(Session._meta.get_field('user').column)} "
        "WHERE s.session_key = %s AND s.expire_date > %s"
    )
    return sql, [field.attname for field in session_fields], [f.attname for f in user_fields]


def _session_with_user(statement, session_key):
    from accounts.models import Session, User

    sql, session_names, user_names = statement
    database = router.db_for_read(Session)
    with connections[database].cursor() as cursor:
        cursor.execute(sql, [session_key, timezone.now()])
        row = cursor.fetchone()
    if row is None:
        raise Session.DoesNotExist
    session = Session.from_db(database, session_names, row[: len(session_names)])
    user_row = row[len(session_names) :]
    user = User.from_db(database, user_names, user_row) if user_row[0] is not None else None
    Session.user.field.set_cached_value(session, user)
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
