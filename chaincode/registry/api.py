"""What other domains may use of the registry: members, the acting regulator, parameter values.

Members and parameters are written once by ``Registry:Bootstrap`` (from the
consortium file, at deployment), never hard-coded: the same chaincode serves
京津冀 and 长三角. Parameters change later only through adopted proposals
(:mod:`chaincode.governance`).
"""

from __future__ import annotations

from typing import Any

from chaincode.registry.store import MEMBERS
from chaincode.runtime import access, parameters
from chaincode.runtime.context import TxContext
from chaincode.runtime.errors import AccessDenied, NotFound
from common.names import COORDINATOR_KIND, REGION_KIND


def member(ctx: TxContext, msp_id: str) -> dict[str, Any]:
    """The member record ``{msp_id, code, name, kind}``; kind is ``region`` or ``coordinator``."""
    return ctx.require_json(MEMBERS.key(msp_id), f"member organization {msp_id}")


def members(ctx: TxContext) -> list[dict[str, Any]]:
    """Every member organization, ordered by MSP id (a consortium has a handful)."""
    return [value for _, value in ctx.range(*MEMBERS.span())]


def region_msp(ctx: TxContext, region: str) -> str:
    """The MSP id of the organization that runs region ``region`` (e.g. BJ → BJMSP)."""
    for record in members(ctx):
        if record["kind"] == REGION_KIND and record["code"] == region:
            return record["msp_id"]
    raise NotFound(f"region {region} is not a member of this consortium")


def region_msps(ctx: TxContext) -> list[str]:
    return [record["msp_id"] for record in members(ctx) if record["kind"] == REGION_KIND]


def admit_region(ctx: TxContext, msp_id: str, code: str, name: str) -> dict[str, Any]:
    """Write the member record of a region the consortium admitted (the one writer besides Bootstrap; called
    by governance when a membership proposal is adopted). The record exists before the channel update lets
    the organization transact, so its first transaction already finds it."""
    existing = ctx.get_json(MEMBERS.key(msp_id))
    if existing is not None:
        return existing
    record = {"msp_id": msp_id, "code": code, "name": name, "kind": REGION_KIND}
    ctx.put_json(MEMBERS.key(msp_id), record)
    return record


def remove_region(ctx: TxContext, msp_id: str) -> bool:
    """Delete the member record of a region the consortium removed; its past records keep its MSP id."""
    existing = ctx.get_json(MEMBERS.key(msp_id))
    if existing is None or existing["kind"] != REGION_KIND:
        return False
    ctx.delete(MEMBERS.key(msp_id))
    return True


def caller_member_key(ctx: TxContext) -> str:
    """The ledger key of the caller's member record (to read it ahead with ``ctx.prefetch``)."""
    return MEMBERS.key(ctx.caller.msp_id)


def caller_member(ctx: TxContext) -> dict[str, Any]:
    """The caller's organization; callers from unknown organizations are refused."""
    value = ctx.get_json(MEMBERS.key(ctx.caller.msp_id))
    if value is None:
        raise AccessDenied(f"organization {ctx.caller.msp_id} is not a registered consortium member")
    return value


def is_coordinator(member_record: dict[str, Any]) -> bool:
    return member_record["kind"] == COORDINATOR_KIND


def acting_regulator(ctx: TxContext, function: str) -> str:
    """The region of a regulator caller; anyone else is refused naming the role."""
    return access.regulator_region(ctx.caller, caller_member(ctx), function)


def parameter(ctx: TxContext, name: str) -> Any:
    """The current value of a catalogued parameter (its default while the consortium never set it)."""
    return parameters.read(ctx.get_json, name)
