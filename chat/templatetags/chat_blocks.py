from django import template

from chat.selectors import block_state

register = template.Library()


@register.simple_tag
def block_of(user, person):
    """Who blocked whom between the signed-in user and `person` (one query; none for a
    visitor or one's own profile)."""
    return block_state(user=user, other_id=person.pk)
