"""Launch specifications for orderers, peers and chaincode servers: a table of nodes, one launcher.

Fabric's shipped ``core.yaml`` / ``orderer.yaml`` are the base; what this
network needs differently is written into per-network copies, and what differs
per node is passed as ``CORE_*`` / ``ORDERER_*`` environment variables.
"""

from __future__ import annotations

import os
import sys

import yaml

from network import binaries, paths
from network.config import Consortium, Organization, Peer
from network.layout import Layout
from network.processes import NodeSpec

BUILDER_DIR = paths.PACKAGE_DIR / "builders" / "ccaas"


def write_node_configs(layout: Layout) -> None:
    """Per-network core.yaml (external builder, no Docker) and orderer.yaml (no system channel)."""
    core = yaml.safe_load((paths.fabric_config_dir() / "core.yaml").read_text())
    core["chaincode"]["externalBuilders"] = [
        {"name": "ecoledger-ccaas", "path": str(BUILDER_DIR), "propagateEnvironment": []}]
    core["vm"]["endpoint"] = ""
    core["metrics"]["provider"] = "disabled"
    (layout.config_dir / "peer").mkdir(parents=True, exist_ok=True)
    (layout.config_dir / "peer" / "core.yaml").write_text(yaml.safe_dump(core, sort_keys=False))

    orderer = yaml.safe_load((paths.fabric_config_dir() / "orderer.yaml").read_text())
    orderer["ChannelParticipation"]["Enabled"] = True
    orderer["Metrics"]["Provider"] = "disabled"
    (layout.config_dir / "orderer").mkdir(parents=True, exist_ok=True)
    (layout.config_dir / "orderer" / "orderer.yaml").write_text(yaml.safe_dump(orderer, sort_keys=False))


def _base_env(layout: Layout, kind: str) -> dict[str, str]:
    return {"FABRIC_CFG_PATH": str(layout.config_dir / kind), "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": os.environ.get("HOME", "/tmp")}


def orderer_spec(layout: Layout, org: Organization) -> NodeSpec:
    node = layout.orderer_dir(org)
    tls = node / "tls"
    data = layout.data_dir(org.orderer_name)
    env = _base_env(layout, "orderer") | {
        "ORDERER_GENERAL_LISTENADDRESS": org.host,
        "ORDERER_GENERAL_LISTENPORT": str(org.orderer_port),
        "ORDERER_GENERAL_LOCALMSPID": org.orderer_msp_id,
        "ORDERER_GENERAL_LOCALMSPDIR": str(node / "msp"),
        "ORDERER_GENERAL_TLS_ENABLED": "true",
        "ORDERER_GENERAL_TLS_PRIVATEKEY": str(tls / "server.key"),
        "ORDERER_GENERAL_TLS_CERTIFICATE": str(tls / "server.crt"),
        "ORDERER_GENERAL_TLS_ROOTCAS": f"[{tls / 'ca.crt'}]",
        "ORDERER_GENERAL_CLUSTER_CLIENTCERTIFICATE": str(tls / "server.crt"),
        "ORDERER_GENERAL_CLUSTER_CLIENTPRIVATEKEY": str(tls / "server.key"),
        "ORDERER_GENERAL_CLUSTER_ROOTCAS": f"[{tls / 'ca.crt'}]",
        "ORDERER_FILELEDGER_LOCATION": str(data / "ledger"),
        "ORDERER_CONSENSUS_WALDIR": str(data / "etcdraft" / "wal"),
        "ORDERER_CONSENSUS_SNAPDIR": str(data / "etcdraft" / "snapshot"),
        "ORDERER_OPERATIONS_LISTENADDRESS": org.address(org.orderer_operations_port),
        "ORDERER_METRICS_PROVIDER": "prometheus",  # /metrics on the operations port (network metrics)
        "ORDERER_ADMIN_LISTENADDRESS": org.address(org.orderer_admin_port),
        "ORDERER_ADMIN_TLS_ENABLED": "true",
        "ORDERER_ADMIN_TLS_PRIVATEKEY": str(tls / "server.key"),
        "ORDERER_ADMIN_TLS_CERTIFICATE": str(tls / "server.crt"),
        "ORDERER_ADMIN_TLS_CLIENTAUTHREQUIRED": "true",
        "ORDERER_ADMIN_TLS_CLIENTROOTCAS": f"[{tls / 'ca.crt'}]",
    }
    return NodeSpec(name=org.orderer_name, kind="orderer", command=[str(binaries.binary("orderer"))], env=env,
                    cwd=node, ports=(org.orderer_port, org.orderer_admin_port, org.orderer_operations_port),
                    health_url=f"http://{org.address(org.orderer_operations_port)}/healthz", host=org.host)


def peer_spec(layout: Layout, peer: Peer) -> NodeSpec:
    node = layout.peer_dir(peer)
    tls = node / "tls"
    data = layout.data_dir(peer.name)
    first = peer.org.peers[0]
    env = _base_env(layout, "peer") | {
        "CORE_PEER_ID": peer.name,
        "CORE_PEER_ADDRESS": peer.address,
        "CORE_PEER_LISTENADDRESS": peer.address,
        "CORE_PEER_CHAINCODEADDRESS": peer.org.address(peer.chaincode_port),
        "CORE_PEER_CHAINCODELISTENADDRESS": peer.org.address(peer.chaincode_port),
        "CORE_PEER_GOSSIP_BOOTSTRAP": first.address,
        "CORE_PEER_GOSSIP_ENDPOINT": peer.address,
        "CORE_PEER_GOSSIP_EXTERNALENDPOINT": peer.address,
        "CORE_PEER_LOCALMSPID": peer.org.msp_id,
        "CORE_PEER_MSPCONFIGPATH": str(node / "msp"),
        "CORE_PEER_TLS_ENABLED": "true",
        "CORE_PEER_TLS_CERT_FILE": str(tls / "server.crt"),
        "CORE_PEER_TLS_KEY_FILE": str(tls / "server.key"),
        "CORE_PEER_TLS_ROOTCERT_FILE": str(tls / "ca.crt"),
        "CORE_PEER_FILESYSTEMPATH": str(data / "production"),
        "CORE_LEDGER_SNAPSHOTS_ROOTDIR": str(data / "snapshots"),
        "CORE_OPERATIONS_LISTENADDRESS": peer.org.address(peer.operations_port),
        "CORE_METRICS_PROVIDER": "prometheus",  # /metrics on the operations port (network metrics)
        # Cross-organization discovery once took 20-150 s after a restart because pair channels defined
        # non-members' peer MSPs (their ordering nodes'); ordering nodes now have MSP ids of their own
        # (Organization.orderer_msp_id), which removed that wait. Frequent alive messages and quick
        # reconnects still let membership notice a restarted peer within seconds.
        "CORE_PEER_GOSSIP_ALIVETIMEINTERVAL": "1s",
        "CORE_PEER_GOSSIP_ALIVEEXPIRATIONTIMEOUT": "60s",
        "CORE_PEER_GOSSIP_RECONNECTINTERVAL": "5s",
    }
    return NodeSpec(name=peer.name, kind="peer", command=[str(binaries.binary("peer")), "node", "start"],
                    env=env, cwd=node, ports=(peer.port, peer.chaincode_port, peer.operations_port),
                    health_url=f"http://{peer.org.address(peer.operations_port)}/healthz", host=peer.host)


def chaincode_server_spec(layout: Layout, org: Organization, package_id: str) -> NodeSpec:
    """The organization's Python chaincode server, serving all of its peers on every channel."""
    node = layout.chaincode_server_dir(org)
    tls = node / "tls"
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": str(paths.PROJECT_ROOT),
        "CHAINCODE_ID": package_id,
        "CHAINCODE_SERVER_ADDRESS": org.address(org.chaincode_server_port),
        "CHAINCODE_TLS_KEY_FILE": str(tls / "server.key"),
        "CHAINCODE_TLS_CERT_FILE": str(tls / "server.crt"),
        "CHAINCODE_TLS_CLIENT_CA_FILE": str(tls / "ca.crt"),
        "CHAINCODE_LOG_LEVEL": os.environ.get("CHAINCODE_LOG_LEVEL", "INFO"),
    }
    return NodeSpec(name=f"chaincode.{org.domain}", kind="chaincode",
                    command=[sys.executable, "-m", "chaincode"], env=env, cwd=paths.PROJECT_ROOT,
                    ports=(org.chaincode_server_port,), health_port=org.chaincode_server_port, host=org.host)


def peer_cli_env(layout: Layout, peer: Peer, as_admin: bool = True) -> dict[str, str]:
    """Environment for the ``peer`` CLI acting as the organization's admin against ``peer``."""
    msp_dir = layout.admin_dir(peer.org) / "msp" if as_admin else layout.peer_dir(peer) / "msp"
    return _base_env(layout, "peer") | {
        "CORE_PEER_LOCALMSPID": peer.org.msp_id,
        "CORE_PEER_MSPCONFIGPATH": str(msp_dir),
        "CORE_PEER_ADDRESS": peer.address,
        "CORE_PEER_TLS_ENABLED": "true",
        "CORE_PEER_TLS_ROOTCERT_FILE": str(layout.peer_dir(peer) / "tls" / "ca.crt"),
    }


def all_specs(layout: Layout, consortium: Consortium) -> list[NodeSpec]:
    """Orderers and peers of every organization (CAs and chaincode servers are handled apart)."""
    specs = [orderer_spec(layout, org) for org in consortium.organizations]
    specs += [peer_spec(layout, peer) for org in consortium.organizations for peer in org.peers]
    return specs


