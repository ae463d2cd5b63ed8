"""Rules of offers and trades, as pure checks; each refusal names the offer or trade."""

from __future__ import annotations

from typing import Any, Mapping

from chaincode.runtime.errors import Conflict

Record = Mapping[str, Any]

OFFER_OPEN = "open"
OFFER_CLOSED = "closed"
OFFER_CANCELLED = "cancelled"

TRADE_PENDING = "pending"
TRADE_SETTLED = "settled"
TRADE_REJECTED = "rejected"

OFFER_STATUSES = (OFFER_OPEN, OFFER_CLOSED, OFFER_CANCELLED)
TRADE_STATUSES = (TRADE_PENDING, TRADE_SETTLED, TRADE_REJECTED)


def check_offer_open(offer: Record) -> None:
    if offer["status"] != OFFER_OPEN:
        raise Conflict(f"offer {offer['id']} is {offer['status']}")


def check_buy(offer: Record, buyer: str, quantity: int) -> None:
    check_offer_open(offer)
    if offer["seller"] == buyer:
        raise Conflict(f"enterprise {buyer} cannot buy its own offer {offer['id']}")
    if quantity > offer["remaining"]:
        raise Conflict(f"offer {offer['id']} has {offer['remaining']} kg available, {quantity} kg requested")


def check_trade_pending(trade: Record) -> None:
    if trade["status"] != TRADE_PENDING:
        raise Conflict(f"trade {trade['id']} is {trade['status']}, not pending")


def offer_status_after(offer: Record) -> str:
    """An open offer closes when nothing is left to sell or awaiting approval."""
    if offer["status"] == OFFER_OPEN and offer["remaining"] == 0 and offer["pending"] == 0:
        return OFFER_CLOSED
    return offer["status"]
