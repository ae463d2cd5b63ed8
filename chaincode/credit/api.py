"""What other domains may use of the credit domain: levels, standings and the extra-approval rule.

The level itself is the fact :func:`chaincode.facts.credit.level` (readable without this module);
this module adds the rules that depend on the credit parameters.
"""

from __future__ import annotations

from typing import Any

from chaincode.credit import standing as _standing
from chaincode.credit.parameters import EXTRA_STEPS
from chaincode.facts import credit as levels
from chaincode.runtime.context import TxContext

__all__ = ["EXTRA_STEPS", "describe", "level", "needs_extra_approval", "standing"]

describe = levels.describe


def level(ctx: TxContext, entity: str) -> str | None:
    """green, blue, yellow, red, or ``None`` for an unregistered enterprise."""
    return levels.level(ctx, entity)


def standing(ctx: TxContext, entity: str) -> dict[str, Any] | None:
    """``{entity, region, level, points, veto, since, valid_until, ...}`` as of this transaction."""
    return levels.standing(ctx, entity)


def needs_extra_approval(ctx: TxContext, entity: str, step: str) -> bool:
    """Whether ``step`` (cross_region_trade) of this enterprise needs the extra
    approval of a yellow-rated enterprise (parameter ``credit_yellow_extra_approval``)."""
    return levels.level(ctx, entity) == levels.YELLOW and step in _standing.rules_of(ctx).yellow_extra_approval
