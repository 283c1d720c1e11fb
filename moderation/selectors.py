"""Every moderation read that a view, API or admin needs."""

from moderation.models import Ban


def ban_open_for(*, user_id: int) -> Ban | None:
    """The ban in force on the user, if any."""
    return Ban.objects.filter(user_id=user_id, lifted_at__isnull=True).first()
