"""Business rules of holding, freezing and surrendering allowances, as pure checks.

Each check raises a :class:`~chaincode.runtime.errors.ContractError` whose message
names the thing refused; the contracts call them between reading and writing.
"""

from __future__ import annotations

from typing import Any, Mapping

from chaincode.permit import lots as lot_states
from chaincode.runtime.errors import Conflict

Record = Mapping[str, Any]

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
