"""Contract ``Enterprise``: the register of emitting enterprises, and who is acting.

A regional regulator registers each enterprise of its region (by unified
social credit code) before allowances can be issued to it, and can freeze it:
a frozen enterprise can neither list, buy nor surrender.

Other domains authorize callers through :mod:`chaincode.enterprise.api`
(``acting_enterprise``, ``viewer``); keys are in :mod:`chaincode.enterprise.store`.
"""

from __future__ import annotations

from typing import Any

from chaincode.enterprise import store
from chaincode.enterprise.api import enterprise, regional_enterprise, viewer
from chaincode.registry import api as registry
from chaincode.runtime import pagination
from chaincode.runtime.access import outside
from chaincode.runtime.checks import require_credit_code, require_text
from chaincode.runtime.context import TxContext
from chaincode.runtime.errors import AccessDenied, Conflict
from chaincode.runtime.router import Contract, transaction
from chaincode.runtime.stamps import stamp_for

MAX_NAME_LENGTH = 200

EVENT_REGISTERED = "EnterpriseRegistered"
EVENT_FROZEN = "EnterpriseFrozen"
EVENT_UNFROZEN = "EnterpriseUnfrozen"


class EnterpriseContract(Contract):
    name = "Enterprise"

    @transaction
    def register(self, ctx: TxContext, entity: Any, name: Any, region: Any) -> dict[str, Any]:
        """A regulator registers an enterprise of its own region."""
        acting_region = registry.acting_regulator(ctx, "Enterprise:Register")
        require_credit_code(entity)
        require_text("name", name, MAX_NAME_LENGTH)
        require_text("region", region, 16)
        if region != acting_region:
            raise AccessDenied(f"the regulator of region {acting_region} registers enterprises of region "
                               f"{acting_region} only, not of region {region}")
        existing = store.find(ctx, entity)
        if existing is not None:
            raise Conflict(f"enterprise {entity} is already registered in region {existing['region']}")
        msp_id = registry.region_msp(ctx, region)
        stamp = stamp_for(ctx)
        record = {
            "entity": entity,
            "name": name,
            "region": region,
            "msp_id": msp_id,
            "frozen": None,
            "registered": stamp.record(),
            "log": [stamp.record(action="registered")],
        }
        store.save(ctx, record)
        ctx.emit(EVENT_REGISTERED, {"entity": entity, "name": name, "region": region, "tx_id": ctx.tx_id})
        return record

    @transaction
    def show(self, ctx: TxContext, entity: Any) -> dict[str, Any]:
        reader = viewer(ctx, "Enterprise:Show")
        require_credit_code(entity)
        record = enterprise(ctx, entity)
        if not reader.sees(regions=[record["region"]], parties=[record["entity"]]):
            raise outside(f"enterprise {entity}", ctx.caller)
        return record

    @transaction
    def list(self, ctx: TxContext, region: Any = None, limit: Any = None, bookmark: Any = None) -> dict[str, Any]:
        """A page of the enterprises the caller may see, optionally of one region, by credit code.

        An enterprise sees itself; a regulator reads its region's index; the coordinator reads the
        register (or one region's index)."""
        reader = viewer(ctx, "Enterprise:List")
        pagination.require_limit(limit)
        if reader.is_enterprise:
            own = enterprise(ctx, reader.entity)
            items = [own] if region in (None, own["region"]) and not bookmark else []
            return pagination.Page(items).as_dict()
        if reader.is_regulator:
            if region not in (None, reader.region):
                return pagination.Page().as_dict()
            region = reader.region
        if region is None:
            return ctx.page(store.ENTERPRISES.namespace.span(), limit, bookmark).as_dict()
        require_text("region", region, 16)
        return ctx.indexed(store.ENTERPRISES, store.BY_REGION.span(region), limit, bookmark).as_dict()

    @transaction
    def freeze(self, ctx: TxContext, entity: Any, reason: Any) -> dict[str, Any]:
        """The regulator of the enterprise's region stops it from listing, buying and surrendering."""
        acting_region = registry.acting_regulator(ctx, "Enterprise:Freeze")
        require_credit_code(entity)
        require_text("reason", reason)
        record = regional_enterprise(ctx, entity, acting_region)
        if record["frozen"]:
            raise Conflict(f"enterprise {entity} is already frozen ({record['frozen']['reason']})")
        stamp = stamp_for(ctx)
        record = {**record, "frozen": stamp.record(reason=reason),
                  "log": [*record["log"], stamp.record(action="frozen", reason=reason)]}
        store.save(ctx, record)
        ctx.emit(EVENT_FROZEN, {"entity": entity, "region": acting_region, "reason": reason, "tx_id": ctx.tx_id})
        return record

    @transaction
    def unfreeze(self, ctx: TxContext, entity: Any, reason: Any) -> dict[str, Any]:
        acting_region = registry.acting_regulator(ctx, "Enterprise:Unfreeze")
        require_credit_code(entity)
        require_text("reason", reason)
        record = regional_enterprise(ctx, entity, acting_region)
        if not record["frozen"]:
            raise Conflict(f"enterprise {entity} is not frozen")
        stamp = stamp_for(ctx)
        record = {**record, "frozen": None,
                  "log": [*record["log"], stamp.record(action="unfrozen", reason=reason)]}
        store.save(ctx, record)
        ctx.emit(EVENT_UNFROZEN, {"entity": entity, "region": acting_region, "reason": reason,
                                  "tx_id": ctx.tx_id})
        return record
