"""A manifest's life on the in-memory ledger: create, approvals, custody, receipt, disposal."""

from __future__ import annotations

import pytest

from waste_world import (  # noqa: F401  (wworld is a fixture)
    ASH, FACILITY, FACILITY_BJ, FACILITY_HB, FACILITY_TJ, GENERATOR, HB_GENERATOR, OIL, PACKAGING, TRANSPORTER,
    TRUCK_1, TRUCK_2, TRUCK_HB, UNLICENSED, wworld,
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


def test_numbers_count_up_per_city_and_year(wworld):
    first, second = wworld.create(), wworld.create(quantity=1_000)
    assert (first["id"], second["id"]) == ("20261100000001", "20261100000002")
    hebei = wworld.create(HB_GENERATOR, facility=FACILITY_HB, transporters=[TRUCK_HB])
    assert hebei["id"] == "20261300000001"


def test_create_records_the_declaration_and_raises_its_event(wworld):
    manifest = wworld.create(form="containers", containers=40, code=PACKAGING, quantity=2_000)
    assert {k: manifest[k] for k in ("generator", "shipper", "receiver", "code", "hazards", "form", "containers",
                                     "quantity", "transporters", "level", "original", "version")} == {
        "generator": BJ_STEEL, "shipper": BJ_STEEL, "receiver": {"kind": "facility", "entity": FACILITY_HB},
        "code": PACKAGING, "hazards": ["T", "I"], "form": "containers", "containers": 40, "quantity": 2_000,
        "transporters": [TRUCK_1, TRUCK_2], "level": "green", "original": None, "version": 1}
    assert wworld.event_names() == ["ManifestCreated"]


@pytest.mark.parametrize("changes, message", [
    ({"code": "HW08 900-249-09"}, "code the last two digits of 900-249-09 (09) must repeat its category HW08"),
    ({"code": "HW08 900-200-08"}, "is not in the ledger's list of waste codes"),
    ({"quantity": 0}, "quantity must be positive"),
    ({"quantity": 1.5}, "quantity must be a whole number of kilograms"),
    ({"form": "liquid"}, "form must be one of bulk, containers"),
    ({"form": "containers"}, "containers must be a whole number from 1 to 1000000 for form containers"),
    ({"containers": 3}, "containers is given only for form containers"),
    ({"transporters": []}, "transporters must be a list of 1 to 10 credit codes"),
    ({"transporters": [TRUCK_1, TRUCK_1]}, "transporters must not repeat"),
    ({"transporters": ["nope"]}, "transporters[0] 'nope' is not a valid unified social credit code"),
    ({"hazards": []}, "hazards must be a non-empty list"),
    ({"facility": BJ_STEEL}, f"enterprise {BJ_STEEL} cannot designate itself"),
    ({"facility": UNLICENSED}, f"facility {UNLICENSED} has no licence"),
    ({"code": ASH}, f"facility {FACILITY_HB} is not licensed for waste code {ASH}"),
    ({"facility": FACILITY_TJ, "code": PACKAGING}, f"facility {FACILITY_TJ} is not licensed for waste code"),
    ({"quantity": 500_001}, f"facility {FACILITY_HB} is licensed for 500000 kg in 2026; 0 kg are already on "
                            f"manifests to it, so 500001 kg more would exceed its annual capacity"),
])
def test_create_refusals(wworld, changes, message):
    args = {"code": OIL, "quantity": 12_000, "form": "bulk", "facility": FACILITY_HB,
            "transporters": [TRUCK_1, TRUCK_2], "hazards": ["T"], **changes}
    wworld.refused(GENERATOR, "Manifest:Create", message, **args)


def test_capacity_counts_every_manifest_of_the_year_and_rejection_gives_it_back(wworld):
    wworld.create(quantity=490_000)
    wworld.refused(GENERATOR, "Manifest:Create", "490000 kg are already on manifests to it, so 10001 kg more",
                   code=OIL, quantity=10_001, form="bulk", facility=FACILITY_HB, transporters=[TRUCK_1],
                   hazards=["T"])
    wworld.create(quantity=10_000)


def test_an_expired_licence_refuses_new_manifests(wworld):
    wworld.advance(365 * 2 + 10)  # into 2028
    wworld.refused(GENERATOR, "Manifest:Create", f"the licence of facility {FACILITY_HB} expired on 2027-12-31",
                   code=OIL, quantity=1_000, form="bulk", facility=FACILITY_HB, transporters=[TRUCK_1],
                   hazards=["T"])


def test_a_frozen_generator_cannot_create_manifests(wworld):
    wworld.ok(REGULATOR["BJ"], "Enterprise:Freeze", entity=BJ_STEEL, reason="illegal dumping under investigation")
    wworld.refused(GENERATOR, "Manifest:Create", f"enterprise {BJ_STEEL} is frozen", code=OIL, quantity=1_000,
                   form="bulk", facility=FACILITY_HB, transporters=[TRUCK_1], hazards=["T"])


# -- cross-region approval ----------------------------------------------------------------------


def test_pickup_waits_for_both_regions(wworld):
    number = wworld.create()["id"]
    wworld.refused(TRANSPORTER[TRUCK_1], "Manifest:Pickup",
                   f"manifest {number} crosses from region BJ to region HB: the regulator of BJ has not approved it",
                   manifest_id=number, quantity=12_000)
    wworld.refused(REGULATOR["HB"], "Manifest:Consent", "the origin approves first, then the destination consents",
                   manifest_id=number)
    wworld.ok(REGULATOR["BJ"], "Manifest:Approve", manifest_id=number)
    wworld.refused(TRANSPORTER[TRUCK_1], "Manifest:Pickup", "the regulator of HB has not consented",
                   manifest_id=number, quantity=12_000)
    wworld.ok(REGULATOR["HB"], "Manifest:Consent", manifest_id=number)
    assert wworld.ok(TRANSPORTER[TRUCK_1], "Manifest:Pickup", manifest_id=number,
                     quantity=12_000)["status"] == "in_transit"


@pytest.mark.parametrize("who, function, message", [
    ("HB", "Manifest:Approve", "the regulator of region HB cannot approve it (the destination regulator consents"),
    ("TJ", "Manifest:Approve", "the regulator of region TJ cannot approve it"),
    ("TJ", "Manifest:Refuse", "the regulator of region TJ cannot refuse it"),
])
def test_only_the_regions_of_the_transfer_decide(wworld, who, function, message):
    number = wworld.create()["id"]
    extra = {"reason": "no"} if function == "Manifest:Refuse" else {}
    wworld.refused(REGULATOR[who], function, message, manifest_id=number, **extra)


def test_approvals_are_given_once_and_consent_only_by_the_destination(wworld):
    number = wworld.create()["id"]
    wworld.ok(REGULATOR["BJ"], "Manifest:Approve", manifest_id=number)
    wworld.refused(REGULATOR["BJ"], "Manifest:Approve", "the regulator of BJ approved manifest", manifest_id=number)
    wworld.refused(REGULATOR["BJ"], "Manifest:Consent", "the regulator of region BJ cannot consent to it",
                   manifest_id=number)
    wworld.ok(REGULATOR["HB"], "Manifest:Consent", manifest_id=number)
    wworld.refused(REGULATOR["HB"], "Manifest:Consent", "consented to manifest", manifest_id=number)


def test_either_region_refuses_with_a_reason_and_the_manifest_ends(wworld):
    number = wworld.create()["id"]
    wworld.ok(REGULATOR["BJ"], "Manifest:Approve", manifest_id=number)
    refused = wworld.ok(REGULATOR["HB"], "Manifest:Refuse", manifest_id=number, reason="facility under inspection")
    assert refused["status"] == "refused" and refused["refusal"]["reason"] == "facility under inspection"
    assert refused["refusal"]["side"] == "destination"
    wworld.refused(TRANSPORTER[TRUCK_1], "Manifest:Pickup", "it can be picked up only when scheduled",
                   manifest_id=number, quantity=12_000)
    wworld.refused(REGULATOR["HB"], "Manifest:Consent", f"manifest {number} is refused", manifest_id=number)
    [row] = wworld.query(COORDINATOR, "Manifest:Balance", of="facilities", entity=FACILITY_HB)
    assert row["committed"] == 0


def test_a_standing_approval_covers_repeated_shipments_within_its_scope(wworld):
    first = wworld.create(quantity=10_000)["id"]
    approved = wworld.ok(REGULATOR["BJ"], "Manifest:Approve", manifest_id=first, total=30_000, months=12)
    approval_id = approved["approval"]
    wworld.ok(REGULATOR["HB"], "Manifest:Consent", manifest_id=first)
    approval = wworld.query(COORDINATOR, "Manifest:ShowApproval", approval_id=approval_id)
    assert {k: approval[k] for k in ("status", "total_kg", "used_kg", "valid_until", "manifests")} == {
        "status": "active", "total_kg": 30_000, "used_kg": 10_000, "valid_until": "2027-01-01",
        "manifests": [first]}
    second = wworld.create(quantity=20_000)
    assert second["status"] == "scheduled" and second["approval"] == approval_id
    assert wworld.query(COORDINATOR, "Manifest:ShowApproval", approval_id=approval_id)["used_kg"] == 30_000
    beyond = wworld.create(quantity=1)
    other_code = wworld.create(code=PACKAGING, quantity=1_000)
    assert beyond["status"] == other_code["status"] == "pending"
    assert beyond["approval"] is None and other_code["approval"] is None
    wworld.advance(366)
    late = wworld.create(quantity=1)
    assert late["status"] == "pending"


@pytest.mark.parametrize("args, message", [
    ({"total": 11_999}, "total 11999 kg is less than the 12000 kg of manifest"),
    ({"months": 13}, "months must be a whole number from 1 to 12 (parameter waste_approval_max_months)"),
    ({"months": 0}, "months must be a whole number from 1 to 12"),
])
def test_standing_approval_limits(wworld, args, message):
    number = wworld.create()["id"]
    wworld.refused(REGULATOR["BJ"], "Manifest:Approve", message, manifest_id=number, **args)


# -- custody ------------------------------------------------------------------------------------


def test_each_signature_only_by_its_party_in_order_and_once(wworld):
    manifest = wworld.shipment("consented")
    number = manifest["id"]
    wworld.refused(TRANSPORTER[TRUCK_2], "Manifest:Pickup", f"transporter {TRUCK_2} is transporter 2 of manifest "
                   f"{number}; transporter 1 ({TRUCK_1}) signs pick-up", manifest_id=number, quantity=12_000)
    wworld.refused(TRANSPORTER[TRUCK_HB], "Manifest:Pickup", f"transporter {TRUCK_HB} is not a transporter of "
                   f"manifest {number}", manifest_id=number, quantity=12_000)
    wworld.refused(TRANSPORTER[TRUCK_1], "Manifest:Pickup", f"manifest {number} is for 12000 kg",
                   manifest_id=number, quantity=12_001)
    wworld.refused(TRANSPORTER[TRUCK_2], "Manifest:Handoff", "it can be handed off only when in_transit",
                   manifest_id=number, to=TRUCK_2)
    wworld.ok(TRANSPORTER[TRUCK_1], "Manifest:Pickup", manifest_id=number, quantity=12_000)
    wworld.refused(TRANSPORTER[TRUCK_1], "Manifest:Pickup", f"manifest {number} was picked up already",
                   manifest_id=number, quantity=12_000)
    wworld.refused(FACILITY[FACILITY_HB], "Manifest:Receive", f"transporter 2 ({TRUCK_2}) has not signed its "
                   f"hand-off of manifest {number}", manifest_id=number, quantity=12_000)
    wworld.refused(TRANSPORTER[TRUCK_1], "Manifest:Handoff", f"the hand-off to {TRUCK_2} is signed by {TRUCK_2}",
                   manifest_id=number, to=TRUCK_2)
    wworld.refused(TRANSPORTER[TRUCK_1], "Manifest:Handoff", f"transporter {TRUCK_1} signed manifest {number} "
                   f"already", manifest_id=number, to=TRUCK_1)
    wworld.ok(TRANSPORTER[TRUCK_2], "Manifest:Handoff", manifest_id=number, to=TRUCK_2)
    wworld.refused(TRANSPORTER[TRUCK_2], "Manifest:Handoff", f"transporter {TRUCK_2} signed manifest {number} "
                   f"already (step 2 of 2)", manifest_id=number, to=TRUCK_2)
    wworld.refused(FACILITY[FACILITY_BJ], "Manifest:Receive", f"manifest {number} goes to facility {FACILITY_HB}; "
                   f"{FACILITY_BJ} cannot sign its receipt", manifest_id=number, quantity=12_000)
    wworld.ok(FACILITY[FACILITY_HB], "Manifest:Receive", manifest_id=number, quantity=12_000)
    wworld.refused(FACILITY[FACILITY_HB], "Manifest:Receive", "it can be received only when in_transit",
                   manifest_id=number, quantity=12_000)


def test_three_transporters_sign_in_order(wworld):
    manifest = wworld.shipment("picked_up", transporters=[TRUCK_1, TRUCK_2, TRUCK_HB])
    number = manifest["id"]
    wworld.refused(TRANSPORTER[TRUCK_HB], "Manifest:Handoff", f"transporter {TRUCK_HB} is transporter 3 of "
                   f"manifest {number}; transporter 2 ({TRUCK_2}) signs next", manifest_id=number, to=TRUCK_HB)
    wworld.ok(TRANSPORTER[TRUCK_2], "Manifest:Handoff", manifest_id=number, to=TRUCK_2)
    handed = wworld.ok(TRANSPORTER[TRUCK_HB], "Manifest:Handoff", manifest_id=number, to=TRUCK_HB)
    assert [(e["step"], e["party"], e["region"]) for e in handed["custody"]] == [
        ("pickup", TRUCK_1, "BJ"), ("handoff", TRUCK_2, "BJ"), ("handoff", TRUCK_HB, "HB")]
    assert handed["custody"][2]["source"] == TRUCK_2


def test_dispose_needs_a_method_and_a_receipt(wworld):
    number = wworld.shipment("handed_off")["id"]
    wworld.refused(FACILITY[FACILITY_HB], "Manifest:Dispose", "it can be disposed of only when received",
                   manifest_id=number, method="R9")
    wworld.ok(FACILITY[FACILITY_HB], "Manifest:Receive", manifest_id=number, quantity=12_000)
    wworld.refused(FACILITY[FACILITY_HB], "Manifest:Dispose", "method must be a disposal", manifest_id=number,
                   method="R99")
    wworld.refused(FACILITY[FACILITY_BJ], "Manifest:Dispose", f"facility {FACILITY_BJ} cannot close it",
                   manifest_id=number, method="R9")
    closed = wworld.ok(FACILITY[FACILITY_HB], "Manifest:Dispose", manifest_id=number, method="D10")
    assert closed["disposal"]["method"] == "D10" and closed["disposal"]["quantity"] == 12_000
    wworld.refused(FACILITY[FACILITY_HB], "Manifest:Dispose", "it can be disposed of only when received",
                   manifest_id=number, method="D10")


def test_a_same_region_manifest_of_a_generator_without_violations_takes_the_green_fast_path(wworld):
    manifest = wworld.create(facility=FACILITY_BJ)
    assert manifest["status"] == "scheduled" and manifest["destination"] == "BJ"
    wworld.refused(REGULATOR["BJ"], "Manifest:Approve", "needs no regulator approval: it stays in region BJ and "
                   f"enterprise {BJ_STEEL} is green (诚信)", manifest_id=manifest["id"])
    wworld.refused(REGULATOR["BJ"], "Manifest:Consent", "consent is for cross-region transfers",
                   manifest_id=manifest["id"])
    wworld.ok(TRANSPORTER[TRUCK_1], "Manifest:Pickup", manifest_id=manifest["id"], quantity=12_000)


def test_concurrent_signatures_of_one_step_let_exactly_one_through(wworld):
    """Two transporters race for the same hand-off: both simulate against the same state, the first commit
    wins and the second one's read set is stale, so Fabric's validation marks it invalid (MVCC)."""
    from chaincode.runtime.memory import _MemoryStub
    from chaincode.runtime.router import STATUS_OK
    from common import canonical

    number = wworld.shipment("picked_up")["id"]
    router = wworld.ledger.router
    stubs = []
    for who in (TRANSPORTER[TRUCK_2], TRANSPORTER[TRUCK_2]):
        stub = _MemoryStub(wworld.ledger, f"race-{len(stubs)}", "ecoledger", wworld.ledger.clock + 1,
                           who.msp_id, who.cert_pem)
        response = router.invoke(stub, "Manifest:Handoff", [canonical.dumps({"manifest_id": number, "to": TRUCK_2})])
        assert response.status == STATUS_OK
        stubs.append(stub)
    key = wworld.key("manifest", number)
    read_version = wworld.ledger.state[key]
    # the first commits; the second's read of the manifest no longer matches the committed state
    wworld.ledger.state.update({k: v for k, v in stubs[0].writes.items() if v is not None})
    assert wworld.ledger.state[key] != read_version
    # a later attempt on the committed state is refused by the contract itself
    wworld.refused(TRANSPORTER[TRUCK_2], "Manifest:Handoff", "signed manifest", manifest_id=number, to=TRUCK_2)
    assert len(wworld.manifest(number)["custody"]) == 2


def test_every_transition_raises_its_event_and_stamps_its_signer(wworld):
    manifest = wworld.shipment("disposed", received=11_000)
    assert wworld.event_names() == ["ManifestCreated", "ManifestApproved", "ManifestConsented", "ManifestPickedUp",
                                    "ManifestHandedOff", "ManifestReceived", "ManifestDisposed"]
    assert [entry["by"]["name"] for entry in manifest["custody"]] == ["bj-truck-1", "bj-truck-2", "hb-facility"]
    assert manifest["approvals"]["origin"]["by"]["name"] == "bj-regulator"
    assert manifest["approvals"]["destination"]["by"]["name"] == "hb-regulator"
    assert manifest["disposal"]["by"]["name"] == "hb-facility"
