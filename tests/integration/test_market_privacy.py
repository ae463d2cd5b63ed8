"""Trade prices on the real network: readable by the two parties' organizations and the coordinator only.

Beijing Glass sells to Hebei Paper across regions. Tianjin (a third region)
is refused the trade's price by the chaincode, and its peer does not even
hold the price: the collection ``price_BJMSP_HBMSP`` lives on Beijing's,
Hebei's and the coordinator's peers only.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Iterator

import pytest

from client.gateway import EndorseError, GatewayError, SyncGateway
from client.market import price_endorsers, price_transient
from network.bootstrap import Network

from .conftest import Cli
from .permits_world import COORDINATOR, World, credit_code

VINTAGE = 2029
GLASS = credit_code("BJ", "PRWCY", 1)
PAPER = credit_code("HB", "PRWCY", 1)
TILES = credit_code("BJ", "PRWCY", 2)
DYES = credit_code("TJ", "PRWCY", 1)
PRICE_FEN_PER_KG = 135  # 1,350 yuan/t


@pytest.fixture(scope="module")
def world(ecoledger: Cli, network: Network) -> Iterator[World]:
    world = World(ecoledger, network)
    world.regulator("BJ", "privacy-bj-regulator")
    world.regulator("HB", "privacy-hb-regulator")
    world.regulator("TJ", "privacy-tj-regulator")
    world.enterprise("BJ", "privacy-glass", GLASS)
    world.enterprise("BJ", "privacy-tiles", TILES)
    world.enterprise("HB", "privacy-paper", PAPER)
    world.enterprise("TJ", "privacy-dyes", DYES)
    for regulator, entity in [("privacy-bj-regulator", GLASS), ("privacy-bj-regulator", TILES),
                              ("privacy-hb-regulator", PAPER), ("privacy-tj-regulator", DYES)]:
        world.write(regulator, "enterprise", "register", "--entity", entity, "--name", f"enterprise {entity}")
    world.write("privacy-bj-regulator", "permit", "issue", "--to", GLASS, "--pollutant", "NOx",
                "--vintage", str(VINTAGE), "--quantity", "500t")
    yield world
    world.close()


@pytest.fixture(scope="module")
def trade(world: World) -> dict[str, Any]:
    """Hebei Paper's pending purchase of 100 t from Beijing Glass's offer at 1,350 yuan/t."""
    offer = world.write("privacy-glass", "market", "offer", "--pollutant", "NOx", "--vintage", str(VINTAGE),
                        "--quantity", "300t", "--price", "1350/t")
    return world.write("privacy-paper", "market", "buy", offer["id"], "--quantity", "100t")


@pytest.mark.parametrize("reader", ["privacy-glass", "privacy-paper", "privacy-bj-regulator",
                                    "privacy-hb-regulator", COORDINATOR])
def test_the_parties_their_regulators_and_the_coordinator_read_the_trade_price(
        world: World, trade: dict[str, Any], reader: str) -> None:
    price = world.query(reader, "market", "price", trade["id"])
    assert (price["kind"], price["price"], price["quantity"]) == ("trade", PRICE_FEN_PER_KG, 100_000)
    assert price["amount"] == PRICE_FEN_PER_KG * 100_000
    assert price["collection"] == "price_BJMSP_HBMSP"
    assert price["matches_public_hash"] is True
    assert hashlib.sha256(f"{price['salt']}{price['price']}".encode()).hexdigest() == trade["price_hash"]
    text = world.cli.ok("--as", reader, "market", "price", trade["id"]).stdout
    assert "1,350 yuan/t (135 fen/kg)" in text and "135,000.00 yuan" in text


@pytest.mark.parametrize("reader", ["privacy-tj-regulator", "privacy-dyes", "privacy-tiles"])
def test_a_third_region_and_a_bystander_are_refused_the_trade_price(
        world: World, trade: dict[str, Any], reader: str) -> None:
    error = world.refused(reader, "market", "price", trade["id"],
                          expected=f"error: the price of {trade['id']} is readable by the seller {GLASS}, the buyer "
                                   f"{PAPER}, the regulators of regions BJ and HB and the coordinator only")
    assert str(PRICE_FEN_PER_KG) not in error


def test_a_peer_of_a_third_region_does_not_hold_the_trade_price(
        world: World, network: Network, trade: dict[str, Any]) -> None:
    """Even the coordinator, entitled to the price, cannot read it through Tianjin's peer."""
    entry = world.session.entry(COORDINATOR)
    consortium = network.consortium

    def price_through(org: str) -> Any:
        peer = consortium.org(org).peers[0]
        root = (network.layout.peer_dir(peer) / "tls" / "ca.crt").read_bytes()
        with SyncGateway.connect(peer.address, root, entry.identity, entry.signer) as gateway:
            contract = gateway.get_network(consortium.channel).get_contract(consortium.chaincode_name)
            return contract.evaluate("Market:Price", {"id": trade["id"]})

    assert price_through("HB")["price"] == PRICE_FEN_PER_KG
    assert price_through("BJ")["price"] == PRICE_FEN_PER_KG
    with pytest.raises(GatewayError) as refused:
        price_through("TJ")
    assert refused.value.chaincode_message.startswith(
        f"the price of {trade['id']} is not held by this peer: collection price_BJMSP_HBMSP is stored only on "
        "peers of its member organizations")


def test_public_records_and_events_carry_only_the_price_hash(world: World, trade: dict[str, Any]) -> None:
    public = world.query(COORDINATOR, "market", "show", trade["id"])
    offer = world.query(COORDINATOR, "market", "show", trade["offer"])
    lines = world.cli.ok("--as", COORDINATOR, "--json", "events", "watch", "--from-block", str(trade["block"]),
                         "--limit", "1").stdout
    event = json.loads(lines)
    assert event["event"] == "TradePending" and event["payload"]["trade"] == trade["id"]
    for record in (public, offer, event["payload"]):
        assert record["price_hash"] == trade["price_hash"]
        text = json.dumps(record)
        assert '"price":' not in text and '"salt":' not in text and '"amount":' not in text


def test_an_open_offer_shows_its_ask_to_any_region_and_a_cancelled_one_only_to_the_seller_side(
        world: World) -> None:
    offer = world.write("privacy-glass", "market", "offer", "--pollutant", "NOx", "--vintage", str(VINTAGE),
                        "--quantity", "50t", "--price", "1.4/kg")
    ask = world.query("privacy-dyes", "market", "price", offer["id"])
    assert (ask["price"], ask["collection"]) == (140, "price_BJMSP_TJMSP")
    assert world.query("privacy-paper", "market", "price", offer["id"])["collection"] == "price_BJMSP_HBMSP"

    world.write("privacy-glass", "market", "cancel", offer["id"])
    world.refused("privacy-dyes", "market", "price", offer["id"],
                  expected=f"offer {offer['id']} is cancelled; its asking price is readable by the seller {GLASS}, "
                           "the regulator of region BJ and the coordinator only")
    assert world.query("privacy-bj-regulator", "market", "price", offer["id"])["price"] == 140


def test_a_purchase_at_another_price_than_the_ask_is_refused(
        world: World, network: Network, trade: dict[str, Any]) -> None:
    before = world.snapshot()
    contract = world.session.contract("privacy-paper")
    endorsers = price_endorsers(network.consortium, ["BJMSP", "HBMSP"])
    with pytest.raises(EndorseError) as refused:
        contract.submit("Market:Buy", {"offer_id": trade["offer"], "quantity": 1_000},
                        transient=price_transient(PRICE_FEN_PER_KG - 1, "a-salt-of-sixteen-chars"),
                        endorsing_organizations=endorsers)
    assert refused.value.chaincode_message == (
        f"the price in the transient map does not match the asking price of offer {trade['offer']}; read the ask "
        "with Market:Price and send its price and salt")
    assert world.snapshot() == before


def test_the_gateway_will_not_choose_endorsers_for_a_private_price_itself(world: World) -> None:
    """Why the client names its endorsers: a region plus the coordinator cannot make a channel majority."""
    before = world.snapshot()
    with pytest.raises(EndorseError) as refused:
        world.session.contract("privacy-glass").submit(
            "Market:ListOffer", {"pollutant": "NOx", "vintage": VINTAGE, "quantity": 1_000},
            transient=price_transient(140, "a-salt-of-sixteen-chars"))
    assert "not in the distribution policy of the private data collection(s)" in str(refused.value)
    assert world.snapshot() == before
