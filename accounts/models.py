from functools import partial

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.contrib.sessions.base_session import AbstractBaseSession
from django.db import models, transaction
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.phones import format_kz_phone, validate_kz_phone_e164


def avatar_path(user: "User", filename: str) -> str:
    return f"avatars/{user.pk or 'new'}/{filename}"


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email: str, phone: str, password: str | None = None, **fields):
        user = self.model(email=self.normalize_email(email).lower(), phone=phone, **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, phone: str, password: str | None = None, **fields):
        fields.update(is_staff=True, is_superuser=True)
        return self.create_user(email, phone, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person on Zattar. Logs in with email or phone. The email is unique; a phone number
    belongs to the account that verified it by SMS (unique among verified accounts): accounts
    that only typed it keep it unverified, and are asked for another number."""

    email = models.EmailField(_("email"), max_length=254, unique=True)
    phone = models.CharField(
        _("phone"),
        max_length=16,
        db_index=True,
        validators=[validate_kz_phone_e164],
        help_text=_("E.164, for example +77011234567."),
    )
    phone_verified_at = models.DateTimeField(_("phone verified at"), null=True, blank=True)
    show_phone = models.BooleanField(
        _("show my phone"),
        default=False,
        help_text=_(
            "Signed-in buyers with a verified phone may reveal your number with a click. "
            "Otherwise they can only write to you in the chat."
        ),
    )
    name = models.CharField(_("display name"), max_length=60)
    city = models.ForeignKey(
        "listings.City",
        verbose_name=_("city"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    avatar = models.ImageField(_("avatar"), upload_to=avatar_path, blank=True)
    rating_avg = models.DecimalField(_("rating"), max_digits=3, decimal_places=2, default=0)
    rating_count = models.PositiveIntegerField(_("number of reviews"), default=0)
    # The language Zattar writes to this person in (e-mails, SMS, notifications): the one they
    # use the site in, kept when they switch (ru, kk, en).
    language = models.CharField(
        _("language"),
        max_length=2,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
        db_default=settings.LANGUAGE_CODE,
    )
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("staff status"), default=False)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["phone", "name"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                name="accounts_user_email_ci_unique",
                violation_error_message=_("A user with this email already exists."),
            ),
            models.UniqueConstraint(
                fields=["phone"],
                condition=models.Q(phone_verified_at__isnull=False),
                name="accounts_user_verified_phone_unique",
                violation_error_message=_("Another account has verified this phone number."),
            ),
        ]

    def __str__(self) -> str:
        return self.name or self.email

    # Signing out everywhere. Tokens and sessions carry a hash of the password, so a new password
    # (by any path: API, site, reset link, admin) or a deactivation already refuses every later
    # request; open sockets were authenticated once, at connect, and are closed here, after
    # commit. The one place every path goes through is saving the row.

    @classmethod
    def from_db(cls, db, field_names, values, **kwargs):
        user = super().from_db(db, field_names, values, **kwargs)
        user._credentials = user._current_credentials()
        return user

    def _current_credentials(self) -> tuple | None:
        loaded = self.__dict__
        if "password" not in loaded or "is_active" not in loaded:
            return None  # deferred: not compared
        return (loaded["password"], loaded["is_active"])

    def save(self, *args, **kwargs) -> None:
        super().save(*args, **kwargs)
        before, now = getattr(self, "_credentials", None), self._current_credentials()
        self._credentials = now
        could_sign_in = before is not None and before[1]  # its sockets may be open
        if could_sign_in and now is not None and (now[0] != before[0] or not now[1]):
            from chat.events import announce_signed_out

            transaction.on_commit(partial(announce_signed_out, self.pk))

    def get_absolute_url(self) -> str:
        return reverse("accounts:profile", args=[self.pk])

    def get_full_name(self) -> str:
        return self.name

    def get_short_name(self) -> str:
        return self.name

    @property
    def phone_display(self) -> str:
        return format_kz_phone(self.phone)

    @property
    def phone_verified(self) -> bool:
        return self.phone_verified_at is not None


class PhoneCode(models.Model):
    """A code sent by SMS to prove a number is the user's. Only an HMAC of it is stored; it
    lives PHONE_CODE_TTL, dies after PHONE_CODE_MAX_ATTEMPTS wrong tries or its use, and the
    rows are what the sending limits (per number, per client address) count."""

    user = models.ForeignKey(
        "accounts.User", verbose_name=_("user"), on_delete=models.CASCADE, related_name="+"
    )
    phone = models.CharField(_("phone"), max_length=16)
    code_hash = models.CharField(max_length=64)
    ip = models.GenericIPAddressField(_("address"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    attempts = models.PositiveSmallIntegerField(_("wrong tries"), default=0)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("phone code")
        verbose_name_plural = _("phone codes")
        indexes = [
            models.Index(fields=["phone", "created_at"], name="accounts_phonecode_phone_idx"),
            models.Index(fields=["ip", "created_at"], name="accounts_phonecode_ip_idx"),
            models.Index(fields=["user", "created_at"], name="accounts_phonecode_user_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.phone} {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def phone_display(self) -> str:
        return format_kz_phone(self.phone)


class PhoneReveal(models.Model):
    """One click on "Show phone": who saw whose number, from which ad and address."""

    viewer = models.ForeignKey(
        "accounts.User", verbose_name=_("viewer"), on_delete=models.CASCADE, related_name="+"
    )
    seller = models.ForeignKey(
        "accounts.User", verbose_name=_("seller"), on_delete=models.CASCADE, related_name="+"
    )
    listing = models.ForeignKey(
        "listings.Listing",
        verbose_name=_("ad"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    ip = models.GenericIPAddressField(_("address"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("phone reveal")
        verbose_name_plural = _("phone reveals")
        indexes = [
            models.Index(fields=["viewer", "created_at"], name="accounts_reveal_viewer_idx"),
            models.Index(fields=["seller", "created_at"], name="accounts_reveal_seller_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.viewer_id} → {self.seller_id}"


class Session(AbstractBaseSession):
    """A session (SESSION_ENGINE `accounts.sessions`) that names its signed-in user in a column:
    a signed-in request reads the session and its user in one statement, and a ban ends the
    user's sessions by that column."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )

    class Meta(AbstractBaseSession.Meta):
        db_table = "accounts_session"

    @classmethod
    def get_session_store_class(cls):
        from accounts.sessions import SessionStore

        return SessionStore
