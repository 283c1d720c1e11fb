"""Writes of the notifications app: tell a person something, and their preferences.

`notify()` is the one door: the other apps call it inside the transaction of the change that
causes the news; the delivery (e-mail, push) is a job deferred in that same transaction."""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.core import signing
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import translate_url
from django.utils import timezone, translation

from accounts.services import site_language
from notifications.kinds import Channel, Kind
from notifications.models import Notification, OptOut

User = get_user_model()

UNSUBSCRIBE_SALT = "notifications.unsubscribe"


def notify(
    *, user, kind: Kind, event: str, key: str, context: dict | None = None, url: str = ""
) -> Notification | None:
    """Tell `user` about `event` (a template folder under templates/notifications/: its
    `title.txt` and `body.txt` are rendered with `context`, in the person's language). `key`
    names the cause: a second call with the same key for the same person does nothing and
    returns None, so jobs can be retried. `url` is the site path the notification links to.
    The e-mail and the push go out from the notifications.deliver job after commit, each only
    if the person has not switched that kind off for that channel."""
    from notifications import tasks

    title, body = _render(user=user, event=event, context=context)
    with transaction.atomic():
        try:
            with transaction.atomic():
                created = Notification.objects.create(
                    user=user,
                    kind=kind,
                    event=event,
                    key=key[:120],
                    title=title[:200],
                    body=body,
                    url=_localized(url, user)[:500],
                )
        except IntegrityError:  # notification_once: this cause was told already
            return None
        tasks.deliver.defer(notification_id=created.pk)
        transaction.on_commit(lambda: _announce(created))
    return created


def _localized(url: str, user) -> str:
    """The page `url` names, in the person's language (/kk/..., /en/..., Russian unprefixed):
    links built in a job are in the site's language otherwise."""
    return translate_url(url, site_language(user.language)) if url.startswith("/") else url


def _render(*, user, event: str, context: dict | None) -> tuple[str, str]:
    context = {"user": user, **(context or {})}
    with translation.override(site_language(user.language)):
        title = render_to_string(f"notifications/{event}/title.txt", context).strip()
        body = render_to_string(f"notifications/{event}/body.txt", context).strip()
    return title, body


@dataclass(frozen=True)
class Notice:
    """One notify() call's arguments, for notify_many()."""

    user: Any
    kind: Kind
    event: str
    key: str
    context: dict | None = None
    url: str = ""


def notify_many(notices: Iterable[Notice]) -> list[Notification]:
    """notify() for thousands at once (the saved searches' minute sweep): each is rendered in
    its person's language as notify() renders it, then all are inserted in one statement (a key
    already told is skipped, as in notify()), their deliveries deferred in one batch and each
    announced on commit. Returns the notifications created."""
    from notifications import tasks

    rows = []
    for notice in notices:
        title, body = _render(user=notice.user, event=notice.event, context=notice.context)
        rows.append(
            Notification(
                user=notice.user,
                kind=notice.kind,
                event=notice.event,
                key=notice.key[:120],
                title=title[:200],
                body=body,
                url=_localized(notice.url, notice.user)[:500],
            )
        )
    if not rows:
        return []
    with transaction.atomic():
        created = _insert_new(rows)
        if created:
            tasks.deliver.batch_defer(*({"notification_id": row.pk} for row in created))
            transaction.on_commit(lambda: [_announce(row) for row in created])
    return created


def _insert_new(rows: list[Notification]) -> list[Notification]:
    """INSERT ... ON CONFLICT (user, key) DO NOTHING RETURNING: the rows that were new."""
    from django.db import connection

    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO notifications_notification "
            "(user_id, kind, event, key, title, body, url, created_at) "
            "SELECT * FROM unnest(%s::bigint[], %s::text[], %s::text[], %s::text[], %s::text[], "
            "%s::text[], %s::text[], %s::timestamptz[]) "
            "ON CONFLICT (user_id, key) DO NOTHING RETURNING id, user_id, key",
            [
                [row.user.pk for row in rows],
                [row.kind for row in rows],
                [row.event for row in rows],
                [row.key for row in rows],
                [row.title for row in rows],
                [row.body for row in rows],
                [row.url for row in rows],
                [now] * len(rows),
            ],
        )
        ids = {(user_id, key): pk for pk, user_id, key in cursor.fetchall()}
    created = []
    for row in rows:
        pk = ids.pop((row.user.pk, row.key), None)  # pop: a key twice in one batch is one row
        if pk is not None:
            row.pk, row.created_at = pk, now
            created.append(row)
    return created


def _announce(notification: Notification) -> None:
    """The bell on the person's open pages counts again."""
    from asgiref.sync import async_to_sync
    from channels.layers import get_channel_layer

    from chat.events import user_group

    layer = get_channel_layer()
    if layer is None:
        return
    async_to_sync(layer.group_send)(
        user_group(notification.user_id),
        {"type": "user.notification", "notification": notification.pk},
    )


def wants(*, user, kind: str, channel: str) -> bool:
    return not OptOut.objects.filter(user=user, kind=kind, channel=channel).exists()


def preferences(*, user) -> dict:
    """{"messages": {"email": True, "push": True}, ...}: every kind, every channel."""
    off = set(OptOut.objects.filter(user=user).values_list("kind", "channel"))
    return {
        kind.value: {channel.value: (kind.value, channel.value) not in off for channel in Channel}
        for kind in Kind
    }


def preferences_set(*, user, changes: dict) -> dict:
    """Switch kinds per channel: `changes` is a (partial) preferences dict of booleans,
    validated by the caller."""
    with transaction.atomic():
        for kind, channels in changes.items():
            for channel, on in channels.items():
                if on:
                    OptOut.objects.filter(user=user, kind=kind, channel=channel).delete()
                else:
                    OptOut.objects.get_or_create(user=user, kind=kind, channel=channel)
    return preferences(user=user)


def unsubscribe_token(*, user, kind: str) -> str:
    """The signed part of an e-mail's one-click unsubscribe link: who, and from which kind."""
    return signing.dumps({"u": user.pk, "k": kind}, salt=UNSUBSCRIBE_SALT, compress=True)


def unsubscribe_read(token: str) -> tuple[User, str] | None:
    """The person and kind a token names; None for a forged or broken token."""
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
        user = User.objects.get(pk=int(data["u"]))
        kind = Kind(data["k"])
    except (signing.BadSignature, KeyError, TypeError, ValueError, User.DoesNotExist):
        return None
    return user, kind


def unsubscribe(*, user, kind: str) -> None:
    """Stop e-mails of one kind (the one-click link). Idempotent."""
    OptOut.objects.get_or_create(user=user, kind=kind, channel=Channel.EMAIL)


def notifications_read(*, user, ids: list[int] | None = None) -> int:
    """Mark the person's notifications read: the given ones, or all."""
    from django.utils import timezone

    rows = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        rows = rows.filter(pk__in=ids)
    count = rows.update(read_at=timezone.now())
    if count:
        transaction.on_commit(lambda: _announce(Notification(user_id=user.pk)))
    return count
