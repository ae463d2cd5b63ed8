"""Chaincode lifecycle for chaincode-as-a-service: package, install, approve, commit.

Each organization packages its own ``connection.json`` (the address of its own
chaincode server), so package ids differ per organization; the chaincode
definition they approve (name, version, sequence, policy, collections) is the same.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import tarfile
from dataclasses import dataclass
from pathlib import Path

from common.names import COORDINATOR_KIND, monitoring_collections, price_collections
from network import binaries
from network.commands import first_json, run, run_on_orderers, run_with_retry
from network.config import Channel, Consortium, Organization
from network.errors import ToolError
from network.layout import Layout
from network.nodes import peer_cli_env

FIRST_SEQUENCE = 1


@dataclass(frozen=True)
class Plan:
    """The definition sequence to approve on a channel, and whether it is committed already."""

    sequence: int
    done: bool


def _tar_bytes(files: dict[str, bytes]) -> bytes:
    """A reproducible .tar.gz (fixed mtimes, also in the gzip header): same content, same package id."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.GNU_FORMAT) as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mode = 0o644
            info.mtime = 0
            tar.addfile(info, io.BytesIO(data))
    return gzip.compress(raw.getvalue(), mtime=0)


def connection_json(layout: Layout, org: Organization) -> bytes:
    tls = layout.chaincode_server_dir(org) / "tls"
    client = layout.peer_dir(org.peers[0]) / "tls"
    return json.dumps({
        "address": org.address(org.chaincode_server_port),
        "dial_timeout": "10s",
        "tls_required": True,
        "client_auth_required": True,
        "client_key": (client / "server.key").read_text(),
        "client_cert": (client / "server.crt").read_text(),
        "root_cert": (tls / "ca.crt").read_text(),
    }, indent=2).encode()


def package(layout: Layout, consortium: Consortium, org: Organization) -> tuple[Path, str]:
    """Write the organization's package; return (path, package id)."""
    label = f"{consortium.chaincode_name}_{consortium.chaincode_version}"
    code = _tar_bytes({"connection.json": connection_json(layout, org)})
    metadata = json.dumps({"type": "ccaas", "label": label}).encode()
    data = _tar_bytes({"metadata.json": metadata, "code.tar.gz": code})
    path = layout.chaincode_dir / f"{label}_{org.code}.tgz"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path, f"{label}:{hashlib.sha256(data).hexdigest()}"


@dataclass(frozen=True)
class Lifecycle:
    layout: Layout
    consortium: Consortium

    def _peer(self, args: list[str], org: Organization, what: str, peer_index: int = 0, retry: bool = False) -> str:
        command = [str(binaries.binary("peer")), *args]
        env = peer_cli_env(self.layout, org.peers[peer_index])
        if retry:
            return run_with_retry(command, env=env, what=what, attempts=15, delay=2.0)
        return run(command, env=env, what=what)

    def _ordered(self, args: list[str], org: Organization, what: str) -> str:
        """A lifecycle transaction as ``org``'s admin, sent through its own ordering node first, then the
        others this host knows (:func:`orderers_for`)."""
        return run_on_orderers(
            lambda address, ca: [str(binaries.binary("peer")), *args, "-o", address, "--tls", "--cafile", str(ca)],
            orderers_for(self.layout, self.consortium, org), env=peer_cli_env(self.layout, org.peers[0]),
            what=what)

    def _definition_args(self, channel: Channel, sequence: int) -> list[str]:
        args = ["--channelID", channel.name, "--name", self.consortium.chaincode_name,
                "--version", self.consortium.chaincode_version, "--sequence", str(sequence)]
        collections = self.collections_file(channel)
        if collections is not None:
            args += ["--collections-config", str(collections)]
        return args

    def collections_file(self, channel: Channel) -> Path | None:
        """Private collections on the all-members channel: prices of each region and each pair, and the
        detailed monitoring values of each region, every one with the coordinator organization(s)."""
        if channel.name != self.consortium.channel:
            return None
        coordinators = [o.msp_id for o in self.consortium.organizations if o.kind == COORDINATOR_KIND]
        definitions = []
        region_msps = [r.msp_id for r in self.consortium.regions]
        for name, group in [*price_collections(region_msps), *monitoring_collections(region_msps)]:
            members = [*group, *coordinators]
            definitions.append({
                "name": name,
                "policy": "OR(" + ",".join(f"'{m}.member'" for m in members) + ")",
                "requiredPeerCount": 0,
                "maxPeerCount": 3,
                "blockToLive": 0,
                "memberOnlyRead": True,
                "memberOnlyWrite": False,
            })
        path = self.layout.chaincode_dir / f"collections_{channel.name}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(definitions, indent=2))
        return path

    def install(self, org: Organization, package_path: Path, package_id: str) -> None:
        for peer in org.peers:
            installed = self._peer(["lifecycle", "chaincode", "queryinstalled", "--output", "json"], org,
                                   f"querying installed chaincode on {peer.name}", peer.index)
            if package_id in installed:
                continue
            self._peer(["lifecycle", "chaincode", "install", str(package_path)], org,
                       f"installing chaincode on {peer.name}", peer.index)

    def committed_definition(self, channel: Channel, org: Organization | None = None) -> dict | None:
        """The definition committed on ``channel`` (``querycommitted`` JSON), or ``None`` before the first."""
        org = org or channel.orgs[0]
        try:
            out = self._peer(["lifecycle", "chaincode", "querycommitted", "--channelID", channel.name,
                              "--name", self.consortium.chaincode_name, "--output", "json"], org,
                             f"querying committed chaincode on {channel.name}")
        except ToolError as err:
            if "404" in str(err) or "not found" in str(err):
                return None
            raise
        found = first_json(out)
        return found if found.get("sequence") else None

    def committed(self, channel: Channel, org: Organization | None = None) -> bool:
        return self.committed_definition(channel, org) is not None

    def plan(self, channel: Channel, org: Organization | None = None) -> Plan:
        """Which sequence this consortium's definition has on ``channel``: the committed one when it holds the
        same private collections, else the next (a region admitted since brings collections of its own)."""
        committed = self.committed_definition(channel, org)
        if committed is None:
            return Plan(FIRST_SEQUENCE, False)
        have = collection_names(committed)
        if have == self.collection_names(channel):
            return Plan(int(committed["sequence"]), True)
        return Plan(int(committed["sequence"]) + 1, False)

    def collection_names(self, channel: Channel) -> list[str]:
        path = self.collections_file(channel)
        return sorted(c["name"] for c in json.loads(path.read_text())) if path is not None else []

    def approvals(self, channel: Channel, org: Organization, sequence: int = FIRST_SEQUENCE) -> dict[str, bool]:
        """MSP id -> whether it approved this definition (asked through ``org``'s peer)."""
        readiness = self._peer(["lifecycle", "chaincode", "checkcommitreadiness",
                                *self._definition_args(channel, sequence), "--output", "json"], org,
                               f"checking commit readiness on {channel.name}", retry=True)
        return dict(first_json(readiness).get("approvals", {}))

    def approved(self, channel: Channel, org: Organization, sequence: int = FIRST_SEQUENCE) -> bool:
        """Whether ``org`` approved the definition as committed (after commit, readiness no longer answers)."""
        out = self._peer(["lifecycle", "chaincode", "queryapproved", "--channelID", channel.name, "--name",
                          self.consortium.chaincode_name, "--sequence", str(sequence), "--output", "json"], org,
                         f"querying {org.msp_id}'s approval on {channel.name}")
        return "package_id" in out or "source" in out

    def approve(self, channel: Channel, org: Organization, package_id: str, committed: bool = False,
                sequence: int = FIRST_SEQUENCE) -> None:
        """Approve for ``org`` (also after the definition was committed: a late organization joins)."""
        if committed:
            try:
                if self.approved(channel, org, sequence):
                    return
            except ToolError:
                pass
        elif self.approvals(channel, org, sequence).get(org.msp_id):
            return
        self._ordered(["lifecycle", "chaincode", "approveformyorg", *self._definition_args(channel, sequence),
                       "--package-id", package_id], org, f"approving chaincode for {org.msp_id} on {channel.name}")

    def commit(self, channel: Channel, org: Organization | None = None,
               endorsers: "list[Organization] | None" = None, sequence: int = FIRST_SEQUENCE) -> None:
        """Commit as ``org``, endorsed by ``endorsers`` (default: every member; a member that has not
        approved yet refuses to endorse the commit, so pass the ones that did)."""
        org = org or channel.orgs[0]
        targets: list[str] = []
        for member in endorsers or channel.orgs:
            peer = member.peers[0]
            targets += ["--peerAddresses", peer.address,
                        "--tlsRootCertFiles", str(self.layout.peer_dir(peer) / "tls" / "ca.crt")]
        self._ordered(["lifecycle", "chaincode", "commit", *self._definition_args(channel, sequence), *targets], org,
                      f"committing chaincode on {channel.name}")


def orderers_for(layout: Layout, consortium: Consortium, org: Organization) -> list[tuple[str, Path]]:
    """Ordering nodes ``org``'s admin may send to, its own first: (address, TLS CA file) of every member
    whose ordering node's TLS root is on this host."""
    ordered = [org, *[o for o in consortium.organizations if o.code != org.code]]
    found = [(o.orderer_address, layout.orderer_dir(o) / "tls" / "ca.crt") for o in ordered]
    return [(address, ca) for address, ca in found if ca.exists()] or found[:1]


def collection_names(definition: dict) -> list[str]:
    """Names of the private collections in a committed definition (``querycommitted`` JSON)."""
    def name(entry: object) -> str:
        # the peer CLI prints the Go structs with encoding/json: {"Payload": {"StaticCollectionConfig": {"name"}}};
        # protobuf JSON would give {"static_collection_config": {"name"}}
        while isinstance(entry, dict) and "name" not in entry and len(entry) == 1:
            entry = next(iter(entry.values()))
        return str(entry.get("name", "")) if isinstance(entry, dict) else ""

    configs = (definition.get("collections") or {}).get("config") or []
    return sorted(name(c) for c in configs)
