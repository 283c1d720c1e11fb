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


class DuplicateListing(Conflict):
    """The seller already has this ad (active or on review): he is sent to it, not to a copy."""

    code = "duplicate"

    def __init__(self, existing) -> None:
        super().__init__(
            _("You already have this ad: “%(title)s”. Edit it instead of posting it again.")
            % {"title": existing.title},
            existing={
                "id": existing.pk,
                "url": existing.get_absolute_url(),
                "title": existing.title,
            },
        )
        self.existing = existing


class CategoryLimitReached(Conflict):
    """The seller has LISTING_LIMIT_PER_CATEGORY active ads in this leaf category already."""

    code = "category_limit"

    def __init__(self, *, limit: int, category) -> None:
        super().__init__(
            _(
                "You already have %(limit)d active ads in “%(category)s”, the most one seller may "
                "have in a category. Archive or mark sold one of them first."
            )
            % {"limit": limit, "category": category.name},
            limit=limit,
        )


class RenewNotAllowed(Conflict):
    code = "renew_not_allowed"


class RaiseTooSoon(DomainError):
    """ "Raise to top" again before BUMP_COOLDOWN_DAYS passed: 429 with when to come back."""

    status_code = 429
    code = "raise_too_soon"

    def __init__(self, *, retry_after: int, available_at) -> None:
        from django.utils.timesince import timeuntil

        super().__init__(
            _("You can raise this ad to the top again in %(time)s.")
            % {"time": timeuntil(available_at)},
            retry_after=retry_after,
        )


class PendingPhotoGone(DomainError):
    """A photo the form names is not (or no longer) one of the user's uploads."""

    code = "photo_gone"

    def __init__(self) -> None:
        super().__init__(_("A photo is no longer available: add it again."))
