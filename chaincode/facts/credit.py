"""Green-credit levels: one writer (:func:`set_level`, for the credit domain), one reader (:func:`level`).

Key ``credit`` (entity) → ``{entity, level, since, by}``; no record means the
enterprise has not been rated, which carries no market restriction.
"""

from __future__ import annotations

from typing import Any, Iterable

from chaincode.runtime import keys
from chaincode.runtime.context import TxContext
from chaincode.runtime.errors import Conflict, InvalidInput

LEVELS = ("green", "blue", "yellow", "red")
CREDIT = keys.namespace("credit", "entity", owner="facts.credit", description="credit code → green-credit level")


def level(ctx: TxContext, entity: str) -> str | None:
    """The enterprise's green-credit level, or ``None`` when it has not been rated."""
    record = ctx.get_json(CREDIT.key(entity))
    if not isinstance(record, dict):
        return None
    value = record.get("level")
    return value if isinstance(value, str) else None


def set_level(ctx: TxContext, entity: str, new_level: str, stamp: dict[str, Any]) -> dict[str, Any]:
    """Write an enterprise's level (the credit domain's only way to publish it)."""
    if new_level not in LEVELS:
        raise InvalidInput(f"level must be one of {', '.join(LEVELS)}, got {new_level!r}")
    record = {"entity": entity, "level": new_level, "since": stamp}
    ctx.put_json(CREDIT.key(entity), record)
    return record


def check_market_access(entity: str, current: str | None, barred: Iterable[str], action: str) -> None:
    """Joint punishment: enterprises at a barred green-credit level stay out of the market."""
    if current is not None and current in tuple(barred):
        raise Conflict(f"enterprise {entity} has green-credit level {current}; level {current} may not {action} "
                       f"(parameter credit_market_barred)")
