from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Conversation(models.Model):
    """One buyer talking to the seller about one ad: exactly one per (ad, buyer)."""

    listing = models.ForeignKey(
        "listings.Listing",
        verbose_name=_("ad"),
        on_delete=models.CASCADE,
        related_name="conversations",
        db_index=False,  # conversation_once leads with it
    )
    buyer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("buyer"),
        on_delete=models.CASCADE,
        related_name="conversations_as_buyer",
        db_index=False,  # conversation_buyer_inbox leads with it
    )
    seller = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("seller"),
        on_delete=models.CASCADE,
        related_name="conversations_as_seller",
        db_index=False,  # conversation_seller_inbox leads with it
    )
    created_at = models.DateTimeField(_("started"), default=timezone.now)
    last_message_at = models.DateTimeField(_("last activity"), default=timezone.now)

    class Meta:
        verbose_name = _("conversation")
        verbose_name_plural = _("conversations")
        constraints = [
            models.UniqueConstraint(fields=["listing", "buyer"], name="conversation_once"),
            models.CheckConstraint(condition=~Q(buyer=F("seller")), name="conversation_two_people"),
        ]
        indexes = [
            models.Index(fields=["buyer", "-last_message_at"], name="conversation_buyer_inbox"),
            models.Index(fields=["seller", "-last_message_at"], name="conversation_seller_inbox"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.listing_id}: {self.buyer_id} → {self.seller_id}"

    def other(self, user):
        return self.seller if user.pk == self.buyer_id else self.buyer


class FraudWarning(models.TextChoices):
    """What a message carries that scams often do (chat.warnings); the strongest first."""

    PHISHING = "phishing", _("look-alike site")
    CARD_NUMBER = "card_number", _("card number")
    OFF_PLATFORM_PAYMENT = "off_platform_payment", _("payment outside Safe Deal")
    EXTERNAL_LINK = "external_link", _("link to another site")


class Message(models.Model):
    conversation = models.ForeignKey(
        Conversation,
        verbose_name=_("conversation"),
        on_delete=models.CASCADE,
        related_name="messages",
        db_index=False,  # message_in_order leads with it
    )
    # None: a message from Zattar itself (Safe Deal news).
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sender"),
        on_delete=models.CASCADE,
        related_name="+",
        null=True,
        blank=True,
        db_index=False,  # message_sender_recent leads with it
    )
    # The other participant, kept so that "unread for a user" is one indexed lookup.
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    body = models.TextField(_("text"), max_length=2000)
    client_id = models.CharField(_("client id"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("sent"), default=timezone.now)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    # Computed once, when the message is saved; empty: nothing to warn about.
    warning = models.CharField(
        _("warning"), max_length=32, choices=FraudWarning.choices, blank=True, default=""
    )

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["id"]
        constraints = [
            # A client that resends after a lost connection does not post twice.
            models.UniqueConstraint(
                fields=["conversation", "sender", "client_id"],
                condition=~Q(client_id=""),
                name="message_client_id_once",
            ),
        ]
        indexes = [
            models.Index(fields=["conversation", "id"], name="message_in_order"),
            # Flood control counts the sender's messages of the last few seconds.
            models.Index(fields=["sender", "created_at"], name="message_sender_recent"),
            models.Index(
                fields=["recipient", "conversation"],
                condition=Q(read_at__isnull=True),
                name="message_unread",
            ),
            # The unread e-mail sweep (chat.notifications) looks at people's unread messages of
            # the last hour or so, by age.
            models.Index(
                fields=["created_at"],
                condition=Q(read_at__isnull=True, sender__isnull=False),
                name="message_unread_age",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sender_id}: {self.body[:40]}"


class UserBlock(models.Model):
    """`blocker` blocked `blocked`: no messages either way, and neither sees the other's ads
    in search. History stays readable."""

    blocker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("blocked by"),
        on_delete=models.CASCADE,
        related_name="blocks_made",
        db_index=False,  # user_block_once leads with it
    )
    blocked = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("blocked user"),
        on_delete=models.CASCADE,
        related_name="blocks_received",
    )
    created_at = models.DateTimeField(_("blocked at"), default=timezone.now)

    class Meta:
        verbose_name = _("block")
        verbose_name_plural = _("blocks")
        constraints = [
            models.UniqueConstraint(fields=["blocker", "blocked"], name="user_block_once"),
            models.CheckConstraint(condition=~Q(blocker=F("blocked")), name="user_block_other"),
        ]

    def __str__(self) -> str:
        return f"{self.blocker_id} ⊘ {self.blocked_id}"
