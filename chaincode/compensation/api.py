"""What other domains may use of the compensation domain: agreements and settlements, read-only."""

from __future__ import annotations

from typing import Any

from chaincode.compensation.store import AGREEMENTS, SETTLEMENTS
from chaincode.runtime.context import TxContext

__all__ = ["agreement", "settlement"]


def agreement(ctx: TxContext, agreement_id: str) -> dict[str, Any] | None:
    """A compensation agreement on this channel (``{id, upstream, downstream, section, terms, status, ...}``)."""
    return ctx.find(AGREEMENTS, agreement_id)


def settlement(ctx: TxContext, settlement_id: str) -> dict[str, Any] | None:
    """A settlement ``{id, agreement, period, payer, payee, amount_yuan, index, status, due, ...}``, or ``None``."""
    return ctx.find(SETTLEMENTS, settlement_id)
