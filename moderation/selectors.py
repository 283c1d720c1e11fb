"""Reads of moderation data that other apps' pages need."""

from django.db.models import QuerySet

from moderation.models import ListingFlag


def open_listing_flags() -> QuerySet[ListingFlag]:
    """The reasons ads are on review now (for a Prefetch on the ads' `flags`)."""
    return ListingFlag.objects.filter(resolved_at__isnull=True).order_by("created_at", "id")


def review_reasons(flags) -> list[str]:
    """The distinct codes of an ad's open flags, oldest first: what its seller is told."""
    return list(dict.fromkeys(flag.code for flag in flags))
