"""After a deal moves: a note from Zattar in the people's chat, and an email to both."""

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from chat.services import system_message_post
from deals.models import DealEvent
from deals.transitions import Role, Status


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
