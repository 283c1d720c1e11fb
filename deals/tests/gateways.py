"""A payment provider for tests that run a real worker process: it keeps its movements in a
JSON file (GATEWAY_LEDGER), one per idempotency key as a real provider does, and can be made
to hang (while the file GATEWAY_HANG exists) so that a test can kill the worker mid-call."""

import json
import os
import time
from pathlib import Path


class FileLedgerGateway:
    def _move(self, kind: str, deal, idempotency_key: str) -> str:
        from django.db import connection

        if connection.in_atomic_block:  # rows would stay locked while the provider answers
            raise RuntimeError("the payment provider was called inside a database transaction")
        ledger = Path(os.environ["GATEWAY_LEDGER"])
        calls = ledger.with_suffix(".calls")
        with calls.open("a") as log:
            log.write(f"{kind} {idempotency_key}\n")
        hang = os.environ.get("GATEWAY_HANG")
        while hang and Path(hang).exists():
            time.sleep(0.05)
        moves = json.loads(ledger.read_text()) if ledger.exists() else {}
        moves.setdefault(idempotency_key, {"kind": kind, "deal": deal.pk, "amount": deal.amount})
        ledger.write_text(json.dumps(moves))
        return f"test-{kind}-{idempotency_key}"

    def hold(self, deal, *, idempotency_key: str) -> str:
        return self._move("hold", deal, idempotency_key)

    def release(self, deal, *, idempotency_key: str) -> str:
        return self._move("release", deal, idempotency_key)

    def refund(self, deal, *, idempotency_key: str) -> str:
        return self._move("refund", deal, idempotency_key)
