"""Scale: list, totals, offers and history latency as the ledger grows to 100,000 lots.

Loads lots through the real network with the bulk path ``Permit:IssueBatch``
(one transaction issues up to 500 lots), spread over a pool of Beijing
enterprises, plus offers and trades in proportion (``--offers-per-1k``,
``--trades-per-1k``). One enterprise (the "watched" one) holds a fixed, small
set of lots throughout, so its first page should cost the same at every level.
At each level (``--levels``, default 1,000 / 10,000 / 100,000 lots) it prints,
through the client library (async Gateway, each identity on its own org's peer):

* ``Permit:Lots`` first page (50) for the watched enterprise, the BJ regulator and the coordinator
* ``Permit:Totals`` (coordinator; an aggregate over every lot, so it grows with the ledger)
* ``Market:Offers`` first page of open offers
* ``Permit:History`` first page of a lot with ``--depth`` ancestors, and every page back to issuance
* the resident memory of the chaincode servers

Example::

    python -m benchmarks.scale --levels 1000,10000,100000 --json scale.json
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks.common import (
    Gateways, add_network_options, default_home, environment, finish, int_list, log, positive_int,
    running_network, stop_on_signals, submit_retrying, table, wait_for_endorsers,
)
from client.market import new_salt, price_endorsers, price_transient
from common.credit_code import complete
from network.onboarding import register

POLLUTANTS = ("SO2", "NOx", "PM", "VOCs")
VINTAGE = 2026
PRICE = 120


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.scale",
        description="Latency of first pages, totals, offers and history as the ledger grows; prints figures.")
    parser.add_argument("--levels", type=int_list, default=[1_000, 10_000, 100_000],
                        help="lot counts to measure at, ascending (default 1000,10000,100000)")
    parser.add_argument("--batch", type=positive_int, default=250, help="lots per Permit:IssueBatch (max 500)")
    parser.add_argument("--pool", type=positive_int, default=40, help="enterprises holding the bulk of the lots")
    parser.add_argument("--offers-per-1k", type=int, default=5, help="offers listed per 1,000 lots (default 5)")
    parser.add_argument("--trades-per-1k", type=int, default=2, help="trades per 1,000 lots (default 2)")
    parser.add_argument("--depth", type=positive_int, default=1000,
                        help="ancestors of the history lot (default 1000; three transactions each)")
    parser.add_argument("--repeats", type=positive_int, default=15, help="timed calls per figure (default 15)")
    parser.add_argument("--in-flight", type=positive_int, default=4, help="bulk transactions in flight (default 4)")
    parser.add_argument("--home", type=Path, default=None, help="network home (default: a folder under /tmp)")
    parser.add_argument("--keep", action="store_true", help="leave the network running afterwards")
    add_network_options(parser, default_port=29900)
    return parser.parse_args(argv)


def entity(index: int) -> str:
    return complete(f"91110000BK{index:07d}")


async def timed(contract: Any, function: str, args: dict[str, Any], repeats: int) -> dict[str, Any]:
    times, result = [], None
    for _ in range(repeats):
        started = time.perf_counter()
        result = await contract.evaluate(function, args)
        times.append((time.perf_counter() - started) * 1000)
    rows = len(result["items"]) if isinstance(result, dict) and "items" in result else len(result or [])
    return {"p50_ms": round(statistics.median(times), 1), "max_ms": round(max(times), 1), "rows": rows}


async def whole_history(contract: Any, lot_id: str) -> dict[str, Any]:
    """Every page of a lot's history back to issuance, 500 entries a page."""
    started, pages, entries, bookmark = time.perf_counter(), 0, 0, ""
    while True:
        page = await contract.evaluate("Permit:History", {"lot_id": lot_id, "limit": 500, "bookmark": bookmark})
        pages, entries, bookmark = pages + 1, entries + len(page["items"]), page["bookmark"]
        if not page["more"]:
            break
    return {"ms": round((time.perf_counter() - started) * 1000, 1), "pages": pages, "entries": entries}


def chaincode_rss_mb(network: Any) -> float:
    total = 0
    for name in network.processes.names():
        pid = network.processes.pid(name) if name.startswith("chaincode.") else None
        if pid is None:
            continue
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
    return round(total / 1024, 1)


async def run(network: Any, args: argparse.Namespace) -> dict[str, Any]:
    log("registering the regulator and the enterprises")
    register(network, "BJ", "scale-regulator", "regulator")
    watched, buyer = entity(0), entity(1)
    pool = [entity(i) for i in range(2, 2 + args.pool)]
    for index, code in enumerate([watched, buyer, *pool]):
        register(network, "BJ", f"scale-e{index}", "enterprise", {"entity": code})
    gateways = Gateways(network)
    try:
        await wait_for_endorsers(gateways, ["admin-bj", "scale-regulator"])
        regulator = gateways.contract("scale-regulator")
        for code in [watched, buyer, *pool]:
            await submit_retrying(regulator, "Enterprise:Register",
                                  {"entity": code, "name": f"Scale {code[-6:]}", "region": "BJ"})
        endorsers = price_endorsers_for(network)
        seller_contract = gateways.contract("scale-e0")
        buyer_contract = gateways.contract("scale-e1")
        # The watched enterprise: 30 lots, and a chain of --depth splits for the history figure.
        await submit_retrying(regulator, "Permit:IssueBatch", {"lots": [
            {"entity": watched, "pollutant": POLLUTANTS[i % 4], "vintage": VINTAGE, "quantity": 10_000}
            for i in range(29)] + [{"entity": watched, "pollutant": "COD", "vintage": VINTAGE,
                                    "quantity": 1_000_000}]})
        log(f"building a history chain of {args.depth} generations (list all but 1 kg, surrender the 1 kg "
            f"left behind, cancel: the escrowed part is the next generation)")
        head, quantity, started_chain = None, 1_000_000, time.monotonic()
        for step in range(args.depth):
            salt = new_salt()
            listed, _ = await submit_retrying(seller_contract, "Market:ListOffer",
                                              {"pollutant": "COD", "vintage": VINTAGE, "quantity": quantity - 1},
                                              transient=price_transient(PRICE, salt), endorsing_organizations=endorsers)
            await submit_retrying(seller_contract, "Permit:Surrender", {"pollutant": "COD", "year": VINTAGE,
                                                                        "quantity": 1, "vintage": VINTAGE})
            await submit_retrying(seller_contract, "Market:CancelOffer", {"offer_id": listed.result["id"]})
            [head] = listed.result["lots"]
            quantity -= 1
            if (step + 1) % 100 == 0:
                log(f"  {step + 1} generations in {time.monotonic() - started_chain:.0f}s")
        depth = (await coordinator_contract(gateways).evaluate("Permit:History", {"lot_id": head, "limit": 1}))["depth"]
        log(f"history lot {head} has {depth} ancestors")
        loaded = offers = trades = 0
        figures: list[dict[str, Any]] = []
        coordinator, enterprise_reader = coordinator_contract(gateways), seller_contract
        for level in args.levels:
            started = time.monotonic()
            while loaded < level:
                chunk = []
                for _ in range(args.in_flight):
                    size = min(args.batch, level - loaded - sum(len(c) for c in chunk))
                    if size <= 0:
                        break
                    base = loaded + sum(len(c) for c in chunk)
                    chunk.append([{"entity": pool[(base + i) % len(pool)], "pollutant": POLLUTANTS[(base + i) % 4],
                                   "vintage": VINTAGE - (base + i) % 3, "quantity": 1_000 + (base + i) % 97}
                                  for i in range(size)])
                await asyncio.gather(*(submit_retrying(regulator, "Permit:IssueBatch", {"lots": lots})
                                       for lots in chunk))
                loaded += sum(len(c) for c in chunk)
            want_offers = level * args.offers_per_1k // 1000
            while offers < want_offers:
                salt = new_salt()
                listed, _ = await submit_retrying(seller_contract, "Market:ListOffer",
                                                  {"pollutant": POLLUTANTS[offers % 4], "vintage": VINTAGE,
                                                   "quantity": 10},
                                                  transient=price_transient(PRICE, salt),
                                                  endorsing_organizations=endorsers)
                offers += 1
                if trades < level * args.trades_per_1k // 1000:
                    await submit_retrying(buyer_contract, "Market:Buy", {"offer_id": listed.result["id"],
                                                                         "quantity": 5},
                                          transient=price_transient(PRICE, salt), endorsing_organizations=endorsers)
                    trades += 1
            log(f"{loaded} lots, {offers} offers, {trades} trades loaded in {time.monotonic() - started:.0f}s; "
                f"measuring")
            row = {"lots": loaded, "offers": offers, "trades": trades}
            row["list_enterprise"] = await timed(enterprise_reader, "Permit:Lots", {}, args.repeats)
            row["list_regulator"] = await timed(regulator, "Permit:Lots", {}, args.repeats)
            row["list_coordinator"] = await timed(coordinator, "Permit:Lots", {}, args.repeats)
            row["offers_page"] = await timed(coordinator, "Market:Offers", {"status": "open"}, args.repeats)
            row["history_page"] = await timed(coordinator, "Permit:History", {"lot_id": head}, args.repeats)
            row["history_all"] = await whole_history(coordinator, head)
            row["totals"] = await timed(coordinator, "Permit:Totals", {}, max(1, args.repeats // 5))
            row["chaincode_rss_mb"] = chaincode_rss_mb(network)
            figures.append(row)
            log(f"  first page p50: enterprise {row['list_enterprise']['p50_ms']} ms, regulator "
                f"{row['list_regulator']['p50_ms']} ms, coordinator {row['list_coordinator']['p50_ms']} ms; "
                f"totals {row['totals']['p50_ms']} ms; chaincode RSS {row['chaincode_rss_mb']} MB")
        return {"depth": depth, "figures": figures}
    finally:
        await gateways.close()


def coordinator_contract(gateways: Gateways) -> Any:
    return gateways.contract("admin-co")


def price_endorsers_for(network: Any) -> list[str]:
    """Endorsers of a Beijing-only price (seller and buyer both in BJ)."""
    return price_endorsers(network.consortium, [network.consortium.org("BJ").msp_id])


def report(result: dict[str, Any]) -> str:
    rows = [[f"{f['lots']:,}", f"{f['offers']:,}/{f['trades']:,}", f["list_enterprise"]["p50_ms"],
             f["list_regulator"]["p50_ms"], f["list_coordinator"]["p50_ms"], f["offers_page"]["p50_ms"],
             f["history_page"]["p50_ms"], f"{f['history_all']['ms']} ({f['history_all']['entries']})",
             f["totals"]["p50_ms"], f["chaincode_rss_mb"]]
            for f in result["figures"]]
    return table(["lots", "offers/trades", "list: enterprise ms", "regulator ms", "coordinator ms",
                  "offers page ms", f"history page (depth {result['depth']}) ms", "whole history ms (entries)",
                  "totals ms", "chaincode RSS MB"],
                 rows, title="p50 latency through the client library (first page of 50)")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    stop_on_signals()
    started = time.monotonic()
    home = args.home or default_home("scale", args.base_port)
    result: dict[str, Any] = {"benchmark": "scale", "environment": environment(), "figures": [], "depth": args.depth}
    try:
        with running_network(home, args.base_port, args.consortium, args.consensus, args.keep) as (network, _):
            result.update(asyncio.run(run(network, args)))
    except Exception as err:
        result["error"] = f"{type(err).__name__}: {err}"
        log(f"FAILED: {result['error']}")
    return finish(result, args, started, report)


if __name__ == "__main__":
    sys.exit(main())
