"""The consortium as the ledger knows it: member organizations and rule parameters.

Members and parameters are written once by ``Registry:Bootstrap`` (from the
consortium file, at deployment) and changed later only through the registry
contract, never hard-coded: the same chaincode serves 京津冀 and 长三角.

Keys: ``member:<MSPID>`` → member record, ``param:<name>`` → JSON value.
"""

from __future__ import annotations

from typing import Any

from chaincode.runtime.context import TxContext
from common.names import COORDINATOR_KIND, REGION_KIND, price_collection  # noqa: F401  (re-exported)
from chaincode.runtime.errors import AccessDenied, NotFound

MEMBER_PREFIX = "member:"
PARAM_PREFIX = "param:"



def member(ctx: TxContext, msp_id: str) -> dict[str, Any]:
    """The member record ``{msp_id, code, name, kind}``; kind is ``region`` or ``coordinator``."""
    return ctx.require_json(MEMBER_PREFIX + msp_id, f"member organization {msp_id}")


def members(ctx: TxContext) -> list[dict[str, Any]]:
    return [value for _, value in ctx.scan(MEMBER_PREFIX)]


def region_msp(ctx: TxContext, region: str) -> str:
    """The MSP id of the organization that runs region ``region`` (e.g. BJ → BJMSP)."""
    for record in members(ctx):
        if record["kind"] == REGION_KIND and record["code"] == region:
            return record["msp_id"]
    raise NotFound(f"region {region} is not a member of this consortium")


def caller_member(ctx: TxContext) -> dict[str, Any]:
    """The caller's organization; callers from unknown organizations are refused."""
    value = ctx.get_json(MEMBER_PREFIX + ctx.caller.msp_id)
    if value is None:
        raise AccessDenied(f"organization {ctx.caller.msp_id} is not a registered consortium member")
    return value


def parameter(ctx: TxContext, name: str, default: Any = None) -> Any:
    """A rule parameter; ``default`` applies only when the consortium never set it."""
    value = ctx.get_json(PARAM_PREFIX + name)
    return default if value is None else value


def set_parameter(ctx: TxContext, name: str, value: Any) -> None:
    ctx.put_json(PARAM_PREFIX + name, value)
