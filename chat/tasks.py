"""The chat's background jobs (procrastinate)."""

from procrastinate.contrib.django import app

from zattar.tasks import logged


@app.periodic(cron="* * * * *", periodic_id="chat_unread_emails")
@app.task(name="chat.unread_emails", queueing_lock="chat_unread_emails")
@logged("chat.unread_emails")
def unread_emails(timestamp: int) -> None:
    """Every minute: e-mail messages still unread CHAT_EMAIL_DELAY_SECONDS after they were
    sent to someone who had no page open since (chat.notifications). Idempotent."""
    from chat.notifications import unread_emails_send

    unread_emails_send()
