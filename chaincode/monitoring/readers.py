"""Who may read and write monitoring records: enterprises, regulators, the coordinator and monitoring stations.

A monitoring station is an identity with role ``monitor`` issued by a region
organization's CA, with ``region`` (the organization's region) and ``station``
(the station's name) attributes. It submits measurements for outlets of its
region and reads that region's monitoring records, as its regulator does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from chaincode.enterprise import api as enterprises
from chaincode.registry import api as registry
from chaincode.runtime import access
from chaincode.runtime.access import Viewer, who
from chaincode.runtime.context import TxContext
from chaincode.runtime.errors import AccessDenied
from common.names import COORDINATOR, ENTERPRISE, MONITOR, REGION_KIND, REGULATOR

MAX_STATION = 64


@dataclass(frozen=True)
class Station:
    region: str
    station: str


@dataclass(frozen=True)
class Reader:
    """A reader's data permission: a :class:`Viewer`, or a monitoring station of ``station.region``."""

    viewer: Viewer | None = None
    station: Station | None = None

    @property
    def is_enterprise(self) -> bool:
        return self.viewer is not None and self.viewer.is_enterprise

    @property
    def is_coordinator(self) -> bool:
        return self.viewer is not None and self.viewer.is_coordinator

    @property
    def region(self) -> str:
        """The region a regulator or a station reads (empty for the coordinator)."""
        if self.station is not None:
            return self.station.region
        return self.viewer.region if self.viewer is not None and self.viewer.is_regulator else ""

    @property
    def entity(self) -> str:
        return self.viewer.entity if self.is_enterprise else ""

    def sees(self, regions: Iterable[str] = (), parties: Iterable[str] = ()) -> bool:
        regions = tuple(regions)
        if self.station is not None:
            return self.station.region in regions
        return self.viewer is not None and self.viewer.sees(regions=regions, parties=parties)


def acting_monitor(ctx: TxContext, function: str, need_station: bool = True) -> Station:
    """The region (and station name) of a monitoring-station caller; anyone else is refused."""
    caller = ctx.caller
    if caller.role != MONITOR:
        raise access.role_required(MONITOR, function, caller)
    member = registry.caller_member(ctx)
    if member["kind"] != REGION_KIND:
        raise AccessDenied(f"role 'monitor' of a region organization is required for {function}; "
                           f"{caller.msp_id} is the {member['kind']} organization")
    if caller.region != member["code"]:
        raise AccessDenied(f"monitor {who(caller)} has region attribute {caller.region or '(none)'!r}, but "
                           f"{caller.msp_id} runs region {member['code']}")
    station = caller.attrs.get("station", "")
    if need_station and (not station.strip() or len(station) > MAX_STATION):
        raise AccessDenied(f"monitor {who(caller)} has no usable 'station' attribute (1 to {MAX_STATION} "
                           f"characters naming the monitoring station); its CA must issue one")
    return Station(member["code"], station)


def reader(ctx: TxContext, function: str) -> Reader:
    """The caller's data permission: enterprise own, regulator and stations their region, coordinator all."""
    member = registry.caller_member(ctx)
    if registry.is_coordinator(member):
        return Reader(viewer=Viewer(COORDINATOR))
    caller = ctx.caller
    if caller.role == MONITOR:
        return Reader(station=acting_monitor(ctx, function, need_station=False))
    if caller.role in (REGULATOR, ENTERPRISE):
        return Reader(viewer=enterprises.viewer(ctx, function))
    has = f"role '{caller.role}'" if caller.role else "no role"
    raise AccessDenied(f"role 'regulator', 'enterprise' or 'monitor' (or an identity of the coordinator "
                       f"organization) is required for {function}; {who(caller)} has {has}")


def consortium_reader(ctx: TxContext) -> None:
    """Any identity of a member organization (public facts such as fingerprints and device bindings)."""
    registry.caller_member(ctx)
