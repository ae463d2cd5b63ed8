"""What other domains may use of the monitoring domain: licences, devices, reported emissions, readers."""

from __future__ import annotations

from typing import Any

from chaincode.monitoring import store
from chaincode.monitoring.readers import Reader, Station, acting_monitor, reader
from chaincode.runtime.context import TxContext

__all__ = ["Reader", "Station", "acting_monitor", "current_licence", "device", "reader", "reported_emissions_g"]


def current_licence(ctx: TxContext, entity: str) -> dict[str, Any] | None:
    """The current version of an enterprise's discharge licence, or ``None``."""
    return store.current(ctx, entity)


def device(ctx: TxContext, mn: str) -> dict[str, Any] | None:
    """``{mn, entity, outlet, region, medium, kind, registered}`` of a registered device, or ``None``."""
    return ctx.find(store.DEVICES, mn)


def reported_emissions_g(ctx: TxContext, entity: str, year: int, pollutant: str) -> int:
    """Grams of ``pollutant`` an enterprise reported for ``year`` over all its outlets (its own reports)."""
    return store.reported_grams(ctx, entity, year, pollutant)
