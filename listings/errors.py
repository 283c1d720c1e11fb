from django.utils.translation import gettext_lazy as _

from zattar.errors import Conflict, DomainError, Forbidden, NotFound, Unavailable


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


class PhotoStorageUnavailable(Unavailable):
    code = "storage_unavailable"

    def __init__(self) -> None:
        super().__init__(
            _(
                "The photos could not be saved: the photo storage is not answering. Nothing was "
                "changed; try again in a few minutes."
            ),
            retry_after=60,
        )
