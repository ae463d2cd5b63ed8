"""Allowance trading on a real network: trades per second, trade latency, and provenance depth.

Trading. Each worker is one seller (a BJ enterprise) with its own buyer, so
workers never touch the same keys; a trade is the whole market flow:

* same region (BJ → BJ): ``Market:ListOffer`` (price and salt in the transient
  map), the buyer waits until its own peer has the listing's block and reads
  the ask there with ``Market:Price``, then ``Market:Buy`` settles at once;
* cross region (BJ → TJ): the same, the purchase stays pending, then
  ``Market:Approve`` by the BJ regulator and by the TJ regulator (the second
  approval settles it), each once its own peer has the previous block.

Latency is from listing to settlement; the per-step medians are shown too.
Lost races (MVCC conflicts, an endorsing peer one block behind) are submitted
again, as :mod:`client.retry` decides, and counted.

Provenance. ``Permit:History`` of a lot with ``--ancestors`` ancestors (default
1,000). The chain is built by two BJ enterprises A and B in turn: the holder
lists all but 1 kg of its lot (a split: the escrowed part's parent is the
held lot), then the other buys all but 1 kg of that offer (a second split) while
the holder surrenders the 1 kg left behind, so it again holds exactly one lot.
Two generations per round, three transactions. ``Permit:History`` is timed at
several depths on the way (``--history-at``).

Example::

    python -m benchmarks.permit_trading --levels 1,4,8 --ancestors 1000 --json trading.json
"""

from __future__ import annotations

import argparse
import asyncio
import json
import secrets
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.common import (
    Gateways, LoadResult, add_network_options, default_home, environment, evaluate_until, finish, int_list,
    latency_stats, log, positive_float, positive_int, run_load, running_network, stop_on_signals, submit_retrying,
    table, wait_for_block, wait_for_endorsers,
)
from common.credit_code import ALPHABET, complete
from client.gateway import GatewayError
from client.market import new_salt, price_endorsers, price_transient
from network.bootstrap import Network
from network.onboarding import register

DEFAULT_BASE_PORT = 29300
DIVISION = {"BJ": "110000", "TJ": "120000", "HB": "130000"}
POLLUTANT = "SO2"
VINTAGE = 2025
TRADE_QUANTITY = 1_000  # kg per trade
SELLER_STOCK = 10**9  # kg issued to each seller
PRICE = 1_200  # fen per kg, sent in the transient map only
MODES = ("same", "cross")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.permit_trading",
        description="Trades per second and latency of same-region and cross-region settlement at several "
                    "concurrency levels, and the time of Permit:History for a lot with many ancestors.")
    add_network_options(parser, DEFAULT_BASE_PORT)
    parser.add_argument("--levels", type=int_list, default=[1, 4, 8],
                        help="concurrent traders (seller/buyer pairs) per level (default 1,4,8)")
    parser.add_argument("--count", type=positive_int, default=4,
                        help="trades per trader per mode and level (default 4)")
    parser.add_argument("--duration", type=positive_float, default=None,
                        help="seconds per mode and level instead of --count")
    parser.add_argument("--modes", default="same,cross",
                        help="comma-separated, from same, cross (default both); empty to skip trading")
    parser.add_argument("--ancestors", type=int, default=1000,
                        help="ancestors of the lot whose Permit:History is timed (default 1000; 0 skips)")
    parser.add_argument("--history-at", type=int_list, default=None,
                        help="depths at which Permit:History is timed (default: 10,100,250,500,... up to "
                             "--ancestors, and --ancestors itself)")
    parser.add_argument("--history-repeats", type=positive_int, default=5,
                        help="Permit:History calls per depth (default 5)")
    parser.add_argument("--home", type=Path, default=None,
                        help="home folder of the benchmark network (default: <tmp>/ecoledger-bench-permit-<port>)")
    parser.add_argument("--keep", action="store_true",
                        help="leave the network running at the end; a later run with the same home/port reuses it")
    args = parser.parse_args(argv)
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    if any(m not in MODES for m in modes):
        parser.error(f"--modes: choose from {', '.join(MODES)}")
    args.modes = modes
    if args.ancestors < 0:
        parser.error("--ancestors must be 0 or more")
    if args.history_at is None:
        marks = [d for d in (10, 100, 250, 500, 1000, 2000, 5000) if d < args.ancestors]
        args.history_at = sorted(set(marks + ([args.ancestors] if args.ancestors else [])))
    else:
        args.history_at = sorted({d for d in args.history_at if d <= args.ancestors})
    return args


# -- identities -------------------------------------------------------------------------------


def credit_code(region: str, org_code: str) -> str:
    """A valid unified social credit code: registration authority 9, category 1, the region's division."""
    return complete(f"91{DIVISION[region]}{org_code}")


@dataclass(frozen=True)
class Enterprise:
    name: str
    region: str
    entity: str


@dataclass(frozen=True)
class Cast:
    regulators: dict[str, str]
    sellers: list[Enterprise]
    home_buyers: list[Enterprise]
    away_buyers: list[Enterprise]
    chain: list[Enterprise]

    @property
    def enterprises(self) -> list[Enterprise]:
        return [*self.sellers, *self.home_buyers, *self.away_buyers, *self.chain]


def cast_for(traders: int, modes: list[str], chain: bool) -> Cast:
    tag = "".join(secrets.choice(ALPHABET) for _ in range(6))
    return Cast(
        regulators={"BJ": "bench-regulator-bj", "TJ": "bench-regulator-tj"},
        sellers=[Enterprise(f"bench-seller-{i}", "BJ", credit_code("BJ", f"BNCHA{i:04d}"))
                 for i in range(traders if modes else 0)],
        home_buyers=[Enterprise(f"bench-buyer-bj-{i}", "BJ", credit_code("BJ", f"BNCHB{i:04d}"))
                     for i in range(traders if "same" in modes else 0)],
        away_buyers=[Enterprise(f"bench-buyer-tj-{i}", "TJ", credit_code("TJ", f"BNCHC{i:04d}"))
                     for i in range(traders if "cross" in modes else 0)],
        chain=[Enterprise(f"bench-chain-{tag.lower()}-{side}", "BJ", credit_code("BJ", f"CH{tag}{side.upper()}"))
               for side in ("a", "b")] if chain else [],
    )


def enroll_all(network: Network, cast: Cast) -> None:
    """Register every identity with its organization's CA (one thread per CA) into the wallet."""
    jobs: dict[str, list[tuple[str, str, dict[str, str]]]] = {}
    for region, name in cast.regulators.items():
        jobs.setdefault(region, []).append((name, "regulator", {}))
    for e in cast.enterprises:
        jobs.setdefault(e.region, []).append((e.name, "enterprise", {"entity": e.entity}))

    def run(region: str) -> int:
        created = 0
        for name, role, attrs in jobs[region]:
            created += bool(register(network, region, name, role, attrs)["created"])
        return created

    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        created = sum(pool.map(run, list(jobs)))
    log(f"  {created} new identities ({sum(len(j) for j in jobs.values())} in all)")


async def register_and_issue(gateways: Gateways, cast: Cast, chain_stock: int) -> None:
    """Each regulator registers its region's enterprises; sellers and the first chain party get allowances."""
    limit = asyncio.Semaphore(16)

    async def register_one(e: Enterprise) -> None:
        async with limit:
            try:
                await submit_retrying(gateways.contract(cast.regulators[e.region]), "Enterprise:Register",
                                      {"entity": e.entity, "name": f"benchmark {e.name}", "region": e.region})
            except GatewayError as err:
                if "already registered" not in str(err):
                    raise

    async def issue(e: Enterprise, quantity: int) -> None:
        async with limit:
            await submit_retrying(gateways.contract(cast.regulators[e.region]), "Permit:Issue",
                                  {"entity": e.entity, "pollutant": POLLUTANT, "vintage": VINTAGE,
                                   "quantity": quantity})

    await asyncio.gather(*(register_one(e) for e in cast.enterprises))
    log(f"  {len(cast.enterprises)} enterprises registered")
    issues = [issue(e, SELLER_STOCK) for e in cast.sellers]
    issues += [issue(cast.chain[0], chain_stock)] if cast.chain else []
    await asyncio.gather(*issues)
    log(f"  {len(issues)} lots issued")


# -- trading ----------------------------------------------------------------------------------


class Trading:
    def __init__(self, gateways: Gateways, cast: Cast) -> None:
        self.gateways = gateways
        self.cast = cast
        self.consortium = gateways.network.consortium

    def trade_for(self, mode: str) -> Any:
        buyers = self.cast.home_buyers if mode == "same" else self.cast.away_buyers

        async def trade(worker: int, sequence: int, result: LoadResult) -> None:
            seller, buyer = self.cast.sellers[worker], buyers[worker]
            seller_contract = self.gateways.contract(seller.name)
            buyer_contract = self.gateways.contract(buyer.name)
            seller_msp, buyer_msp = self.gateways.msp_id(seller.name), self.gateways.msp_id(buyer.name)
            t0 = time.perf_counter()
            listed, retries = await submit_retrying(
                seller_contract, "Market:ListOffer",
                {"pollutant": POLLUTANT, "vintage": VINTAGE, "quantity": TRADE_QUANTITY},
                transient=price_transient(PRICE + sequence % 100, new_salt()),
                endorsing_organizations=price_endorsers(self.consortium, [seller_msp]))
            t1 = time.perf_counter()
            offer_id = listed.result["id"]
            waits = await wait_for_block(self.gateways, buyer.name, listed.block_number)
            ask, again = await evaluate_until(buyer_contract, "Market:Price", {"id": offer_id})
            t2 = time.perf_counter()
            bought, buy_retries = await submit_retrying(
                buyer_contract, "Market:Buy", {"offer_id": offer_id, "quantity": TRADE_QUANTITY},
                transient=price_transient(ask["price"], ask["salt"]),
                endorsing_organizations=price_endorsers(self.consortium, [seller_msp, buyer_msp]))
            t3 = time.perf_counter()
            deal = bought.result
            result.steps["list"].append(t1 - t0)
            result.steps["read ask"].append(t2 - t1)
            result.steps["buy"].append(t3 - t2)
            retries += buy_retries
            if mode == "cross":
                block = bought.block_number
                for region in deal["approvals_required"]:
                    started = time.perf_counter()
                    waits += await wait_for_block(self.gateways, self.cast.regulators[region], block)
                    approved, approve_retries = await submit_retrying(
                        self.gateways.contract(self.cast.regulators[region]), "Market:Approve",
                        {"trade_id": deal["id"]})
                    result.steps[f"approve {region}"].append(time.perf_counter() - started)
                    retries += approve_retries
                    deal, block = approved.result, approved.block_number
            if deal["status"] != "settled":
                raise RuntimeError(f"trade {deal['id']} ended {deal['status']}, not settled")
            result.extra["retries"] += retries
            result.extra["block polls"] += waits
            result.extra["ask read again"] += again

        return trade


async def run_trading(gateways: Gateways, cast: Cast, args: argparse.Namespace) -> list[dict[str, Any]]:
    trading = Trading(gateways, cast)
    rows = []
    for mode in args.modes:
        log(f"{mode}-region warm-up trade")
        await run_load(trading.trade_for(mode), 1, count=1, max_failures=1)
        for level in args.levels:
            bound = f"{args.duration:g}s" if args.duration else f"{args.count * level} trades"
            log(f"{mode}-region trades: {level} concurrent traders, {bound}")
            result = await run_load(trading.trade_for(mode), level,
                                    count=None if args.duration else args.count * level, duration=args.duration)
            row = {"mode": mode, **result.to_json()}
            steps = "; ".join(f"{name} {latency_stats(values)['p50_ms']} ms" for name, values in result.steps.items())
            log(f"  {result.completed} settled, {result.failed} failed, {result.throughput:.2f} trades/s, "
                f"p50 {row['p50_ms']} ms, p95 {row['p95_ms']} ms ({steps})")
            for error, times in result.errors.items():
                log(f"  {times}x {error}")
            rows.append(row)
    return rows


# -- provenance chain -------------------------------------------------------------------------


async def time_history(contract: Any, lot_id: str, repeats: int) -> dict[str, Any]:
    """``Permit:History``: the first page (what a person sees first), then every page to issuance."""
    seconds = []
    history: Any = None
    for _ in range(repeats):
        started = time.perf_counter()
        history = await contract.evaluate("Permit:History", {"lot_id": lot_id})
        seconds.append(time.perf_counter() - started)
    size = len(json.dumps(history, separators=(",", ":")).encode("utf-8"))
    started, pages, entries, page = time.perf_counter(), 1, [], history
    while True:
        entries.extend(page["items"])
        if not page["more"]:
            break
        page = await contract.evaluate("Permit:History", {"lot_id": lot_id, "limit": 500,
                                                          "bookmark": page["bookmark"]})
        pages += 1
    whole_ms = round((time.perf_counter() - started) * 1000 + min(seconds) * 1000, 1)
    return {"lot": lot_id, "ancestors": history["depth"], "entries": len(entries),
            "response_kb": round(size / 1024, 1), "calls": repeats, **latency_stats(seconds),
            "min_ms": round(min(seconds) * 1000, 1), "whole_pages": pages, "whole_ms": whole_ms}


async def run_chain(gateways: Gateways, cast: Cast, args: argparse.Namespace, out: dict[str, Any]) -> None:
    """Build the chain and time ``Permit:History`` on the way; ``out`` is kept up to date as it goes."""
    consortium = gateways.network.consortium
    reader = gateways.contract(cast.regulators["BJ"])
    parties = cast.chain
    contracts = [gateways.contract(p.name) for p in parties]
    endorsers = price_endorsers(consortium, [gateways.msp_id(parties[0].name)])
    [root] = await reader.evaluate("Permit:Lots", {"owner": parties[0].entity, "status": "held"})
    head, quantity, depth, holder = root["id"], root["quantity"], 0, 0
    marks = list(args.history_at)
    timings: list[dict[str, Any]] = []
    transactions = retries = 0
    started = last_report = time.monotonic()

    def record() -> None:
        elapsed = time.monotonic() - started
        out.update({"ancestors": depth, "head": head, "transactions": transactions, "retries": retries,
                    "build_s": round(elapsed, 1),
                    "generations_per_s": round(depth / elapsed, 2) if elapsed else None, "history": timings})

    record()
    log(f"building a chain of {args.ancestors} ancestors from lot {head} ({quantity} kg) between "
        f"{parties[0].name} and {parties[1].name}")

    async def checkpoint() -> None:
        if marks and depth == marks[0]:
            marks.pop(0)
            timing = await time_history(reader, head, args.history_repeats)
            timings.append(timing)
            log(f"  Permit:History at {timing['ancestors']} ancestors: p50 {timing['p50_ms']} ms "
                f"({timing['entries']} entries, {timing['response_kb']} KB)")

    while depth < args.ancestors:
        seller, buyer = holder, 1 - holder
        salt = new_salt()
        listed, r1 = await submit_retrying(
            contracts[seller], "Market:ListOffer", {"pollutant": POLLUTANT, "vintage": VINTAGE,
                                                    "quantity": quantity - 1},
            transient=price_transient(PRICE, salt), endorsing_organizations=endorsers)
        offer = listed.result
        [head] = offer["lots"]
        quantity, depth = quantity - 1, depth + 1
        transactions, retries = transactions + 1, retries + r1
        record()
        await checkpoint()
        if depth >= args.ancestors:
            break
        bought, surrendered = await asyncio.gather(
            submit_retrying(contracts[buyer], "Market:Buy", {"offer_id": offer["id"], "quantity": quantity - 1},
                            transient=price_transient(PRICE, salt), endorsing_organizations=endorsers),
            submit_retrying(contracts[seller], "Permit:Surrender",
                            {"pollutant": POLLUTANT, "year": VINTAGE, "quantity": 1, "vintage": VINTAGE}))
        [head] = bought[0].result["lots"]
        quantity, depth, holder = quantity - 1, depth + 1, buyer
        transactions, retries = transactions + 2, retries + bought[1] + surrendered[1]
        record()
        await checkpoint()
        now = time.monotonic()
        if now - last_report > 15 or depth % 100 == 0:
            last_report = now
            rate = depth / (now - started)
            log(f"  depth {depth}/{args.ancestors}: {transactions} transactions, {retries} retries, "
                f"{rate:.2f} generations/s, about {(args.ancestors - depth) / rate:.0f}s left")
    record()


# -- report -----------------------------------------------------------------------------------


def report(result: dict[str, Any]) -> str:
    parts = []
    config = result["config"]
    setup = result.get("setup_s", {})
    if setup:
        parts.append(table(["setup step", "seconds"], [[k, round(v, 1)] for k, v in setup.items()],
                           title=f"permit trading: {config['consortium']} ({config['consensus']}), "
                                 f"{result['environment']['cpus']} CPUs"))
    if result.get("trading"):
        step_names: list[str] = []
        for row in result["trading"]:
            step_names += [n for n in row.get("steps", {}) if n not in step_names]
        headers = ["mode", "traders", "settled", "failed", "seconds", "trades/s", "p50 ms", "p95 ms",
                   *[f"{n} p50" for n in step_names], "retries"]
        rows = []
        for row in result["trading"]:
            steps = row.get("steps", {})
            rows.append([row["mode"], row["concurrency"], row["completed"], row["failed"], round(row["elapsed_s"], 1),
                         round(row["throughput_per_s"], 2), row["p50_ms"], row["p95_ms"],
                         *[steps.get(n, {}).get("p50_ms") for n in step_names],
                         row.get("counters", {}).get("retries", 0)])
        parts.append(table(headers, rows, title="trades (list, read ask, buy; cross region: + 2 approvals), "
                                                f"{TRADE_QUANTITY} kg each; latency from listing to settlement"))
    chain = result.get("chain")
    if chain and chain.get("history") is not None:
        rows = [[h["ancestors"], h["entries"], h["response_kb"], h["p50_ms"], h["min_ms"], h["max_ms"],
                 h.get("whole_pages"), h.get("whole_ms")] for h in chain["history"]]
        parts.append(table(["ancestors", "entries", "first page KB", "first page p50 ms", "min ms", "max ms",
                            "pages to issuance", "all pages ms"], rows,
                           title=f"Permit:History ({chain['history'][0]['calls'] if chain['history'] else 0} calls "
                                 f"per depth, as the BJ regulator)"))
        parts.append(f"chain: {chain['ancestors']} generations built with {chain['transactions']} transactions "
                     f"({chain['retries']} retries) in {chain['build_s']}s, {chain['generations_per_s']} "
                     f"generations/s")
    if "error" in result:
        parts.append(f"FAILED: {result['error']}")
    return "\n\n".join(parts)


async def measure(network: Network, cast: Cast, args: argparse.Namespace, result: dict[str, Any]) -> None:
    gateways = Gateways(network)
    try:
        started = time.monotonic()
        log("waiting until the gateways know every organization's peer")
        await wait_for_endorsers(gateways, ["admin-bj", "admin-tj"])
        result["setup_s"]["discovery"] = time.monotonic() - started
        started = time.monotonic()
        stock = 2 * args.ancestors + 1000
        await register_and_issue(gateways, cast, stock)
        result["setup_s"]["register enterprises, issue lots"] = time.monotonic() - started
        if args.modes:
            result["trading"] = await run_trading(gateways, cast, args)
        if args.ancestors:
            result["chain"] = {}
            await run_chain(gateways, cast, args, result["chain"])
    finally:
        await gateways.close()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    stop_on_signals()
    home = args.home or default_home("permit", args.base_port)
    cast = cast_for(max(args.levels), args.modes, args.ancestors > 0)
    result: dict[str, Any] = {"benchmark": "permit_trading", "environment": environment(), "setup_s": {}}
    started = time.monotonic()
    try:
        with running_network(home, args.base_port, args.consortium, args.consensus, args.keep) as (network, up):
            result["config"] = {
                "consortium": network.consortium.name, "consensus": network.consortium.consensus,
                "base_port": network.consortium.base_port, "home": str(home), "levels": args.levels,
                "modes": args.modes, "count_per_trader": None if args.duration else args.count,
                "duration_s": args.duration, "trade_quantity_kg": TRADE_QUANTITY, "ancestors": args.ancestors,
                "history_at": args.history_at, "network_reused": up.already_running}
            result["setup_s"]["network up"] = float(sum(up.phases.values()))
            started_ids = time.monotonic()
            log(f"enrolling {len(cast.enterprises) + len(cast.regulators)} identities")
            enroll_all(network, cast)
            result["setup_s"]["enroll identities (CA)"] = time.monotonic() - started_ids
            asyncio.run(measure(network, cast, args, result))
    except Exception as err:
        result["error"] = f"{type(err).__name__}: {err}"
        log(f"FAILED: {result['error']}")
    finally:
        exit_code = finish(result, args, started, report)
    return exit_code


if __name__ == "__main__":
    sys.exit(main())
