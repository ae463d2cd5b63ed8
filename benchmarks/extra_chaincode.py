"""Deploy one more chaincode-as-a-service next to ecoledger's, on a benchmark's own network.

Works like :mod:`network.lifecycle` and :mod:`network.bootstrap` do for the
ecoledger chaincode, for any CCaaS server that reads the same ``CHAINCODE_*``
environment variables as ``python -m chaincode``:

1. each organization packages its own ``connection.json`` (the address of its
   own server of this chaincode, mutual TLS with the identity of the
   organization's chaincode server);
2. each organization starts its server (recorded in the network's process
   table, so ``network down`` stops it too) with its package id;
3. every peer installs its organization's package, every organization
   approves the definition (the channel's default endorsement policy, no
   collections), and it is committed.

Every step is idempotent, so a network kept with ``--keep`` is reused as is.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import tarfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

from network import binaries
from network.bootstrap import Network
from network.commands import first_json, run, run_with_retry
from network.config import Channel, Organization
from network.errors import NetworkError, ToolError
from network.lifecycle import Lifecycle
from network.nodes import peer_cli_env
from network.processes import NodeSpec

SEQUENCE = 1
DEFAULT_PORT_OFFSET = 6  # a free port in each organization's block (see network/config.py's port plan)

Progress = Callable[[str], None]


@dataclass(frozen=True)
class ExtraChaincode:
    """A CCaaS chaincode: its name on the channel and the command that serves it."""

    name: str
    version: str
    command: Sequence[str]
    port_offset: int = DEFAULT_PORT_OFFSET
    channel: str | None = None  # default: the channel of all members
    cwd: Path | None = None

    @property
    def label(self) -> str:
        return f"{self.name}_{self.version}"

    def port(self, org: Organization) -> int:
        return org.port(self.port_offset)

    def server_name(self, org: Organization) -> str:
        return f"{self.name}.{org.domain}"


def _tar_gz(files: dict[str, bytes]) -> bytes:
    """A reproducible .tar.gz (fixed mtimes): the same content gives the same package id."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.GNU_FORMAT) as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mode = 0o644
            info.mtime = 0
            tar.addfile(info, io.BytesIO(data))
    return gzip.compress(raw.getvalue(), mtime=0)


def package(network: Network, chaincode: ExtraChaincode, org: Organization) -> tuple[Path, str]:
    """Write the organization's package of ``chaincode``; return (path, package id)."""
    layout = network.layout
    server_tls = layout.chaincode_server_dir(org) / "tls"
    client_tls = layout.peer_dir(org.peers[0]) / "tls"
    connection = json.dumps({
        "address": f"127.0.0.1:{chaincode.port(org)}",
        "dial_timeout": "10s",
        "tls_required": True,
        "client_auth_required": True,
        "client_key": (client_tls / "server.key").read_text(),
        "client_cert": (client_tls / "server.crt").read_text(),
        "root_cert": (server_tls / "ca.crt").read_text(),
    }, indent=2).encode()
    metadata = json.dumps({"type": "ccaas", "label": chaincode.label}).encode()
    data = _tar_gz({"metadata.json": metadata, "code.tar.gz": _tar_gz({"connection.json": connection})})
    path = layout.chaincode_dir / f"{chaincode.label}_{org.code}.tgz"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path, f"{chaincode.label}:{hashlib.sha256(data).hexdigest()}"


def server_spec(network: Network, chaincode: ExtraChaincode, org: Organization, package_id: str) -> NodeSpec:
    """The organization's server of ``chaincode``, with the TLS identity of its chaincode server."""
    tls = network.layout.chaincode_server_dir(org) / "tls"
    port = chaincode.port(org)
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
        "CHAINCODE_ID": package_id,
        "CHAINCODE_SERVER_ADDRESS": f"127.0.0.1:{port}",
        "CHAINCODE_TLS_KEY_FILE": str(tls / "server.key"),
        "CHAINCODE_TLS_CERT_FILE": str(tls / "server.crt"),
        "CHAINCODE_TLS_CLIENT_CA_FILE": str(tls / "ca.crt"),
    }
    return NodeSpec(name=chaincode.server_name(org), kind="chaincode", command=[str(c) for c in chaincode.command],
                    env=env, cwd=chaincode.cwd or network.layout.root, ports=(port,), health_port=port)


def _channel(network: Network, chaincode: ExtraChaincode) -> Channel:
    name = chaincode.channel or network.consortium.channel
    for channel in network.consortium.channels:
        if channel.name == name:
            return channel
    raise ValueError(f"no channel {name!r} in consortium {network.consortium.name}")


def _peer(network: Network, org: Organization, args: list[str], what: str, *, retry: bool = False) -> str:
    command = [str(binaries.binary("peer")), *args]
    env = peer_cli_env(network.layout, org.peers[0])
    if retry:
        return run_with_retry(command, env=env, what=what, attempts=15, delay=2.0)
    return run(command, env=env, what=what)


def _definition(channel: Channel, chaincode: ExtraChaincode) -> list[str]:
    return ["--channelID", channel.name, "--name", chaincode.name, "--version", chaincode.version,
            "--sequence", str(SEQUENCE)]


def _orderer(network: Network, org: Organization) -> list[str]:
    return ["-o", org.orderer_address, "--tls", "--cafile", str(network.layout.orderer_dir(org) / "tls" / "ca.crt")]


def start_server(network: Network, spec: NodeSpec, progress: Progress, attempts: int = 5) -> None:
    """Start one server (unless it runs) and wait until it listens.

    Ports of the plan lie in the kernel's ephemeral range, so an outgoing
    connection may hold the port for a moment: the server then exits with
    "address already in use" and is started again.
    """
    for attempt in range(1, attempts + 1):
        network.processes.start(spec)
        try:
            network.processes.wait_ready(spec, timeout=60)
        except NetworkError as err:
            if attempt == attempts or "address already in use" not in str(err):
                raise
            progress(f"  {spec.name}: port {spec.ports[0]} busy for a moment; starting it again")
            time.sleep(1.0)
            continue
        progress(f"  {spec.name} ready")
        return


def committed(network: Network, chaincode: ExtraChaincode) -> bool:
    channel = _channel(network, chaincode)
    try:
        out = _peer(network, channel.orgs[0], ["lifecycle", "chaincode", "querycommitted", "--channelID",
                                               channel.name, "--name", chaincode.name, "--output", "json"],
                    f"querying committed chaincode {chaincode.name} on {channel.name}")
    except ToolError as err:
        if "404" in str(err) or "not found" in str(err):
            return False
        raise
    return first_json(out).get("sequence", 0) >= SEQUENCE


def deploy(network: Network, chaincode: ExtraChaincode, progress: Progress = print) -> dict[str, str]:
    """Package, serve, install, approve and commit ``chaincode``; returns {organization code: package id}."""
    channel = _channel(network, chaincode)
    lifecycle = Lifecycle(network.layout, network.consortium)
    packages = {org.code: package(network, chaincode, org) for org in channel.orgs}
    for org in channel.orgs:
        start_server(network, server_spec(network, chaincode, org, packages[org.code][1]), progress)
    for org in channel.orgs:
        path, package_id = packages[org.code]
        lifecycle.install(org, path, package_id)
    if committed(network, chaincode):
        progress(f"  {channel.name}: {chaincode.name} already committed")
    else:
        for org in channel.orgs:
            readiness = _peer(network, org, ["lifecycle", "chaincode", "checkcommitreadiness",
                                             *_definition(channel, chaincode), "--output", "json"],
                              f"checking commit readiness of {chaincode.name}", retry=True)
            if first_json(readiness).get("approvals", {}).get(org.msp_id):
                continue
            _peer(network, org, ["lifecycle", "chaincode", "approveformyorg", *_orderer(network, org),
                                 *_definition(channel, chaincode), "--package-id", packages[org.code][1]],
                  f"approving {chaincode.name} for {org.msp_id}", retry=True)
        targets: list[str] = []
        for member in channel.orgs:
            peer = member.peers[0]
            targets += ["--peerAddresses", peer.address,
                        "--tlsRootCertFiles", str(network.layout.peer_dir(peer) / "tls" / "ca.crt")]
        _peer(network, channel.orgs[0], ["lifecycle", "chaincode", "commit", *_orderer(network, channel.orgs[0]),
                                         *_definition(channel, chaincode), *targets],
              f"committing {chaincode.name} on {channel.name}", retry=True)
        progress(f"  {channel.name}: {chaincode.name} {chaincode.version} committed")
    return {code: package_id for code, (_, package_id) in packages.items()}


def server_pids(network: Network, names: Sequence[str]) -> dict[str, int]:
    """PIDs of running nodes by name (those not running are left out)."""
    pids = {}
    for name in names:
        pid = network.processes.pid(name)
        if pid is not None:
            pids[name] = pid
    return pids
