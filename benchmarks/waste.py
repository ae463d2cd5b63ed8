"""Hazardous-waste manifests on a real network: full lifecycles per second, and read latency as the ledger grows.

Setup: a BJ and an HB regulator; per worker of the highest level one BJ generator (each in its own city, so
manifest numbers do not queue on one city's serial), one HB facility (each with its own intake row) and
two transporters, one of each region.

Lifecycle (``--levels``, default 1,4,16 concurrent workers): each worker runs manifests end to end, one
after the other: create, approve (BJ), consent (HB), pick-up, hand-off, receipt, disposal: seven
transactions, each submitted and committed (on every organization's peer) before the next. Figures:
manifests completed per second, the latency of a whole lifecycle, and of each step.

Reads (``--populations``, default 10000,100000): create-only manifests are added until the ledger holds
that many, then ``Manifest:Balance`` (coordinator, first page) and ``Manifest:Alerts`` (first page of every
kind) are evaluated ``--reads`` times each. Filling 100,000 manifests takes one create transaction each;
on a small machine that is hours, so pass smaller populations for a quick run.

Example::

    python -m benchmarks.waste --levels 1,4 --populations 200,1000 --json waste.json
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import sys
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from benchmarks.common import (
    Gateways, LoadResult, add_network_options, default_home, environment, finish, int_list, latency_stats, log,
    positive_int, run_load, running_network, stop_on_signals, submit_retrying, table, wait_for_block,
    wait_for_endorsers,
)
from common.credit_code import ALPHABET, complete
from network.bootstrap import Network
from network.onboarding import register

DEFAULT_BASE_PORT = 30100
OIL = "HW08 900-249-08"
STEPS = ("create", "approve", "consent", "pickup", "handoff", "receive", "dispose")
COORDINATOR = "admin-co"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.waste", description=__doc__.splitlines()[0])
    add_network_options(parser, DEFAULT_BASE_PORT)
    parser.add_argument("--levels", type=int_list, default=[1, 4, 16], help="concurrent workers per level")
    parser.add_argument("--per-worker", type=positive_int, default=5, help="lifecycles per worker and level")
    parser.add_argument("--populations", type=int_list, default=[10_000, 100_000],
                        help="manifests on the ledger when reads are timed (default 10000,100000)")
    parser.add_argument("--fill-concurrency", type=positive_int, default=32, help="workers creating the population")
    parser.add_argument("--reads", type=positive_int, default=20, help="timed evaluations per read and population")
    parser.add_argument("--home", type=Path, default=None, help="network home (default: a temporary folder)")
    parser.add_argument("--keep", action="store_true", help="leave the network running afterwards")
    return parser.parse_args(argv)


@dataclass
class Worker:
    generator: str
    generator_login: str
    facility: str
    facility_login: str


@dataclass
class Cast:
    tag: str
    workers: list[Worker] = field(default_factory=list)
    truck_bj: str = ""
    truck_hb: str = ""


def cast_for(workers: int) -> Cast:
    tag = "".join(secrets.choice(ALPHABET) for _ in range(3))
    cast = Cast(tag, truck_bj=complete(f"91110000WT{tag}0001"), truck_hb=complete(f"91130000WT{tag}0002"))
    for number in range(workers):
        city = number % 99 + 1
        cast.workers.append(Worker(complete(f"9111{city:02d}00WG{tag}{number:04d}"), f"bench-gen-{tag}-{number}",
                                   complete(f"9113{city:02d}00WF{tag}{number:04d}"), f"bench-fac-{tag}-{number}"))
    return cast


def enroll(network: Network, cast: Cast) -> None:
    register(network, "BJ", "bench-waste-bj", "regulator")
    register(network, "HB", "bench-waste-hb", "regulator")
    register(network, "BJ", f"bench-truck-bj-{cast.tag}", "transporter", {"entity": cast.truck_bj})
    register(network, "HB", f"bench-truck-hb-{cast.tag}", "transporter", {"entity": cast.truck_hb})
    for worker in cast.workers:
        register(network, "BJ", worker.generator_login, "enterprise", {"entity": worker.generator})
        register(network, "HB", worker.facility_login, "facility", {"entity": worker.facility})


async def set_up_ledger(gateways: Gateways, cast: Cast) -> None:
    limit = asyncio.Semaphore(16)
    until = f"{date.today().year + 3}-12-31"

    async def write(who: str, function: str, args: dict[str, Any]) -> None:
        async with limit:
            await submit_retrying(gateways.contract(who), function, args)

    await asyncio.gather(*(write("bench-waste-bj", "Enterprise:Register",
                                 {"entity": w.generator, "name": f"benchmark generator {w.generator}", "region": "BJ"})
                           for w in cast.workers))
    await asyncio.gather(*(write("bench-waste-hb", "Facility:Licence",
                                 {"entity": w.facility, "codes": [OIL], "capacity": 10**12, "until": until})
                           for w in cast.workers))
    log(f"  {len(cast.workers)} generators registered, {len(cast.workers)} facilities licensed")


async def lifecycle(gateways: Gateways, cast: Cast, worker: Worker, result: LoadResult) -> None:
    """One manifest from creation to disposal; before each step every organization's peer has the previous
    block, since the next signer's gateway (and the peers it asks to endorse) may belong to another region."""
    truck_bj, truck_hb = f"bench-truck-bj-{cast.tag}", f"bench-truck-hb-{cast.tag}"
    admins = [f"admin-{org.code.lower()}" for org in gateways.network.consortium.organizations]
    number, block = "", -1
    for step in STEPS:
        if block >= 0:
            began = time.perf_counter()
            await asyncio.gather(*(wait_for_block(gateways, admin, block) for admin in admins))
            result.steps["wait for peers"].append(time.perf_counter() - began)
        started = time.perf_counter()
        if step == "create":
            created, _ = await submit_retrying(gateways.contract(worker.generator_login), "Manifest:Create", {
                "code": OIL, "quantity": 1_000, "form": "bulk", "facility": worker.facility,
                "transporters": [cast.truck_bj, cast.truck_hb], "hazards": ["T"]})
            number, block = created.result["id"], created.block_number
        else:
            who, args = {
                "approve": ("bench-waste-bj", {}), "consent": ("bench-waste-hb", {}),
                "pickup": (truck_bj, {"quantity": 1_000}), "handoff": (truck_hb, {"to": cast.truck_hb}),
                "receive": (worker.facility_login, {"quantity": 1_000}),
                "dispose": (worker.facility_login, {"method": "R9"})}[step]
            done, _ = await submit_retrying(gateways.contract(who), f"Manifest:{step.capitalize()}",
                                            {"manifest_id": number, **args})
            block = done.block_number
        result.steps[step].append(time.perf_counter() - started)


async def measure(network: Network, cast: Cast, args: argparse.Namespace, result: dict[str, Any]) -> None:
    gateways = Gateways(network)
    try:
        started = time.monotonic()
        logins = ["bench-waste-bj", "bench-waste-hb", COORDINATOR,
                  *[f"admin-{org.code.lower()}" for org in network.consortium.organizations]]
        await wait_for_endorsers(gateways, logins)
        await set_up_ledger(gateways, cast)
        result["setup_s"]["generators and facilities"] = time.monotonic() - started
        result["levels"] = []
        created = 0
        for level in args.levels:
            log(f"level {level}: {level * args.per_worker} lifecycles")

            async def one(index: int, sequence: int, load: LoadResult) -> None:
                await lifecycle(gateways, cast, cast.workers[index], load)

            load = await run_load(one, level, count=level * args.per_worker)
            created += load.completed + load.failed
            result["levels"].append(load.to_json())
        result["reads"] = []
        for population in args.populations:
            missing = max(0, population - created)
            log(f"filling the ledger to {population} manifests ({missing} creates)")

            async def fill(index: int, sequence: int, load: LoadResult) -> None:
                worker = cast.workers[index % len(cast.workers)]
                await submit_retrying(gateways.contract(worker.generator_login), "Manifest:Create", {
                    "code": OIL, "quantity": 1, "form": "bulk", "facility": worker.facility,
                    "transporters": [cast.truck_bj], "hazards": ["T"]})

            filled = await run_load(fill, min(args.fill_concurrency, len(cast.workers) * 4), count=missing) \
                if missing else None
            created += missing
            row: dict[str, Any] = {"population": population,
                                   "fill_per_s": round(filled.throughput, 1) if filled else None}
            for name, function, fargs in [("balance", "Manifest:Balance", {}), ("alerts", "Manifest:Alerts", {})]:
                contract = gateways.contract(COORDINATOR)
                times = []
                for _ in range(args.reads):
                    begun = time.perf_counter()
                    await contract.evaluate(function, fargs)
                    times.append(time.perf_counter() - begun)
                row[name] = latency_stats(times)
            result["reads"].append(row)
    finally:
        await gateways.close()


def report(result: dict[str, Any]) -> str:
    config = result["config"]
    parts = [table(["setup step", "seconds"], [[k, round(v, 1)] for k, v in result.get("setup_s", {}).items()],
                   title=f"waste: {config['consortium']} ({config.get('consensus', 'bft')}), "
                         f"{result['environment']['cpus']} CPUs")]
    rows = [[row["concurrency"], row["completed"], row["failed"], row["throughput_per_s"], row["p50_ms"],
             row["p95_ms"], *[row.get("steps", {}).get(step, {}).get("p50_ms") for step in STEPS]]
            for row in result.get("levels", [])]
    if rows:
        parts.append(table(["workers", "manifests", "failed", "manifests/s", "lifecycle p50 ms", "p95 ms",
                            *[f"{step} p50" for step in STEPS]], rows,
                           title="full lifecycles (7 transactions each, BJ → HB with two transporters)"))
    rows = [[row["population"], row["fill_per_s"], row["balance"]["p50_ms"], row["balance"]["p95_ms"],
             row["alerts"]["p50_ms"], row["alerts"]["p95_ms"]] for row in result.get("reads", [])]
    if rows:
        parts.append(table(["manifests", "creates/s", "balance p50 ms", "p95 ms", "alerts p50 ms", "p95 ms"], rows,
                           title="read latency as the ledger grows (first pages, as the coordinator)"))
    for row in result.get("levels", []):
        for error, count in row.get("errors", {}).items():
            parts.append(f"level {row['concurrency']}: {count} × {error}")
    if "error" in result:
        parts.append(f"FAILED: {result['error']}")
    return "\n\n".join(parts)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    stop_on_signals()
    home = args.home or default_home("waste", args.base_port)
    cast = cast_for(max(args.levels))
    result: dict[str, Any] = {"benchmark": "waste", "environment": environment(), "setup_s": {}}
    started = time.monotonic()
    try:
        with running_network(home, args.base_port, args.consortium, args.consensus, args.keep) as (network, up):
            result["config"] = {"consortium": network.consortium.name, "consensus": network.consortium.consensus,
                                "base_port": network.consortium.base_port, "levels": args.levels,
                                "per_worker": args.per_worker, "populations": args.populations,
                                "network_reused": up.already_running}
            result["setup_s"]["network up"] = float(sum(up.phases.values()))
            begun = time.monotonic()
            enroll(network, cast)
            result["setup_s"]["enroll identities (CA)"] = time.monotonic() - begun
            asyncio.run(measure(network, cast, args, result))
    except Exception as err:
        result["error"] = f"{type(err).__name__}: {err}"
        log(f"FAILED: {result['error']}")
    finally:
        exit_code = finish(result, args, started, report)
    return exit_code


if __name__ == "__main__":
    sys.exit(main())
