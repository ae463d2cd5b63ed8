"""Allowance lots: issuance, splits, state changes, provenance and totals.

A lot is a quantity of one pollutant and vintage, issued by one region, held
by one enterprise, in one state:

==============  ==========================================================
``held``        available to its owner (unless the lot itself is frozen)
``escrowed``    set aside for an open offer (``offer`` names it)
``pending``     reserved for a cross-region trade awaiting approvals
``retired``     surrendered for an emission year; retired forever
==============  ==========================================================

Moving part of a lot splits it: the new lot records ``parent``, ``root``,
``depth`` and ``parent_entry`` (the parent's split entry) and starts its own
provenance; the parent's provenance records the split. Moving a whole lot
keeps its id. Every change adds an entry ``{action, tx_id, at, by, owner,
quantity, ...}``: in memory, ``provenance`` holds the entries a transaction
adds; the store writes each as a separate ledger entry and the record keeps
only their count (``entries``), so a lot's record never grows with its history.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

from chaincode.runtime.stamps import Stamp

HELD = "held"
ESCROWED = "escrowed"
PENDING = "pending"
RETIRED = "retired"
STATUSES = (HELD, ESCROWED, PENDING, RETIRED)

Lot = dict[str, Any]


def issue(lot_id: str, *, pollutant: str, vintage: int, region: str, owner: str, quantity: int,
          stamp: Stamp) -> Lot:
    """A new lot as a regulator of ``region`` issues it to ``owner``."""
    lot: Lot = {
        "id": lot_id,
        "pollutant": pollutant,
        "vintage": vintage,
        "issuing_region": region,
        "owner": owner,
        "owner_region": region,
        "quantity": quantity,
        "initial_quantity": quantity,
        "status": HELD,
        "offer": None,
        "trade": None,
        "surrender": None,
        "frozen": None,
        "parent": None,
        "root": lot_id,
        "created_tx": stamp.tx_id,
        "created_at": stamp.at,
        "depth": 0,
        "parent_entry": None,
        "entries": 0,
        "provenance": [],
    }
    return with_entry(lot, stamp, "issued", region=region)


def with_entry(lot: Lot, stamp: Stamp, action: str, **details: Any) -> Lot:
    """``lot`` with one more provenance entry describing its state after ``action``."""
    entry = stamp.record(action=action, owner=lot["owner"], quantity=lot["quantity"], status=lot["status"],
                         **details)
    return {**lot, "provenance": [*lot["provenance"], entry]}


@dataclass(frozen=True)
class Carved:
    """The result of moving part or all of a lot: ``moved`` in its new state, ``rest`` left behind."""

    moved: Lot
    rest: Lot | None  # None when the whole lot moved

    @property
    def lots(self) -> list[Lot]:
        return [self.moved] if self.rest is None else [self.rest, self.moved]


def carve(lot: Lot, amount: int, *, child_id: str, stamp: Stamp, action: str, changes: dict[str, Any],
          **details: Any) -> Carved:
    """Move ``amount`` of ``lot`` into the state ``changes`` describes.

    The whole lot keeps its id; a part becomes a new lot that remembers its parent.
    """
    if not 0 < amount <= lot["quantity"]:
        raise ValueError(f"cannot move {amount} kg out of lot {lot['id']} holding {lot['quantity']} kg")
    if amount == lot["quantity"]:
        return Carved(moved=with_entry({**lot, **changes}, stamp, action, **details), rest=None)
    split_entry = lot.get("entries", 0) + len(lot["provenance"])
    rest = with_entry({**lot, "quantity": lot["quantity"] - amount}, stamp, "split",
                      child=child_id, moved=amount)
    child: Lot = {
        **lot, **changes,
        "id": child_id,
        "quantity": amount,
        "initial_quantity": amount,
        "frozen": None,
        "parent": lot["id"],
        "root": lot["root"],
        "created_tx": stamp.tx_id,
        "created_at": stamp.at,
        "depth": lot.get("depth", 0) + 1,
        "parent_entry": split_entry,
        "entries": 0,
        "provenance": [],
    }
    return Carved(moved=with_entry(child, stamp, action, split_from=lot["id"], **details), rest=rest)


def take(lots: Iterable[Lot], amount: int) -> list[tuple[Lot, int]]:
    """Which lots supply ``amount``, in the given order, the last one possibly in part."""
    plan: list[tuple[Lot, int]] = []
    needed = amount
    for lot in lots:
        if needed == 0:
            break
        part = min(lot["quantity"], needed)
        plan.append((lot, part))
        needed -= part
    if needed:
        raise ValueError(f"lots hold {amount - needed} kg, {amount} kg needed")
    return plan


def public(lot: Lot) -> Lot:
    """A lot without its provenance, for listings."""
    return {key: value for key, value in lot.items() if key != "provenance"}


def totals(lots: Iterable[Lot]) -> list[dict[str, Any]]:
    """Per (pollutant, vintage): issued, held, escrowed (offers and pending trades), retired.

    ``issued`` counts only issuance (lots without a parent, at their initial
    quantity); the others count where every unit is now, so ``balanced`` is the
    conservation invariant issued = held + escrowed + retired.
    """
    sums: dict[tuple[str, int], dict[str, int]] = {}
    for lot in lots:
        row = sums.setdefault((lot["pollutant"], lot["vintage"]),
                              {"issued": 0, "held": 0, "escrowed": 0, "retired": 0})
        if lot["parent"] is None:
            row["issued"] += lot["initial_quantity"]
        bucket = {HELD: "held", ESCROWED: "escrowed", PENDING: "escrowed", RETIRED: "retired"}[lot["status"]]
        row[bucket] += lot["quantity"]
    return [
        {"pollutant": pollutant, "vintage": vintage, **row,
         "balanced": row["issued"] == row["held"] + row["escrowed"] + row["retired"]}
        for (pollutant, vintage), row in sorted(sums.items())
    ]
