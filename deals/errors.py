from django.utils.translation import gettext_lazy as _

from zattar.errors import Conflict, DomainError, Forbidden, NotFound


class DealNotFound(NotFound):
    """Also what a stranger gets: to anyone but its people and moderators a deal does not exist."""

    def __init__(self) -> None:
        super().__init__(_("No such deal."))


class CannotStartDeal(DomainError):
    code = "cannot_start_deal"


class AdAlreadyInDeal(Conflict):
    code = "ad_in_deal"


class PriceChanged(Conflict):
    code = "price_changed"


class TransitionNotAllowed(Conflict):
    """The table has no such move from this status (409, with the moves there are)."""

    code = "transition_not_allowed"


class WrongRole(Forbidden):
    """The move exists, but not for this participant (403)."""

    code = "wrong_role"


class MissingDetails(DomainError):
    code = "missing_details"


class ReviewNotAllowed(DomainError):
    code = "review_not_allowed"


class ReviewNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__(_("No such review."))


class TooManyDisputePhotos(DomainError):
    code = "too_many_photos"
