"""Trust and safety: what users report, why an ad is held, the words that hold it, bans, and
the audit trail of every moderator's decision."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from listings.models import Listing


class TargetType(models.TextChoices):
    LISTING = "listing", _("Ad")
    USER = "user", _("User")
    MESSAGE = "message", _("Chat message")
    REVIEW = "review", _("Review")
    DEAL = "deal", _("Safe Deal")


class Report(models.Model):
    """A signed-in user's complaint about an ad, a user or a chat message."""

    class Reason(models.TextChoices):
        FRAUD = "fraud", _("Fraud")
        PROHIBITED = "prohibited", _("Prohibited item")
        WRONG_CATEGORY = "wrong_category", _("Wrong category")
        DUPLICATE = "duplicate", _("Duplicate")
        WRONG_PRICE = "wrong_price", _("Wrong price")
        OFFENSIVE = "offensive", _("Offensive")
        SPAM = "spam", _("Spam")
        OTHER = "other", _("Other")

    class Resolution(models.TextChoices):
        UPHELD = "upheld", _("Action taken")
        DISMISSED = "dismissed", _("Dismissed")

    TARGETS = (TargetType.LISTING, TargetType.USER, TargetType.MESSAGE)

    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reporter"),
        on_delete=models.CASCADE,
        related_name="reports_made",
    )
    target_type = models.CharField(
        _("about"), max_length=10, choices=[(t.value, t.label) for t in TARGETS]
    )
    target_id = models.PositiveBigIntegerField(_("target id"))
    # The user the report is about (the ad's seller, the message's sender, the user): the
    # moderators' queue and a ban find every report on one person through it.
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("about user"),
        on_delete=models.CASCADE,
        related_name="reports_received",
    )
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices)
    text = models.TextField(_("text"), max_length=1000, blank=True)
    created_at = models.DateTimeField(_("reported"), default=timezone.now)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("resolved by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    resolution = models.CharField(
        _("resolution"), max_length=10, choices=Resolution.choices, blank=True
    )

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["reporter", "target_type", "target_id", "reason"], name="report_once"
            ),
        ]
        indexes = [
            models.Index(
                fields=["target_type", "target_id"],
                condition=Q(resolved_at__isnull=True),
                name="report_open_by_target",
            ),
            models.Index(
                fields=["created_at"], condition=Q(resolved_at__isnull=True), name="report_open"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_reason_display()}: {self.target_type} #{self.target_id}"


class ListingFlag(models.Model):
    """One reason an ad is (or was) on review: an automatic rule's hit, or enough reports."""

    class Code(models.TextChoices):
        BANNED_WORD = "banned_word", _("Banned word")
        CONTACTS = "contacts", _("Link, e-mail or phone number in the text")
        PRICE = "price", _("Price far outside the category's range")
        PHOTO_COPY = "photo_copy", _("Photo already in another seller's ad")
        REPORTS = "reports", _("Reported by several users")
        RESUBMITTED = "resubmitted", _("Edited after rejection")

    listing = models.ForeignKey(
        "listings.Listing", verbose_name=_("ad"), on_delete=models.CASCADE, related_name="flags"
    )
    code = models.CharField(_("reason"), max_length=20, choices=Code.choices)
    detail = models.CharField(_("detail"), max_length=300, blank=True)
    # The earlier ad a copied photo comes from.
    original = models.ForeignKey(
        "listings.Listing",
        verbose_name=_("original ad"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("raised"), default=timezone.now)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)

    class Meta:
        verbose_name = _("hold reason")
        verbose_name_plural = _("hold reasons")
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(
                fields=["listing"], condition=Q(resolved_at__isnull=True), name="flag_open"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_code_display()}: {self.detail}"


class BannedWord(models.Model):
    """A word that holds an ad that contains it (as a whole word, in any letter case)."""

    word = models.CharField(_("word"), max_length=60)
    created_at = models.DateTimeField(_("added"), default=timezone.now)

    class Meta:
        verbose_name = _("banned word")
        verbose_name_plural = _("banned words")
        ordering = ["word"]
        constraints = [models.UniqueConstraint(Lower("word"), name="banned_word_once")]

    def __str__(self) -> str:
        return self.word


class Ban(models.Model):
    """A user shut out by a moderator (or by switching `is_active` off in the admin)."""

    class Reason(models.TextChoices):
        FRAUD = "fraud", _("Fraud")
        PROHIBITED = "prohibited", _("Selling prohibited items")
        SPAM = "spam", _("Spam")
        ABUSE = "abuse", _("Abusive behaviour")
        FAKE = "fake", _("Fake or duplicate account")
        OTHER = "other", _("Other")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="bans",
    )
    reason = models.CharField(_("reason"), max_length=12, choices=Reason.choices)
    note = models.TextField(_("note"), max_length=2000, blank=True)
    banned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("banned by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("banned"), default=timezone.now)
    lifted_at = models.DateTimeField(_("lifted"), null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("lifted by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("ban")
        verbose_name_plural = _("bans")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"], condition=Q(lifted_at__isnull=True), name="one_open_ban"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.get_reason_display()}"


class AuditEntry(models.Model):
    """One moderation action, written in the transaction of the change; never edited."""

    class Action(models.TextChoices):
        APPROVE = "approve", _("Approved an ad")
        REJECT = "reject", _("Rejected an ad")
        HOLD = "hold", _("Held an ad for review")
        BAN = "ban", _("Banned a user")
        UNBAN = "unban", _("Lifted a ban")
        HIDE_REVIEW = "hide_review", _("Hid a review")
        SHOW_REVIEW = "show_review", _("Showed a review again")
        RESOLVE_REPORT = "resolve_report", _("Resolved reports")
        RESOLVE_DISPUTE = "resolve_dispute", _("Resolved a dispute")

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("moderator"),
        on_delete=models.PROTECT,
        null=True,  # None: Zattar itself (enough reports)
        blank=True,
        related_name="+",
    )
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    target_type = models.CharField(_("target"), max_length=10, choices=TargetType.choices)
    target_id = models.PositiveBigIntegerField(_("target id"))
    target_repr = models.CharField(_("target name"), max_length=200, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    before = models.JSONField(_("before"), default=dict, blank=True)
    after = models.JSONField(_("after"), default=dict, blank=True)
    created_at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["target_type", "target_id"], name="audit_target"),
            models.Index(fields=["-created_at"], name="audit_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.target_type} #{self.target_id}"


# --- Reports queue (helper `reports`) -----------------------------------------------------------


class PeopleReport(Report):
    """Reports about users and chat messages: the moderators' own queue for them (reports about
    ads are reasons in the queue of ads on review)."""

    class Meta:
        proxy = True
        verbose_name = _("report about a user or message")
        verbose_name_plural = _("reports about users and messages")


# --- The moderators' queue (helper queue) ----------------------------------------------------


class ListingOnReview(Listing):
    """The ads waiting for a moderator (status on review): the queue's own admin screen, and
    the permission to decide on them."""

    class Meta:
        proxy = True
        verbose_name = _("ad on review")
        verbose_name_plural = _("ads on review")
        permissions = [("moderate_listing", _("Can approve, reject and hold ads"))]
