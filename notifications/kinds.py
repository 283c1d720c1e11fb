"""What Zattar tells people about, and by which channel. A person switches each pair off or
on (preferences); every e-mail carries a one-click unsubscribe from its kind."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    MESSAGES = "messages", _("New messages")
    DEALS = "deals", _("Safe Deals")
    SAVED_SEARCHES = "saved_searches", _("Saved searches")
    PRICE_DROPS = "price_drops", _("Price drops on favourites")
    LISTINGS = "listings", _("My ads: expiry and renewal")


class Channel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    PUSH = "push", _("Browser notifications")
