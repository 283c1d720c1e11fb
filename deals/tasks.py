"""Safe Deal's background jobs (procrastinate). Deferred by deals.services inside the
transaction of the move that causes them: a rolled-back move leaves no job, a committed one
leaves a job that a worker runs even if the web process dies right after commit."""

from procrastinate import RetryStrategy
from procrastinate.contrib.django import app

from zattar.tasks import logged

# A failure (SMTP down, the payment provider timing out) is retried after 2, 4, 8... seconds,
# twelve attempts over about two hours; then the job is failed, and a moderator sees it in
# the admin and can retry it.
RETRY = RetryStrategy(max_attempts=12, exponential_wait=2)


@app.task(name="deals.escrow_settle", queue="payments", retry=RETRY)
@logged("deals.escrow_settle")
def escrow_settle(*, entry_id: int) -> None:
    """Ask the payment provider to hold, release or refund one ledger entry."""
    from deals.services import escrow_entry_settle

    escrow_entry_settle(entry_id=entry_id)


@app.task(name="deals.deal_changed_notify", retry=RETRY)
@logged("deals.deal_changed_notify")
def deal_changed_notify(*, event_id: int) -> None:
    """Zattar's chat note and the email about one move of a deal."""
    from deals.notifications import deal_changed

    deal_changed(event_id=event_id)


@app.periodic(cron="* * * * *", periodic_id="deal_timeouts")
@app.task(name="deals.deal_timeouts", queueing_lock="deal_timeouts")
@logged("deals.deal_timeouts")
def deal_timeouts(timestamp: int) -> None:
    """Every minute: cancel deals not shipped in time, complete deals not confirmed in time.
    Several workers may run it; each deal is taken with SKIP LOCKED."""
    from deals.services import deal_timeouts_process

    deal_timeouts_process()


@app.periodic(cron="* * * * *", periodic_id="deal_reminders")
@app.task(name="deals.deal_reminders", queueing_lock="deal_reminders")
@logged("deals.deal_reminders")
def deal_reminders(timestamp: int) -> None:
    """Every minute: remind the seller a day before the ship-by deadline, the buyer a day
    before the automatic confirmation (deals.notifications). Idempotent."""
    from deals.notifications import deal_reminders_send

    deal_reminders_send()
