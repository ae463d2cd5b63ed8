"""Contract ``Enterprise``: the register of emitting enterprises, and who is acting.

A regional regulator registers each enterprise of its region (by unified
social credit code) before allowances can be issued to it, and can freeze it:
a frozen enterprise can neither list, buy nor surrender.

The module-level helpers (``acting_regulator``, ``acting_enterprise``,
``viewer``) are how the ``Permit`` and ``Market`` contracts authorize callers;
they are plain functions, never transactions.

Keys:

* ``enterprise:<credit code>`` → ``{entity, name, region, msp_id, frozen, registered, log}``
* ``credit:<credit code>`` → ``{level, ...}``, read only: the green-credit level
  written by the credit domain (absent means no market restriction)
"""

from __future__ import annotations

from typing import Any

from chaincode import consortium
from chaincode.runtime.context import TxContext
from chaincode.runtime.errors import AccessDenied, Conflict, NotFound
from chaincode.runtime.checks import require_credit_code
from chaincode.permits import access
from chaincode.permits.access import Viewer
from chaincode.permits.rules import require_text
from chaincode.permits.stamps import Stamp, stamp_of
from chaincode.runtime.router import Contract, transaction

ENTERPRISE_PREFIX = "enterprise:"
CREDIT_PREFIX = "credit:"
MAX_NAME_LENGTH = 200

EVENT_REGISTERED = "EnterpriseRegistered"
EVENT_FROZEN = "EnterpriseFrozen"
EVENT_UNFROZEN = "EnterpriseUnfrozen"


class EnterpriseContract(Contract):
    name = "Enterprise"

    @transaction
    def register(self, ctx: TxContext, entity: Any, name: Any, region: Any) -> dict[str, Any]:
        """A regulator registers an enterprise of its own region."""
        acting_region = acting_regulator(ctx, "Enterprise:Register")
        require_credit_code(entity)
        require_text("name", name, MAX_NAME_LENGTH)
        require_text("region", region, 16)
        if region != acting_region:
            raise AccessDenied(f"the regulator of region {acting_region} registers enterprises of region "
                               f"{acting_region} only, not of region {region}")
        existing = ctx.get_json(ENTERPRISE_PREFIX + entity)
        if existing is not None:
            raise Conflict(f"enterprise {entity} is already registered in region {existing['region']}")
        msp_id = consortium.region_msp(ctx, region)
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
        ctx.put_json(ENTERPRISE_PREFIX + entity, record)
        ctx.emit(EVENT_REGISTERED, {"entity": entity, "name": name, "region": region, "tx_id": ctx.tx_id})
        return record

    @transaction
    def show(self, ctx: TxContext, entity: Any) -> dict[str, Any]:
        reader = viewer(ctx, "Enterprise:Show")
        require_credit_code(entity)
        record = enterprise(ctx, entity)
        if not reader.sees_enterprise(record):
            raise AccessDenied(f"enterprise {entity} is outside the data permission of {_who(ctx)}")
        return record

    @transaction
    def list(self, ctx: TxContext, region: Any = None) -> list[dict[str, Any]]:
        """Enterprises the caller may see, optionally of one region, ordered by credit code."""
        reader = viewer(ctx, "Enterprise:List")
        return [record for _, record in ctx.scan(ENTERPRISE_PREFIX)
                if reader.sees_enterprise(record) and region in (None, record["region"])]

    @transaction
    def freeze(self, ctx: TxContext, entity: Any, reason: Any) -> dict[str, Any]:
        """The regulator of the enterprise's region stops it from listing, buying and surrendering."""
        acting_region = acting_regulator(ctx, "Enterprise:Freeze")
        require_credit_code(entity)
        require_text("reason", reason)
        record = regional_enterprise(ctx, entity, acting_region)
        if record["frozen"]:
            raise Conflict(f"enterprise {entity} is already frozen ({record['frozen']['reason']})")
        stamp = stamp_for(ctx)
        record = {**record, "frozen": stamp.record(reason=reason),
                  "log": [*record["log"], stamp.record(action="frozen", reason=reason)]}
        ctx.put_json(ENTERPRISE_PREFIX + entity, record)
        ctx.emit(EVENT_FROZEN, {"entity": entity, "region": acting_region, "reason": reason, "tx_id": ctx.tx_id})
        return record

    @transaction
    def unfreeze(self, ctx: TxContext, entity: Any, reason: Any) -> dict[str, Any]:
        acting_region = acting_regulator(ctx, "Enterprise:Unfreeze")
        require_credit_code(entity)
        require_text("reason", reason)
        record = regional_enterprise(ctx, entity, acting_region)
        if not record["frozen"]:
            raise Conflict(f"enterprise {entity} is not frozen")
        stamp = stamp_for(ctx)
        record = {**record, "frozen": None,
                  "log": [*record["log"], stamp.record(action="unfrozen", reason=reason)]}
        ctx.put_json(ENTERPRISE_PREFIX + entity, record)
        ctx.emit(EVENT_UNFROZEN, {"entity": entity, "region": acting_region, "reason": reason,
                                  "tx_id": ctx.tx_id})
        return record


# -- helpers shared by the Permit and Market contracts ---------------------------------------


def stamp_for(ctx: TxContext) -> Stamp:
    return stamp_of(ctx.tx_id, ctx.timestamp, ctx.caller)


def acting_regulator(ctx: TxContext, function: str) -> str:
    """The region of a regulator caller; anyone else is refused naming the role."""
    member = consortium.caller_member(ctx)
    return access.regulator_region(ctx.caller, member, function)


def acting_enterprise(ctx: TxContext, function: str) -> dict[str, Any]:
    """The registered record of an enterprise caller whose certificate matches it."""
    consortium.caller_member(ctx)
    entity = access.caller_entity(ctx.caller, function)
    record = ctx.get_json(ENTERPRISE_PREFIX + entity)
    access.check_enterprise_caller(ctx.caller, record)
    return record


def viewer(ctx: TxContext, function: str) -> Viewer:
    """The caller's data permission for queries."""
    member = consortium.caller_member(ctx)
    coordinator = access.coordinator_viewer(member)
    if coordinator is not None:
        return coordinator
    caller = ctx.caller
    if caller.role == access.REGULATOR:
        return Viewer(access.REGULATOR, region=access.regulator_region(caller, member, function))
    if caller.role == access.ENTERPRISE:
        record = acting_enterprise(ctx, function)
        return Viewer(access.ENTERPRISE, region=record["region"], entity=record["entity"])
    raise access.reader_required(function, caller)


def enterprise(ctx: TxContext, entity: str) -> dict[str, Any]:
    record = ctx.get_json(ENTERPRISE_PREFIX + entity)
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


def credit_level(ctx: TxContext, entity: str) -> str | None:
    """The enterprise's green-credit level, or ``None`` when the credit domain has not rated it."""
    record = ctx.get_json(CREDIT_PREFIX + entity)
    if not isinstance(record, dict):
        return None
    level = record.get("level")
    return level if isinstance(level, str) else None


def _who(ctx: TxContext) -> str:
    return f"{ctx.caller.name}@{ctx.caller.msp_id}"
