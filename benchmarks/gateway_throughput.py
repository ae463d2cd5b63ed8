"""Throughput and latency of the async gateway client at several concurrency levels.

Many transactions are in flight at once on one ``grpc.aio`` channel per
identity (``client.gateway.connect`` + ``Gateway``), driven by N concurrent
workers per level:

* ``evaluate``: ``Registry:Members`` as ``admin-bj`` through BJ's peer (a query,
  no ordering);
* ``submit``: ``Proposal:Table`` of a resolution (a new proposal record and its
  index entry per transaction, so no MVCC conflicts) as ``admin-co`` through
  CO's peer: endorse (majority of organizations), order (SmartBFT), wait for
  the commit;
* ``submit-readonly`` (optional): ``Registry:WhoAmI`` submitted as ``admin-bj``,
  a transaction that is ordered and committed but writes nothing.

Latency is per transaction as the caller sees it (evaluate: one round trip;
submit: endorse + submit + commit status). Throughput is completed
transactions over the level's wall time.

The network lives in its own home folder and port plan, is reused when already
running there, and is purged at the end unless ``--keep``.

Example::

    python -m benchmarks.gateway_throughput --levels 1,4,16,32 --duration 8 --json gw.json
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import secrets
import sys
import time
from pathlib import Path
from typing import Any, Iterator

from benchmarks.common import (
    Gateways, LoadResult, add_network_options, default_home, environment, finish, int_list, log, positive_float,
    positive_int, run_load, running_network, stop_on_signals, table,
)
from network.bootstrap import Network, UpReport

DEFAULT_BASE_PORT = 29500
MODES = ("evaluate", "submit", "submit-readonly")
READER = "admin-bj"
WRITER = "admin-co"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.gateway_throughput",
        description="Evaluate and submit throughput (tx/s) and latency (p50/p95 ms) of the async gateway "
                    "client at several concurrency levels.")
    add_network_options(parser, DEFAULT_BASE_PORT)
    parser.add_argument("--levels", type=int_list, default=[1, 4, 16, 32],
                        help="concurrency levels: transactions in flight at once (default 1,4,16,32)")
    parser.add_argument("--duration", type=positive_float, default=8.0,
                        help="seconds per mode and level (default 8); in-flight transactions then finish")
    parser.add_argument("--count", type=positive_int, default=None,
                        help="a fixed number of transactions per mode and level instead of --duration")
    parser.add_argument("--modes", default="evaluate,submit",
                        help=f"comma-separated, from {', '.join(MODES)} (default evaluate,submit)")
    parser.add_argument("--warmup", type=int, default=10,
                        help="unmeasured evaluates (and a third as many submits) before measuring (default 10)")
    parser.add_argument("--home", type=Path, default=None,
                        help="home folder of the benchmark network (default: <tmp>/ecoledger-bench-gateway-<port>)")
    parser.add_argument("--keep", action="store_true",
                        help="leave the network running at the end; a later run with the same home/port reuses it")
    parser.add_argument("--attach", action="store_true",
                        help="measure the network already running in --home as it is (for instance one "
                             "organization's host of a multi-host consortium): no start, no purge")
    args = parser.parse_args(argv)
    if args.attach and args.home is None:
        parser.error("--attach needs --home (the home folder of the running network)")
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    unknown = [m for m in modes if m not in MODES]
    if unknown or not modes:
        parser.error(f"--modes: unknown mode(s) {', '.join(unknown) or '(none)'}; choose from {', '.join(MODES)}")
    args.modes = modes
    return args


class Operations:
    """One transaction of each mode; ``tag`` tells this run's proposals from those of runs on a kept network."""

    def __init__(self, gateways: Gateways) -> None:
        self.gateways = gateways
        self.tag = "b" + secrets.token_hex(4)

    @property
    def reader(self) -> Any:  # opened on first use: a host's wallet may hold only the writer
        return self.gateways.contract(READER)

    @property
    def writer(self) -> Any:
        return self.gateways.contract(WRITER)

    async def evaluate(self, worker: int, sequence: int, result: LoadResult) -> None:
        await self.reader.evaluate("Registry:Members")

    def submit_for(self, level: int) -> Any:
        async def submit(worker: int, sequence: int, result: LoadResult) -> None:
            await self.table(f"{self.tag} c{level} n{sequence}")
        return submit

    async def table(self, title: str) -> Any:
        return await self.writer.submit("Proposal:Table", {
            "kind": "resolution", "title": f"benchmark {title}", "voting_seconds": 7 * 24 * 3600,
            "text": "tabled by the gateway throughput benchmark"})

    async def submit_readonly(self, worker: int, sequence: int, result: LoadResult) -> None:
        await self.reader.submit("Registry:WhoAmI")


async def measure(network: Network, args: argparse.Namespace, rows: list[dict[str, Any]]) -> None:
    """Run every mode and level, appending one row per level to ``rows`` as it completes."""
    gateways = Gateways(network)
    try:
        ops = Operations(gateways)
        watcher = READER if "evaluate" in args.modes or "submit-readonly" in args.modes else WRITER
        chain = gateways.gateway(watcher).get_network(network.consortium.channel)
        reads = args.warmup if watcher == READER else 0
        log(f"warm-up: {reads} evaluates, {max(1, args.warmup // 3)} submits")
        for i in range(reads):
            await ops.evaluate(0, i, LoadResult(1))
        for i in range(max(1, args.warmup // 3)):
            await ops.table(f"{ops.tag} warm-up {i}")
        for mode in args.modes:
            for level in args.levels:
                operation = {"evaluate": ops.evaluate, "submit": ops.submit_for(level),
                             "submit-readonly": ops.submit_readonly}[mode]
                bound = f"{args.count} tx" if args.count else f"{args.duration:g}s"
                log(f"{mode}: concurrency {level}, {bound}")
                height_before = (await chain.query_chain_info()).height if mode != "evaluate" else None
                result = await run_load(operation, level, count=args.count,
                                        duration=None if args.count else args.duration)
                row = {"mode": mode, **result.to_json()}
                if height_before is not None:
                    await asyncio.sleep(0.2)
                    blocks = (await chain.query_chain_info()).height - height_before
                    row["blocks"] = blocks
                    row["tx_per_block"] = round(result.completed / blocks, 2) if blocks else None
                log(f"  {result.completed} ok, {result.failed} failed, {result.throughput:.1f} tx/s, "
                    f"p50 {row['p50_ms']} ms, p95 {row['p95_ms']} ms")
                for error, times in result.errors.items():
                    log(f"  {times}x {error}")
                rows.append(row)
    finally:
        await gateways.close()


def report(result: dict[str, Any]) -> str:
    headers = ["mode", "concurrency", "ok", "failed", "seconds", "tx/s", "p50 ms", "p95 ms", "max ms", "tx/block"]
    rows = [[r["mode"], r["concurrency"], r["completed"], r["failed"], round(r["elapsed_s"], 1),
             round(r["throughput_per_s"], 1), r["p50_ms"], r["p95_ms"], r["max_ms"], r.get("tx_per_block")]
            for r in result["levels"]]
    config = result["config"]
    if not result.get("levels"):
        return f"no figures: {result.get('error', 'nothing was measured')}"
    title = (f"gateway client throughput: {config['consortium']} ({config['consensus']}), "
             f"{result['environment']['cpus']} CPUs; evaluate {config['evaluate']}, submit {config['submit']}")
    text = table(headers, rows, title=title)
    if "error" in result:
        text += f"\n\nFAILED after the levels above: {result['error']}"
    return text


@contextlib.contextmanager
def attached_or_running(home: Path, args: argparse.Namespace) -> Iterator[tuple[Network, UpReport]]:
    if not args.attach:
        with running_network(home, args.base_port, args.consortium, args.consensus, args.keep) as running:
            yield running
        return
    from benchmarks.common import use_home
    from network.bootstrap import resolve

    use_home(home)
    network = Network(resolve(args.consortium))
    if not network.is_running():
        raise SystemExit(f"--attach: no network of {network.consortium.name} is running in {network.layout.root}")
    yield network, UpReport(network.consortium, network.package_ids, already_running=True)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    stop_on_signals()
    home = args.home or default_home("gateway", args.base_port)
    started = time.monotonic()
    result: dict[str, Any] = {"benchmark": "gateway_throughput", "environment": environment(), "levels": []}
    try:
        with attached_or_running(home, args) as (network, up):
            result["config"] = {
                "consortium": network.consortium.name, "consensus": network.consortium.consensus,
                "base_port": network.consortium.base_port, "home": str(home),
                "levels": args.levels, "modes": args.modes,
                "duration_s": None if args.count else args.duration, "count": args.count,
                "evaluate": f"Registry:Members as {READER}",
                "submit": f"Proposal:Table (resolution) as {WRITER}",
                "submit_readonly": f"Registry:WhoAmI as {READER}",
                "network_reused": up.already_running,
                "network_up_s": round(sum(up.phases.values()), 1),
            }
            asyncio.run(measure(network, args, result["levels"]))
    except Exception as err:
        result["error"] = f"{type(err).__name__}: {err}"
        log(f"FAILED: {result['error']}")
    return finish(result, args, started, report)


if __name__ == "__main__":
    sys.exit(main())
