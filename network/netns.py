"""Separate hosts on one machine: one Linux network namespace per organization.

Each host is a namespace with one veth link to a bridge in the root namespace
and an address of its own (10.77.0.2, .3, ...); the processes an organization's
commands start inside it stay there. Cutting a host off is taking its link down.
Everything is created under names starting ``ecmh`` and removed again (processes
in the namespaces, namespaces, links, bridge) even when a test fails; every
command has a time bound.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

PREFIX = "ecmh"
BRIDGE = f"{PREFIX}-br0"
SUBNET = "10.77.0"


def _ip(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["ip", *args], capture_output=True, text=True, timeout=20, check=check)


def _signal(pids: list[int], sig: int) -> None:
    for pid in pids:
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            pass


def unavailable_reason() -> str | None:
    """Why namespaces cannot be used here (None when they can)."""
    if shutil.which("ip") is None:
        return "the 'ip' command (iproute2) is not installed"
    if os.geteuid() != 0:
        return "creating network namespaces needs root"
    probe = f"{PREFIX}-probe"
    made = _ip("netns", "add", probe, check=False)
    if made.returncode != 0:
        return f"'ip netns add' is not permitted here: {made.stderr.strip()}"
    _ip("netns", "delete", probe, check=False)
    return None


@dataclass
class Host:
    code: str
    namespace: str
    address: str
    link: str  # the root-namespace end of its veth pair
    home: Path

    def command(self, argv: list[str], env: dict[str, str] | None = None) -> list[str]:
        """``argv`` run inside this host's namespace with this host's home folder."""
        settings = {"ECOLEDGER_HOME": str(self.home), **(env or {})}
        return ["ip", "netns", "exec", self.namespace, "env", *[f"{k}={v}" for k, v in settings.items()], *argv]

    def ecoledger(self, consortium: str, args: "list[str] | tuple[str, ...]", project: Path) -> list[str]:
        """``ecoledger --consortium CONSORTIUM ARGS`` as this host's admin runs it (the source tree at
        ``project``, the Fabric tools given by ``ECOLEDGER_TOOLS`` or the project's own)."""
        import sys

        env = {"ECOLEDGER_TOOLS": os.environ.get("ECOLEDGER_TOOLS", str(project / ".tools")),
               "ECOLEDGER_IDENTITY": "", "PYTHONPATH": str(project)}
        return self.command([sys.executable, "-m", "client.cli.main", "--consortium", consortium, *args], env)

    def pids(self) -> list[int]:
        out = _ip("netns", "pids", self.namespace, check=False).stdout
        return [int(p) for p in out.split()]


@dataclass
class Hosts:
    root: Path
    hosts: dict[str, Host] = field(default_factory=dict)

    def create(self, codes: list[str]) -> None:
        self.remove()  # leftovers of an interrupted run
        _ip("link", "add", BRIDGE, "type", "bridge")
        _ip("addr", "add", f"{SUBNET}.1/24", "dev", BRIDGE)
        _ip("link", "set", BRIDGE, "up")
        for i, code in enumerate(codes):
            self.add(code, i)

    def add(self, code: str, index: int) -> Host:
        name = f"{PREFIX}-{code.lower()}"
        host = Host(code, name, f"{SUBNET}.{index + 2}", f"{name}-h", self.root / code.lower())
        host.home.mkdir(parents=True, exist_ok=True)
        _ip("netns", "add", name)
        _ip("link", "add", host.link, "type", "veth", "peer", "name", f"{name}-n")
        _ip("link", "set", f"{name}-n", "netns", name)
        _ip("link", "set", host.link, "master", BRIDGE)
        _ip("link", "set", host.link, "up")
        _ip("-n", name, "addr", "add", f"{host.address}/24", "dev", f"{name}-n")
        _ip("-n", name, "link", "set", f"{name}-n", "up")
        _ip("-n", name, "link", "set", "lo", "up")
        self.hosts[code] = host
        return host

    def add_region(self, consortium_file: Path, code: str, name: str, local_name: str, target: Path) -> Host:
        """A new host for region ``code`` and, at ``target``, the consortium file with it appended last (what
        the new region's admin inits from; the members append it with ``org import --new``)."""
        import yaml

        host = self.add(code, len(self.hosts))
        data = yaml.safe_load(consortium_file.read_text())
        data["organizations"].append({"code": code, "name": name, "local_name": local_name, "kind": "region",
                                      "host": host.address})
        target.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
        return host

    def cut(self, code: str) -> None:
        """Take the host's link down: it can reach nobody and nobody reaches it."""
        _ip("link", "set", self.hosts[code].link, "down")

    def heal(self, code: str) -> None:
        _ip("link", "set", self.hosts[code].link, "up")

    def stop_processes(self) -> None:
        """End every process still running in our namespaces (only ours: they live in these namespaces)."""
        for host in self.hosts.values():
            _signal(host.pids(), signal.SIGTERM)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and any(h.pids() for h in self.hosts.values()):
            time.sleep(0.3)
        for host in self.hosts.values():
            _signal(host.pids(), signal.SIGKILL)

    def remove(self) -> None:
        """Remove namespaces and links named ``ecmh*`` (ours), with their processes."""
        existing = _ip("netns", "list", check=False).stdout.split()
        for name in [n for n in existing if n.startswith(f"{PREFIX}-")]:
            _signal([int(p) for p in _ip("netns", "pids", name, check=False).stdout.split()], signal.SIGKILL)
            _ip("netns", "delete", name, check=False)
        for code_link in _ip("-o", "link", "show", check=False).stdout.splitlines():
            name = code_link.split(":")[1].strip().split("@")[0] if ":" in code_link else ""
            if name.startswith(f"{PREFIX}-") and name.endswith("-h"):
                _ip("link", "delete", name, check=False)
        _ip("link", "delete", BRIDGE, check=False)
