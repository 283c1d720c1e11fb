"""What a page shows of its signed-in viewer's own besides their name: the header's two badges
(unread chat messages, the bell's notifications) and the hearts of the ads on the page. One
statement per request reads them all: a view asks for the hearts of its ads
(`favorite_ids`) and the badges come with them; a page with no ads gets the badges alone when
its template shows them (`notifications.context_processors.unread`). The search page also asks
whether the viewer blocked anyone or was blocked (`hearts_and_blocks`): a viewer with none sees
the results everyone sees, kept for them all."""

from dataclasses import dataclass

from django.db import connection
from django.http import HttpRequest

from chat.models import UserBlock
from chat.selectors import UNREAD_TOTAL_SQL
from listings.models import Favorite
from notifications.selectors import UNREAD_COUNT_SQL

_FAVORITES_SQL = (
    f"SELECT coalesce(array_agg(listing_id), '{{}}') FROM {Favorite._meta.db_table} "
    "WHERE user_id = %s AND listing_id = ANY(%s::bigint[])"
)

_BLOCKS_SQL = (
    f"SELECT EXISTS (SELECT 1 FROM {UserBlock._meta.db_table} "
    "WHERE blocker_id = %s OR blocked_id = %s)"
)


@dataclass(frozen=True)
class Badges:
    chat_unread: int
    notifications_unread: int


def _read(
    request: HttpRequest, listing_ids: list[int] | None, *, blocks: bool = False
) -> tuple[Badges, set[int], bool]:
    user_id = request.user.pk
    columns, params = [f"({UNREAD_TOTAL_SQL})", f"({UNREAD_COUNT_SQL})"], [user_id, user_id]
    if listing_ids is not None:
        columns.append(f"({_FAVORITES_SQL})")
        params += [user_id, listing_ids]
    if blocks:
        columns.append(f"({_BLOCKS_SQL})")
        params += [user_id, user_id]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(columns)}", params)
        row = cursor.fetchone()
    favorites = set(row[2]) if listing_ids is not None else set()
    return Badges(row[0], row[1]), favorites, bool(blocks and row[-1])


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
    request._viewer_badges, favorites, _ = _read(request, listing_ids)
    return favorites


def hearts_and_blocks(request: HttpRequest, listing_ids) -> tuple[set[int], bool]:
    """Which of `listing_ids` the viewer keeps in their favourites, and whether they blocked
    anyone or were blocked by anyone (then a search leaves those people's ads out): with the
    badges, one statement, read once per request and list of ids."""
    listing_ids = [int(pk) for pk in listing_ids]
    if not request.user.is_authenticated:
        return set(), False
    known = getattr(request, "_viewer_hearts_and_blocks", {})
    if (ids := tuple(listing_ids)) not in known:
        if getattr(request, "_viewer_badges", None) is not None:
            with connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT ({_FAVORITES_SQL}), ({_BLOCKS_SQL})",
                    [request.user.pk, listing_ids, request.user.pk, request.user.pk],
                )
                row = cursor.fetchone()
            known[ids] = set(row[0]), row[1]
        else:
            request._viewer_badges, favorites, blocked = _read(request, listing_ids, blocks=True)
            known[ids] = favorites, blocked
        request._viewer_hearts_and_blocks = known
    return known[ids]
