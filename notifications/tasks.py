"""The notifications app's jobs (procrastinate): deliver one notification by e-mail and push."""

from procrastinate import RetryStrategy
from procrastinate.contrib.django import app

from zattar.tasks import logged

RETRY = RetryStrategy(max_attempts=12, exponential_wait=2)


@app.task(name="notifications.deliver", retry=RETRY)
@logged("notifications.deliver")
def deliver(*, notification_id: int) -> None:
    """E-mail and push one notification, each channel once (marked on the row when done)."""
    from notifications.delivery import deliver as run

    run(notification_id=notification_id)


# The triggers' own jobs (price drops on favourites), registered with the app.
from notifications import triggers  # noqa: E402, F401
