"""The shared runtime on the real network: bulk issuance, paged lists, paged history, several events
per transaction, and the parameter catalogue's refusals of a proposal — all through the CLI."""

from __future__ import annotations

import json
from typing import Iterator

import pytest

from network.bootstrap import Network

from .conftest import Cli
from .permits_world import COORDINATOR, World, credit_code

VINTAGE = 2027
MILL = credit_code("BJ", "PAGE1", 1)
BAKERY = credit_code("BJ", "PAGE1", 2)


@pytest.fixture(scope="module")
def world(ecoledger: Cli, network: Network) -> Iterator[World]:
    world = World(ecoledger, network)
    world.regulator("BJ", "paths-bj-regulator")
    world.enterprise("BJ", "paths-mill", MILL)
    world.enterprise("BJ", "paths-bakery", BAKERY)
    for entity, name in [(MILL, "北京造纸厂"), (BAKERY, "Beijing Bakery")]:
        world.write("paths-bj-regulator", "enterprise", "register", "--entity", entity, "--name", name)
    yield world
    world.close()


def test_issue_batch_pages_and_refuses_a_bad_file_without_writing(world: World, tmp_path) -> None:
    path = tmp_path / "lots.csv"
    path.write_text("entity,pollutant,vintage,quantity\n" +
                    "".join(f"{MILL},NOx,{VINTAGE},{q}t\n" for q in range(1, 8)))
    issued = world.write("paths-bj-regulator", "permit", "issue-batch", str(path), "--batch", "3")
    assert (issued["lots"], issued["transactions"]) == (7, 3)

    first = world.cli.run("--as", "paths-mill", "permit", "list", "--pollutant", "NOx", "--limit", "3", "--json")
    assert first.exit_code == 0, first.output
    rows = json.loads(first.stdout)
    assert len(rows) == 3 and "more rows: ecoledger" in first.stderr and "--after " in first.stderr
    bookmark = first.stderr.split("--after ")[1].split()[0]
    rest = world.query("paths-mill", "permit", "list", "--pollutant", "NOx", "--after", bookmark)
    everything = world.query("paths-mill", "permit", "list", "--pollutant", "NOx", "--all", "--limit", "2")
    assert sorted(lot["id"] for lot in rows + rest) == sorted(lot["id"] for lot in everything)
    assert sorted(lot["quantity"] for lot in everything) == [q * 1000 for q in range(1, 8)]

    bad = tmp_path / "bad.csv"
    bad.write_text(f"entity,pollutant,vintage,quantity\n{MILL},NOx,{VINTAGE},1t\n{BAKERY},NOx,{VINTAGE},1t\n"
                   f"{credit_code('HB', 'PAGE1', 9)},NOx,{VINTAGE},1t\n")
    before = world.snapshot()
    error = world.fails("paths-bj-regulator", "permit", "issue-batch", str(bad))
    assert "is not registered" in error
    assert world.snapshot() == before
    assert world.fails("paths-mill", "permit", "issue-batch", str(path)).startswith(
        "error: role 'regulator' is required for Permit:IssueBatch")


def test_history_pages_back_to_issuance_and_a_sell_out_raises_two_events(world: World) -> None:
    lot = world.write("paths-bj-regulator", "permit", "issue", "--to", MILL, "--pollutant", "SO2",
                      "--vintage", str(VINTAGE), "--quantity", "10t")
    for _ in range(3):
        world.write("paths-mill", "market", "offer", "--pollutant", "SO2", "--vintage", str(VINTAGE),
                    "--quantity", "1t", "--price", "1000/t")
    offer = world.write("paths-mill", "market", "offer", "--pollutant", "SO2", "--vintage", str(VINTAGE),
                        "--quantity", "2t", "--price", "1000/t")
    page = world.query(COORDINATOR, "permit", "history", lot["id"], "--limit", "2")
    assert [e["action"] for e in page["items"]] == ["split", "split"] and page["more"] is True
    whole = world.query(COORDINATOR, "permit", "history", lot["id"], "--all")
    assert [e["action"] for e in whole["items"]] == ["split"] * 4 + ["issued"] and whole["more"] is False

    trade = world.write("paths-bakery", "market", "buy", offer["id"])
    assert trade["status"] == "settled"
    lines = world.cli.ok("--as", COORDINATOR, "--json", "events", "watch", "--from-block", str(trade["block"]),
                         "--limit", "2").stdout.splitlines()
    events = [json.loads(line) for line in lines]
    assert [(e["event"], e["index"], e["count"]) for e in events] == [("TradeSettled", 0, 2), ("OfferClosed", 1, 2)]
    assert events[0]["tx_id"] == events[1]["tx_id"] == trade["tx_id"]
    assert events[1]["payload"]["offer"] == offer["id"]


@pytest.mark.parametrize("name, value, expected", [
    ("no_such_rule", "1", "error: this change could never be applied: unknown parameter 'no_such_rule'; "
                          "known parameters: air_basin"),
    ("import_barred_regions", '"HB"', "error: this change could never be applied: parameter import_barred_regions "
                                      "expects a list of region codes: got a string ('HB')"),
])
def test_the_catalogue_refuses_unknown_and_badly_typed_parameters(world: World, name: str, value: str,
                                                                 expected: str) -> None:
    before = world.query(COORDINATOR, "registry", "parameters")
    assert world.fails(COORDINATOR, "proposal", "table", "--kind", "parameter", "--title", "t",
                       "--set", f"{name}={value}").startswith(expected)
    assert world.query(COORDINATOR, "registry", "parameters") == before
    rows = world.query(COORDINATOR, "registry", "parameters", "--catalogue")
    assert {row["name"] for row in rows} >= {"pollutants", "import_barred_regions", "credit_market_barred"}
