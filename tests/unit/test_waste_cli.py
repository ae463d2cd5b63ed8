"""The facility and manifest commands, run through ``click.testing.CliRunner`` against the in-memory ledger.

``AppContext.contract`` is replaced by a contract that evaluates and submits on the ledger of ``wworld`` as
the identity named with ``--as``, so every command runs the real chaincode: what the tests check is the
whole path from the command line to the ledger and back to what is printed.
"""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import pytest
from click.testing import CliRunner

from client.cli.context import AppContext
from client.cli.errors import CommandError
from client.cli.main import cli
from common import canonical
from chaincode.runtime.router import STATUS_OK

from waste_world import (  # noqa: F401  (wworld is a fixture)
    FACILITY, FACILITY_HB, GENERATOR, OIL, PACKAGING, TRANSPORTER, TRUCK_1, TRUCK_2, wworld,
)
from test_permit_world import BJ_STEEL, COORDINATOR, REGULATOR


class Refused(CommandError):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.chaincode_message = message


class LedgerContract:
    def __init__(self, world: Any, identity: Any) -> None:
        self.world, self.identity = world, identity

    def evaluate(self, function: str, args: dict[str, Any] | None = None) -> Any:
        response = self.world.ledger.evaluate(self.identity, function, **(args or {}))
        if response.status != STATUS_OK:
            raise Refused(response.message)
        return canonical.loads(response.payload)

    def submit(self, function: str, args: dict[str, Any] | None = None, **_: Any) -> Any:
        response = self.world.ledger.submit(self.identity, function, **(args or {}))
        if response.status != STATUS_OK:
            raise Refused(response.message)
        return SimpleNamespace(result=canonical.loads(response.payload), tx_id="f" * 64, block_number=7)


IDENTITIES = {"bj-steel": GENERATOR, "bj-regulator": REGULATOR["BJ"], "hb-regulator": REGULATOR["HB"],
              "tj-regulator": REGULATOR["TJ"], "truck-1": TRANSPORTER[TRUCK_1], "truck-2": TRANSPORTER[TRUCK_2],
              "hb-facility": FACILITY[FACILITY_HB], "co": COORDINATOR}


@pytest.fixture
def run(wworld, monkeypatch):
    monkeypatch.setattr(AppContext, "contract",
                        lambda self, channel=None: LedgerContract(wworld, IDENTITIES[self.identity]))

    def invoke(who: str, *args: str, ok: bool = True) -> Any:
        result = CliRunner().invoke(cli, ["--as", who, *args], catch_exceptions=False,
                                    env={"ECOLEDGER_IDENTITY": ""})
        if ok:
            assert result.exit_code == 0, result.output
        else:
            assert result.exit_code == 1, result.output
        return result

    return invoke


def number_of(result: Any) -> str:
    return json.loads(result.stdout)["id"]


def test_the_whole_story_through_the_cli(run, wworld):
    run("hb-regulator", "facility", "licence", "--entity", FACILITY_HB, "--codes", f"{OIL}, {PACKAGING}",
        "--capacity", "600t", "--until", "2028-12-31")
    shown = run("co", "facility", "show", FACILITY_HB).stdout
    assert "600 t" in shown and "2028-12-31" in shown
    created = run("bj-steel", "--json", "manifest", "create", "--code", OIL, "--quantity", "12t", "--form", "bulk",
                  "--facility", FACILITY_HB, "--transporter", TRUCK_1, "--transporter", TRUCK_2,
                  "--hazard", "T", "--hazard", "I")
    number = number_of(created)
    assert json.loads(created.stdout)["quantity"] == 12_000 and json.loads(created.stdout)["block"] == 7
    error = run("truck-1", "manifest", "pickup", number, "--quantity", "12t", ok=False).stderr
    assert error.startswith("error: manifest 20261100000001 crosses from region BJ to region HB")
    assert "status" in run("bj-regulator", "manifest", "approve", number).stdout
    run("hb-regulator", "manifest", "consent", number)
    run("truck-1", "manifest", "pickup", number, "--quantity", "12t")
    error = run("truck-1", "manifest", "handoff", number, "--to", TRUCK_2, ok=False).stderr
    assert f"the hand-off to {TRUCK_2} is signed by {TRUCK_2}" in error
    run("truck-2", "manifest", "handoff", number, "--to", TRUCK_2)
    received = run("hb-facility", "manifest", "receive", number, "--quantity", "10.56t").stdout
    assert "discrepancy" in received and "quantity (violation V-" in received
    assert "NO: 1440 kg picked up" in run("co", "manifest", "balance").stdout
    run("hb-regulator", "manifest", "resolve", number, "--reason", "leak on leg 2", "--responsible", TRUCK_2)
    run("hb-facility", "manifest", "dispose", number, "--method", "R9")
    tree = run("bj-steel", "manifest", "trace", number).stdout.splitlines()
    assert tree[0].startswith(f"{number}  {OIL}  12 t  BJ → HB  disposed")
    assert [line.split()[1] for line in tree[1:3]] == ["origin", "destination"]  # in the order given
    assert any(line.startswith("├─ pickup") and TRUCK_1 in line and "12 t" in line for line in tree)
    assert any("discrepancy quantity: -1440 kg (-12.0 %), resolved, responsible " + TRUCK_2 in line
               for line in tree)
    assert tree[-1].startswith("└─ disposal R9  10.56 t")
    listed = json.loads(run("hb-regulator", "--json", "manifest", "list", "--status", "disposed").stdout)
    assert [row["id"] for row in listed] == [number]
    assert run("tj-regulator", "manifest", "list").stdout.strip() == "(no manifests)"
    assert "outside the data permission" in run("tj-regulator", "manifest", "show", number, ok=False).stderr
    balance = json.loads(run("co", "--json", "manifest", "balance", "--entity", BJ_STEEL).stdout)
    assert balance["generators"][0]["adds_up"] is True and balance["facilities"] == []


def test_corrections_and_history_through_the_cli(run):
    number = number_of(run("bj-steel", "--json", "manifest", "create", "--code", OIL, "--quantity", "12t",
                           "--form", "bulk", "--facility", FACILITY_HB, "--transporter", TRUCK_1))
    locked = run("hb-regulator", "manifest", "correct", number, "--field", "quantity", "--value", "11.5t",
                 "--reason", "weighbridge").stdout
    assert f"until {BJ_STEEL} answers" in locked
    assert "is locked" in run("bj-regulator", "manifest", "approve", number, ok=False).stderr
    run("bj-steel", "manifest", "answer", number, "--accept")
    versions = json.loads(run("co", "--json", "manifest", "history", number).stdout)
    assert [(v["version"], v["quantity"]) for v in versions] == [(1, 12_000), (2, 11_500)]
    table = run("co", "manifest", "history", number).stdout
    assert "quantity corrected" in table
    run("hb-regulator", "manifest", "correct", number, "--field", "hazards", "--value", "T,C", "--reason", "acid")
    declined = run("bj-steel", "manifest", "answer", number, "--decline", ok=False).stderr
    assert "reason must be a non-empty string" in declined
    error = run("hb-regulator", "manifest", "correct", number, "--field", "containers", "--value", "x",
                "--reason", "r", ok=False).stderr
    assert error.strip() == "error: containers must be a whole number, got 'x'"


def test_bad_units_and_lists_end_in_one_line_without_sending(run, wworld):
    before = dict(wworld.ledger.state)
    error = run("bj-steel", "manifest", "create", "--code", OIL, "--quantity", "12 tonnes", "--form", "bulk",
                "--facility", FACILITY_HB, "--transporter", TRUCK_1, ok=False).stderr
    assert error.startswith("error: --quantity:")
    error = run("hb-regulator", "facility", "licence", "--entity", FACILITY_HB, "--codes", f"{OIL},,",
                "--capacity", "1t", "--until", "2027-01-01", ok=False).stderr
    assert "has an empty item" in error
    assert wworld.ledger.state == before


def test_alerts_and_approvals_through_the_cli(run, wworld):
    number = number_of(run("bj-steel", "--json", "manifest", "create", "--code", OIL, "--quantity", "1t",
                           "--form", "bulk", "--facility", FACILITY_HB, "--transporter", TRUCK_1))
    approval = json.loads(run("bj-regulator", "--json", "manifest", "approve", number, "--total", "50t",
                              "--months", "1").stdout)["approval"]
    run("hb-regulator", "manifest", "consent", number)
    run("truck-1", "manifest", "pickup", number, "--quantity", "1t")
    assert run("co", "manifest", "alerts").stdout.strip() == "(no alerts)"
    wworld.advance(7)
    out = run("co", "manifest", "alerts").stdout
    assert "in_transit" in out and number in out and approval in out
    only = json.loads(run("co", "--json", "manifest", "alerts", "--kind", "in_transit").stdout)
    assert [item["manifest"] for item in only["in_transit"]] == [number]
    shown = run("hb-regulator", "manifest", "approval", approval).stdout
    assert "49 t" not in shown and "50 t" in shown and "1 t" in shown
    assert "give --kind" in run("co", "manifest", "alerts", "--all", ok=False).stderr


def test_a_trace_names_the_manifests_outside_the_readers_permission_and_nests_the_rest():
    from client.waste.render import trace_lines

    child = {"id": "20261300000001", "visible": True, "links": [], "status": "pending", "code": OIL,
             "quantity": 2_000, "generator": BJ_STEEL, "shipper": FACILITY_HB,
             "receiver": {"kind": "generator", "entity": BJ_STEEL}, "origin": "HB", "destination": "BJ",
             "approvals": {"coordinator": None, "destination": None, "origin": None}, "custody": [],
             "discrepancy": None, "rejected": 0, "disposal": None}
    lines = trace_lines({"root": {"id": "20261100000001", "visible": False, "links": [child, child]}})
    assert lines[0] == "20261100000001  (outside your data permission)"
    assert lines[1].startswith("├─ 20261300000001  HW08 900-249-08  2 t  HB → BJ  pending")
    assert lines[2].startswith("└─ 20261300000001")


def test_correction_values_are_typed_by_field():
    from client.units import parse_quantity
    from client.waste.service import WasteError, correction_value

    assert correction_value("quantity", "11.5t", parse_quantity) == 11_500
    assert correction_value("hazards", "T, C", parse_quantity) == ["T", "C"]
    assert correction_value("containers", "40", parse_quantity) == 40
    assert correction_value("received_code", " HW08 900-249-08 ", parse_quantity) == OIL
    with pytest.raises(WasteError, match="field must be one of"):
        correction_value("colour", "red", parse_quantity)
