"""Who acts on manifests and who reads them.

Parties carry certificate attributes issued by their organization's CA:

* generator: role ``enterprise`` with ``entity`` (its credit code), registered in its region;
* transporter: role ``transporter`` with ``entity``, issued by any region organization (a carrier may work in
  several regions);
* facility: role ``facility`` with ``entity``, issued by the organization of the region whose regulator
  records its licence;
* regulators act for their region; identities of the coordinator organization read everything, and its
  officials (role ``coordinator``, ``regulator`` or ``admin``, not ``auditor``) give the extra approval.

Visibility (the consortium's data permission): a manifest is read by its parties, by the regulators of its
origin and destination regions, and by the coordinator. The regulator of any other region (Tianjin, for a
Beijing → Hebei transfer) does not see it: it is neither the region that approves nor the one that consents.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chaincode.enterprise import api as enterprises
from chaincode.registry import api as registry
from chaincode.runtime import access
from chaincode.runtime.access import who
from chaincode.runtime.context import TxContext
from chaincode.runtime.errors import AccessDenied, NotFound
from chaincode.waste.store import FACILITIES
from common import credit_code
from common.names import ADMIN, COORDINATOR, ENTERPRISE, FACILITY, REGION_KIND, REGULATOR, TRANSPORTER

COORDINATOR_APPROVERS = (COORDINATOR, REGULATOR, ADMIN)


@dataclass(frozen=True)
class Party:
    role: str
    entity: str
    region: str


def _regional(ctx: TxContext, role: str, function: str) -> Party:
    caller = ctx.caller
    if caller.role != role:
        raise access.role_required(role, function, caller)
    member = registry.caller_member(ctx)
    if member["kind"] != REGION_KIND:
        raise AccessDenied(f"role '{role}' of a region organization is required for {function}; {caller.msp_id} is "
                           f"the {member['kind']} organization")
    if caller.region != member["code"]:
        raise AccessDenied(f"{role} {who(caller)} has region attribute {caller.region or '(none)'!r}, but "
                           f"{caller.msp_id} runs region {member['code']}")
    reason = credit_code.problem(caller.entity)
    if reason is not None:
        raise AccessDenied(f"{role} certificate {who(caller)} carries entity {caller.entity or '(none)'!r}, which "
                           f"is not a valid unified social credit code: {reason}")
    return Party(role, caller.entity, member["code"])


def acting_generator(ctx: TxContext, function: str) -> dict[str, Any]:
    """The registered enterprise record of a generator caller."""
    return enterprises.acting_enterprise(ctx, function)


def acting_transporter(ctx: TxContext, function: str) -> Party:
    return _regional(ctx, TRANSPORTER, function)


def acting_facility(ctx: TxContext, function: str) -> Party:
    """A facility caller whose licence was recorded by the regulator of its organization's region."""
    party = _regional(ctx, FACILITY, function)
    licence = ctx.find(FACILITIES, party.entity)
    if licence is None:
        raise NotFound(f"facility {party.entity} has no licence; the regulator of its region records one with "
                       f"'facility licence'")
    if licence["region"] != party.region:
        raise AccessDenied(f"facility {party.entity} is licensed in region {licence['region']}; it acts through "
                           f"that region's organization, not {ctx.caller.msp_id}")
    return party


def acting_regulator(ctx: TxContext, function: str) -> str:
    return registry.acting_regulator(ctx, function)


def acting_coordinator(ctx: TxContext, function: str) -> None:
    caller = ctx.caller
    member = registry.caller_member(ctx)
    if not registry.is_coordinator(member) or caller.role not in COORDINATOR_APPROVERS:
        raise AccessDenied(f"an official of the coordinator organization (role coordinator, regulator or admin) is "
                           f"required for {function}; {who(caller)} has "
                           f"{repr(caller.role) if caller.role else 'no role'} in {caller.msp_id}")


class Reader(access.Viewer):
    """A reader's data permission over manifests (kind: coordinator, regulator, enterprise, transporter,
    facility): the coordinator all, a regulator those leaving or entering its region, a party its own."""

    def sees_manifest(self, manifest: dict[str, Any]) -> bool:
        return self.sees((manifest["origin"], manifest["destination"]), parties_of(manifest))

    def sees_regions(self, *regions: str) -> bool:
        return self.sees_region(*regions)


def parties_of(manifest: dict[str, Any]) -> set[str]:
    return {manifest["generator"], manifest["shipper"], manifest["receiver"]["entity"], *manifest["transporters"]}


def reader(ctx: TxContext, function: str) -> Reader:
    member = registry.caller_member(ctx)
    if registry.is_coordinator(member):
        return Reader(COORDINATOR)
    role = ctx.caller.role
    if role == REGULATOR:
        return Reader(REGULATOR, region=registry.acting_regulator(ctx, function))
    if role == ENTERPRISE:
        record = enterprises.acting_enterprise(ctx, function)
        return Reader(ENTERPRISE, region=record["region"], entity=record["entity"])
    if role in (TRANSPORTER, FACILITY):
        party = _regional(ctx, role, function)
        return Reader(role, region=party.region, entity=party.entity)
    has = f"role '{role}'" if role else "no role"
    raise AccessDenied(f"role 'regulator', 'enterprise', 'transporter' or 'facility' (or an identity of the "
                       f"coordinator organization) is required for {function}; {who(ctx.caller)} has {has}")
