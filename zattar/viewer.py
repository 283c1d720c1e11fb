"""What a page shows of its signed-in viewer's own besides their name: the header's two badges
(unread chat messages, the bell's notifications) and the hearts of the ads on the page. One
statement per request reads them all: a view asks for the hearts of its ads
(`favorite_ids`) and the badges come with them; a page with no ads gets the badges alone when
its template shows them (`notifications.context_processors.unread`)."""

from dataclasses import dataclass

from django.db import connection
from django.http import HttpRequest

from chat.selectors import UNREAD_TOTAL_SQL
from listings.models import Favorite
from notifications.selectors import UNREAD_COUNT_SQL

_FAVORITES_SQL = (
    f"SELECT coalesce(array_agg(listing_id), '{{}}') FROM {Favorite._meta.db_table} "
    "WHERE user_id = %s AND listing_id = ANY(%s::bigint[])"
)


@dataclass(frozen=True)
class Badges:
    chat_unread: int
    notifications_unread: int


def _read(request: HttpRequest, listing_ids: list[int] | None) -> tuple[Badges, set[int]]:
    user_id = request.user.pk
    columns, params = [f"({UNREAD_TOTAL_SQL})", f"({UNREAD_COUNT_SQL})"], [user_id, user_id]
    if listing_ids is not None:
        columns.append(f"({_FAVORITES_SQL})")
        params += [user_id, listing_ids]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(columns)}", params)
        row = cursor.fetchone()
    return Badges(row[0], row[1]), set(row[2]) if listing_ids is not None else set()


def badges(request: HttpRequest) -> Badges:
    """The header's badges of a signed-in viewer (zero for anyone else), read once per request."""
    if not request.user.is_authenticated:
        return Badges(0, 0)
    if (known := getattr(request, "_viewer_badges", None)) is None:
        known = request._viewer_badges = _read(request, None)[0]
    return known


def favorite_ids(request: HttpRequest, listing_ids) -> set[int]:
    """Which of `listing_ids` the viewer keeps in their favourites; the first call of a request
    reads the header's badges in the same statement."""
    listing_ids = [int(pk) for pk in listing_ids]
    if not request.user.is_authenticated or not listing_ids:
        return set()
    if getattr(request, "_viewer_badges", None) is not None:  # the badges are read: hearts alone
        with connection.cursor() as cursor:
            cursor.execute(_FAVORITES_SQL, [request.user.pk, listing_ids])
            return set(cursor.fetchone()[0])
    request._viewer_badges, favorites = _read(request, listing_ids)
    return favorites
