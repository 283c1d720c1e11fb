from django import forms
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.template import loader
from django.utils.translation import gettext_lazy as _

from accounts.errors import account_blocked_message
from accounts.models import User
from accounts.phones import normalize_kz_mobile
from accounts.selectors import phone_held_by_verified
from accounts.services import AVATAR_LIMITS
from listings.models import City
from zattar import tasks
from zattar.images import open_upload

EMAIL_TAKEN = _("A user with this email already exists.")
PHONE_TAKEN = _("A user with this phone number already exists.")


def clean_new_email(value: str) -> str:
    email = value.strip().lower()
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError(EMAIL_TAKEN, code="email_taken")
    return email


def clean_new_phone(value: str) -> str:
    """A mobile number no account has verified. Accounts that only typed it do not keep it
    from anyone: whoever verifies it first takes it."""
    phone = normalize_kz_mobile(value)
    if phone_held_by_verified(phone=phone):
        raise ValidationError(PHONE_TAKEN, code="phone_taken")
    return phone


def clean_avatar_upload(upload):
    if upload:
        open_upload(upload, AVATAR_LIMITS)
    return upload


class RegisterForm(forms.Form):
    email = forms.EmailField(
        label=_("Email"), widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    phone = forms.CharField(
        label=_("Phone"),
        max_length=32,
        help_text=_("Kazakhstan number, for example +7 701 123 45 67 or 8 701 123 45 67."),
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    name = forms.CharField(label=_("Your name"), max_length=60)
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label=_("Repeat the password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean_email(self) -> str:
        return clean_new_email(self.cleaned_data["email"])

    def clean_phone(self) -> str:
        return clean_new_phone(self.cleaned_data["phone"])

    def clean(self):
        cleaned = super().clean()
        password1, password2 = cleaned.get("password1"), cleaned.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", _("The two passwords differ."))
        elif password1:
            probe = User(email=cleaned.get("email", ""), name=cleaned.get("name", ""))
            try:
                password_validation.validate_password(password1, probe)
            except ValidationError as error:
                self.add_error("password1", error)
        return cleaned

    def _post_clean(self):
        """A form sent back for another field's error (the email is taken, the phone is
        mistyped) keeps the password the user chose: only in the answer to his own POST (no
        cache, see the view), and never a password that was itself refused."""
        super()._post_clean()
        keep = not {"password1", "password2"} & self._errors.keys()
        for name in ("password1", "password2"):
            self.fields[name].widget.render_value = keep


class LoginForm(AuthenticationForm):
    username = forms.CharField(
        label=_("Email or phone"),
        max_length=254,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )
    error_messages = {
        "invalid_login": _("The login or password is wrong."),
        "inactive": _("This account is inactive."),
    }

    def get_invalid_login_error(self) -> ValidationError:
        # The right password of a banned account (accounts.backends): say so, with the reason.
        blocked = getattr(self.request, "login_blocked_user", None)
        if blocked is not None:
            return ValidationError(account_blocked_message(blocked), code="account_banned")
        return super().get_invalid_login_error()


class CityChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: City) -> str:
        return obj.name


class ProfileForm(forms.Form):
    name = forms.CharField(label=_("Your name"), max_length=60)
    city = CityChoiceField(
        label=_("City"), queryset=City.objects.all(), required=False, empty_label=_("Not set")
    )
    avatar = forms.ImageField(
        label=_("Avatar"),
        required=False,
        help_text=_("JPEG, PNG or WebP up to 5 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )
    show_phone = forms.TypedChoiceField(
        label=_("How buyers reach you"),
        choices=[(False, _("Chat only")), (True, _("Chat, and show my phone on request"))],
        coerce=lambda value: value in (True, "True"),
        required=False,
        empty_value=None,  # not sent: unchanged
        widget=forms.RadioSelect,
        help_text=_(
            "A signed-in buyer with a verified phone sees your number after a click; it is never "
            "in the page before."
        ),
    )

    def clean_avatar(self):
        return clean_avatar_upload(self.cleaned_data.get("avatar"))


CODE_PATTERN = r"^\d{6}$"


class PhoneSendForm(forms.Form):
    """Where to send a code: the account's number, or a new one (it replaces the old number
    once its code is confirmed)."""

    phone = forms.CharField(
        label=_("Mobile number"),
        max_length=32,
        required=False,
        help_text=_("Kazakhstan mobile number, for example +7 701 123 45 67."),
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )

    def clean_phone(self) -> str:
        value = self.cleaned_data["phone"].strip()
        return normalize_kz_mobile(value) if value else ""


class PhoneConfirmForm(forms.Form):
    code = forms.RegexField(
        label=_("Code from the SMS"),
        regex=CODE_PATTERN,
        error_messages={"invalid": _("The code is six digits.")},
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "maxlength": 6}
        ),
    )


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Django's reset form, whose email is a job: the request never waits for SMTP, and a mail
    server that is down delays the link (retried with back-off) instead of losing it."""

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ) -> None:
        subject = "".join(loader.render_to_string(subject_template_name, context).splitlines())
        html = None
        if html_email_template_name is not None:
            html = loader.render_to_string(html_email_template_name, context)
        tasks.mail_defer(
            subject=subject,
            body=loader.render_to_string(email_template_name, context),
            to=[to_email],
            html_body=html,
            from_email=from_email,
        )
