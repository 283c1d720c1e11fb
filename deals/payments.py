"""Where escrow money would move. Today only the ledger-only backend exists: the UI says
plainly that payments are simulated; a real provider implements the same three calls.

The calls are made by the escrow_settle job (deals.tasks), never inside a request or a
database transaction, with the ledger entry's idempotency key: a provider given the same key
twice moves the money once and answers with the same reference.
"""

from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string


class PaymentGateway(Protocol):
    # Each returns the provider's reference for the movement.
    def hold(self, deal, *, idempotency_key: str) -> str: ...
    def release(self, deal, *, idempotency_key: str) -> str: ...
    def refund(self, deal, *, idempotency_key: str) -> str: ...


class LedgerOnlyGateway:
    """Moves no money: the escrow ledger is the whole record. The reference derives from the
    key, as a real provider's answer to a replay would be the first answer."""

    def hold(self, deal, *, idempotency_key: str) -> str:
        return f"sim-hold-{idempotency_key}"

    def release(self, deal, *, idempotency_key: str) -> str:
        return f"sim-release-{idempotency_key}"

    def refund(self, deal, *, idempotency_key: str) -> str:
        return f"sim-refund-{idempotency_key}"


def gateway() -> PaymentGateway:
    return import_string(settings.SAFE_DEAL_GATEWAY)()
