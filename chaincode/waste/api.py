"""What other domains may use of the waste domain: manifests and facility licences, read-only."""

from __future__ import annotations

from typing import Any

from chaincode.runtime.context import TxContext
from chaincode.waste.store import FACILITIES, MANIFESTS

__all__ = ["facility_licence", "manifest"]


def manifest(ctx: TxContext, number: str) -> dict[str, Any] | None:
    """The current version of a manifest, or ``None``."""
    return ctx.find(MANIFESTS, number)


def facility_licence(ctx: TxContext, entity: str) -> dict[str, Any] | None:
    """``{entity, region, codes, capacity_kg, valid_until, version, set}`` of a licensed facility, or ``None``."""
    return ctx.find(FACILITIES, entity)
