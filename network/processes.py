"""Background node processes: one launcher, one log file and one PID file per node.

Nodes are started detached (their own session) so they outlive the command that
started them; ``down`` stops exactly the PIDs recorded here, never anything else.
"""

from __future__ import annotations

import os
import signal
import socket
import ssl
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from network.errors import NetworkError


@dataclass(frozen=True)
class NodeSpec:
    """Everything needed to launch one node."""

    name: str  # unique within the network, e.g. "peer0.bj.ecoledger"
    kind: str  # ca | orderer | peer | chaincode
    command: list[str]
    env: dict[str, str]
    cwd: Path
    ports: tuple[int, ...]
    health_url: str | None = None  # an operations /healthz endpoint, if the node has one
    health_port: int | None = None  # otherwise: ready when this port accepts connections
    host: str = "127.0.0.1"  # the address the node listens on (its organization's host)
    extra: dict[str, str] = field(default_factory=dict)


class ProcessTable:
    """PID and log files of one network's nodes under ``<home>/run``."""

    def __init__(self, run_dir: Path) -> None:
        self.run_dir = run_dir

    def log_path(self, name: str) -> Path:
        return self.run_dir / "logs" / f"{name}.log"

    def _pid_path(self, name: str) -> Path:
        return self.run_dir / "pids" / f"{name}.pid"

    def pid(self, name: str) -> int | None:
        path = self._pid_path(name)
        if not path.exists():
            return None
        try:
            pid = int(path.read_text().strip())
        except ValueError:
            return None
        return pid if _alive(pid) else None

    def names(self) -> list[str]:
        folder = self.run_dir / "pids"
        return sorted(p.stem for p in folder.glob("*.pid")) if folder.exists() else []

    def start(self, spec: NodeSpec) -> int:
        """Start a node unless it already runs; refuse clearly if one of its ports is taken."""
        running = self.pid(spec.name)
        if running is not None:
            return running
        for port in spec.ports:
            if port_in_use(port, spec.host):
                raise NetworkError(f"cannot start {spec.name}: port {port} is already in use by another "
                                   f"program (choose another --base-port)")
        log = self.log_path(spec.name)
        log.parent.mkdir(parents=True, exist_ok=True)
        self._pid_path(spec.name).parent.mkdir(parents=True, exist_ok=True)
        with open(log, "ab") as out:
            out.write(f"\n=== starting {spec.name} at {time.strftime('%Y-%m-%dT%H:%M:%S')} ===\n".encode())
            out.flush()
            proc = subprocess.Popen(spec.command, cwd=spec.cwd, env=spec.env, stdout=out, stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL, start_new_session=True)
        self._pid_path(spec.name).write_text(str(proc.pid))
        return proc.pid

    def stop(self, name: str, timeout: float = 15.0) -> bool:
        """SIGTERM, then SIGKILL after ``timeout``; True if a process was stopped."""
        pid = self.pid(name)
        self._pid_path(name).unlink(missing_ok=True)
        if pid is None:
            return False
        try:
            os.killpg(pid, signal.SIGTERM)
        except ProcessLookupError:
            return False
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and _alive(pid):
            time.sleep(0.1)
        if _alive(pid):
            try:
                os.killpg(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        return True

    def wait_ready(self, spec: NodeSpec, timeout: float = 60.0) -> None:
        """Poll the node's health endpoint; on failure show the end of its log."""
        deadline = time.monotonic() + timeout
        state = "not checked"
        while time.monotonic() < deadline:
            if self.pid(spec.name) is None:
                raise NetworkError(f"{spec.name} exited during start-up:\n{self.tail(spec.name)}")
            state = readiness(spec)
            if state == "OK":
                return
            time.sleep(0.25)
        raise NetworkError(f"{spec.name} did not become ready within {timeout:.0f}s ({state}):\n"
                           f"{self.tail(spec.name)}")

    def tail(self, name: str, lines: int = 15) -> str:
        path = self.log_path(name)
        if not path.exists():
            return "(no log)"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def is_healthy(spec: NodeSpec) -> bool:
    """Ready for every later step: healthy, and every port the node serves accepts connections.

    An orderer answers ``/healthz`` before its admin port listens, and the next step
    (``osnadmin channel join``) uses that port, so health alone is not readiness.
    """
    return readiness(spec) == "OK"


def readiness(spec: NodeSpec) -> str:
    """"OK", or what is not ready yet (the health endpoint's reason, or the first port not listening)."""
    if spec.health_url:
        health = health_status(spec.health_url)
        if health != "OK":
            return health
    elif spec.health_port is None or not port_in_use(spec.health_port, spec.host):
        return "not listening"
    for port in spec.ports:
        if not port_in_use(port, spec.host):
            return f"port {port} not listening"
    return "OK"


def health_status(url: str) -> str:
    """"OK", or a short reason; operations endpoints here are plain HTTP on loopback."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    try:
        with urllib.request.urlopen(url, timeout=2, context=context) as response:
            return "OK" if response.status == 200 else f"HTTP {response.status}"
    except urllib.error.HTTPError as err:
        return f"HTTP {err.code}"
    except (urllib.error.URLError, OSError) as err:
        return f"unreachable ({getattr(err, 'reason', err)})"


def port_in_use(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie child of ours counts as gone
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split()[2] != "Z"
    except OSError:
        return False
