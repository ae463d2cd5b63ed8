"""Business rules of holding, trading and surrendering allowances, as pure checks.

Each check raises a :class:`~chaincode.runtime.errors.ContractError` whose message
names the thing refused; the contracts call them between reading and writing.
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping

from chaincode.runtime.checks import require_id, require_text  # noqa: F401  (re-exported for the contracts)
from chaincode.runtime.errors import Conflict, InvalidInput
from chaincode.permits import lots as lot_states

Record = Mapping[str, Any]

OFFER_OPEN = "open"
OFFER_CLOSED = "closed"
OFFER_CANCELLED = "cancelled"

TRADE_PENDING = "pending"
TRADE_SETTLED = "settled"
TRADE_REJECTED = "rejected"

def check_not_frozen(enterprise: Record, action: str) -> None:
    frozen = enterprise.get("frozen")
    if frozen:
        raise Conflict(f"enterprise {enterprise['entity']} is frozen by the regulator of region "
                       f"{enterprise['region']} ({frozen['reason']}); it cannot {action}")


def check_credit(entity: str, level: str | None, barred: Iterable[str], action: str) -> None:
    """Joint punishment: enterprises at a barred green-credit level stay out of the market."""
    if level is not None and level in tuple(barred):
        raise Conflict(f"enterprise {entity} has green-credit level {level}; level {level} may not {action} "
                       f"(parameter credit_market_barred)")


def check_lot_freezable(lot: Record) -> None:
    if lot["status"] != lot_states.HELD:
        raise Conflict(f"lot {lot['id']} is {lot['status']}; only held lots can be frozen "
                       f"(freeze the enterprise to stop its market activity)")
    if lot["frozen"]:
        raise Conflict(f"lot {lot['id']} is already frozen ({lot['frozen']['reason']})")


def check_lot_is_frozen(lot: Record) -> None:
    if not lot["frozen"]:
        raise Conflict(f"lot {lot['id']} is not frozen")


def usable(lot: Record) -> bool:
    """A held lot its owner can list or surrender."""
    return lot["status"] == lot_states.HELD and not lot["frozen"]


def surrenderable(lot: Record, year: int) -> bool:
    """Banking yes, borrowing no: vintage Y counts for emission years ≥ Y only."""
    return usable(lot) and lot["vintage"] <= year


def check_enough(entity: str, what: str, needed: int, candidates: list[Record]) -> None:
    """Refuse when the usable lots hold less than ``needed``; mention frozen lots that were left out."""
    available = sum(lot["quantity"] for lot in candidates if not lot["frozen"])
    if available >= needed:
        return
    frozen = [lot for lot in candidates if lot["frozen"]]
    note = ""
    if frozen:
        listed = ", ".join(f"lot {lot['id']} is frozen ({lot['quantity']} kg)" for lot in frozen)
        note = f"; not counted: {listed}"
    raise Conflict(f"enterprise {entity} holds {available} kg of {what} available, {needed} kg needed{note}")


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
