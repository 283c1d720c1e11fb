"""Where escrow money would move. Today only the ledger-only backend exists: the UI says
plainly that payments are simulated; a real provider implements the same three calls."""

import uuid
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string


class PaymentGateway(Protocol):
    def hold(self, deal) -> str: ...  # returns the provider's reference
    def release(self, deal) -> str: ...
    def refund(self, deal) -> str: ...


class LedgerOnlyGateway:
    """Moves no money: the escrow ledger is the whole record."""

    def hold(self, deal) -> str:
        return f"sim-hold-{uuid.uuid4().hex[:12]}"

    def release(self, deal) -> str:
        return f"sim-release-{uuid.uuid4().hex[:12]}"

    def refund(self, deal) -> str:
        return f"sim-refund-{uuid.uuid4().hex[:12]}"


def gateway() -> PaymentGateway:
    return import_string(settings.SAFE_DEAL_GATEWAY)()
