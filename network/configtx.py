"""Channel genesis blocks: a configtx.yaml generated from the consortium, then configtxgen.

Every organization is both an application org (its peers) and an orderer org (its
ordering node), so no region controls ordering alone. Policies: Readers/Writers
any member, Admins the org admin; chaincode endorsement and lifecycle
endorsement need a MAJORITY of the channel's organizations.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

from network import binaries
from network.commands import run
from network.config import Channel, Consortium, Organization
from network.layout import Layout


def _signature(rule: str) -> dict[str, str]:
    return {"Type": "Signature", "Rule": rule}


def _implicit(rule: str) -> dict[str, str]:
    return {"Type": "ImplicitMeta", "Rule": rule}


def _member(layout: Layout, org: Organization, msp: str, roles: tuple[str, ...]) -> dict[str, Any]:
    """An organization's MSP (``msp``: its peers' or its ordering node's id) with one policy per role."""
    rules = {"Readers": "member", "Writers": "member", "Admins": "admin", "Endorsement": "peer"}
    return {"Name": msp, "ID": msp, "MSPDir": str(layout.org_dir(org) / "msp"),
            "Policies": {role: _signature(f"OR('{msp}.{rules[role]}')") for role in roles}}


def _org(layout: Layout, org: Organization) -> dict[str, Any]:
    """The organization as an application member (its peers)."""
    return {**_member(layout, org, org.msp_id, ("Readers", "Writers", "Admins", "Endorsement")),
            "AnchorPeers": [{"Host": org.peers[0].host, "Port": org.peers[0].port}]}


def _orderer_org(layout: Layout, org: Organization) -> dict[str, Any]:
    """The organization as an ordering member (its ordering node), under its own MSP id."""
    return {**_member(layout, org, org.orderer_msp_id, ("Readers", "Writers", "Admins")),
            "OrdererEndpoints": [org.orderer_address]}


def _orderer_section(layout: Layout, consortium: Consortium) -> dict[str, Any]:
    orgs = consortium.organizations
    section: dict[str, Any] = {
        "BatchTimeout": "500ms",
        "BatchSize": {"MaxMessageCount": 200, "AbsoluteMaxBytes": "10 MB", "PreferredMaxBytes": "2 MB"},
        "Organizations": [_orderer_org(layout, o) for o in orgs],
        "Policies": {
            "Readers": _implicit("ANY Readers"),
            "Writers": _implicit("ANY Writers"),
            "Admins": _implicit("MAJORITY Admins"),
            "BlockValidation": _implicit("ANY Writers"),
        },
        "Capabilities": {"V2_0": True},
    }
    tls = {o.code: layout.orderer_dir(o) / "tls" / "server.crt" for o in orgs}
    if consortium.consensus == "bft":
        section["OrdererType"] = "BFT"
        section["ConsenterMapping"] = [
            {"ID": i + 1, "Host": o.host, "Port": o.orderer_port, "MSPID": o.orderer_msp_id,
             "Identity": str(layout.orderer_dir(o) / "msp" / "signcerts" / "cert.pem"),
             "ClientTLSCert": str(tls[o.code]), "ServerTLSCert": str(tls[o.code])}
            for i, o in enumerate(orgs)]
        section["SmartBFT"] = {"RequestBatchMaxInterval": "100ms", "RequestForwardTimeout": "5s",
                               "RequestComplainTimeout": "20s", "RequestAutoRemoveTimeout": "3m0s",
                               "ViewChangeResendInterval": "5s", "ViewChangeTimeout": "20s",
                               "LeaderHeartbeatTimeout": "1m0s", "CollectTimeout": "1s",
                               "IncomingMessageBufferSize": 200, "RequestPoolSize": 100000,
                               "LeaderHeartbeatCount": 10}
    else:
        section["OrdererType"] = "etcdraft"
        section["EtcdRaft"] = {"Consenters": [
            {"Host": o.host, "Port": o.orderer_port, "ClientTLSCert": str(tls[o.code]),
             "ServerTLSCert": str(tls[o.code])} for o in orgs]}
    return section


def _profile(layout: Layout, consortium: Consortium, channel: Channel) -> dict[str, Any]:
    return {
        "Policies": {
            "Readers": _implicit("ANY Readers"),
            "Writers": _implicit("ANY Writers"),
            "Admins": _implicit("MAJORITY Admins"),
        },
        "Capabilities": {"V3_0": True},
        "Orderer": _orderer_section(layout, consortium),
        "Application": {
            "Organizations": [_org(layout, o) for o in channel.orgs],
            "Policies": {
                "Readers": _implicit("ANY Readers"),
                "Writers": _implicit("ANY Writers"),
                "Admins": _implicit("MAJORITY Admins"),
                "LifecycleEndorsement": _implicit("MAJORITY Endorsement"),
                "Endorsement": _implicit("MAJORITY Endorsement"),
            },
            "Capabilities": {"V2_5": True},
        },
    }


def write_configtx(layout: Layout, consortium: Consortium) -> Path:
    document = {"Profiles": {ch.name: _profile(layout, consortium, ch) for ch in consortium.channels}}
    target = layout.channel_dir / "configtx.yaml"
    target.parent.mkdir(parents=True, exist_ok=True)

    class _NoAliases(yaml.SafeDumper):
        def ignore_aliases(self, data: Any) -> bool:
            return True

    target.write_text(yaml.dump(copy.deepcopy(document), Dumper=_NoAliases, sort_keys=False))
    return target


def genesis_block(layout: Layout, channel: Channel) -> Path:
    """Create ``<channel>.block`` once; the same block is joined by every node."""
    block = layout.channel_dir / f"{channel.name}.block"
    if not block.exists():
        run([binaries.binary("configtxgen"), "-profile", channel.name, "-channelID", channel.name,
             "-outputBlock", str(block), "-configPath", str(layout.channel_dir)],
            what=f"configtxgen for channel {channel.name}")
    return block
