"""Discrepancies and violations, rejection onto linked manifests, corrections with versions, trace."""

from __future__ import annotations

import pytest

from waste_world import (  # noqa: F401  (wworld is a fixture)
    FACILITY, FACILITY_BJ, FACILITY_HB, FACILITY_TJ, GENERATOR, PACKAGING, TRANSPORTER, TRUCK_1, TRUCK_2,
    wworld,
)
from test_permit_world import BJ_STEEL, COORDINATOR, ENTERPRISE, REGULATOR


def violations_of(world, entity):
    return world.query(COORDINATOR, "Violation:List", entity=entity)


class TestDiscrepancy:
    def test_a_twelve_percent_shortfall_opens_a_discrepancy_and_a_violation(self, wworld):
        manifest = wworld.shipment("received", received=10_560)
        found = manifest["discrepancy"]
        assert manifest["status"] == "received"
        assert {k: found[k] for k in ("kinds", "shipped", "received", "difference_kg", "permille", "status",
                                      "responsible")} == {
            "kinds": ["quantity"], "shipped": 12_000, "received": 10_560, "difference_kg": -1_440, "permille": -120,
            "status": "open", "responsible": BJ_STEEL}
        [violation] = violations_of(wworld, BJ_STEEL)
        assert violation["id"] == found["violation"]
        assert {k: violation[k] for k in ("kind", "source", "region", "status")} == {
            "kind": "manifest_discrepancy", "source": "waste", "region": "BJ", "status": "open"}
        assert violation["evidence"]["manifest"] == manifest["id"]
        assert wworld.event_names()[-2:] == ["ViolationRecorded", "ManifestReceived"]

    def test_the_manifest_stays_open_until_the_destination_regulator_resolves_it(self, wworld):
        number = wworld.shipment("received", received=10_560)["id"]
        wworld.refused(FACILITY[FACILITY_HB], "Manifest:Dispose", "has an open discrepancy (quantity); it stays open "
                       "until the regulator of HB resolves it", manifest_id=number, method="R9")
        wworld.refused(REGULATOR["BJ"], "Manifest:Resolve", "its regulator resolves discrepancies, not the "
                       "regulator of region BJ", manifest_id=number, reason="checked")
        wworld.refused(REGULATOR["HB"], "Manifest:Resolve", "is not a party of manifest", manifest_id=number,
                       reason="checked", responsible=FACILITY_TJ)
        wworld.refused(REGULATOR["HB"], "Manifest:Resolve", "reason must be a non-empty string", manifest_id=number,
                       reason=" ")
        resolved = wworld.ok(REGULATOR["HB"], "Manifest:Resolve", manifest_id=number, responsible=TRUCK_2,
                             reason="drum leaked on the second leg; spill cleaned up")
        assert resolved["discrepancy"]["status"] == "resolved"
        assert resolved["discrepancy"]["responsible"] == TRUCK_2
        [dismissed] = violations_of(wworld, BJ_STEEL)
        assert dismissed["status"] == "resolved" and dismissed["resolution"]["outcome"] == "dismissed"
        [named] = violations_of(wworld, TRUCK_2)
        assert named["status"] == "resolved" and named["resolution"]["outcome"] == "upheld"
        assert named["region"] == "BJ" and named["kind"] == "manifest_discrepancy"
        wworld.refused(REGULATOR["HB"], "Manifest:Resolve", "has no open discrepancy", manifest_id=number,
                       reason="again")
        assert wworld.ok(FACILITY[FACILITY_HB], "Manifest:Dispose", manifest_id=number,
                         method="R9")["status"] == "disposed"

    def test_resolving_without_naming_keeps_the_generator_responsible(self, wworld):
        number = wworld.shipment("received", received=14_000)["id"]
        wworld.ok(REGULATOR["HB"], "Manifest:Resolve", manifest_id=number, reason="under-declared weight",
                  outcome="upheld")
        [violation] = violations_of(wworld, BJ_STEEL)
        assert violation["resolution"]["outcome"] == "upheld"

    def test_a_different_code_or_container_count_is_a_discrepancy(self, wworld):
        coded = wworld.shipment("handed_off")
        received = wworld.ok(FACILITY[FACILITY_HB], "Manifest:Receive", manifest_id=coded["id"], quantity=12_000,
                             code=PACKAGING)
        assert received["discrepancy"]["kinds"] == ["code"]
        boxed = wworld.shipment("handed_off", form="containers", containers=40, code=PACKAGING, quantity=2_000)
        wworld.refused(FACILITY[FACILITY_HB], "Manifest:Receive", "containers must be a whole number",
                       manifest_id=boxed["id"], quantity=2_000)
        received = wworld.ok(FACILITY[FACILITY_HB], "Manifest:Receive", manifest_id=boxed["id"], quantity=2_000,
                             containers=39)
        assert received["discrepancy"]["kinds"] == ["containers"]

    def test_the_tolerance_is_a_parameter(self, wworld):
        wworld.set_parameter("waste_bulk_tolerance_permille", 50)
        assert wworld.shipment("received", received=11_000)["discrepancy"]["kinds"] == ["quantity"]
        wworld.set_parameter("waste_bulk_tolerance_permille", 100)
        assert wworld.shipment("received", received=11_000)["discrepancy"] is None


class TestRejection:
    def test_a_partial_rejection_sends_the_rejected_part_back_on_a_linked_manifest(self, wworld):
        number = wworld.shipment("received")["id"]
        result = wworld.ok(FACILITY[FACILITY_HB], "Manifest:Reject", manifest_id=number, quantity=2_000,
                           to="generator", reason="drums of other waste mixed in")
        original, linked = result["manifest"], result["linked"]
        assert original["status"] == "received" and original["rejected"] == 2_000
        assert original["rejections"][0]["manifest"] == linked["id"]
        assert linked["id"] == "20261300000001"  # numbered in Hebei, where it leaves from
        assert {k: linked[k] for k in ("original", "generator", "shipper", "receiver", "origin", "destination",
                                       "quantity", "transporters", "status")} == {
            "original": number, "generator": BJ_STEEL, "shipper": FACILITY_HB,
            "receiver": {"kind": "generator", "entity": BJ_STEEL}, "origin": "HB", "destination": "BJ",
            "quantity": 2_000, "transporters": [TRUCK_2], "status": "pending"}
        # the return crosses regions too: Hebei approves, Beijing consents
        wworld.ok(REGULATOR["HB"], "Manifest:Approve", manifest_id=linked["id"])
        wworld.ok(REGULATOR["BJ"], "Manifest:Consent", manifest_id=linked["id"])
        wworld.ok(TRANSPORTER[TRUCK_2], "Manifest:Pickup", manifest_id=linked["id"], quantity=2_000)
        wworld.refused(FACILITY[FACILITY_HB], "Manifest:Receive", "role 'enterprise' is required",
                       manifest_id=linked["id"], quantity=2_000)
        returned = wworld.ok(GENERATOR, "Manifest:Receive", manifest_id=linked["id"], quantity=2_000)
        assert returned["status"] == "returned"
        disposed = wworld.ok(FACILITY[FACILITY_HB], "Manifest:Dispose", manifest_id=number, method="R9")
        assert disposed["disposal"]["quantity"] == 10_000
        trace = wworld.query(COORDINATOR, "Manifest:Trace", manifest_id=linked["id"])
        assert trace["root"]["id"] == number
        assert [link["id"] for link in trace["root"]["links"]] == [linked["id"]]
        assert [step["step"] for step in trace["root"]["links"][0]["custody"]] == ["pickup", "receipt"]

    def test_a_full_rejection_to_an_alternate_facility_ends_the_original(self, wworld):
        number = wworld.shipment("received")["id"]
        result = wworld.ok(FACILITY[FACILITY_HB], "Manifest:Reject", manifest_id=number, quantity=12_000,
                           to=FACILITY_TJ, reason="incinerator down", transporters=[TRUCK_1])
        assert result["manifest"]["status"] == "rejected"
        linked = result["linked"]
        assert linked["receiver"] == {"kind": "facility", "entity": FACILITY_TJ} and linked["destination"] == "TJ"
        intake = {row["facility"]: row for row in wworld.query(COORDINATOR, "Manifest:Balance", of="facilities")}
        assert intake[FACILITY_HB]["committed"] == 0 and intake[FACILITY_HB]["received"] == 0
        assert intake[FACILITY_TJ]["committed"] == 12_000

    @pytest.mark.parametrize("args, message", [
        ({"quantity": 12_001}, f"facility {FACILITY_HB} holds 12000 kg of manifest"),
        ({"to": FACILITY_HB}, "cannot send rejected waste to itself"),
        ({"to": "nowhere"}, "to (generator or an alternate facility's credit code) 'nowhere' is not a valid"),
        ({"reason": ""}, "reason must be a non-empty string"),
    ])
    def test_rejection_refusals(self, wworld, args, message):
        number = wworld.shipment("received")["id"]
        base = {"quantity": 1_000, "to": "generator", "reason": "wrong waste"}
        wworld.refused(FACILITY[FACILITY_HB], "Manifest:Reject", message, manifest_id=number, **{**base, **args})

    def test_an_alternate_facility_must_be_licensed_for_the_code(self, wworld):
        number = wworld.shipment("received", code=PACKAGING)["id"]
        wworld.refused(FACILITY[FACILITY_HB], "Manifest:Reject", f"facility {FACILITY_BJ} is not licensed for waste "
                       f"code {PACKAGING}", manifest_id=number, quantity=1_000, to=FACILITY_BJ, reason="full")

    def test_only_the_receiving_facility_rejects_and_only_after_receipt(self, wworld):
        number = wworld.shipment("handed_off")["id"]
        wworld.refused(FACILITY[FACILITY_HB], "Manifest:Reject", "it can be rejected only when received",
                       manifest_id=number, quantity=1_000, to="generator", reason="x")
        wworld.refused(FACILITY[FACILITY_TJ], "Manifest:Reject", f"facility {FACILITY_TJ} cannot reject it",
                       manifest_id=number, quantity=1_000, to="generator", reason="x")


class TestCorrection:
    def test_a_correction_locks_the_manifest_until_the_asked_party_answers(self, wworld):
        number = wworld.shipment("consented")["id"]
        requested = wworld.ok(REGULATOR["HB"], "Manifest:Correct", manifest_id=number, field="quantity",
                              value=11_000, reason="weighbridge ticket says 11 t")
        assert requested["correction"]["asked"] == BJ_STEEL
        wworld.refused(TRANSPORTER[TRUCK_1], "Manifest:Pickup", f"manifest {number} is locked: a correction of "
                       f"quantity was requested by hb-regulator@HBMSP", manifest_id=number, quantity=11_000)
        wworld.refused(REGULATOR["BJ"], "Manifest:Correct", "is locked", manifest_id=number, field="hazards",
                       value=["T"], reason="again")
        wworld.refused(TRANSPORTER[TRUCK_1], "Manifest:Answer", "cannot answer it", manifest_id=number, accept=True)
        wworld.refused(ENTERPRISE[list(ENTERPRISE)[1]], "Manifest:Answer", "cannot answer it", manifest_id=number,
                       accept=True)
        wworld.refused(GENERATOR, "Manifest:Answer", "reason must be a non-empty string", manifest_id=number,
                       accept=False)
        answered = wworld.ok(GENERATOR, "Manifest:Answer", manifest_id=number, accept=True, reason="agreed")
        assert answered["quantity"] == 11_000 and answered["version"] == 2 and answered["correction"] is None
        assert answered["corrections"][0]["previous"] == 12_000
        history = wworld.page(COORDINATOR, "Manifest:History", manifest_id=number)
        assert [version["version"] for version in history["items"]] == [1]
        assert history["items"][0]["quantity"] == 12_000 and history["current"]["quantity"] == 11_000
        wworld.ok(TRANSPORTER[TRUCK_1], "Manifest:Pickup", manifest_id=number, quantity=11_000)
        [row] = wworld.query(COORDINATOR, "Manifest:Balance", entity=BJ_STEEL)
        assert row["created"] == 11_000

    def test_a_declined_correction_unlocks_without_a_new_version(self, wworld):
        number = wworld.shipment("received", received=10_000)["id"]
        wworld.ok(TRANSPORTER[TRUCK_1], "Manifest:Correct", manifest_id=number, field="received_quantity",
                  value=12_000, reason="we delivered the full load")
        answered = wworld.ok(FACILITY[FACILITY_HB], "Manifest:Answer", manifest_id=number, accept=False,
                             reason="scale calibrated yesterday")
        assert answered["version"] == 1 and answered["received"]["quantity"] == 10_000
        assert answered["corrections"][0]["accepted"] is False
        assert wworld.page(COORDINATOR, "Manifest:History", manifest_id=number)["items"] == []

    @pytest.mark.parametrize("args, message", [
        ({"field": "colour", "value": 1}, "field must be one of quantity, containers, hazards, received_quantity"),
        ({"field": "quantity", "value": -1}, "value must be positive"),
        ({"field": "containers", "value": 3}, "is bulk waste; it has no containers to correct"),
        ({"field": "received_quantity", "value": 1}, "it can be corrected in received_quantity only when received"),
        ({"field": "received_code", "value": "HW08 900-249-09"}, "must repeat its category"),
    ])
    def test_correction_refusals(self, wworld, args, message):
        number = wworld.shipment("created")["id"]
        wworld.refused(REGULATOR["BJ"], "Manifest:Correct", message, manifest_id=number, reason="r", **args)

    def test_a_reader_that_is_neither_regulator_nor_party_cannot_ask(self, wworld):
        number = wworld.shipment("created")["id"]
        wworld.refused(COORDINATOR, "Manifest:Correct", "reads only", manifest_id=number, field="hazards",
                       value=["T"], reason="r")
        wworld.refused(REGULATOR["TJ"], "Manifest:Correct", "is outside the data permission", manifest_id=number,
                       field="hazards", value=["T"], reason="r")
