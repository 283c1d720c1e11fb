from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from accounts.selectors import user_by_login

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
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
