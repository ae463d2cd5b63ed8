"""What other domains may use of the permit domain: parameters, lots and moving them."""

from __future__ import annotations

from typing import Any

from chaincode.enterprise import api as enterprises
from chaincode.permit import lots as lot_states
from chaincode.permit import scope
from chaincode.permit.lots import ESCROWED, HELD, PENDING, public, take, with_entry
from chaincode.permit.parameters import PermitRules, load_rules
from chaincode.permit.rules import check_enough, usable
from chaincode.permit.store import LOTS, held_lots, load_lot, save_lot, surrendered_quantity
from chaincode.registry import api as registry
from chaincode.runtime.access import outside
from chaincode.runtime.checks import require_id
from chaincode.runtime.context import TxContext
from chaincode.runtime.stamps import IdSequence, Stamp, new_id

__all__ = ["ESCROWED", "HELD", "PENDING", "PermitRules", "check_enough", "held_lots", "load_lot", "move_lots",
           "public", "rules_of", "save_lot", "scope", "surrendered_quantity", "take", "usable", "visible_lot", "with_entry"]


def rules_of(ctx: TxContext) -> PermitRules:
    return load_rules(lambda name, default: registry.parameter(ctx, name))


def move_lots(ctx: TxContext, plan: list[tuple[dict[str, Any], int]], ids: IdSequence, stamp: Stamp, action: str,
              changes: dict[str, Any], **details: Any) -> list[dict[str, Any]]:
    """Move each ``(lot, part)`` of ``plan`` into the state ``changes`` describes (splitting where
    needed), write every lot touched and return the moved lots."""
    moved = []
    for lot, part in plan:
        carved = lot_states.carve(lot, part, child_id=new_id(ctx, ids, "L", LOTS), stamp=stamp, action=action,
                                  changes=changes, **details)
        for changed in carved.lots:
            save_lot(ctx, changed)
        moved.append(carved.moved)
    return moved


def visible_lot(ctx: TxContext, lot_id: Any, function: str) -> dict[str, Any]:
    reader = enterprises.viewer(ctx, function)
    require_id("lot_id", lot_id, "L")
    lot = load_lot(ctx, lot_id)
    if not reader.sees(regions=(lot["owner_region"], lot["issuing_region"]), parties=(lot["owner"],)):
        raise outside(f"lot {lot_id}", ctx.caller)
    return lot
