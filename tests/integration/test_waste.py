"""Hazardous-waste manifests on the real network, through the CLI.

Beijing Refinery (a BJ generator) ships waste oil to a Hebei facility with two transporters, one issued by
Beijing's organization and one by Hebei's: Beijing's regulator approves, Hebei's consents (pick-up before the
consent is refused), transporter 1 signs pick-up (transporter 2 trying first is refused), transporter 2 signs
its hand-off, and the facility signs receipt of 12 % less than was picked up. That is a discrepancy and a
violation, which Hebei's regulator resolves naming transporter 2, before the facility records the disposal.

Then: a facility without the code is refused; a partial rejection goes back to the generator on a linked
manifest; a correction locks a manifest until the generator answers; two drivers of transporter 2 race to sign
the same hand-off and exactly one signature lands; the mass balance adds up; and Tianjin's regulator, whose
region is neither origin nor destination, does not see the manifests at all (the consortium's visibility rule:
parties, the two regions' regulators and the coordinator), while the coordinator sees them.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any, Iterator

import pytest

from network.bootstrap import Network

from .conftest import Cli
from .permits_world import COORDINATOR, World, credit_code

ROOT = Path(__file__).resolve().parents[2]
OIL = "HW08 900-249-08"
PACKAGING = "HW49 900-041-49"
ASH = "HW18 772-002-18"
GENERATOR = credit_code("BJ", "WXGEN", 1)
TRUCK_1 = credit_code("BJ", "WXTRA", 1)
TRUCK_2 = credit_code("HB", "WXTRB", 1)
FACILITY = credit_code("HB", "WXFAC", 1)
UNTIL = f"{date.today().year + 2}-12-31"


@pytest.fixture(scope="module")
def world(ecoledger: Cli, network: Network) -> Iterator[World]:
    world = World(ecoledger, network)
    world.regulator("BJ", "waste-bj-regulator")
    world.regulator("HB", "waste-hb-regulator")
    world.regulator("TJ", "waste-tj-regulator")
    world.enterprise("BJ", "waste-refinery", GENERATOR)
    for org, name, role, entity in [("BJ", "waste-truck-1", "transporter", TRUCK_1),
                                    ("HB", "waste-truck-2", "transporter", TRUCK_2),
                                    ("HB", "waste-truck-2b", "transporter", TRUCK_2),
                                    ("HB", "waste-facility", "facility", FACILITY)]:
        world.cli.ok("identity", "register", "--org", org, "--name", name, "--role", role,
                     "--attr", f"entity={entity}")
    world.write("waste-bj-regulator", "enterprise", "register", "--entity", GENERATOR, "--name", "Beijing Refinery")
    world.write("waste-hb-regulator", "facility", "licence", "--entity", FACILITY, "--codes", f"{OIL},{PACKAGING}",
                "--capacity", "500t", "--until", UNTIL)
    yield world
    world.close()


def create(world: World, quantity: str = "12t", code: str = OIL, transporters: tuple[str, ...] = (TRUCK_1, TRUCK_2),
           ) -> str:
    args = ["manifest", "create", "--code", code, "--quantity", quantity, "--form", "bulk", "--facility", FACILITY]
    for transporter in transporters:
        args += ["--transporter", transporter]
    return world.write("waste-refinery", *args)["id"]


def state(world: World, *numbers: str) -> dict[str, Any]:
    """What a refusal must leave unchanged: the manifests, the balance, the generator's violations."""
    return {"manifests": [world.query(COORDINATOR, "manifest", "show", n) for n in numbers],
            "balance": world.query(COORDINATOR, "manifest", "balance"),
            "violations": world.query(COORDINATOR, "violation", "list", "--entity", GENERATOR, "--all")}


def refused(world: World, numbers: tuple[str, ...], who: str, *args: str, expected: str) -> str:
    before = state(world, *numbers)
    output = world.fails(who, *args)
    error = output.splitlines()[-1] if output else ""
    assert error.startswith("error: ") and expected in error, f"{args}: {output}\nexpected: {expected}"
    world.sync()
    assert state(world, *numbers) == before, f"ecoledger --as {who} {' '.join(args)} changed the ledger"
    return error


def through_consent(world: World, number: str) -> None:
    world.write("waste-bj-regulator", "manifest", "approve", number)
    world.write("waste-hb-regulator", "manifest", "consent", number)


def test_a_bj_generator_ships_to_a_hb_facility_with_two_transporters(world: World) -> None:
    number = create(world)
    assert number.startswith(f"{date.today().year}1100") and len(number) == 14
    refused(world, (number,), "waste-truck-1", "manifest", "pickup", number, "--quantity", "12t",
            expected="the regulator of BJ has not approved it")
    world.write("waste-bj-regulator", "manifest", "approve", number)
    refused(world, (number,), "waste-truck-1", "manifest", "pickup", number, "--quantity", "12t",
            expected="the regulator of HB has not consented")
    world.write("waste-hb-regulator", "manifest", "consent", number)
    refused(world, (number,), "waste-truck-2", "manifest", "pickup", number, "--quantity", "12t",
            expected=f"transporter 1 ({TRUCK_1}) signs pick-up")
    world.write("waste-truck-1", "manifest", "pickup", number, "--quantity", "12t")
    refused(world, (number,), "waste-facility", "manifest", "receive", number, "--quantity", "12t",
            expected=f"transporter 2 ({TRUCK_2}) has not signed its hand-off")
    world.write("waste-truck-2", "manifest", "handoff", number, "--to", TRUCK_2)
    received = world.write("waste-facility", "manifest", "receive", number, "--quantity", "10.56t")
    found = received["discrepancy"]
    assert found["kinds"] == ["quantity"] and found["difference_kg"] == -1_440 and found["permille"] == -120
    [violation] = world.query(COORDINATOR, "violation", "list", "--entity", GENERATOR)
    assert violation["id"] == found["violation"] and violation["kind"] == "manifest_discrepancy"
    assert violation["source"] == "waste" and violation["status"] == "open"
    refused(world, (number,), "waste-facility", "manifest", "dispose", number, "--method", "R9",
            expected="it stays open until the regulator of HB resolves it")
    refused(world, (number,), "waste-bj-regulator", "manifest", "resolve", number, "--reason", "x",
            expected="not the regulator of region BJ")
    resolved = world.write("waste-hb-regulator", "manifest", "resolve", number, "--reason",
                           "drum leaked on the second leg", "--responsible", TRUCK_2)
    assert resolved["discrepancy"]["responsible"] == TRUCK_2
    named = world.query(COORDINATOR, "violation", "list", "--entity", TRUCK_2)
    assert [(v["status"], v["resolution"]["outcome"]) for v in named] == [("resolved", "upheld")]
    assert world.write("waste-facility", "manifest", "dispose", number, "--method", "R9")["status"] == "disposed"
    tree = world.cli.ok("--as", "waste-refinery", "manifest", "trace", number).stdout.splitlines()
    assert tree[0].startswith(f"{number}  {OIL}  12 t  BJ → HB  disposed")
    steps = [line.split()[1] for line in tree[1:]]
    assert steps[:2] == ["origin", "destination"] and "pickup" in steps and "handoff" in steps
    assert tree[-1].startswith("└─ disposal R9  10.56 t")


def test_a_facility_without_the_code_is_refused(world: World) -> None:
    before = world.query(COORDINATOR, "manifest", "list", "--all")
    error = world.fails("waste-refinery", "manifest", "create", "--code", ASH, "--quantity", "1t", "--form", "bulk",
                        "--facility", FACILITY, "--transporter", TRUCK_1).splitlines()[-1]
    assert error == (f"error: facility {FACILITY} is not licensed for waste code {ASH} (its licence covers "
                     f"{OIL}, {PACKAGING})")
    assert world.query(COORDINATOR, "manifest", "list", "--all") == before


def test_a_partial_rejection_creates_a_linked_manifest(world: World) -> None:
    number = create(world, "5t")
    through_consent(world, number)
    world.write("waste-truck-1", "manifest", "pickup", number, "--quantity", "5t")
    world.write("waste-truck-2", "manifest", "handoff", number, "--to", TRUCK_2)
    world.write("waste-facility", "manifest", "receive", number, "--quantity", "5t")
    result = world.write("waste-facility", "manifest", "reject", number, "--quantity", "1t", "--to", "generator",
                         "--reason", "drums of solvent mixed in")
    linked = result["linked"]
    assert result["manifest"]["rejected"] == 1_000 and result["manifest"]["status"] == "received"
    assert linked["original"] == number and linked["receiver"] == {"kind": "generator", "entity": GENERATOR}
    assert (linked["origin"], linked["destination"], linked["quantity"]) == ("HB", "BJ", 1_000)
    shown = world.query("waste-refinery", "manifest", "show", linked["id"])
    assert shown["shipper"] == FACILITY and shown["transporters"] == [TRUCK_2]
    tree = world.query(COORDINATOR, "manifest", "trace", linked["id"])
    assert tree["root"]["id"] == number and [link["id"] for link in tree["root"]["links"]] == [linked["id"]]
    assert world.write("waste-facility", "manifest", "dispose", number, "--method", "D10")["disposal"][
        "quantity"] == 4_000


def test_a_correction_locks_the_manifest_until_the_generator_answers(world: World) -> None:
    number = create(world, "3t")
    world.write("waste-hb-regulator", "manifest", "correct", number, "--field", "quantity", "--value", "2.5t",
                "--reason", "weighbridge ticket 2.5 t")
    refused(world, (number,), "waste-bj-regulator", "manifest", "approve", number,
            expected=f"manifest {number} is locked: a correction of quantity was requested by waste-hb-regulator@HBMSP")
    answered = world.write("waste-refinery", "manifest", "answer", number, "--accept", "--reason", "agreed")
    assert answered["version"] == 2 and answered["quantity"] == 2_500
    versions = world.query(COORDINATOR, "manifest", "history", number)
    assert [(v["version"], v["quantity"]) for v in versions] == [(1, 3_000), (2, 2_500)]
    world.write("waste-bj-regulator", "manifest", "approve", number)


def test_two_drivers_racing_to_sign_the_same_hand_off_land_exactly_one_signature(world: World) -> None:
    number = create(world, "2t")
    through_consent(world, number)
    world.write("waste-truck-1", "manifest", "pickup", number, "--quantity", "2t")
    env = {**os.environ, "ECOLEDGER_HOME": str(world.cli.home), "ECOLEDGER_IDENTITY": ""}
    racers = [subprocess.Popen([sys.executable, "-m", "client.cli.main", "--as", who, "manifest", "handoff", number,
                                "--to", TRUCK_2], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True) for who in ("waste-truck-2", "waste-truck-2b")]
    outcomes = [(racer.wait(timeout=240), racer.stderr.read()) for racer in racers]
    world.sync()
    assert sorted(code for code, _ in outcomes) == [0, 1], outcomes
    [loser] = [err for code, err in outcomes if code]
    assert f"transporter {TRUCK_2} signed manifest {number} already" in loser
    custody = world.query(COORDINATOR, "manifest", "show", number)["custody"]
    assert [entry["step"] for entry in custody] == ["pickup", "handoff"]


def test_the_mass_balance_adds_up(world: World) -> None:
    balance = world.query("waste-refinery", "manifest", "balance")
    rows = {row["code"]: row for row in balance["generators"]}
    oil = rows[OIL]
    assert oil["adds_up"] is True and oil["difference"] == oil["explained"]
    assert oil["shipped"] == oil["in_transit"] + oil["received"] + oil["explained"]
    assert oil["shipped"] == 12_000 + 5_000 + 2_000 and oil["in_transit"] == 2_000
    assert oil["received"] == 10_560 + 5_000 and oil["rejected"] == 1_000
    assert oil["disposed"] == 10_560 + 4_000
    [intake] = world.query("waste-facility", "manifest", "balance")["facilities"]
    assert intake["facility"] == FACILITY and intake["adds_up"] is True
    assert intake["received"] == 10_560 + 4_000 and intake["capacity"] == 500_000
    table = world.cli.ok("--as", COORDINATOR, "manifest", "balance", "--entity", GENERATOR).stdout
    assert "yes" in table and "NO:" not in table


def test_tianjin_is_neither_origin_nor_destination_and_does_not_see_the_manifests(world: World) -> None:
    everything = world.query(COORDINATOR, "manifest", "list", "--all")
    assert len(everything) >= 5 and all({m["origin"], m["destination"]} <= {"BJ", "HB"} for m in everything)
    assert world.query("waste-tj-regulator", "manifest", "list", "--all") == []
    number = everything[0]["id"]
    error = world.fails("waste-tj-regulator", "manifest", "show", number).splitlines()[-1]
    assert error == f"error: manifest {number} is outside the data permission of waste-tj-regulator@TJMSP"
    assert world.query("waste-tj-regulator", "manifest", "balance") == {"generators": [], "facilities": []}
    hb = world.query("waste-hb-regulator", "manifest", "list", "--all")
    assert sorted(m["id"] for m in hb) == sorted(m["id"] for m in everything)
