from django.utils.translation import gettext_lazy as _

from zattar.errors import DomainError, NotFound


class SavedSearchLimit(DomainError):
    code = "saved_search_limit"


class SavedSearchNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__(_("No such saved search."))
