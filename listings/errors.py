from django.utils.translation import gettext_lazy as _

from zattar.errors import Conflict, DomainError, Forbidden, NotFound


class ListingNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__(_("No such ad."))


class NotTheSeller(Forbidden):
    def __init__(self) -> None:
        super().__init__(_("Only the seller can change this ad."))


class TooManyPhotos(DomainError):
    code = "too_many_photos"


class InvalidPhotoOrder(DomainError):
    code = "invalid_photo_order"


class StatusChangeNotAllowed(Conflict):
    code = "status_change_not_allowed"


class ListingHasDeals(Conflict):
    code = "listing_has_deals"
