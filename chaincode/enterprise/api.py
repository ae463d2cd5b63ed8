"""What other domains may use of the enterprise register: acting enterprises, readers, records."""

from __future__ import annotations

from typing import Any

from chaincode.enterprise import rules, store
from chaincode.enterprise.rules import check_not_frozen
from chaincode.registry import api as registry
from chaincode.runtime import access
from chaincode.runtime.access import Viewer
from chaincode.runtime.context import TxContext
from chaincode.runtime.errors import AccessDenied, NotFound
from common.names import ENTERPRISE, REGULATOR

__all__ = ["acting_enterprise", "check_not_frozen", "enterprise", "of_region", "page_of", "regional_enterprise",
           "viewer"]


def acting_enterprise(ctx: TxContext, function: str) -> dict[str, Any]:
    """The registered record of an enterprise caller whose certificate matches it."""
    registry.caller_member(ctx)
    entity = rules.caller_entity(ctx.caller, function)
    record = store.find(ctx, entity)
    rules.check_enterprise_caller(ctx.caller, record)
    return record  # type: ignore[return-value]


def viewer(ctx: TxContext, function: str) -> Viewer:
    """The caller's data permission for queries."""
    member = registry.caller_member(ctx)
    coordinator = access.coordinator_viewer(member)
    if coordinator is not None:
        return coordinator
    caller = ctx.caller
    if caller.role == REGULATOR:
        return Viewer(REGULATOR, region=access.regulator_region(caller, member, function))
    if caller.role == ENTERPRISE:
        record = acting_enterprise(ctx, function)
        return Viewer(ENTERPRISE, region=record["region"], entity=record["entity"])
    raise access.reader_required(function, caller)


def enterprise(ctx: TxContext, entity: str) -> dict[str, Any]:
    record = store.find(ctx, entity)
    if record is None:
        raise NotFound(f"enterprise {entity} is not registered")
    return record


def regional_enterprise(ctx: TxContext, entity: str, region: str) -> dict[str, Any]:
    """An enterprise that must be registered in ``region`` (the acting regulator's)."""
    record = enterprise(ctx, entity)
    if record["region"] != region:
        raise AccessDenied(f"enterprise {entity} is not registered in region {region} "
                           f"(it is registered in region {record['region']})")
    return record


def page_of(ctx: TxContext, region: str | None, limit: Any, bookmark: Any, keep: Any = lambda record: record) -> Any:
    """A page of registered enterprises of a region (through the region index), or of all by credit code."""
    if region is not None:
        return ctx.indexed(store.ENTERPRISES, store.BY_REGION.span(region), limit, bookmark, keep)
    return ctx.page(store.ENTERPRISES.namespace.span(), limit, bookmark, lambda key, record: keep(record))


def of_region(ctx: TxContext, region: str) -> list[dict[str, Any]]:
    """Every registered enterprise of a region, by credit code (for regional statistics)."""
    return [ctx.load(store.ENTERPRISES, entity) for _, entity in ctx.range(*store.BY_REGION.span(region))]
