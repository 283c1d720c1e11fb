"""After a deal moves: a note from Zattar in the people's chat, and an email to both."""

from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from chat.services import system_message_post
from deals.models import DealEvent
from deals.transitions import Role, Status
from notifications.kinds import Kind
from notifications.services import notify


def describe(event: DealEvent) -> str:
    deal = event.deal
    texts = {
        Status.PENDING: _(
            "Safe Deal #%(id)s started: %(amount)s ₸ are held until the buyer "
            "confirms delivery. The seller ships within %(days)s days."
        ),
        Status.SHIPPED: _(
            "Safe Deal #%(id)s: the seller shipped the item (%(carrier)s, tracking %(tracking)s)."
        ),
        Status.COMPLETED: _("Safe Deal #%(id)s completed: the money went to the seller."),
        Status.DISPUTED: _("Safe Deal #%(id)s is disputed: a moderator will look at it."),
        Status.CANCELLED: _("Safe Deal #%(id)s cancelled: the money went back to the buyer."),
    }
    text = texts[Status(event.target)] % {
        "id": deal.pk,
        "amount": f"{deal.amount:,}".replace(",", " "),
        "days": settings.SAFE_DEAL_SHIP_DAYS,
        "carrier": deal.carrier,
        "tracking": deal.tracking_number,
    }
    if event.note and event.target != Status.SHIPPED:
        text += " " + _("Note: %(note)s") % {"note": event.note}
    return text


def deal_changed(*, event_id: int) -> None:
    """Tell both people about one move: Zattar's note in their chat, then an email. Run by the
    deal_changed_notify job, after the move has committed. Each part is marked on the event
    when done, so a replay (a retry after a failure, a worker killed midway) skips it: the
    chat note is written once; the email goes again only if the worker died between the SMTP
    server's acceptance and the mark. An SMTP failure raises, and the job is retried later."""
    event = DealEvent.objects.select_related("deal__listing", "deal__buyer", "deal__seller").get(
        pk=event_id
    )
    deal = event.deal
    with translation.override(settings.LANGUAGE_CODE):
        text = describe(event)
        if event.chat_noted_at is None:
            with transaction.atomic():
                locked = DealEvent.objects.select_for_update().get(pk=event_id)
                if locked.chat_noted_at is None:
                    news_for = deal.buyer if event.role == Role.SELLER else deal.seller
                    system_message_post(
                        listing=deal.listing, buyer=deal.buyer, body=text, unread_for=news_for
                    )
                    locked.chat_noted_at = timezone.now()
                    locked.save(update_fields=["chat_noted_at"])
        if event.emailed_at is None:
            link = settings.SITE_URL + reverse("deals:detail", args=[deal.pk])
            send_mail(
                _("Zattar Safe Deal #%(id)s") % {"id": deal.pk},
                f"{text}\n\n{deal.listing.title}\n{link}",
                None,
                [deal.buyer.email, deal.seller.email],
            )
            DealEvent.objects.filter(pk=event_id).update(emailed_at=timezone.now())


# --- Reminders and review requests (notifications.notify) ----------------------------------

REMINDERS = (
    # (status, deadline, who is reminded, event, key suffix)
    (Status.PENDING, "ship_by", Role.SELLER, "deals/ship_reminder", "ship-reminder"),
    (Status.SHIPPED, "confirm_by", Role.BUYER, "deals/confirm_reminder", "confirm-reminder"),
)


def _deal_url(deal) -> str:
    return reverse("deals:detail", args=[deal.pk])


def deal_reminders_send(*, now=None, batch: int = 200) -> int:
    """Remind the seller SAFE_DEAL_REMINDER_HOURS before the ship-by deadline and the buyer as
    long before the automatic confirmation, once each (the key `deal:<id>:ship-reminder`).
    Run every minute by the deal_reminders job; idempotent: a deal whose person was reminded
    is not even looked at again. Returns how many were reminded."""
    from django.db.models import CharField, Exists, OuterRef, Value
    from django.db.models.functions import Cast, Concat

    from deals.models import SafeDeal
    from notifications.models import Notification

    now = now or timezone.now()
    ahead = now + timedelta(hours=settings.SAFE_DEAL_REMINDER_HOURS)
    done = 0
    for status, deadline, role, event, suffix in REMINDERS:
        person = "seller_id" if role == Role.SELLER else "buyer_id"
        reminded = Notification.objects.filter(
            user_id=OuterRef(person),
            key=Concat(Value("deal:"), Cast(OuterRef("pk"), CharField()), Value(f":{suffix}")),
        )
        due = list(
            SafeDeal.objects.filter(
                status=status, **{f"{deadline}__gt": now, f"{deadline}__lte": ahead}
            )
            .exclude(Exists(reminded))
            .select_related("listing", "buyer", "seller")
            .order_by(deadline)[:batch]
        )
        for deal in due:
            with transaction.atomic():
                told = notify(
                    user=deal.seller if role == Role.SELLER else deal.buyer,
                    kind=Kind.DEALS,
                    event=event,
                    key=f"deal:{deal.pk}:{suffix}",
                    context={
                        "deal": deal,
                        "listing": deal.listing,
                        "deadline": getattr(deal, deadline),
                    },
                    url=_deal_url(deal),
                )
            done += told is not None
    return done


def deal_review_requests(deal) -> None:
    """Ask both people for a review of a completed deal; in the completing move's transaction.
    Once per person and deal (the key `deal:<id>:review-request`)."""
    for person, other in ((deal.buyer, deal.seller), (deal.seller, deal.buyer)):
        notify(
            user=person,
            kind=Kind.DEALS,
            event="deals/review_request",
            key=f"deal:{deal.pk}:review-request",
            context={"deal": deal, "listing": deal.listing, "other": other},
            url=_deal_url(deal) + "#review",
        )
