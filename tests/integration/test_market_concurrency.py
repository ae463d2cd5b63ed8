"""Two enterprises buy most of the same offer at the same moment, each through its own gateway.

Both purchases read and write the offer record, so only one of them can
commit: the other is invalidated (MVCC) or simulated after the first and
refused. The client submits an invalidated purchase again, where the
chaincode refuses it by name because the offer no longer has enough. The
offer is never oversold and no unit is created or lost.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Iterator

import pytest

from client.gateway import GatewayError, SubmitResult
from client.market import MarketClient
from client.session import Session
from network.bootstrap import Network

from .conftest import Cli
from .permits_world import COORDINATOR, World, credit_code

VINTAGE = 2028
SELLER = credit_code("BJ", "RACE1", 1)
HOME_BUYER = credit_code("BJ", "RACE1", 2)
AWAY_BUYER = credit_code("HB", "RACE1", 1)
ROUNDS = 3
OFFERED = 10_000
WANTED = 8_000


@dataclass
class Attempt:
    """What one buyer's thread saw."""

    buyer: str
    outcome: SubmitResult | None = None
    error: GatewayError | None = None
    retries: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def world(ecoledger: Cli, network: Network) -> Iterator[World]:
    world = World(ecoledger, network)
    world.regulator("BJ", "race-bj-regulator")
    world.regulator("HB", "race-hb-regulator")
    world.enterprise("BJ", "race-seller", SELLER)
    world.enterprise("BJ", "race-home-buyer", HOME_BUYER)
    world.enterprise("HB", "race-away-buyer", AWAY_BUYER)
    for regulator, entity in [("race-bj-regulator", SELLER), ("race-bj-regulator", HOME_BUYER),
                              ("race-hb-regulator", AWAY_BUYER)]:
        world.write(regulator, "enterprise", "register", "--entity", entity, "--name", f"racer {entity}")
    world.write("race-bj-regulator", "permit", "issue", "--to", SELLER, "--pollutant", "SO2",
                "--vintage", str(VINTAGE), "--quantity", f"{ROUNDS * OFFERED}kg")
    yield world
    world.close()


def race(network: Network, offer_id: str, buyers: list[str]) -> list[Attempt]:
    """Each buyer buys ``WANTED`` kg of the offer from its own thread, session and gateway."""
    attempts = [Attempt(buyer) for buyer in buyers]
    sessions = [Session(network) for _ in buyers]
    clients = []
    for attempt, session in zip(attempts, sessions):
        entry = session.entry(attempt.buyer)
        clients.append(MarketClient(session.contract(attempt.buyer), network.consortium, entry.identity.msp_id,
                                    on_retry=lambda err, n, a=attempt: a.retries.append(type(err).__name__)))
        clients[-1].contract.evaluate("Market:Offer", {"offer_id": offer_id})  # connected and warm
    start = threading.Barrier(len(buyers))

    def buy(attempt: Attempt, client: MarketClient) -> None:
        start.wait()
        try:
            attempt.outcome = client.buy(offer_id, WANTED)
        except GatewayError as err:
            attempt.error = err

    threads = [threading.Thread(target=buy, args=pair) for pair in zip(attempts, clients)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        for session in sessions:
            session.close()
    return attempts


@pytest.mark.parametrize("round_number", range(ROUNDS))
def test_one_offer_bought_twice_at_once_is_sold_once(world: World, network: Network, round_number: int) -> None:
    offer = world.write("race-seller", "market", "offer", "--pollutant", "SO2", "--vintage", str(VINTAGE),
                        "--quantity", f"{OFFERED}kg", "--price", "980/t")
    attempts = race(network, offer["id"], ["race-home-buyer", "race-away-buyer"])
    world.sync()

    winners = [a for a in attempts if a.outcome is not None]
    losers = [a for a in attempts if a.error is not None]
    assert len(winners) == 1 and len(losers) == 1, [(a.buyer, a.outcome, a.error) for a in attempts]
    [winner], [loser] = winners, losers
    assert loser.error.chaincode_message == (
        f"offer {offer['id']} has {OFFERED - WANTED} kg available, {WANTED} kg requested"), str(loser.error)
    print(f"round {round_number}: {winner.buyer} won; retries: " +
          ", ".join(f"{a.buyer}: {a.retries}" for a in attempts))

    after = world.query(COORDINATOR, "market", "show", offer["id"])
    assert after["remaining"] == OFFERED - WANTED
    assert after["pending"] + after["sold"] == WANTED
    assert after["trades"] == [winner.outcome.result["id"]]
    world.assert_conservation()


def test_after_the_races_every_unit_is_accounted_for(world: World) -> None:
    row = world.totals("SO2", VINTAGE)
    assert row["issued"] == ROUNDS * OFFERED
    assert row["held"] + row["escrowed"] == row["issued"] and row["retired"] == 0
    offers = world.query(COORDINATOR, "market", "offers", "--seller", SELLER)
    assert sum(o["pending"] + o["sold"] for o in offers) == len(offers) * WANTED
