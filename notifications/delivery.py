"""Sending one notification: the e-mail (plain text and HTML, in the person's language, with
a one-click unsubscribe, RFC 8058) and the browser push. Run by the notifications.deliver job.

Each channel is marked on the notification when done, so a retried job skips what went out:
an e-mail goes twice only if the worker died between the SMTP server's acceptance and the
mark. A failure raises and the job is retried with back-off."""

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from accounts.services import site_language
from notifications.kinds import Channel, Kind
from notifications.models import Notification
from notifications.services import unsubscribe_token, wants
from zattar.mail import Mail


def deliver(*, notification_id: int) -> None:
    notification = Notification.objects.select_related("user").filter(pk=notification_id).first()
    if notification is None:  # the person was deleted meanwhile
        return
    user = notification.user
    if not user.is_active:
        return
    if (
        notification.emailed_at is None
        and user.email
        and wants(user=user, kind=notification.kind, channel=Channel.EMAIL)
    ):
        email_message(notification).send()
        Notification.objects.filter(pk=notification.pk).update(emailed_at=timezone.now())
    if notification.pushed_at is None and wants(
        user=user, kind=notification.kind, channel=Channel.PUSH
    ):
        from notifications import push

        if push.send_to_user(
            user=user,
            payload={
                "title": notification.title,
                "body": notification.body[:300],
                "url": absolute(notification.url),
                "tag": notification.key,
            },
        ):
            Notification.objects.filter(pk=notification.pk).update(pushed_at=timezone.now())


def absolute(path: str) -> str:
    if not path or path.startswith(("http://", "https://")):
        return path or settings.SITE_URL + "/"
    return settings.SITE_URL + path


def email_message(notification: Notification) -> Mail:
    user = notification.user
    unsubscribe = absolute(
        reverse(
            "notifications:unsubscribe",
            args=[unsubscribe_token(user=user, kind=notification.kind)],
        )
    )
    with translation.override(site_language(user.language)):
        context = {
            "notification": notification,
            "user": user,
            "link": absolute(notification.url),
            "kind_label": Kind(notification.kind).label,
            "unsubscribe_url": unsubscribe,
            "preferences_url": absolute(reverse("notifications:preferences")),
            "language": site_language(user.language),
        }
        text = render_to_string("notifications/email.txt", context)
        html = render_to_string("notifications/email.html", context)
    message = Mail(
        subject=notification.title,
        body=text,
        to=[user.email],
        headers={
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Content-Language": context["language"],
            "X-Zattar-Kind": notification.kind,
        },
    )
    message.attach_alternative(html, "text/html")
    return message
