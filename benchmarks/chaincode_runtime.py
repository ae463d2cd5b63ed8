"""Our Python chaincode runtime side by side with a Go twin doing the same work, on one network.

The twin (``benchmarks/gotwin``: the official Go shim, ``fabric-chaincode-go/v2``,
served as a service like ours) implements the two functions measured here with
the same keys, checks, requests to the peer, results and event:

* ``evaluate``: ``Registry:Members`` as ``admin-bj`` through BJ's peer: a range
  read of the member records, unmarshal, sort, marshal;
* ``submit``: ``Proposal:Vote`` as ``admin-co`` through CO's peer: parse the
  caller's certificate, read its member record, the proposal and the
  organization's vote (the three in one ``GET_STATE_MULTIPLE``: ``ctx.prefetch``
  in Python, ``GetMultipleStates`` in Go), write the vote (in one
  ``WRITE_BATCH_STATE``: the Python shim's default, ``StartWriteBatch`` in Go),
  emit one event, tally the proposal's votes (a range read; the Go iterator's
  ``Close`` adds a ``QUERY_STATE_CLOSE``); endorsed by a majority of
  organizations, ordered and committed.

Both chaincodes are deployed on the benchmark's own network (the twin as a
second chaincode, ``gotwin``, with its own server per organization and its own
namespace, seeded with the same member records and proposals) and measured in turn at each
level of transactions in flight, so they see the same peers, orderers and
machine load.

The coordinator's admin votes on a few open proposals in turn, changing its
vote each time (yes, no, yes ...), so concurrent submits write the same few
keys (one vote per proposal) and many are validated as MVCC read conflicts. Such a transaction went all the way (endorsed
by the chaincode, ordered, committed as invalid) and is counted as completed;
the ``mvcc`` column gives their share. Some are refused at endorsement instead,
when the endorsing peers read different versions of the key and so return
different results ("failed to collect enough transaction endorsements"): they
are counted as failed, and the run goes on. Both runtimes see the same.

Figures per level and runtime: throughput (completed transactions over the
level's wall time), latency p50/p95 of completed transactions, chaincode server
CPU per transaction (user + system time of every chaincode server process of
that runtime, from ``/proc/<pid>/stat``) and context switches per transaction
(voluntary + involuntary, summed over the threads in
``/proc/<pid>/task/*/status``); both per transaction the chaincodes worked on,
completed or failed.

Example::

    python -m benchmarks.chaincode_runtime --levels 1,8,32 --duration 8 --json runtime.json
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

from benchmarks.common import (
    Gateways, LoadResult, add_network_options, default_home, environment, evaluate_until, finish, int_list,
    latency_stats, log, positive_float, positive_int, run_load, running_network, stop_on_signals, table,
)
from benchmarks.extra_chaincode import ExtraChaincode, deploy, server_pids
from client.gateway import CommitError
from network.bootstrap import Network
from network.errors import ToolError

DEFAULT_BASE_PORT = 29700
MODES = ("evaluate", "submit")
RUNTIMES = ("python", "go")
READER = "admin-bj"
WRITER = "admin-co"
TWIN_NAME = "gotwin"
TWIN_VERSION = "1.0"
TWIN_SOURCE = Path(__file__).resolve().parent / "gotwin"
PROPOSALS = 6  # open resolution proposals the submits vote on, in turn
VOTING_SECONDS = 30 * 24 * 3600
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.chaincode_runtime",
        description="Throughput, latency, chaincode CPU and context switches per transaction of the Python "
                    "chaincode runtime next to a Go twin doing the same work, on one network.")
    add_network_options(parser, DEFAULT_BASE_PORT)
    parser.add_argument("--levels", type=int_list, default=[1, 8, 32],
                        help="transactions in flight at once (default 1,8,32)")
    parser.add_argument("--duration", type=positive_float, default=8.0,
                        help="seconds per mode, level and runtime (default 8); in-flight transactions then finish")
    parser.add_argument("--modes", default="evaluate,submit",
                        help=f"comma-separated, from {', '.join(MODES)} (default evaluate,submit)")
    parser.add_argument("--rounds", type=positive_int, default=1,
                        help="measure each mode and level this many times per runtime, alternating which "
                             "runtime goes first; figures pool the rounds (default 1)")
    parser.add_argument("--warmup", type=int, default=20,
                        help="unmeasured evaluates (and a quarter as many submits) per runtime (default 20)")
    parser.add_argument("--home", type=Path, default=None,
                        help="home folder of the benchmark network (default: <tmp>/ecoledger-bench-runtime-<port>)")
    parser.add_argument("--keep", action="store_true",
                        help="leave the network running at the end; a later run with the same home/port reuses it")
    args = parser.parse_args(argv)
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    unknown = [m for m in modes if m not in MODES]
    if unknown or not modes:
        parser.error(f"--modes: unknown mode(s) {', '.join(unknown) or '(none)'}; choose from {', '.join(MODES)}")
    args.modes = modes
    return args


# -- the Go twin ----------------------------------------------------------------------------


def build_twin(home: Path) -> Path:
    """``go build`` the twin (pinned by its go.mod/go.sum) into the benchmark home; returns the binary."""
    go = shutil.which("go")
    if go is None:
        raise ToolError("Go is not installed or not on PATH; the Go twin is built with 'go build'")
    target = home / "bin" / TWIN_NAME
    target.parent.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, CGO_ENABLED="0", GOFLAGS="-mod=readonly -buildvcs=false")
    result = subprocess.run([go, "build", "-trimpath", "-o", str(target), "."], cwd=TWIN_SOURCE, env=env,
                            capture_output=True, text=True, timeout=900)
    if result.returncode != 0:
        raise ToolError(f"go build of the Go twin failed:\n{result.stderr.strip()}")
    return target


def twin_of(binary: Path) -> ExtraChaincode:
    return ExtraChaincode(name=TWIN_NAME, version=TWIN_VERSION, command=[str(binary)])


# -- process figures ----------------------------------------------------------------------------


@dataclass
class Usage:
    """CPU seconds and context switches of a set of processes (threads summed)."""

    cpu_s: float = 0.0
    switches: int = 0

    def __sub__(self, other: "Usage") -> "Usage":
        return Usage(self.cpu_s - other.cpu_s, self.switches - other.switches)

    def __add__(self, other: "Usage") -> "Usage":
        return Usage(self.cpu_s + other.cpu_s, self.switches + other.switches)


def process_usage(pid: int) -> Usage:
    with open(f"/proc/{pid}/stat") as handle:
        fields = handle.read().rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime + stime, all threads
    switches = 0
    task_dir = f"/proc/{pid}/task"
    for task in os.listdir(task_dir):
        try:
            with open(f"{task_dir}/{task}/status") as handle:
                for line in handle:
                    if line.startswith(("voluntary_ctxt_switches:", "nonvoluntary_ctxt_switches:")):
                        switches += int(line.split()[1])
        except FileNotFoundError:  # the thread ended meanwhile
            pass
    return Usage(cpu, switches)


def usage_of(pids: Sequence[int]) -> Usage:
    total = Usage()
    for pid in pids:
        try:
            total = total + process_usage(pid)
        except (FileNotFoundError, ProcessLookupError):
            pass
    return total


# -- load -------------------------------------------------------------------------------------


@dataclass
class Runtime:
    """One chaincode as the benchmark drives it: its contracts and the PIDs of its servers."""

    name: str
    chaincode: str
    reader: Any
    writer: Any
    pids: list[int]
    proposals: list[str] = field(default_factory=list)

    def operation(self, mode: str, level: int, round_: int) -> Callable:
        if mode == "evaluate":
            async def evaluate(worker: int, sequence: int, result: LoadResult) -> None:
                await self.reader.evaluate("Registry:Members")
            return evaluate

        async def submit(worker: int, sequence: int, result: LoadResult) -> None:
            proposal = self.proposals[sequence % len(self.proposals)]
            choice = ("yes", "no")[(sequence // len(self.proposals)) % 2]
            try:
                outcome = await self.writer.submit("Proposal:Vote", {"proposal_id": proposal, "choice": choice})
            except CommitError as err:
                if not err.is_mvcc_conflict:
                    raise
                result.extra["mvcc"] += 1  # endorsed, ordered and committed (as invalid): it went all the way
                return
            if not outcome.result.get("changed"):
                result.extra["unchanged"] += 1
        return submit


def errors_by_kind(result: LoadResult) -> dict[str, int]:
    """Failures counted by message, without the transaction id each one names."""
    kinds: dict[str, int] = {}
    for error, times in result.errors.items():
        kind = re.sub(r"\s*\(tx [0-9a-f]+.*$", "", error)
        kinds[kind] = kinds.get(kind, 0) + times
    return kinds


@dataclass
class Pooled:
    """The rounds of one (mode, level, runtime), pooled."""

    completed: int = 0
    failed: int = 0
    elapsed: float = 0.0
    latencies: list[float] = field(default_factory=list)
    usage: Usage = field(default_factory=Usage)
    mvcc: int = 0
    errors: dict[str, int] = field(default_factory=dict)

    def add(self, result: LoadResult, usage: Usage) -> None:
        self.completed += result.completed
        self.failed += result.failed
        self.elapsed += result.elapsed
        self.latencies += result.latencies
        self.usage = self.usage + usage
        self.mvcc += result.extra.get("mvcc", 0)
        for error, times in errors_by_kind(result).items():
            self.errors[error] = self.errors.get(error, 0) + times

    def to_json(self) -> dict[str, Any]:
        n = self.completed + self.failed  # the chaincodes worked on failed transactions too
        return {
            "completed": self.completed,
            "failed": self.failed,
            "elapsed_s": round(self.elapsed, 3),
            "throughput_per_s": round(self.completed / self.elapsed, 2) if self.elapsed else 0.0,
            **latency_stats(self.latencies),
            "chaincode_cpu_ms_per_tx": round(1000 * self.usage.cpu_s / n, 3) if n else None,
            "context_switches_per_tx": round(self.usage.switches / n, 1) if n else None,
            "mvcc_conflicts": self.mvcc,
            "errors": self.errors,
        }


async def table_proposals(writer: Any) -> list[dict[str, Any]]:
    """Open resolution proposals on ecoledger's chaincode for the submits to vote on; their records."""
    records = []
    for number in range(PROPOSALS):
        outcome = await writer.submit("Proposal:Table", {
            "kind": "resolution", "title": f"benchmark resolution {number + 1}", "voting_seconds": VOTING_SECONDS,
            "text": "votes cast by the chaincode runtime benchmark"})
        records.append(outcome.result)
    return records


async def seed_twin(twin_writer: Any, network: Network, proposals: list[dict[str, Any]]) -> None:
    """The twin's namespace gets the member records and parameters ecoledger's Bootstrap wrote, and the
    proposals tabled on ecoledger's chaincode."""
    consortium = network.consortium
    content = {"members": consortium.ledger_members(), "parameters": consortium.parameters, "proposals": proposals}
    await evaluate_until(twin_writer, "Registry:Members", timeout=120.0, poll=1.0)  # chaincode reachable
    for attempt in range(1, 11):
        try:
            await twin_writer.submit("Registry:Bootstrap", content)
            return
        except Exception as err:  # discovery may not know the new chaincode yet
            if attempt == 10:
                raise
            log(f"  seeding the twin: {err}; again in 2 s")
            await asyncio.sleep(2.0)


async def measure(network: Network, twin: ExtraChaincode, args: argparse.Namespace,
                  rows: list[dict[str, Any]]) -> None:
    gateways = Gateways(network)
    channel = network.consortium.channel
    try:
        python_pids = server_pids(network, [spec.name for spec in network.chaincode_specs()])
        twin_orgs = [org for org in network.consortium.organizations]
        go_pids = server_pids(network, [twin.server_name(org) for org in twin_orgs])
        runtimes = {
            "python": Runtime("python", network.consortium.chaincode_name, gateways.contract(READER),
                              gateways.contract(WRITER), list(python_pids.values())),
            "go": Runtime("go", TWIN_NAME,
                          gateways.gateway(READER).get_network(channel).get_contract(TWIN_NAME),
                          gateways.gateway(WRITER).get_network(channel).get_contract(TWIN_NAME),
                          list(go_pids.values())),
        }
        log(f"chaincode servers: python {sorted(python_pids)}, go {sorted(go_pids)}")
        log(f"tabling {PROPOSALS} proposals to vote on; seeding the twin with them and the consortium's members")
        proposals = await table_proposals(runtimes["python"].writer)
        for runtime in runtimes.values():
            runtime.proposals = [record["id"] for record in proposals]
        await seed_twin(runtimes["go"].writer, network, proposals)
        for runtime in runtimes.values():
            log(f"warm-up ({runtime.name}): {args.warmup} evaluates, {max(1, args.warmup // 4)} submits")
            await evaluate_until(runtime.reader, "Registry:Members", timeout=120.0, poll=1.0)
            for i in range(args.warmup):
                await runtime.reader.evaluate("Registry:Members")
            submit = runtime.operation("submit", 0, 0)
            for i in range(max(1, args.warmup // 4)):
                await submit(0, i, LoadResult(1))
        for mode in args.modes:
            for level in args.levels:
                pooled = {name: Pooled() for name in RUNTIMES}
                for round_ in range(args.rounds):
                    order = RUNTIMES if round_ % 2 == 0 else tuple(reversed(RUNTIMES))
                    for name in order:
                        runtime = runtimes[name]
                        log(f"{mode}: {name}, {level} in flight, {args.duration:g}s"
                            + (f" (round {round_ + 1}/{args.rounds})" if args.rounds > 1 else ""))
                        before = usage_of(runtime.pids)
                        # Submits on a few hot keys fail now and then by design (see the module docstring).
                        result = await run_load(runtime.operation(mode, level, round_), level,
                                                duration=args.duration,
                                                max_failures=25 if mode == "evaluate" else 1_000_000)
                        used = usage_of(runtime.pids) - before
                        pooled[name].add(result, used)
                        n = max(result.completed + result.failed, 1)
                        log(f"  {result.completed} ok, {result.failed} failed, {result.throughput:.1f} tx/s, "
                            f"CPU {1000 * used.cpu_s / n:.2f} ms/tx, {used.switches / n:.1f} switches/tx"
                            + (f", {result.extra['mvcc']} MVCC conflicts" if result.extra.get("mvcc") else ""))
                        for error, times in errors_by_kind(result).items():
                            log(f"  {times}x {error}")
                        await asyncio.sleep(0.5)  # let commits of the last submits settle
                rows.append({"mode": mode, "concurrency": level,
                             **{name: pooled[name].to_json() for name in RUNTIMES}})
    finally:
        await gateways.close()


# -- report -------------------------------------------------------------------------------------


def _ratio(numerator: float | None, denominator: float | None) -> float | None:
    if not numerator or not denominator:
        return None
    return round(numerator / denominator, 2)


def _fixed(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def report(result: dict[str, Any]) -> str:
    if not result.get("levels"):
        return f"no figures: {result.get('error', 'nothing was measured')}"
    headers = ["mode", "in flight", "py tx/s", "go tx/s", "py/go", "py p50", "go p50", "py p95", "go p95",
               "py CPU ms/tx", "go CPU ms/tx", "CPU py/go", "py cs/tx", "go cs/tx", "mvcc py/go", "failed py/go"]
    rows = []
    for row in result["levels"]:
        py, go = row["python"], row["go"]
        mvcc = "-" if row["mode"] != "submit" else \
            f"{100 * py['mvcc_conflicts'] / max(py['completed'], 1):.0f}%/{100 * go['mvcc_conflicts'] / max(go['completed'], 1):.0f}%"
        rows.append([row["mode"], row["concurrency"], round(py["throughput_per_s"], 1),
                     round(go["throughput_per_s"], 1), _fixed(_ratio(py["throughput_per_s"], go["throughput_per_s"])),
                     py["p50_ms"], go["p50_ms"], py["p95_ms"], go["p95_ms"],
                     _fixed(py["chaincode_cpu_ms_per_tx"]), _fixed(go["chaincode_cpu_ms_per_tx"]),
                     _fixed(_ratio(py["chaincode_cpu_ms_per_tx"], go["chaincode_cpu_ms_per_tx"])),
                     py["context_switches_per_tx"], go["context_switches_per_tx"], mvcc,
                     f"{py['failed']}/{go['failed']}"])
    config = result["config"]
    title = (f"chaincode runtime, Python (ours) vs Go twin: {config['consortium']} ({config['consensus']}), "
             f"{result['environment']['cpus']} CPUs, {config['duration_s']:g}s x {config['rounds']} per cell; "
             f"latencies in ms; CPU and context switches of all chaincode servers of the runtime")
    text = table(headers, rows, title=title)
    text += ("\n\nevaluate: Registry:Members as admin-bj; submit: Proposal:Vote as admin-co "
             "(endorse on a majority, order, commit; MVCC-invalid commits counted as completed, transactions "
             "refused at endorsement as failed); CPU and switches per transaction worked on (completed + failed)")
    if "error" in result:
        text += f"\n\nFAILED after the levels above: {result['error']}"
    return text


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    stop_on_signals()
    home = args.home or default_home("runtime", args.base_port)
    started = time.monotonic()
    result: dict[str, Any] = {"benchmark": "chaincode_runtime", "environment": environment(), "levels": []}
    try:
        with running_network(home, args.base_port, args.consortium, args.consensus, args.keep) as (network, up):
            result["config"] = {
                "consortium": network.consortium.name, "consensus": network.consortium.consensus,
                "base_port": network.consortium.base_port, "home": str(home), "levels": args.levels,
                "modes": args.modes, "duration_s": args.duration, "rounds": args.rounds,
                "evaluate": f"Registry:Members as {READER}", "submit": f"Proposal:Vote as {WRITER}",
                "network_reused": up.already_running,
            }
            log(f"building the Go twin ({TWIN_SOURCE})")
            binary = build_twin(network.layout.root)
            twin = twin_of(binary)
            log(f"deploying {TWIN_NAME} next to {network.consortium.chaincode_name}")
            deploy(network, twin, progress=log)
            asyncio.run(measure(network, twin, args, result["levels"]))
    except Exception as err:
        result["error"] = f"{type(err).__name__}: {err}"
        log(f"FAILED: {result['error']}")
    return finish(result, args, started, report)


if __name__ == "__main__":
    sys.exit(main())
