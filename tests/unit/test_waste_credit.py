"""Joint reward and punishment on manifests: the generator's green-credit level decides extra approvals."""

from __future__ import annotations

import pytest

from waste_world import (  # noqa: F401  (wworld is a fixture)
    FACILITY_BJ, TRANSPORTER, TRUCK_1, wworld,
)
from test_permit_world import BJ_STEEL, COORDINATOR, COORDINATOR_OFFICIAL, REGULATOR


@pytest.mark.parametrize("level, needed", [("green", False), ("blue", True), ("yellow", True), ("red", True)])
def test_same_region_manifests_need_the_regulator_by_level(wworld, level, needed):
    """A registered enterprise without violations is green: the fast path."""
    wworld.set_level(BJ_STEEL, level)
    manifest = wworld.create(facility=FACILITY_BJ)
    assert manifest["status"] == ("pending" if needed else "scheduled")
    assert manifest["level"] == level


def test_a_red_generators_same_region_manifest_waits_for_its_regulator(wworld):
    wworld.set_level(BJ_STEEL, "red")
    number = wworld.create(facility=FACILITY_BJ)["id"]
    wworld.refused(TRANSPORTER[TRUCK_1], "Manifest:Pickup", f"enterprise {BJ_STEEL} is red (不良): its manifests need "
                   f"regulator approval before pick-up (parameter same_region_approval_levels)",
                   manifest_id=number, quantity=12_000)
    assert wworld.ok(REGULATOR["BJ"], "Manifest:Approve", manifest_id=number)["status"] == "scheduled"
    wworld.ok(TRANSPORTER[TRUCK_1], "Manifest:Pickup", manifest_id=number, quantity=12_000)


def test_a_level_that_drops_after_creation_still_stops_pick_up(wworld):
    number = wworld.create(facility=FACILITY_BJ)["id"]
    wworld.set_level(BJ_STEEL, "blue")
    wworld.refused(TRANSPORTER[TRUCK_1], "Manifest:Pickup", f"enterprise {BJ_STEEL} is blue (良好): its manifests need "
                   "regulator approval before pick-up", manifest_id=number, quantity=12_000)
    wworld.ok(REGULATOR["BJ"], "Manifest:Approve", manifest_id=number)
    wworld.ok(TRANSPORTER[TRUCK_1], "Manifest:Pickup", manifest_id=number, quantity=12_000)


def test_the_levels_are_parameters(wworld):
    wworld.set_level(BJ_STEEL, "blue")
    wworld.set_parameter("same_region_approval_levels", ["red"])
    assert wworld.create(facility=FACILITY_BJ)["status"] == "scheduled"


def test_a_yellow_generators_cross_region_manifest_also_needs_the_coordinator(wworld):
    wworld.set_level(BJ_STEEL, "yellow")
    number = wworld.shipment("consented")["id"]
    assert wworld.manifest(number)["status"] == "pending"
    wworld.refused(TRANSPORTER[TRUCK_1], "Manifest:Pickup", f"enterprise {BJ_STEEL} is yellow (警示): its "
                   "cross-region manifests also need the coordinator's approval before pick-up (parameter "
                   "extra_approval_levels)", manifest_id=number, quantity=12_000)
    wworld.refused(COORDINATOR, "Manifest:Approve", "an official of the coordinator organization (role coordinator, "
                   "regulator or admin) is required for Manifest:Approve; co-auditor@COMSP has 'auditor'",
                   manifest_id=number)
    wworld.refused(COORDINATOR_OFFICIAL, "Manifest:Approve", "total and months belong to the origin regulator",
                   manifest_id=number, total=50_000)
    approved = wworld.ok(COORDINATOR_OFFICIAL, "Manifest:Approve", manifest_id=number)
    assert approved["status"] == "scheduled" and approved["approvals"]["coordinator"] is not None
    wworld.refused(COORDINATOR_OFFICIAL, "Manifest:Approve", "the coordinator approved manifest", manifest_id=number)
    wworld.ok(TRANSPORTER[TRUCK_1], "Manifest:Pickup", manifest_id=number, quantity=12_000)


@pytest.mark.parametrize("level", ["green", "blue", None])
def test_the_coordinator_is_not_asked_below_the_extra_levels(wworld, level):
    if level is not None:
        wworld.set_level(BJ_STEEL, level)
    number = wworld.shipment("consented")["id"]
    assert wworld.manifest(number)["status"] == "scheduled"
    wworld.refused(COORDINATOR_OFFICIAL, "Manifest:Approve", "needs no coordinator approval", manifest_id=number)


def test_the_coordinator_may_refuse_a_manifest(wworld):
    wworld.set_level(BJ_STEEL, "red")
    number = wworld.shipment("consented")["id"]
    refused = wworld.ok(COORDINATOR_OFFICIAL, "Manifest:Refuse", manifest_id=number, reason="repeat offender")
    assert refused["status"] == "refused" and refused["refusal"]["side"] == "coordinator"


def test_the_coordinator_refuses_only_what_it_approves(wworld):
    number = wworld.shipment("approved")["id"]
    wworld.refused(COORDINATOR_OFFICIAL, "Manifest:Refuse", "the coordinator refuses only what it approves",
                   manifest_id=number, reason="no")
