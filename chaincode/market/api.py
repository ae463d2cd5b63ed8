"""What other domains may use of the market: reading offers and trades (e.g. credit scoring)."""

from __future__ import annotations

from typing import Any

from chaincode.market.rules import OFFER_STATUSES, TRADE_STATUSES
from chaincode.market.store import OFFERS, TRADES
from chaincode.runtime.context import TxContext

__all__ = ["OFFER_STATUSES", "TRADE_STATUSES", "offer", "trade"]


def offer(ctx: TxContext, offer_id: str) -> dict[str, Any]:
    return ctx.load(OFFERS, offer_id)


def trade(ctx: TxContext, trade_id: str) -> dict[str, Any]:
    return ctx.load(TRADES, trade_id)
