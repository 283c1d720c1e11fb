"""Accounts' background jobs (procrastinate): the SMS with a phone verification code,
deferred by accounts.services.phone_code_send in the transaction that creates the code."""

from procrastinate import RetryStrategy
from procrastinate.contrib.django import app

from zattar.tasks import logged


# A code lives five minutes: retrying longer would deliver a dead code.
@app.task(
    name="accounts.phone_code_sms",
    queue="sms",
    retry=RetryStrategy(max_attempts=6, exponential_wait=2),
)
@logged("accounts.phone_code_sms")
def phone_code_sms(*, code_id: int, sealed: str, language: str) -> None:
    """Send the SMS with one verification code (sealed: see accounts.services)."""
    from accounts.services import phone_code_deliver

    phone_code_deliver(code_id=code_id, sealed=sealed, language=language)
