"""Who may do what: functional permission (role) and data permission (region, entity).

Roles come from CA certificate attributes (:class:`~chaincode.runtime.identity.Caller`):

* ``regulator`` with ``region=R`` in the organization that runs region R:
  registers enterprises and issues allowances in R, freezes, approves or
  rejects cross-region trades touching R, reads everything in R;
* ``enterprise`` with ``entity`` (its unified social credit code) and
  ``region``: must be registered by R's regulator and belong to R's
  organization; holds, lists, buys, surrenders, reads its own;
* any identity of the coordinator organization: reads everything, changes
  nothing here.

These functions are pure: the contracts read the member and enterprise records
and hand them in.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from chaincode.consortium import COORDINATOR_KIND, REGION_KIND
from chaincode.runtime.errors import AccessDenied
from chaincode.runtime.identity import Caller
from common import credit_code

REGULATOR = "regulator"
ENTERPRISE = "enterprise"
COORDINATOR = "coordinator"

Record = Mapping[str, Any]


def role_required(role: str, function: str, caller: Caller) -> AccessDenied:
    has = f"role '{caller.role}'" if caller.role else "no role"
    return AccessDenied(f"role '{role}' is required for {function}; {caller.name}@{caller.msp_id} has {has}")


def regulator_region(caller: Caller, member: Record, function: str) -> str:
    """The region a regulator acts for; refuses anyone else."""
    if caller.role != REGULATOR:
        raise role_required(REGULATOR, function, caller)
    if member["kind"] != REGION_KIND:
        raise AccessDenied(f"role 'regulator' of a region organization is required for {function}; "
                           f"{caller.msp_id} is the {member['kind']} organization, which reads but does not regulate")
    if caller.region != member["code"]:
        raise AccessDenied(f"regulator {caller.name}@{caller.msp_id} has region attribute "
                           f"{caller.region or '(none)'!r}, but {caller.msp_id} runs region {member['code']}")
    return member["code"]


def caller_entity(caller: Caller, function: str) -> str:
    """The credit code an enterprise caller acts as (from its certificate)."""
    if caller.role != ENTERPRISE:
        raise role_required(ENTERPRISE, function, caller)
    reason = credit_code.problem(caller.entity)
    if reason is not None:
        raise AccessDenied(f"enterprise certificate {caller.name}@{caller.msp_id} carries entity "
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


@dataclass(frozen=True)
class Viewer:
    """Data permission of a reader: coordinator sees all, regulator its region, enterprise its own."""

    kind: str
    region: str = ""
    entity: str = ""

    @property
    def is_coordinator(self) -> bool:
        return self.kind == COORDINATOR

    def sees_region(self, *regions: str) -> bool:
        return self.is_coordinator or (self.kind == REGULATOR and self.region in regions)

    def sees_party(self, *entities: str) -> bool:
        return self.kind == ENTERPRISE and self.entity in entities

    def sees_enterprise(self, record: Record) -> bool:
        return self.sees_region(record["region"]) or self.sees_party(record["entity"])

    def sees_lot(self, lot: Record) -> bool:
        return self.sees_region(lot["owner_region"], lot["issuing_region"]) or self.sees_party(lot["owner"])

    def sees_trade(self, trade: Record) -> bool:
        return (self.sees_region(trade["seller_region"], trade["buyer_region"])
                or self.sees_party(trade["seller"], trade["buyer"]))

    def sees_offer_price(self, offer: Record) -> bool:
        return self.sees_region(offer["seller_region"]) or self.sees_party(offer["seller"])

    def sees_surrender(self, record: Record) -> bool:
        return self.sees_region(record["region"]) or self.sees_party(record["entity"])


def reader_required(function: str, caller: Caller) -> AccessDenied:
    has = f"role '{caller.role}'" if caller.role else "no role"
    return AccessDenied(f"role 'regulator' or 'enterprise' (or an identity of the coordinator organization) "
                        f"is required for {function}; {caller.name}@{caller.msp_id} has {has}")


def coordinator_viewer(member: Record) -> Viewer | None:
    return Viewer(COORDINATOR) if member["kind"] == COORDINATOR_KIND else None
