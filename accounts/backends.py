from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from accounts.selectors import user_by_login
from accounts.sessions import user_read_with_session

UserModel = get_user_model()


class EmailOrPhoneBackend(ModelBackend):
    """Authenticates with an email address or a phone number in any local form."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None or password is None:
            return None
        user = user_by_login(username)
        if user is None:
            # Hash anyway so that unknown logins take as long as wrong passwords.
            UserModel().set_password(password)
            return None
        if not user.check_password(password):
            return None
        if self.user_can_authenticate(user):
            return user
        # The right password of a blocked account: the login is still refused, and the login
        # form, the API and the lockout handler read this to say why (and not count it as a
        # guess). Only someone who knows the password learns that the account is blocked.
        if request is not None:
            request.login_blocked_user = user
        return None

    def get_user(self, user_id):
        """The user the request's session was read with (accounts.sessions), else from the
        database; either way only an account that may sign in."""
        user = user_read_with_session(user_id)
        if user is None:
            return super().get_user(user_id)
        return user if self.user_can_authenticate(user) else None
