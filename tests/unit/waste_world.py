"""A hazardous-waste world on top of the permit world: facilities, transporters, and manifest shortcuts.

``wworld`` (a fixture) is the four-enterprise world of ``conftest.py`` plus a licensed facility in Hebei
(HW08 900-249-08 and HW49 900-041-49, 500 t a year, valid to 2027-12-31), one in Beijing and one in Tianjin
(HW08 900-249-08 only), and three transporters: two of Beijing's organization and one of Hebei's. The ledger
clock stands at 2026-01-01. :meth:`WasteWorld.shipment` runs a manifest up to any step of its life.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from chaincode.runtime.memory import make_identity
from common.credit_code import complete
from test_permit_world import BJ_STEEL, ENTERPRISE, HB_CEMENT, REGULATOR, PermitWorld

OIL = "HW08 900-249-08"
PACKAGING = "HW49 900-041-49"
ASH = "HW18 772-002-18"

FACILITY_HB = complete("91130000MA01HBF01")
FACILITY_BJ = complete("91110000MA01BJF01")
FACILITY_TJ = complete("91120000MA01TJF01")
UNLICENSED = complete("91130000MA01HBF99")
TRUCK_1 = complete("91110000MA01BJT01")
TRUCK_2 = complete("91110000MA01BJT02")
TRUCK_HB = complete("91130000MA01HBT01")

FACILITY = {
    FACILITY_HB: make_identity("HBMSP", "hb-facility", role="facility", region="HB", entity=FACILITY_HB),
    FACILITY_BJ: make_identity("BJMSP", "bj-facility", role="facility", region="BJ", entity=FACILITY_BJ),
    FACILITY_TJ: make_identity("TJMSP", "tj-facility", role="facility", region="TJ", entity=FACILITY_TJ),
    UNLICENSED: make_identity("HBMSP", "hb-unlicensed", role="facility", region="HB", entity=UNLICENSED),
}
TRANSPORTER = {
    TRUCK_1: make_identity("BJMSP", "bj-truck-1", role="transporter", region="BJ", entity=TRUCK_1),
    TRUCK_2: make_identity("BJMSP", "bj-truck-2", role="transporter", region="BJ", entity=TRUCK_2),
    TRUCK_HB: make_identity("HBMSP", "hb-truck", role="transporter", region="HB", entity=TRUCK_HB),
}
FACILITY_IN_WRONG_ORG = make_identity("BJMSP", "hb-facility-via-bj", role="facility", region="BJ",
                                      entity=FACILITY_HB)
TRUCK_WITHOUT_ENTITY = make_identity("BJMSP", "bj-truck-x", role="transporter", region="BJ")
GENERATOR = ENTERPRISE[BJ_STEEL]
HB_GENERATOR = ENTERPRISE[HB_CEMENT]
DAY = 86_400
STEPS = ("created", "approved", "consented", "picked_up", "handed_off", "received", "disposed")


@dataclass
class WasteWorld:
    world: PermitWorld

    def __getattr__(self, name: str) -> Any:
        return getattr(self.world, name)

    def create(self, who: Any = None, **changes: Any) -> dict[str, Any]:
        args = {"code": OIL, "quantity": 12_000, "form": "bulk", "facility": FACILITY_HB,
                "transporters": [TRUCK_1, TRUCK_2], "hazards": ["T", "I"], **changes}
        return self.world.ok(who or GENERATOR, "Manifest:Create", **args)

    def shipment(self, until: str = "received", received: int = 12_000, **changes: Any) -> dict[str, Any]:
        """A BJ → HB manifest of 12 t with two transporters, run up to step ``until`` (see :data:`STEPS`)."""
        manifest = self.create(**changes)
        number = manifest["id"]
        steps = STEPS[1:STEPS.index(until) + 1]
        for step in steps:
            if step == "approved":
                manifest = self.ok(REGULATOR["BJ"], "Manifest:Approve", manifest_id=number)
            elif step == "consented":
                manifest = self.ok(REGULATOR["HB"], "Manifest:Consent", manifest_id=number)
            elif step == "picked_up":
                first = manifest["transporters"][0]
                manifest = self.ok(TRANSPORTER[first], "Manifest:Pickup", manifest_id=number,
                                   quantity=manifest["quantity"])
            elif step == "handed_off":
                for nxt in manifest["transporters"][1:]:
                    manifest = self.ok(TRANSPORTER[nxt], "Manifest:Handoff", manifest_id=number, to=nxt)
            elif step == "received":
                manifest = self.ok(FACILITY[manifest["receiver"]["entity"]], "Manifest:Receive", manifest_id=number,
                                   quantity=received)
            elif step == "disposed":
                manifest = self.ok(FACILITY[manifest["receiver"]["entity"]], "Manifest:Dispose", manifest_id=number,
                                   method="R9")
        return manifest

    def manifest(self, number: str) -> dict[str, Any]:
        from test_permit_world import COORDINATOR

        return self.query(COORDINATOR, "Manifest:Show", manifest_id=number)

    # Findings that give each level under the default credit parameters (points 1 / 4 / 8 + 4).
    FINDINGS_FOR_LEVEL = {"green": (), "blue": ("minor",), "yellow": ("serious",), "red": ("severe", "serious")}

    def set_level(self, entity: str, level: str) -> None:
        """Bring a BJ enterprise to a green-credit level the way the ledger does: its regulator's findings."""
        for severity in self.FINDINGS_FOR_LEVEL[level]:
            self.ok(REGULATOR["BJ"], "Violation:Record", entity=entity, kind="inspection_finding",
                    severity=severity, evidence=f"{severity} finding on site")
        assert self.query(REGULATOR["BJ"], "Credit:Show", entity=entity)["level"] == level

    def advance(self, days: float) -> None:
        self.ledger.clock += days * DAY


@pytest.fixture
def wworld(world: PermitWorld) -> WasteWorld:
    for region, entity, codes in [("HB", FACILITY_HB, [OIL, PACKAGING]), ("BJ", FACILITY_BJ, [OIL]),
                                  ("TJ", FACILITY_TJ, [OIL])]:
        world.ok(REGULATOR[region], "Facility:Licence", entity=entity, codes=codes, capacity=500_000,
                 until="2027-12-31")
    world.ledger.events.clear()
    return WasteWorld(world)
