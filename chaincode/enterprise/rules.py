"""Pure rules about enterprises and the identities that act for them."""

from __future__ import annotations

from typing import Any, Mapping

from chaincode.runtime.access import role_required, who
from chaincode.runtime.errors import AccessDenied, Conflict
from chaincode.runtime.identity import Caller
from common import credit_code
from common.names import ENTERPRISE

Record = Mapping[str, Any]


def caller_entity(caller: Caller, function: str) -> str:
    """The credit code an enterprise caller acts as (from its certificate)."""
    if caller.role != ENTERPRISE:
        raise role_required(ENTERPRISE, function, caller)
    reason = credit_code.problem(caller.entity)
    if reason is not None:
        raise AccessDenied(f"enterprise certificate {who(caller)} carries entity "
                           f"{caller.entity or '(none)'!r}, which is not a valid unified social credit code: {reason}")
    return caller.entity


def check_enterprise_caller(caller: Caller, record: Record | None) -> None:
    """The certificate's entity, region and organization must match the registered enterprise."""
    entity = caller.entity
    if record is None:
        raise AccessDenied(f"enterprise {entity} is not registered; the regulator of its region registers it "
                           f"with Enterprise:Register")
    if record["region"] != caller.region:
        raise AccessDenied(f"enterprise {entity} is not registered in region {caller.region or '(none)'} "
                           f"(it is registered in region {record['region']})")
    if record["msp_id"] != caller.msp_id:
        raise AccessDenied(f"enterprise {entity} of region {record['region']} must act through organization "
                           f"{record['msp_id']}, not {caller.msp_id}")


def check_not_frozen(enterprise: Record, action: str) -> None:
    frozen = enterprise.get("frozen")
    if frozen:
        raise Conflict(f"enterprise {enterprise['entity']} is frozen by the regulator of region "
                       f"{enterprise['region']} ({frozen['reason']}); it cannot {action}")
