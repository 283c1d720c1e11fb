"""Safe Deal's side effects as jobs, run by a real procrastinate worker in its own process
against the test database (so these tests commit: transactional)."""

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.db import IntegrityError, connection, transaction
from django.db.models import Sum
from procrastinate.exceptions import AlreadyEnqueued

from accounts.tests.factories import UserFactory
from chat.models import Message
from conftest import truncate_jobs
from deals import services
from deals.models import DealEvent, EscrowEntry, SafeDeal
from deals.tests.conftest import DETAILS
from listings.models import Listing
from listings.tests.factories import ListingFactory
from zattar.testing import database_url

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

MANAGE = Path(settings.BASE_DIR) / "manage.py"


@pytest.fixture
def worker(tmp_path):
    """Start workers (`manage.py procrastinate worker`, as zattar.start does) on this test's
    database; each call starts one more. Stopped (or found killed) at the end."""
    truncate_jobs()
    started = []
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "SAFE_DEAL_GATEWAY": "deals.tests.gateways.FileLedgerGateway",
        "GATEWAY_LEDGER": str(tmp_path / "provider.json"),
        "GATEWAY_HANG": str(tmp_path / "hang"),
        "JOB_HEARTBEAT_SECONDS": "0.5",
        "JOB_STALLED_AFTER_SECONDS": "2",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "PYTHONPATH": str(settings.BASE_DIR),
    }

    def start() -> subprocess.Popen:
        process = subprocess.Popen(
            [sys.executable, str(MANAGE), "procrastinate", "worker", "--concurrency", "1"],
            env=env,
            start_new_session=True,
        )
        started.append(process)
        return process

    start.ledger = tmp_path / "provider.json"
    start.hang = tmp_path / "hang"
    yield start
    for process in started:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
    truncate_jobs()


def wait_for(check, timeout: float = 30.0, what: str = "the worker"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := check():
            return value
        time.sleep(0.1)
    raise AssertionError(f"{what} did not get there in {timeout} s")


def all_settled() -> bool:
    return (
        EscrowEntry.objects.exists()
        and not EscrowEntry.objects.filter(state=EscrowEntry.State.PENDING).exists()
    )


def assert_ledger_balances(deal: SafeDeal) -> None:
    """Held money is accounted for: an open deal holds it, a closed one released or refunded
    exactly what was held, once, and the provider moved what the ledger says."""
    entries = {e.kind: e for e in deal.ledger.all()}
    held = entries[EscrowEntry.Kind.HOLD].amount
    assert held == deal.amount
    out = deal.ledger.exclude(kind=EscrowEntry.Kind.HOLD).aggregate(s=Sum("amount"))["s"] or 0
    assert out == (held if deal.status in ("COMPLETED", "CANCELLED") else 0)


def test_the_worker_settles_the_ledger_and_tells_both_people_once(worker):
    worker()
    listing, buyer = ListingFactory(price=48_000), UserFactory()
    deal = services.deal_start(listing_id=listing.pk, buyer=buyer)
    entry = deal.ledger.get()
    assert entry.state == EscrowEntry.State.PENDING and entry.reference == ""
    wait_for(all_settled)
    services.deal_transition(deal_id=deal.pk, target="SHIPPED", actor=deal.seller, **DETAILS)
    services.deal_transition(deal_id=deal.pk, target="COMPLETED", actor=buyer)
    wait_for(lambda: EscrowEntry.objects.count() == 2 and all_settled())
    wait_for(lambda: not DealEvent.objects.filter(emailed_at=None).exists(), what="the mail")
    deal.refresh_from_db()
    assert_ledger_balances(deal)
    moves = json.loads(worker.ledger.read_text())
    assert sorted(m["kind"] for m in moves.values()) == ["hold", "release"]
    for e in deal.ledger.all():
        assert e.reference == f"test-{e.kind.lower()}-{e.idempotency_key}"
    assert Message.objects.filter(sender=None).count() == 3  # started, shipped, completed
    assert Listing.objects.get(pk=listing.pk).status == Listing.Status.SOLD


def test_a_job_deferred_in_a_rolled_back_transaction_never_runs(worker):
    worker()
    listing, buyer = ListingFactory(price=10_000), UserFactory()
    with pytest.raises(RuntimeError), transaction.atomic():
        services.deal_start(listing_id=listing.pk, buyer=buyer)
        raise RuntimeError("the request failed after the deal was written")
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM procrastinate_jobs WHERE task_name LIKE 'deals.%'")
        assert cursor.fetchone()[0] == 0
    # A committed deal afterwards is settled: the worker was alive and saw nothing else.
    services.deal_start(listing_id=ListingFactory(price=5_000).pk, buyer=buyer)
    wait_for(all_settled)
    assert len(json.loads(worker.ledger.read_text())) == 1
    assert SafeDeal.objects.count() == 1 and not mail.outbox  # the worker's mail is its own


def test_a_worker_killed_mid_call_leaves_the_job_to_another_and_money_moves_once(worker):
    worker.hang.touch()  # the provider will hang on the first call
    first = worker()
    deal = services.deal_start(listing_id=ListingFactory(price=70_000).pk, buyer=UserFactory())
    calls = worker.ledger.with_suffix(".calls")
    wait_for(lambda: calls.exists() and calls.read_text().strip(), what="the provider call")
    os.killpg(first.pid, signal.SIGKILL)  # the machine dies while the provider is answering
    first.wait(timeout=10)
    worker.hang.unlink()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT status FROM procrastinate_jobs WHERE task_name = 'deals.escrow_settle'"
        )
        assert cursor.fetchone()[0] == "doing"  # left behind by the dead worker
    assert deal.ledger.get().state == EscrowEntry.State.PENDING
    worker()
    time.sleep(2.5)  # the dead worker's heartbeat is now older than JOB_STALLED_AFTER_SECONDS
    from zattar.tasks import retry_stalled_jobs

    def retry_stalled() -> bool:
        """What the minute's periodic job does, now (the worker's own periodic run, when it
        comes meanwhile, holds the job's queueing lock: then that one does it)."""
        if all_settled():
            return True
        with contextlib.suppress(AlreadyEnqueued, IntegrityError):
            retry_stalled_jobs.defer(timestamp=int(time.time()))
        time.sleep(0.5)
        return all_settled()

    wait_for(retry_stalled, what="the retried job")
    entry = deal.ledger.get()
    assert entry.reference == f"test-hold-{entry.idempotency_key}"
    # The provider was asked twice (the first call's answer was lost with the worker), with
    # the same key: the money moved once.
    assert calls.read_text().split("\n").count(f"hold {entry.idempotency_key}") == 2
    assert list(json.loads(worker.ledger.read_text())) == [entry.idempotency_key]
    deal.refresh_from_db()
    assert_ledger_balances(deal)
