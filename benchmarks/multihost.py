"""Organizations on hosts of their own: start-up and warm restart per phase, admitting a fifth region, and
submit throughput across hosts against the same consortium on loopback.

Each organization of 京津冀 runs in a Linux network namespace with its own address
(:mod:`network.netns`), brought up only with the per-organization commands an
admin runs on their own host (``org init``, ``org export/import``, ``channel
create/join``, ``org deploy``). Measured:

* cold start per phase (the four hosts' ``org init`` run at the same time, as four
  admins would; the other steps in turn) and the time until the coordinator's
  gateway commits a transaction endorsed across hosts;
* warm restart: every host's processes stopped (``network down``, data kept), then
  ``org init`` again on each host (its phases as ``org init`` reports them) and the
  time until a cross-host commit succeeds again;
* admitting 山东 (SD) end to end: its own ``org init``, the update adding its MSP
  and its ordering node as fifth BFT consenter, the membership proposal voted on the
  ledger, three admins' signatures, its nodes joining, the chaincode definition's
  next sequence, new pair channels, until SD's own gateway commits;
* submit throughput (``Proposal:Table`` as the coordinator's admin, through
  ``benchmarks.gateway_throughput --attach`` run inside the coordinator's namespace)
  and the same on a one-machine network on loopback, in the same run.

Needs root (namespaces). Everything it creates is removed at the end.

Example::

    python -m benchmarks.multihost --levels 1,8 --duration 8
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Callable

import yaml

from benchmarks.common import base_port, environment, int_list, log, positive_float, stop_on_signals, table, write_json
from network.netns import Hosts, unavailable_reason

CODES = ["BJ", "TJ", "HB", "CO"]
CONSORTIUM = "jjj-bench-hosts"
DEFAULT_BASE_PORT = 30300
LOOPBACK_BASE_PORT = 30500
PROJECT = Path(__file__).resolve().parents[1]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.multihost", description=__doc__.split("\n\n")[0])
    parser.add_argument("--base-port", type=base_port, default=DEFAULT_BASE_PORT,
                        help=f"port plan of the namespaced consortium (default {DEFAULT_BASE_PORT})")
    parser.add_argument("--loopback-port", type=base_port, default=LOOPBACK_BASE_PORT,
                        help=f"port plan of the loopback network (default {LOOPBACK_BASE_PORT})")
    parser.add_argument("--levels", type=int_list, default=[1, 8], help="submits in flight (default 1,8)")
    parser.add_argument("--duration", type=positive_float, default=8.0, help="seconds per level (default 8)")
    parser.add_argument("--skip-loopback", action="store_true", help="do not measure the loopback network")
    parser.add_argument("--json", metavar="FILE", type=Path, default=None, help="also write the results here")
    return parser.parse_args(argv)


class Site:
    """The namespaced hosts and how to run ``ecoledger`` as each host's admin."""

    def __init__(self, root: Path, port: int) -> None:
        self.root = root
        self.hosts = Hosts(root / "hosts")
        self.shared = root / "shared"
        self.shared.mkdir(parents=True, exist_ok=True)
        self.file = root / f"{CONSORTIUM}.yaml"
        self.port = port

    def create(self) -> None:
        self.hosts.create(CODES)
        data = yaml.safe_load((PROJECT / "network" / "consortia" / "jingjinji.yaml").read_text())
        data["name"], data["base_port"] = CONSORTIUM, self.port
        for org in data["organizations"]:
            org["host"] = self.hosts.hosts[org["code"]].address
        self.file.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))

    def consortium_ref(self, code: str) -> str:
        saved = self.hosts.hosts[code].home / CONSORTIUM / "consortium.yaml"
        return str(saved if saved.exists() else self.file)

    def run(self, code: str, *args: str, check: bool = True, timeout: float = 900) -> str:
        done = subprocess.run(self.hosts.hosts[code].ecoledger(self.consortium_ref(code), args, PROJECT),
                              capture_output=True, text=True, timeout=timeout, cwd=PROJECT)
        if check and done.returncode != 0:
            raise RuntimeError(f"{code}: ecoledger {' '.join(args)} failed: {done.stderr.strip()[-800:]}")
        return done.stdout if done.returncode == 0 else ""

    def until(self, code: str, *args: str, timeout: float = 300) -> str:
        deadline = time.monotonic() + timeout
        while True:
            try:
                return self.run(code, *args)
            except RuntimeError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(1)

    def each(self, codes: list[str], action: Callable[[str], Any]) -> list[Any]:
        """``action`` on several hosts at once, as their admins would."""
        with ThreadPoolExecutor(len(codes)) as pool:
            return list(pool.map(action, codes))

    def cross_host_commit(self, title: str) -> None:
        self.until("CO", "--as", "admin-co", "proposal", "table", "--kind", "resolution", "--title", title,
                   "--text", "benchmark", "--deadline", "7d")


class Clock:
    def __init__(self) -> None:
        self.phases: list[tuple[str, str, float]] = []

    def __call__(self, stage: str, name: str, action: Callable[[], Any]) -> Any:
        log(f"{stage}: {name}")
        started = time.monotonic()
        value = action()
        self.phases.append((stage, name, time.monotonic() - started))
        return value


def cold_start(site: Site, clock: Clock) -> None:
    stage = "cold start"
    inits = clock(stage, "org init, 4 hosts at once", lambda: site.each(
        CODES, lambda c: json.loads(site.run(c, "--json", "org", "init", "--org", c, "--consortium", str(site.file)))))
    for phase in inits[0]["phases_s"]:
        longest = max(i["phases_s"].get(phase, 0.0) for i in inits)
        clock.phases.append((stage, f"  of which {phase} (slowest host)", longest))

    def exchange() -> None:
        for code in CODES:
            (site.shared / f"{code.lower()}.org.json").write_text(site.run(code, "org", "export"))
        for code in CODES:
            site.run(code, "org", "import", *[str(site.shared / f"{o.lower()}.org.json") for o in CODES if o != code])
    clock(stage, "definitions exported and imported", exchange)
    clock(stage, "channels created (one host)", lambda: site.run("BJ", "channel", "create", "--out",
                                                                  str(site.shared / "blocks")))
    blocks = sorted(str(p) for p in (site.shared / "blocks").glob("*.block"))
    clock(stage, "channels joined, 4 hosts at once", lambda: site.each(
        CODES, lambda c: site.run(c, "channel", "join", *blocks)))
    for code in CODES:
        clock(stage, f"chaincode deployed on {code}'s host", lambda c=code: site.run(c, "org", "deploy"))
    clock(stage, "first commit across hosts", lambda: site.cross_host_commit("cold start"))


def warm_restart(site: Site, clock: Clock) -> None:
    stage = "warm restart"
    clock(stage, "every host stopped (network down)", lambda: site.each(CODES, lambda c: site.run(c, "network",
                                                                                                  "down")))
    inits = clock(stage, "org init, 4 hosts at once", lambda: site.each(
        CODES, lambda c: json.loads(site.run(c, "--json", "org", "init", "--org", c))))
    for phase in inits[0]["phases_s"]:
        longest = max(i["phases_s"].get(phase, 0.0) for i in inits)
        clock.phases.append((stage, f"  of which {phase} (slowest host)", longest))
    clock(stage, "first commit across hosts", lambda: site.cross_host_commit("warm restart"))


def admission(site: Site, clock: Clock) -> None:
    stage = "admit SD"
    sd_file = site.shared / "with-sd.yaml"
    site.hosts.add_region(site.file, "SD", "Shandong", "山东", sd_file)
    definition, update = site.shared / "sd.org.json", site.shared / "admit-sd.update.json"

    def init_sd() -> None:
        site.run("SD", "org", "init", "--org", "SD", "--consortium", str(sd_file))
        definition.write_text(site.run("SD", "org", "export"))
        site.run("SD", "org", "import", *[str(site.shared / f"{c.lower()}.org.json") for c in CODES])
    clock(stage, "SD's org init, export, import", init_sd)
    clock(stage, "update proposed (MSP + 5th consenter)", lambda: site.run(
        "BJ", "channel", "propose", "ecoledger", "--admit", str(definition), "--consenter", "-o", str(update)))

    def vote() -> str:
        sequence = json.loads(site.run("BJ", "--json", "channel", "signatures", str(update)))["config_sequence"]
        tabled = json.loads(site.until("BJ", "--as", "admin-bj", "--json", "proposal", "table", "--kind", "membership",
                                       "--admit", "SD", "--name", "Shandong", "--title", "admit SD",
                                       "--config-update", str(update), "--config-sequence", str(sequence),
                                       "--deadline", "1d"))
        for code in ("BJ", "TJ", "HB"):
            site.until(code, "--as", f"admin-{code.lower()}", "proposal", "vote", tabled["id"], "yes")
        site.until("CO", "--as", "admin-co", "proposal", "close", tabled["id"])
        return str(tabled["id"])
    proposal = clock(stage, "membership proposal tabled, voted, closed", vote)

    def sign_and_submit() -> None:
        for code in ("BJ", "TJ", "HB"):
            site.until(code, "--as", f"admin-{code.lower()}", "channel", "sign", str(update), "--proposal", proposal)
        site.run("CO", "channel", "submit", str(update))
    clock(stage, "3 admins signed, update submitted", sign_and_submit)
    clock(stage, "SD's nodes joined", lambda: site.run("SD", "channel", "join",
                                                         str(site.shared / "blocks" / "ecoledger.block")))
    clock(stage, "members imported SD", lambda: site.each(CODES, lambda c: site.run(c, "org", "import", "--new",
                                                                                     str(definition))))
    pair_blocks = site.shared / "blocks-sd"

    def pairs() -> None:
        site.run("BJ", "channel", "create", "bj-sd", "tj-sd", "hb-sd", "--out", str(pair_blocks))
        blocks = sorted(str(p) for p in pair_blocks.glob("*.block"))
        site.each([*CODES, "SD"], lambda c: site.run(c, "channel", "join", *blocks))
    clock(stage, "pair channels created and joined", pairs)
    for code in ["SD", *CODES]:
        clock(stage, f"chaincode deployed on {code}'s host", lambda c=code: site.run(c, "org", "deploy"))
    clock(stage, "SD's first commit", lambda: site.until(
        "SD", "--as", "admin-sd", "proposal", "table", "--kind", "resolution", "--title", "by SD", "--text", "x",
        "--deadline", "7d"))


def attached_throughput(site: Site, args: argparse.Namespace, out: Path) -> list[dict[str, Any]]:
    host = site.hosts.hosts["CO"]
    command = host.command([sys.executable, "-m", "benchmarks.gateway_throughput", "--attach", "--home",
                            str(host.home), "--consortium", site.consortium_ref("CO"), "--modes", "submit",
                            "--levels", ",".join(map(str, args.levels)), "--duration", str(args.duration),
                            "--json", str(out)],
                           {"PYTHONPATH": str(PROJECT), "ECOLEDGER_TOOLS": os.environ.get("ECOLEDGER_TOOLS",
                                                                                       str(PROJECT / ".tools"))})
    subprocess.run(command, cwd=PROJECT, check=True, timeout=1800, stdout=sys.stderr)
    return json.loads(out.read_text())["levels"]


def loopback_throughput(args: argparse.Namespace, out: Path) -> list[dict[str, Any]]:
    subprocess.run([sys.executable, "-m", "benchmarks.gateway_throughput", "--base-port", str(args.loopback_port),
                    "--modes", "submit", "--levels", ",".join(map(str, args.levels)), "--duration",
                    str(args.duration), "--json", str(out)], cwd=PROJECT, check=True, timeout=1800,
                   stdout=sys.stderr)
    return json.loads(out.read_text())["levels"]


def report(result: dict[str, Any]) -> str:
    parts = []
    if result.get("phases"):
        parts.append(table(["stage", "step", "seconds"],
                           [[p["stage"], p["step"], round(p["seconds"], 1)] for p in result["phases"]],
                           title=f"organizations on separate hosts (network namespaces), "
                                 f"{result['environment']['cpus']} CPUs"))
    rows = []
    for where in ("namespaces", "loopback"):
        for level in result.get("throughput", {}).get(where, []):
            rows.append([where, level["concurrency"], level["completed"], level["failed"],
                         round(level["throughput_per_s"], 1), level["p50_ms"], level["p95_ms"]])
    if rows:
        parts.append(table(["network", "in flight", "ok", "failed", "tx/s", "p50 ms", "p95 ms"], rows,
                           title="submit Proposal:Table as admin-co"))
    if "error" in result:
        parts.append(f"FAILED: {result['error']}")
    return "\n\n".join(parts)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    reason = unavailable_reason()
    if reason is not None:
        print(f"network namespaces unavailable: {reason}", file=sys.stderr)
        return 2
    stop_on_signals()
    started = time.monotonic()
    result: dict[str, Any] = {"benchmark": "multihost", "environment": environment(), "phases": [], "throughput": {}}
    clock = Clock()
    with tempfile.TemporaryDirectory(prefix="ecoledger-bench-hosts-") as tmp:
        site = Site(Path(tmp), args.base_port)
        try:
            site.create()
            cold_start(site, clock)
            result["throughput"]["namespaces"] = attached_throughput(site, args, Path(tmp) / "ns.json")
            warm_restart(site, clock)
            admission(site, clock)
        except Exception as err:
            result["error"] = f"{type(err).__name__}: {err}"
            log(f"FAILED: {result['error']}")
        finally:
            result["phases"] = [{"stage": s, "step": n, "seconds": round(t, 2)} for s, n, t in clock.phases]
            site.hosts.stop_processes()
            site.hosts.remove()
        if not args.skip_loopback and "error" not in result:
            try:
                result["throughput"]["loopback"] = loopback_throughput(args, Path(tmp) / "lo.json")
            except Exception as err:
                result["error"] = f"loopback: {type(err).__name__}: {err}"
    result["total_s"] = round(time.monotonic() - started, 1)
    print(report(result))
    write_json(args.json, result)
    return 1 if "error" in result else 0


if __name__ == "__main__":
    sys.exit(main())
