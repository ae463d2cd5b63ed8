"""``up``, ``down`` and ``status`` of a consortium network.

``up`` runs the same idempotent phases whether the network is new, stopped or
half-built: every phase first checks what already exists. The effective
consortium (file plus command-line overrides) is saved on first ``up`` so a
restart uses exactly the same layout.

Every ``up`` (also on a running network) writes each organization's connection
profile (:mod:`network.profiles`); a client needs only those and a wallet.

The last phase, *service discovery*, waits until each organization's Gateway
can gather a majority of endorsements. Asking a Gateway is a client's job, so
``up`` does not do it itself: the caller passes a :data:`DiscoveryProbe` (the
CLI builds one from a client session over the profiles just written). Without
a probe the phase is skipped, and ``up`` says so.
"""

from __future__ import annotations

import json
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import yaml

from network import binaries, channels, config, nodes
from network.ca import OrgCA
from network.commands import run_on_orderers, run_with_retry
from network.config import Channel, Consortium, Organization
from network.configtx import genesis_block, write_configtx
from network.errors import NetworkError, ToolError
from network.layout import Layout
from network.lifecycle import Lifecycle, orderers_for, package
from network.onboarding import add_admins_to_wallet, admin_name
from network.processes import NodeSpec, ProcessTable, is_healthy, readiness
from network.profiles import write_profiles

Progress = Callable[[str], None]

LAYOUT_VERSION = 2
"""2: ordering nodes have MSP ids of their own (``<CODE>OrdererMSP``)."""

DiscoveryProbe = Callable[[str], "str | None"]
"""Asks once, as wallet identity ``name`` (an organization's admin), whether its
organization's Gateway can gather a majority of endorsements right now.

Returns ``None`` when it can, else the reason it cannot yet (``up`` asks again
until a deadline). Raises for anything that waiting will not fix.
"""


@dataclass
class UpReport:
    consortium: Consortium
    package_ids: dict[str, str]
    phases: dict[str, float] = field(default_factory=dict)
    already_running: bool = False


def saved_consortium_file(home: Path) -> Path:
    return home / "consortium.yaml"


def resolve(consortium_file: str | None = None, base_port: int | None = None,
            consensus: str | None = None) -> Consortium:
    """The consortium to operate on: the saved one if this network exists, else the file given."""
    fresh = config.load(consortium_file, base_port=base_port, consensus=consensus)
    saved = saved_consortium_file(fresh.home)
    if saved.exists():
        existing = config.load(str(saved))
        if consensus and consensus != existing.consensus:
            raise NetworkError(f"network {existing.name} already exists with consensus {existing.consensus}; "
                               f"run 'ecoledger network down --purge' first to change it")
        return existing
    return fresh


def host_file(home: Path) -> Path:
    """Which organizations this home runs (absent: all of them, the one-machine quick start)."""
    return home / "host.json"


class Network:
    """The part of a consortium this home runs: every organization (``network up`` on one machine), or
    only the organization(s) whose host this is (``org init``), the others known by their exported
    public definitions (:mod:`network.members`)."""

    def __init__(self, consortium: Consortium, local: "list[str] | tuple[str, ...] | None" = None) -> None:
        self.consortium = consortium
        self.layout = Layout.of(consortium)
        self.processes = ProcessTable(self.layout.run_dir)
        saved = host_file(self.layout.root)
        if local is None and saved.exists():
            local = json.loads(saved.read_text())["organizations"]
        codes = {consortium.org(code).code for code in local} if local is not None else None
        self.local_orgs = tuple(o for o in consortium.organizations if codes is None or o.code in codes)
        self.cas = {o.code: OrgCA(o, self.layout.org_dir(o)) for o in self.local_orgs}
        self._joined_cache: dict[str, set[str]] = {}

    @property
    def single_machine(self) -> bool:
        return len(self.local_orgs) == len(self.consortium.organizations)

    def is_local(self, org: Organization) -> bool:
        return any(o.code == org.code for o in self.local_orgs)

    def _save_host(self) -> None:
        target = host_file(self.layout.root)
        codes = [o.code for o in self.local_orgs]
        if self.single_machine and not target.exists():
            return
        if target.exists():
            saved = json.loads(target.read_text())["organizations"]
            if saved != codes:
                raise NetworkError(f"this home already runs {', '.join(saved)} of {self.consortium.name}; "
                                   f"use another ECOLEDGER_HOME for {', '.join(codes)}")
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps({"organizations": codes}))

    # -- state ---------------------------------------------------------------
    def _state(self) -> dict[str, Any]:
        if self.layout.state_file.exists():
            return json.loads(self.layout.state_file.read_text())
        return {}

    def _save_state(self, **updates: Any) -> None:
        state = self._state() | updates
        self.layout.state_file.parent.mkdir(parents=True, exist_ok=True)
        self.layout.state_file.write_text(json.dumps(state, indent=2))

    def _save_consortium(self) -> None:
        target = saved_consortium_file(self.layout.root)
        if target.exists():
            return
        c = self.consortium
        document = {
            "name": c.name, "description": c.description, "consensus": c.consensus, "base_port": c.base_port,
            "peers_per_org": c.organizations[0].peer_count, "channel": c.channel, "pair_channels": c.pair_channels,
            "chaincode": {"name": c.chaincode_name, "version": c.chaincode_version},
            "organizations": [{"code": o.code, "name": o.name, "local_name": o.local_name, "kind": o.kind,
                               **({"host": o.host} if o.host != "127.0.0.1" else {})}
                              for o in c.organizations],
            "parameters": c.parameters,
        }
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False))

    # -- what a client reads -------------------------------------------------
    @property
    def profiles_dir(self) -> Path:
        """One connection profile per organization (written by ``up``)."""
        return self.layout.profiles_dir

    @property
    def wallet_dir(self) -> Path:
        return self.layout.wallet_dir

    def write_profiles(self, progress: Progress = print) -> None:
        written = write_profiles(self.layout, self.consortium, orgs=self.local_orgs)
        changed = [p.name for p, fresh in written.items() if fresh]
        progress(f"connection profiles in {self.layout.profiles_dir}: "
                 + (f"written {', '.join(changed)}" if changed else "unchanged"))

    @property
    def package_ids(self) -> dict[str, str]:
        return self._state().get("package_ids", {})

    # -- node table ----------------------------------------------------------
    def ca_specs(self) -> list[NodeSpec]:
        return [ca.node_spec() for ca in self.cas.values()]

    def _start_cas(self, progress: Progress) -> None:
        for ca in self.cas.values():
            ca.ensure_bootstrap_secret()
        self._start(self.ca_specs(), progress)

    def chaincode_specs(self) -> list[NodeSpec]:
        ids = self.package_ids
        return [nodes.chaincode_server_spec(self.layout, o, ids[o.code])
                for o in self.local_orgs if o.code in ids]

    def orderer_specs(self) -> list[NodeSpec]:
        return [nodes.orderer_spec(self.layout, o) for o in self.local_orgs]

    def peer_specs(self) -> list[NodeSpec]:
        return [nodes.peer_spec(self.layout, p) for o in self.local_orgs for p in o.peers]

    def all_specs(self) -> list[NodeSpec]:
        return self.ca_specs() + self.orderer_specs() + self.peer_specs() + self.chaincode_specs()

    def _start(self, specs: list[NodeSpec], progress: Progress) -> None:
        for spec in specs:
            self.processes.start(spec)
        for spec in specs:
            self.processes.wait_ready(spec, timeout=90)
            progress(f"  {spec.name} ready")

    def is_running(self) -> bool:
        specs = self.all_specs()
        return bool(self._state().get("complete")) and all(
            self.processes.pid(s.name) is not None and is_healthy(s) for s in specs)

    # -- up ------------------------------------------------------------------
    def up(self, progress: Progress = print, discovery_probe: DiscoveryProbe | None = None) -> UpReport:
        """Bring the network up (idempotent); ``discovery_probe`` enables the service-discovery wait."""
        report = UpReport(self.consortium, {})
        if self.is_running():
            self.write_profiles(progress)
            report.package_ids = self.package_ids
            report.already_running = True
            return report

        def phase(name: str, action: Callable[[], None]) -> None:
            progress(f"[{name}]")
            started = time.monotonic()
            action()
            report.phases[name] = time.monotonic() - started

        if not self.single_machine:
            raise NetworkError(f"this home runs only {', '.join(o.code for o in self.local_orgs)}: use the "
                               f"per-organization commands (ecoledger org ..., ecoledger channel ...)")
        phase("binaries", lambda: binaries.install(lambda m: progress("  " + m)))
        phase("certificate authorities", lambda: self._init_orgs(progress))
        phase("identities", lambda: self._issue_identities(progress))
        self.write_profiles(progress)
        phase("channel artifacts", self._channel_artifacts)
        phase("ordering service", lambda: self._start(self.orderer_specs(), progress))
        phase("peers", lambda: self._start(self.peer_specs(), progress))
        phase("channels", lambda: self._join_channels(progress))
        phase("chaincode servers", lambda: self._chaincode_servers(progress))
        phase("chaincode lifecycle", lambda: self._deploy(progress))
        phase("consortium registry", lambda: self._bootstrap_registry(progress))
        progress("wallet: " + ", ".join(add_admins_to_wallet(self)))
        if discovery_probe is None:
            progress("[service discovery] skipped: no discovery probe given, so gateways may need a few more "
                     "seconds before submits find endorsers in every organization")
        else:
            phase("service discovery", lambda: self._wait_for_discovery(discovery_probe, progress))
        self._save_state(complete=True)
        report.package_ids = self.package_ids
        return report

    def _init_orgs(self, progress: Progress) -> None:
        self._save_consortium()
        self._save_host()
        self._start_cas(progress)

    def init_orgs(self, progress: Progress = print) -> UpReport:
        """This host's organization(s) alone: CA, identities, ordering node, peers, chaincode server.

        Nothing here needs another organization; channels come after the members exchanged their
        public definitions (``org export`` / ``org import``). Idempotent.
        """
        report = UpReport(self.consortium, {})

        def phase(name: str, action: Callable[[], None]) -> None:
            progress(f"[{name}]")
            started = time.monotonic()
            action()
            report.phases[name] = time.monotonic() - started

        phase("binaries", lambda: binaries.install(lambda m: progress("  " + m)))
        phase("certificate authorities", lambda: self._init_orgs(progress))
        phase("identities", lambda: self._issue_identities(progress))
        self.write_profiles(progress)
        nodes.write_node_configs(self.layout)
        phase("ordering service", lambda: self._start(self.orderer_specs(), progress))
        phase("peers", lambda: self._start(self.peer_specs(), progress))
        phase("chaincode servers", lambda: self._chaincode_servers(progress))
        progress("wallet: " + ", ".join(add_admins_to_wallet(self)))
        report.package_ids = self.package_ids
        return report

    def _issue_identities(self, progress: Progress) -> None:
        for org in self.local_orgs:
            ca = self.cas[org.code]
            ca.enroll_registrar()
            ca.issue(f"orderer-{org.code.lower()}", "orderer", self.layout.orderer_dir(org), tls=True)
            for peer in org.peers:
                ca.issue(f"peer{peer.index}-{org.code.lower()}", "peer", self.layout.peer_dir(peer), tls=True)
            ca.issue(f"admin-{org.code.lower()}", "admin", self.layout.admin_dir(org), tls=True,
                     attrs={"role": "admin"})
            ca.issue(f"chaincode-{org.code.lower()}", "client", self.layout.chaincode_server_dir(org), tls=True)
            progress(f"  {org.msp_id}: orderer, {len(org.peers)} peer(s), admin, chaincode server identities")

    def _channel_artifacts(self, only: "list[str] | None" = None) -> None:
        self._check_layout_version()
        nodes.write_node_configs(self.layout)
        write_configtx(self.layout, self.consortium)
        for channel in self.consortium.channels:
            if only is None or channel.name in only:
                genesis_block(self.layout, channel)
        self._save_state(layout_version=LAYOUT_VERSION)

    def _check_layout_version(self) -> None:
        """Channels made before ordering nodes had MSP ids of their own cannot be served by today's nodes."""
        made = any((self.layout.channel_dir / f"{c.name}.block").exists() for c in self.consortium.channels)
        if made and self._state().get("layout_version", 1) < LAYOUT_VERSION:
            raise NetworkError(f"the channels of {self.consortium.name} were created by an older ecoledger (ordering "
                               f"nodes shared their organization's MSP id); run 'ecoledger network down --purge' "
                               f"and bring it up again")

    def create_channels(self, progress: Progress = print, only: "list[str] | None" = None) -> list[Path]:
        """Genesis blocks of the channels (``only``: of these), from the members' public definitions (this
        host's own and the imported ones); one member makes them and shares the files, each member joins its
        own nodes. A block made before is kept: a channel's genesis block never changes."""
        from network.members import missing_definitions

        known = [c.name for c in self.consortium.channels]
        unknown = sorted(set(only or ()) - set(known))
        if unknown:
            raise NetworkError(f"no channel {', '.join(unknown)} in consortium {self.consortium.name} "
                               f"(channels: {', '.join(known)})")
        missing = missing_definitions(self.layout, self.consortium)
        if missing:
            raise NetworkError(f"cannot create the channels: no definition of {', '.join(missing)} on this host "
                               f"(each of them runs 'ecoledger org export', this host 'ecoledger org import')")
        self._channel_artifacts(only)
        blocks = [self.layout.channel_dir / f"{name}.block" for name in known if only is None or name in only]
        for block in blocks:
            progress(f"  {block}")
        return blocks

    def _join_channels(self, progress: Progress, only: "list[str] | None" = None, peers_only: bool = False) -> None:
        """This host's ordering nodes join every channel they are consenters of, its peers the channels of
        their organization."""
        for channel in self.consortium.channels:
            if only is not None and channel.name not in only:
                continue
            joined: list[str] = []
            genesis = self.layout.channel_dir / f"{channel.name}.block"
            consenters = None
            if self.consortium.consensus == "bft" and not peers_only:
                from network.configupdate import block_config, consenter_msps

                consenters = consenter_msps(block_config(genesis.read_bytes()))
            for org in self.local_orgs if not peers_only else ():
                block = genesis if consenters is None or org.orderer_msp_id in consenters \
                    else self._later_consenter_block(org, channel)
                if block is None:
                    progress(f"  {channel.name}: {org.orderer_name} is not a consenter; its peers join alone")
                    continue
                channels.join_orderer(self.layout, org, channel, block)
                joined.append(org.orderer_name)
            for org in channel.orgs:
                if self.is_local(org):
                    for peer in org.peers:
                        channels.join_peer(self.layout, peer, channel)
                        joined.append(peer.name)
            progress(f"  {channel.name}: joined by " + (", ".join(joined) or "no node of this host"))

    def _later_consenter_block(self, org: Organization, channel: Channel) -> Path | None:
        """For an ordering node that is not a consenter in ``channel``'s genesis block: the channel's latest
        config block, fetched from another member's ordering node, if an update has made it one since
        (BFT); ``None`` if it is not a consenter at all."""
        from network import configupdate as cu

        genesis = self.layout.channel_dir / f"{channel.name}.block"
        if channel.name in channels.orderer_channels(self.layout, org):
            return genesis  # joined before: nothing to fetch
        latest = self.layout.channel_dir / f"{channel.name}.config.block"
        env = nodes.peer_cli_env(self.layout, org.peers[0])
        for source in self.consortium.organizations:
            ca = self.layout.orderer_dir(source) / "tls" / "ca.crt"
            if source.code == org.code or not ca.exists():
                continue
            try:
                cu.fetch_config_block(env, channel.name, source.orderer_address, ca, latest, attempts=2)
            except ToolError:
                continue
            consenters = cu.consenter_msps(cu.block_config(latest.read_bytes()))
            return latest if org.orderer_msp_id in consenters else None
        return None

    def join_channels(self, blocks: list[Path], progress: Progress = print, peers_only: bool = False) -> list[str]:
        """Join this host's nodes to the channels whose genesis blocks another member shared (``peers_only``:
        an admitted organization whose ordering node is not a consenter of these channels)."""
        names = []
        known = {c.name for c in self.consortium.channels}
        for block in blocks:
            name = block.name.removesuffix(".block")
            if name not in known:
                raise NetworkError(f"{block.name}: no channel {name!r} in consortium {self.consortium.name} "
                                   f"(channels: {', '.join(sorted(known))})")
            target = self.layout.channel_dir / f"{name}.block"
            target.parent.mkdir(parents=True, exist_ok=True)
            if block.resolve() != target.resolve():
                shutil.copyfile(block, target)
            names.append(name)
        self._join_channels(progress, only=names, peers_only=peers_only)
        return names

    def _chaincode_servers(self, progress: Progress) -> None:
        ids = dict(self.package_ids)
        for org in self.local_orgs:
            _, ids[org.code] = package(self.layout, self.consortium, org)
        self._save_state(package_ids=ids)
        self._start(self.chaincode_specs(), progress)

    def _deploy(self, progress: Progress) -> None:
        """Install and approve for this host's organizations; commit where a majority approved."""
        lifecycle = Lifecycle(self.layout, self.consortium)
        ids = self.package_ids
        self._joined_cache.clear()  # channels joined since the last deploy
        for org in self.local_orgs:
            path, package_id = package(self.layout, self.consortium, org)
            lifecycle.install(org, path, package_id)
        for channel in self.consortium.channels:
            mine = [o for o in channel.orgs if self.is_local(o)]
            if not mine:
                continue
            if channel.name not in self._joined(mine[0]):
                progress(f"  {channel.name}: {mine[0].peers[0].name} has not joined it yet")
                continue
            plan = lifecycle.plan(channel, mine[0])
            for org in mine:
                lifecycle.approve(channel, org, ids[org.code], committed=plan.done, sequence=plan.sequence)
            if plan.done:
                progress(f"  {channel.name}: already committed (sequence {plan.sequence})")
                continue
            approvals = lifecycle.approvals(channel, mine[0], plan.sequence)
            if sum(approvals.values()) * 2 <= len(channel.orgs):
                progress(f"  {channel.name}: sequence {plan.sequence} approved by "
                         f"{', '.join(k for k, v in approvals.items() if v)}; waiting for a majority of "
                         f"{len(channel.orgs)} before commit")
                continue
            lifecycle.commit(channel, mine[0], [o for o in channel.orgs if approvals.get(o.msp_id)], plan.sequence)
            progress(f"  {channel.name}: {self.consortium.chaincode_name} {self.consortium.chaincode_version} "
                     f"committed (sequence {plan.sequence})")

    def deploy(self, progress: Progress = print) -> None:
        """``org deploy``: chaincode for this host's organizations, then the registry on each channel whose
        writer runs here (the coordinator's host for the all-members channel, either member's for a pair
        channel) once the channel has the chaincode."""
        self._deploy(progress)
        self._bootstrap_registry(progress, wait_for_chaincode=True)
        self._save_state(complete=True)

    def _joined(self, org: Organization) -> set[str]:
        """Channels ``org``'s first peer has joined (asked once per chaincode deployment)."""
        if org.code not in self._joined_cache:
            self._joined_cache[org.code] = set(channels.peer_channels(self.layout, org.peers[0]))
        return self._joined_cache[org.code]

    def _registry_written(self, channel: Channel, org: Organization) -> bool:
        """Whether the channel's ledger holds member records (a pair channel's registry is written by whichever
        of its two members deploys first once the chaincode is committed; the other finds it here)."""
        out = run_with_retry([binaries.binary("peer"), "chaincode", "query", "-C", channel.name, "-n",
                              self.consortium.chaincode_name, "-c", json.dumps({"Args": ["Registry:Members"]})],
                             env=nodes.peer_cli_env(self.layout, org.peers[0]), attempts=5, delay=2.0,
                             what=f"reading the registry of {channel.name}")
        for line in out.splitlines():  # the answer is one line of JSON among the tool's log lines
            if line.startswith("["):
                try:
                    return bool(json.loads(line))
                except ValueError:
                    continue
        raise NetworkError(f"reading the registry of {channel.name}: no answer in the peer's output:\n{out[-500:]}")

    def _has_chaincode(self, channel: Channel, org: Organization) -> bool:
        if channel.name not in self._joined(org):
            return False
        return Lifecycle(self.layout, self.consortium).committed(channel, org)

    def _bootstrap_registry(self, progress: Progress, wait_for_chaincode: bool = False) -> None:
        """Write members and rule parameters to every channel's ledger (idempotent).

        On the all-members channel as the coordinator's admin; on a pair channel as the admin of either
        region (the first to deploy once the chaincode is committed), since only the pair belongs to it.
        Pair-channel domains (ecological compensation) check roles and regions against the same records.
        """
        c = self.consortium
        done = set(self._state().get("registry_channels", []))
        argument = json.dumps({"members": c.ledger_members(), "parameters": c.parameters},
                              sort_keys=True, separators=(",", ":"))
        for channel in c.channels:
            if channel.name in done:
                progress(f"  {channel.name}: registry already written")
                continue
            writers = [o for o in channel.orgs if o.kind == "coordinator"] or list(channel.orgs)
            org = next((o for o in writers if self.is_local(o)), None)
            if org is None:
                progress(f"  {channel.name}: the registry is written from {writers[0].code}'s host")
                continue
            if wait_for_chaincode and not self._has_chaincode(channel, org):
                progress(f"  {channel.name}: registry waits for the chaincode")
                continue
            if self._registry_written(channel, org):
                done.add(channel.name)
                self._save_state(registry_channels=sorted(done))
                progress(f"  {channel.name}: registry already written (by another member)")
                continue
            targets: list[str] = []
            for member in channel.orgs:
                peer = member.peers[0]
                targets += ["--peerAddresses", peer.address,
                            "--tlsRootCertFiles", str(self.layout.peer_dir(peer) / "tls" / "ca.crt")]
            run_on_orderers(
                lambda address, ca: [binaries.binary("peer"), "chaincode", "invoke", "-o", address, "--tls", "--cafile",
                                     str(ca), "-C", channel.name, "-n", c.chaincode_name, *targets,
                                     "--waitForEvent", "-c", json.dumps({"Args": ["Registry:Bootstrap", argument]})],
                orderers_for(self.layout, c, org), env=nodes.peer_cli_env(self.layout, org.peers[0]), attempts=10,
                delay=3.0, what=f"bootstrapping the consortium registry on {channel.name}")
            done.add(channel.name)
            self._save_state(registry_channels=sorted(done))
            progress(f"  {len(c.organizations)} members and {len(c.parameters)} parameters on {channel.name}")

    def _wait_for_discovery(self, probe: DiscoveryProbe, progress: Progress, timeout: float = 180.0,
                            poll: float = 1.0, clock: Callable[[], float] = time.monotonic,
                            sleep: Callable[[float], None] = time.sleep) -> None:
        """Each organization's Gateway must find a majority of endorsers through discovery.

        Gossip needs a few seconds after channel join to learn the other
        organizations' peers; until then Gateway submits fail with "no peer
        combination can satisfy the endorsement policy".
        """
        for org in self.local_orgs:
            deadline = clock() + timeout
            while (reason := probe(admin_name(org))) is not None:
                if clock() > deadline:
                    raise NetworkError(f"{org.msp_id}: discovery did not find enough endorsers "
                                       f"within {timeout:.0f}s: {reason}")
                sleep(poll)
            progress(f"  {org.msp_id}: gateway endorses across organizations")

    # -- down / status -------------------------------------------------------
    def down(self, purge: bool = False, progress: Progress = print) -> list[str]:
        """Stop this network's recorded processes (chaincode servers first, CAs last)."""
        order = {"chaincode": 0, "peer": 1, "orderer": 2, "ca": 3}
        known = {s.name: s.kind for s in self.all_specs()}
        names = sorted(self.processes.names(), key=lambda n: order.get(known.get(n, ""), 1))
        stopped = [n for n in names if self.processes.stop(n)]
        for name in stopped:
            progress(f"  stopped {name}")
        self._save_state(complete=False) if self.layout.state_file.exists() and not purge else None
        if purge and self.layout.root.exists():
            shutil.rmtree(self.layout.root)
            progress(f"  removed {self.layout.root}")
        return stopped

    def stop_node(self, name: str) -> bool:
        return self.processes.stop(name)

    def start_node(self, name: str) -> None:
        for ca in self.cas.values():
            ca.ensure_bootstrap_secret()
        spec = next((s for s in self.all_specs() if s.name == name), None)
        if spec is None:
            raise NetworkError(f"no node named {name!r}; known: {', '.join(s.name for s in self.all_specs())}")
        self.processes.start(spec)
        self.processes.wait_ready(spec)

    def status(self) -> dict[str, Any]:
        nodes_status = []
        for spec in self.all_specs():
            pid = self.processes.pid(spec.name)
            if pid is None:
                health = "stopped"
            else:
                health = readiness(spec)
            nodes_status.append({"name": spec.name, "kind": spec.kind, "pid": pid, "health": health,
                                 "ports": list(spec.ports)})
        heights: dict[str, dict[str, int | None]] = {}
        hashes: dict[str, dict[str, str | None]] = {}
        for channel in self.consortium.channels:
            heights[channel.name], hashes[channel.name] = {}, {}
            for org in [o for o in channel.orgs if self.is_local(o)]:
                for peer in org.peers:
                    info = self._chain_info(peer, channel.name)
                    heights[channel.name][peer.name] = int(info["height"]) if info else None
                    hashes[channel.name][peer.name] = str(info.get("currentBlockHash")) if info else None
        return {"consortium": self.consortium.name, "consensus": self.consortium.consensus,
                "home": str(self.layout.root), "nodes": nodes_status, "heights": heights,
                "block_hashes": hashes,
                "chaincode": {"name": self.consortium.chaincode_name, "version": self.consortium.chaincode_version,
                              "package_ids": self.package_ids}}

    def _chain_info(self, peer: Any, channel: str) -> dict[str, Any] | None:
        if self.processes.pid(peer.name) is None:
            return None
        try:
            return dict(channels.chain_info(self.layout, peer, channel))
        except Exception:
            return None

    def log_path(self, name: str) -> Path:
        known = [s.name for s in self.all_specs()]
        matches = [n for n in known if n == name or n.startswith(name + ".")]
        if len(matches) != 1:
            raise NetworkError(f"no single node matches {name!r}; known: {', '.join(known)}")
        return self.processes.log_path(matches[0])
