"""Reads of the saved searches: a person's list (the page and the API)."""

from django.db.models import QuerySet

from searches.models import SavedSearch


def saved_search_list(*, user) -> QuerySet[SavedSearch]:
    """The person's saved searches, newest first, with the city and category they name."""
    return SavedSearch.objects.filter(user=user).select_related("city", "category")


def saved_search_get(*, user, search_id: int) -> SavedSearch | None:
    """The person's own search, or None (another person's is as missing as no search)."""
    return saved_search_list(user=user).filter(pk=search_id).first()
