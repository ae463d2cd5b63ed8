"""A manifest's life on the in-memory ledger: create, approvals, custody, receipt, disposal."""

from __future__ import annotations

from waste_world import (  # noqa: F401  (wworld is a fixture)
    FACILITY, FACILITY_HB, GENERATOR, OIL, TRANSPORTER, TRUCK_1, TRUCK_2, wworld,
)
from test_permit_world import BJ_STEEL, COORDINATOR, REGULATOR


def test_a_cross_region_manifest_goes_from_creation_to_disposal(wworld):
    manifest = wworld.create()
    number = manifest["id"]
    assert number == "20261100000001"
    assert manifest["status"] == "pending"
    assert manifest["origin"] == "BJ" and manifest["destination"] == "HB"
    wworld.ok(REGULATOR["BJ"], "Manifest:Approve", manifest_id=number)
    consented = wworld.ok(REGULATOR["HB"], "Manifest:Consent", manifest_id=number)
    assert consented["status"] == "scheduled"
    wworld.ok(TRANSPORTER[TRUCK_1], "Manifest:Pickup", manifest_id=number, quantity=12_000)
    wworld.ok(TRANSPORTER[TRUCK_2], "Manifest:Handoff", manifest_id=number, to=TRUCK_2)
    received = wworld.ok(FACILITY[FACILITY_HB], "Manifest:Receive", manifest_id=number, quantity=11_500)
    assert received["status"] == "received" and received["discrepancy"] is None
    disposed = wworld.ok(FACILITY[FACILITY_HB], "Manifest:Dispose", manifest_id=number, method="R9")
    assert disposed["status"] == "disposed"
    assert [entry["step"] for entry in disposed["custody"]] == ["pickup", "handoff", "receipt"]
    balance = wworld.query(COORDINATOR, "Manifest:Balance", entity=BJ_STEEL)
    assert balance == [{"region": "BJ", "generator": BJ_STEEL, "code": OIL, "year": 2026, "manifests": 1,
                        "created": 12_000, "shipped": 12_000, "in_transit": 0, "received": 11_500, "rejected": 0,
                        "disposed": 11_500, "explained": 500, "difference": 500, "adds_up": True,
                        "flag": None}]
