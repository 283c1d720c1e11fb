"""Jobs of the site as a whole (procrastinate): mail, and the queue's own upkeep.

Every side effect outside the database is a job deferred inside the transaction of the
change that causes it; each app keeps its jobs in its own `tasks.py` (deals.tasks)."""

import functools
import uuid

from django.conf import settings
from procrastinate import RetryStrategy
from procrastinate.contrib.django import app

from zattar.logs import job_logged
from zattar.mail import Mail


def logged(name: str):
    """One structured log line per run of the job (zattar.logs.job_logged): its name, its
    integer arguments (the ids it works on), status, duration and SQL count."""

    def decorate(func):
        @functools.wraps(func)
        def run(**kwargs):
            ids = {key: value for key, value in kwargs.items() if isinstance(value, int)}
            with job_logged(name, **ids):
                return func(**kwargs)

        return run

    return decorate


@app.task(name="zattar.send_email", retry=RetryStrategy(max_attempts=12, exponential_wait=2))
@logged("zattar.send_email")
def send_email(
    *,
    subject: str,
    body: str,
    to: list[str],
    html_body: str | None = None,
    from_email=None,
    key: str = "",
) -> None:
    """One message through the configured backend (SMTP in production). A failure raises,
    and the job is retried with back-off. `key` (see mail_defer) is recorded once the SMTP
    server accepted the message: a retry of a job that sent already sends nothing."""
    from notifications.models import SentEmail

    if key and SentEmail.objects.filter(key=key).exists():
        return
    message = Mail(subject, body, from_email, to)
    if html_body:
        message.attach_alternative(html_body, "text/html")
    message.send()
    if key:
        SentEmail.objects.get_or_create(key=key)


def mail_defer(*, subject: str, body: str, to: list[str], html_body=None, from_email=None):
    """Defer one e-mail (inside the caller's transaction) under a key of its own."""
    send_email.defer(
        subject=str(subject),
        body=body,
        to=to,
        html_body=html_body,
        from_email=from_email,
        key=uuid.uuid4().hex,
    )


@app.periodic(cron="* * * * *", periodic_id="retry_stalled_jobs")
@app.task(name="zattar.retry_stalled_jobs", queueing_lock="retry_stalled_jobs", pass_context=True)
async def retry_stalled_jobs(context, timestamp: int) -> None:
    """A worker that died mid-job (killed, out of memory, its machine gone) stops sending
    heartbeats; its jobs are put back in the queue, to be run again by a live worker. The jobs
    are idempotent, so the effect happens once."""
    manager = context.app.job_manager
    stalled = await manager.get_stalled_jobs(
        seconds_since_heartbeat=settings.JOB_STALLED_AFTER_SECONDS
    )
    for job in stalled:
        await manager.retry_job(job)


@app.periodic(cron="17 3 * * *", periodic_id="remove_old_jobs")
@app.task(name="zattar.remove_old_jobs", queueing_lock="remove_old_jobs", pass_context=True)
async def remove_old_jobs(context, timestamp: int) -> None:
    """Every night: jobs that succeeded more than JOB_KEEP_HOURS ago, and their events, are
    deleted (the queue's table stays short; the /metrics job count reads it). Failed jobs stay
    until a moderator retries them."""
    await context.app.job_manager.delete_old_jobs(nb_hours=settings.JOB_KEEP_HOURS)
