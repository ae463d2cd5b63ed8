"""Cold and warm ``network up``, timed by phase.

1. cold ``up`` in a fresh home folder: certificate authorities, identities,
   channel artifacts, ordering nodes, peers, channels, chaincode servers,
   chaincode lifecycle, registry bootstrap and discovery all from scratch; only
   the Fabric binaries are already installed (their phase just checks versions);
2. ``down``: every process stopped, data kept;
3. warm ``up`` on the existing ledgers (each phase finds its work done and only
   starts processes or checks), repeated ``--warm-runs`` times with a ``down``
   in between;
4. ``down --purge`` and removal of the home folder (unless ``--keep``).

Example::

    python -m benchmarks.network_up --json up.json
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.common import (
    add_network_options, environment, log, open_network, positive_int, remove_home, save_logs, stop_on_signals,
    table, up_network, use_home, write_json,
)
from network.bootstrap import Network

DEFAULT_BASE_PORT = 29000


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.network_up",
        description="Time a cold 'network up' (fresh home) and a warm one (restart on existing ledgers) by phase.")
    add_network_options(parser, DEFAULT_BASE_PORT)
    parser.add_argument("--warm-runs", type=positive_int, default=1,
                        help="how many times to stop the network and bring it up again (default 1)")
    parser.add_argument("--home", type=Path, default=None,
                        help="home folder for the benchmark network; must not hold this consortium yet "
                             "(default: a new temporary folder)")
    parser.add_argument("--keep", action="store_true",
                        help="leave the warm network running and its home in place at the end")
    return parser.parse_args(argv)


class UpFailed(Exception):
    """``up`` raised; ``record`` holds the phases timed until then, the last one being where it failed."""

    def __init__(self, record: dict[str, Any]) -> None:
        super().__init__(record["error"])
        self.record = record


def timed_up(network: Network) -> dict[str, Any]:
    marks: list[tuple[str, float]] = []

    def progress(message: str) -> None:
        log("  " + message)
        phase = re.fullmatch(r"\[(.+)\]", message)
        if phase:
            marks.append((phase.group(1), time.monotonic()))

    started = time.monotonic()
    try:
        report = up_network(network, progress)
    except Exception as err:
        now = time.monotonic()
        phases = {name: round((marks[i + 1][1] if i + 1 < len(marks) else now) - at, 3)
                  for i, (name, at) in enumerate(marks)}
        raise UpFailed({"phases": phases, "phases_total_s": round(sum(phases.values()), 3),
                        "wall_s": round(now - started, 3), "failed_in": marks[-1][0] if marks else None,
                        "error": f"{type(err).__name__}: {err}"}) from err
    wall = time.monotonic() - started
    if report.already_running:
        raise RuntimeError("the network was already running: this is not a cold or warm start")
    return {"phases": {name: round(seconds, 3) for name, seconds in report.phases.items()},
            "phases_total_s": round(sum(report.phases.values()), 3), "wall_s": round(wall, 3)}


def timed_down(network: Network, purge: bool) -> tuple[float, int]:
    started = time.monotonic()
    stopped = network.down(purge=purge, progress=lambda message: log("  " + message))
    return time.monotonic() - started, len(stopped)


def run(args: argparse.Namespace) -> dict[str, Any]:
    created_home = args.home is None
    home = Path(tempfile.mkdtemp(prefix="ecoledger-bench-up-")) if created_home else args.home
    use_home(home)
    network = open_network(args.consortium, args.base_port, args.consensus)
    if network.layout.root.exists() and any(network.layout.root.iterdir()):
        raise SystemExit(f"{network.layout.root} already holds a network: a cold start needs a fresh home "
                         f"(omit --home to use a new temporary folder)")
    result: dict[str, Any] = {
        "benchmark": "network_up",
        "environment": environment(),
        "config": {"consortium": network.consortium.name, "consensus": network.consortium.consensus,
                   "organizations": [o.code for o in network.consortium.organizations],
                   "peers_per_org": network.consortium.organizations[0].peer_count,
                   "channels": [c.name for c in network.consortium.channels],
                   "base_port": network.consortium.base_port, "home": str(home),
                   "warm_runs": args.warm_runs},
        "warm": [], "down_s": [],
    }
    purged = False
    try:
        log(f"cold up of {network.consortium.name} ({network.consortium.consensus}) in {home}, "
            f"base port {network.consortium.base_port}")
        try:
            result["cold"] = timed_up(network)
        except UpFailed as failed:
            result["cold"] = failed.record
            raise
        log(f"cold up took {result['cold']['wall_s']:.1f}s")
        for run_index in range(1, args.warm_runs + 1):
            log(f"down (processes stopped, data kept) before warm run {run_index}")
            seconds, stopped = timed_down(network, purge=False)
            result["down_s"].append(round(seconds, 3))
            result["processes"] = stopped
            log(f"warm up {run_index}/{args.warm_runs}")
            network = open_network(args.consortium, args.base_port, args.consensus)
            try:
                result["warm"].append(timed_up(network))
            except UpFailed as failed:
                result["warm"].append(failed.record)
                raise
            log(f"warm up {run_index} took {result['warm'][-1]['wall_s']:.1f}s")
        if not args.keep:
            log("down --purge")
            seconds, _ = timed_down(network, purge=True)
            result["purge_s"] = round(seconds, 3)
            purged = True
    except Exception as err:
        result["error"] = err.record["error"] if isinstance(err, UpFailed) else f"{type(err).__name__}: {err}"
        log(f"FAILED: {result['error']}")
        result["logs"] = str(save_logs(network, "up"))
    finally:
        if args.keep:
            log(f"--keep: network left running in {home} (base port {network.consortium.base_port}); "
                f"stop it with ECOLEDGER_HOME={home} ecoledger network down --purge")
        else:
            if not purged:
                log("cleaning up after an interruption: down --purge")
                network.down(purge=True, progress=lambda message: log("  " + message))
            if created_home:
                shutil.rmtree(home, ignore_errors=True)
            else:
                remove_home(home)
    return result


def report(result: dict[str, Any]) -> str:
    if "cold" not in result:
        return f"network up failed before the cold start began: {result.get('error')}"
    cold = result["cold"]
    warm = result["warm"]
    names = list(cold["phases"])
    for run in warm:
        names += [n for n in run["phases"] if n not in names]
    headers = ["phase", "cold (s)"] + [f"warm{'' if len(warm) == 1 else ' ' + str(i + 1)} (s)"
                                       for i in range(len(warm))]

    def cell(run: dict[str, Any], name: str) -> float | str | None:
        value = run["phases"].get(name)
        if value is not None and run.get("failed_in") == name:
            return f"{value:.1f} FAILED"
        return None if value is None else round(value, 2)

    rows: list[list[Any]] = [[name, cell(cold, name), *(cell(run, name) for run in warm)] for name in names]
    rows.append(["sum of phases", round(cold["phases_total_s"], 2), *(round(r["phases_total_s"], 2) for r in warm)])
    rows.append(["up, wall time", round(cold["wall_s"], 2), *(round(r["wall_s"], 2) for r in warm)])
    config = result["config"]
    title = (f"network up: {config['consortium']} ({config['consensus']}, {len(config['organizations'])} orgs, "
             f"{len(config['channels'])} channels), {result['environment']['cpus']} CPUs")
    lines = [table(headers, rows, title=title), ""]
    other = [["down (stop, keep data)", round(s, 2)] for s in result["down_s"]]
    if "purge_s" in result:
        other.append(["down --purge", round(result["purge_s"], 2)])
    lines.append(table(["step", "seconds"], other))
    if "error" in result:
        lines += ["", f"FAILED after the runs above: {result['error']}", f"node logs: {result.get('logs')}"]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    stop_on_signals()
    result = run(args)
    print(report(result))
    write_json(args.json, result)
    return 1 if "error" in result else 0


if __name__ == "__main__":
    sys.exit(main())
