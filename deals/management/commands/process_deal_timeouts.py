"""Apply overdue Safe Deal moves as the system. Production runs it every minute from cron, or as
one long-running `process_deal_timeouts --loop`; several at once are safe (SKIP LOCKED)."""

import signal
import time

from django.core.management.base import BaseCommand

from deals.services import deal_timeouts_process


class Command(BaseCommand):
    help = "Cancel deals not shipped in time and complete deals not confirmed in time."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--loop", action="store_true", help="Keep running.")
        parser.add_argument("--interval", type=float, default=60.0, help="Seconds between runs.")

    def handle(self, *args, loop: bool, interval: float, **options) -> None:
        stop = []
        signal.signal(signal.SIGTERM, lambda *_: stop.append(True))
        while True:
            done = deal_timeouts_process()
            if done or not loop:
                self.stdout.write(f"Safe Deal timeouts: {done} deals moved.")
            if not loop or stop:
                return
            for _ in range(int(interval * 10)):
                if stop:
                    return
                time.sleep(0.1)
