"""{% push_public_key as key %}: the VAPID public key browsers subscribe with ("" when push is
off: no VAPID keys configured), for templates/notifications/push_toggle.html and any page that
hides the push switches when push is off."""

from django import template

from notifications import push as web_push

register = template.Library()


@register.simple_tag
def push_public_key() -> str:
    return web_push.public_key()
