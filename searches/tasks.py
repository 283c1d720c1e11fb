"""Saved searches' jobs (procrastinate): the minute's sweep (instant alerts) and the hourly
digests. Periodic, with a queueing lock (one waiting at a time); each is idempotent."""

from procrastinate.contrib.django import app

from zattar.tasks import logged


@app.periodic(cron="* * * * *", periodic_id="saved_searches_sweep")
@app.task(name="searches.sweep", queueing_lock="saved_searches_sweep")
@logged("searches.sweep")
def sweep(timestamp: int) -> None:
    """Every minute: the ads published since the last sweep against every saved search;
    instant alerts go out (the mark is locked with SKIP LOCKED: one sweep at a time)."""
    from searches.services import SWEEP_BATCH, saved_searches_sweep

    while True:  # a backlog (the workers were down) is taken a batch per transaction
        result = saved_searches_sweep()
        if result.skipped or result.ads < SWEEP_BATCH:
            break


@app.periodic(cron="7 * * * *", periodic_id="saved_searches_digests")
@app.task(name="searches.digests", queueing_lock="saved_searches_digests")
@logged("searches.digests")
def digests(timestamp: int) -> None:
    """Every hour: the daily digests that are due."""
    from searches.services import saved_search_digests_send

    while saved_search_digests_send():
        pass


@app.periodic(cron="37 4 * * *", periodic_id="saved_search_hits_prune")
@app.task(name="searches.prune", queueing_lock="saved_search_hits_prune")
@logged("searches.prune")
def prune(timestamp: int) -> None:
    """Every night: the pairs older than SAVED_SEARCH_HIT_KEEP_DAYS are forgotten."""
    from searches.services import saved_search_hits_prune

    while saved_search_hits_prune():
        pass
