"""A three-region story through the CLI on the real network: issue, trade, approve, reject, surrender, freeze.

Beijing issues SO2 allowances to Beijing Steel, which offers part of them.
Beijing Power buys at home (settles at once); Hebei Cement buys across the
border (both regulators approve); Tianjin Chemical's purchase is rejected by
Tianjin; Hebei Cement surrenders; Beijing freezes Beijing Power, which is then
refused everything until unfrozen. Every unit stays accounted for.
"""

from __future__ import annotations

import json
from typing import Any, Iterator

import pytest

from network.bootstrap import Network

from .conftest import Cli
from .permits_world import COORDINATOR, World, credit_code

VINTAGE = 2026
STEEL = credit_code("BJ", "TALE1", 1)
POWER = credit_code("BJ", "TALE1", 2)
CEMENT = credit_code("HB", "TALE1", 1)
CHEMICAL = credit_code("TJ", "TALE1", 1)


@pytest.fixture(scope="module")
def world(ecoledger: Cli, network: Network) -> Iterator[World]:
    world = World(ecoledger, network)
    world.regulator("BJ", "story-bj-regulator")
    world.regulator("HB", "story-hb-regulator")
    world.regulator("TJ", "story-tj-regulator")
    world.enterprise("BJ", "story-steel", STEEL)
    world.enterprise("BJ", "story-power", POWER)
    world.enterprise("HB", "story-cement", CEMENT)
    world.enterprise("TJ", "story-chemical", CHEMICAL)
    yield world
    world.close()


@pytest.fixture(scope="module")
def story(world: World) -> dict[str, Any]:
    """Runs the story once; the tests below look at what it left on the ledger."""
    facts: dict[str, Any] = {}
    for regulator, entity, name in [("story-bj-regulator", STEEL, "Beijing Steel Works"),
                                    ("story-bj-regulator", POWER, "Beijing Power Plant"),
                                    ("story-hb-regulator", CEMENT, "Hebei Cement Group"),
                                    ("story-tj-regulator", CHEMICAL, "Tianjin Chemical Co.")]:
        world.write(regulator, "enterprise", "register", "--entity", entity, "--name", name)

    issued = world.write("story-bj-regulator", "permit", "issue", "--to", STEEL, "--pollutant", "SO2",
                         "--vintage", str(VINTAGE), "--quantity", "1000t")
    facts["issued"] = issued
    offer = world.write("story-steel", "market", "offer", "--pollutant", "SO2", "--vintage", str(VINTAGE),
                        "--quantity", "600t", "--price", "1200/t")
    facts["offer"] = offer

    facts["home"] = world.write("story-power", "market", "buy", offer["id"], "--quantity", "100t")

    away = world.write("story-cement", "market", "buy", offer["id"], "--quantity", "200t")
    facts["away_pending"] = away
    facts["away_after_hb"] = world.write("story-hb-regulator", "market", "approve", away["id"])
    facts["away"] = world.write("story-bj-regulator", "market", "approve", away["id"])

    tianjin = world.write("story-chemical", "market", "buy", offer["id"], "--quantity", "150t")
    facts["offer_during_tianjin"] = world.query("story-steel", "market", "show", offer["id"])
    facts["rejected"] = world.write("story-tj-regulator", "market", "reject", tianjin["id"],
                                    "--reason", "Tianjin missed its PM2.5 target")

    facts["surrender"] = world.write("story-cement", "permit", "surrender", "--pollutant", "SO2",
                                     "--vintage", str(VINTAGE), "--year", str(VINTAGE), "--quantity", "150t")
    facts["frozen"] = world.write("story-bj-regulator", "permit", "freeze", POWER,
                                  "--reason", "falsified monitoring data")
    return facts


def test_an_issued_lot_is_offered_and_escrowed(world: World, story: dict[str, Any]) -> None:
    issued, offer = story["issued"], story["offer"]
    assert (issued["owner"], issued["quantity"], issued["issuing_region"]) == (STEEL, 1_000_000, "BJ")
    assert (offer["seller"], offer["quantity"], offer["status"]) == (STEEL, 600_000, "open")
    [escrow] = offer["lots"]
    lot = world.query("story-steel", "permit", "show", escrow)
    assert (lot["status"], lot["parent"], lot["offer"]) == ("escrowed", issued["id"], offer["id"])
    assert "price" not in offer and len(offer["price_hash"]) == 64


def test_a_purchase_inside_beijing_settles_at_once(world: World, story: dict[str, Any]) -> None:
    home = story["home"]
    assert (home["status"], home["cross_region"], home["buyer"]) == ("settled", False, POWER)
    [lot] = world.query("story-power", "permit", "list", "--pollutant", "SO2", "--vintage", str(VINTAGE))
    assert (lot["owner"], lot["quantity"], lot["status"]) == (POWER, 100_000, "held")


def test_a_purchase_from_hebei_settles_after_both_regulators_approve(world: World, story: dict[str, Any]) -> None:
    assert story["away_pending"]["status"] == "pending"
    assert story["away_pending"]["approvals_required"] == ["BJ", "HB"]
    assert (story["away_after_hb"]["status"], list(story["away_after_hb"]["approvals"])) == ("pending", ["HB"])
    away = story["away"]
    assert away["status"] == "settled" and sorted(away["approvals"]) == ["BJ", "HB"]
    trail = world.query("story-cement", "permit", "history", away["lots"][0], "--all")
    assert trail["root"] == story["issued"]["id"] and trail["more"] is False
    oldest_first = list(reversed(trail["items"]))
    assert list(dict.fromkeys(e["owner"] for e in oldest_first)) == [STEEL, CEMENT]
    assert [e["action"] for e in oldest_first][:2] == ["issued", "split"]
    first = world.query("story-cement", "permit", "history", away["lots"][0], "--limit", "2")
    assert first["items"] == trail["items"][:2] and first["more"] is True
    assert world.query("story-hb-regulator", "market", "trades", "--entity", CEMENT)[0]["status"] == "settled"


def test_a_rejection_returns_the_quantity_to_the_offer(world: World, story: dict[str, Any]) -> None:
    assert story["offer_during_tianjin"]["remaining"] == 600_000 - 100_000 - 200_000 - 150_000
    rejected = story["rejected"]
    assert (rejected["status"], rejected["rejection"]["region"]) == ("rejected", "TJ")
    assert rejected["rejection"]["reason"] == "Tianjin missed its PM2.5 target"
    offer = world.query("story-steel", "market", "show", story["offer"]["id"])
    assert (offer["remaining"], offer["pending"], offer["sold"], offer["status"]) == (300_000, 0, 300_000, "open")
    assert world.query("story-chemical", "permit", "list") == []


def test_a_surrender_retires_the_bought_allowances(world: World, story: dict[str, Any]) -> None:
    surrender = story["surrender"]
    assert (surrender["entity"], surrender["year"], surrender["quantity"]) == (CEMENT, VINTAGE, 150_000)
    [holding] = world.query("story-cement", "permit", "holdings")
    assert (holding["held"], holding["retired"]) == (50_000, 150_000)


def test_a_frozen_enterprise_can_neither_list_buy_nor_surrender(world: World, story: dict[str, Any]) -> None:
    assert story["frozen"]["frozen"]["reason"] == "falsified monitoring data"
    frozen = (f"enterprise {POWER} is frozen by the regulator of region BJ (falsified monitoring data); "
              "it cannot")
    world.refused("story-power", "market", "offer", "--pollutant", "SO2", "--vintage", str(VINTAGE),
                  "--quantity", "10t", "--price", "1300/t", expected=f"{frozen} list offers")
    world.refused("story-power", "market", "buy", story["offer"]["id"], "--quantity", "10t",
                  expected=f"{frozen} buy allowances")
    world.refused("story-power", "permit", "surrender", "--pollutant", "SO2", "--year", str(VINTAGE),
                  "--quantity", "10t", expected=f"{frozen} surrender allowances")
    world.refused("story-hb-regulator", "permit", "unfreeze", POWER, "--reason", "not mine",
                  expected=f"enterprise {POWER} is not registered in region HB")

    world.write("story-bj-regulator", "permit", "unfreeze", POWER, "--reason", "data corrected")
    relisted = world.write("story-power", "market", "offer", "--pollutant", "SO2", "--vintage", str(VINTAGE),
                           "--quantity", "10t", "--price", "1300/t")
    assert (relisted["seller"], relisted["quantity"]) == (POWER, 10_000)
    log = world.query("story-bj-regulator", "enterprise", "show", POWER)["log"]
    assert [entry["action"] for entry in log] == ["registered", "frozen", "unfrozen"]


def test_every_unit_is_accounted_for(world: World, story: dict[str, Any]) -> None:
    world.assert_conservation()
    row = world.totals("SO2", VINTAGE)
    assert (row["issued"], row["retired"]) == (1_000_000, 150_000)
    assert row["held"] + row["escrowed"] == 850_000
    assert world.query("story-bj-regulator", "permit", "totals", "--pollutant", "SO2")[0]["balanced"] is True


def test_events_replay_the_story_in_order(world: World, story: dict[str, Any]) -> None:
    block = story["issued"]["block"]
    lines = world.cli.ok("--as", COORDINATOR, "--json", "events", "watch", "--from-block", str(block),
                         "--limit", "9").stdout.splitlines()
    events = [json.loads(line) for line in lines]
    assert [e["event"] for e in events] == [
        "AllowanceIssued", "OfferListed", "TradeSettled", "TradePending", "TradeApproved", "TradeSettled",
        "TradePending", "TradeRejected", "AllowancesSurrendered"]
    assert events[0]["block"] == block and events[0]["tx_id"] == story["issued"]["tx_id"]
    assert events[1]["payload"]["offer"] == story["offer"]["id"]
    assert all("price" not in e["payload"] for e in events)
    text = world.cli.ok("--as", COORDINATOR, "events", "watch", "--from-block", str(block), "--limit", "1").stdout
    assert text.startswith(f"block {block}  tx {story['issued']['tx_id'][:12]}  AllowanceIssued  entity={STEEL}")
