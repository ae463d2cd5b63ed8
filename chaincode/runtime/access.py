"""Who may do what: functional permission (role) and data permission (region, parties).

Roles come from CA certificate attributes (:class:`~chaincode.runtime.identity.Caller`):

* ``regulator`` with ``region=R`` in the organization that runs region R acts
  for region R and reads everything in it;
* ``enterprise`` with ``entity`` (its unified social credit code) acts for
  itself and reads its own records;
* any identity of the coordinator organization reads everything.

A :class:`Viewer` is a reader's data permission. It knows nothing of record
types: each domain says which regions and parties a record concerns
(``viewer.sees(regions=..., parties=...)``), so a new domain adds no code here.
These functions are pure: the domains read member and enterprise records and
hand them in.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from chaincode.runtime.errors import AccessDenied
from chaincode.runtime.identity import Caller
from common.names import COORDINATOR, COORDINATOR_KIND, ENTERPRISE, FACILITY, REGION_KIND, REGULATOR, TRANSPORTER, label

Record = Mapping[str, Any]


def who(caller: Caller) -> str:
    return label(caller.name, caller.msp_id)


def role_required(role: str, function: str, caller: Caller) -> AccessDenied:
    has = f"role '{caller.role}'" if caller.role else "no role"
    return AccessDenied(f"role '{role}' is required for {function}; {who(caller)} has {has}")


def regulator_region(caller: Caller, member: Record, function: str) -> str:
    """The region a regulator acts for; refuses anyone else."""
    if caller.role != REGULATOR:
        raise role_required(REGULATOR, function, caller)
    if member["kind"] != REGION_KIND:
        raise AccessDenied(f"role 'regulator' of a region organization is required for {function}; "
                           f"{caller.msp_id} is the {member['kind']} organization, which reads but does not regulate")
    if caller.region != member["code"]:
        raise AccessDenied(f"regulator {who(caller)} has region attribute "
                           f"{caller.region or '(none)'!r}, but {caller.msp_id} runs region {member['code']}")
    return member["code"]


PARTY_KINDS = (ENTERPRISE, TRANSPORTER, FACILITY)


@dataclass(frozen=True)
class Viewer:
    """Data permission of a reader: coordinator sees all, regulator its region, enterprise its own."""

    kind: str
    region: str = ""
    entity: str = ""

    @property
    def is_coordinator(self) -> bool:
        return self.kind == COORDINATOR

    @property
    def is_regulator(self) -> bool:
        return self.kind == REGULATOR

    @property
    def is_enterprise(self) -> bool:
        return self.kind == ENTERPRISE

    @property
    def is_party(self) -> bool:
        """A reader that sees what it is a party to: an enterprise, a transporter or a facility."""
        return self.kind in PARTY_KINDS

    def sees_region(self, *regions: str) -> bool:
        return self.is_coordinator or (self.kind == REGULATOR and self.region in regions)

    def sees_party(self, *entities: str) -> bool:
        return self.is_party and self.entity in entities

    def sees(self, regions: Iterable[str] = (), parties: Iterable[str] = ()) -> bool:
        """Whether a record that concerns ``regions`` and ``parties`` is inside this reader's permission."""
        return self.sees_region(*regions) or self.sees_party(*parties)


def reader_required(function: str, caller: Caller) -> AccessDenied:
    has = f"role '{caller.role}'" if caller.role else "no role"
    return AccessDenied(f"role 'regulator' or 'enterprise' (or an identity of the coordinator organization) "
                        f"is required for {function}; {who(caller)} has {has}")


def coordinator_viewer(member: Record) -> Viewer | None:
    return Viewer(COORDINATOR) if member["kind"] == COORDINATOR_KIND else None


def outside(what: str, caller: Caller) -> AccessDenied:
    return AccessDenied(f"{what} is outside the data permission of {who(caller)}")
