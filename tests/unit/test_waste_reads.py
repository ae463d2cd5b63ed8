"""Reading manifests: visibility (TJ is neither origin nor destination), lists, alerts, mass balance, roles."""

from __future__ import annotations

import pytest

from waste_world import (  # noqa: F401  (wworld is a fixture)
    FACILITY, FACILITY_BJ, FACILITY_HB, FACILITY_IN_WRONG_ORG, FACILITY_TJ, GENERATOR, OIL, PACKAGING,
    TRANSPORTER, TRUCK_1, TRUCK_2, TRUCK_HB, TRUCK_WITHOUT_ENTITY, UNLICENSED, wworld,
)
from test_permit_world import (
    BJ_POWER, BJ_STEEL, COORDINATOR, ENTERPRISE, HB_CEMENT, NO_ROLE, OUTSIDER, REGULATOR, TJ_CHEMICAL,
)


class TestVisibility:
    def test_parties_the_two_regions_and_the_coordinator_see_a_manifest_tianjin_does_not(self, wworld):
        number = wworld.shipment("handed_off")["id"]
        for who in (GENERATOR, TRANSPORTER[TRUCK_1], TRANSPORTER[TRUCK_2], FACILITY[FACILITY_HB], REGULATOR["BJ"],
                    REGULATOR["HB"], COORDINATOR):
            assert wworld.query(who, "Manifest:Show", manifest_id=number)["id"] == number
            assert wworld.query(who, "Manifest:Trace", manifest_id=number)["root"]["visible"] is True
        for who in (REGULATOR["TJ"], ENTERPRISE[TJ_CHEMICAL], ENTERPRISE[BJ_POWER], TRANSPORTER[TRUCK_HB],
                    FACILITY[FACILITY_TJ]):
            wworld.query_refused(who, "Manifest:Show", f"manifest {number} is outside the data permission",
                                 manifest_id=number)
            wworld.query_refused(who, "Manifest:History", "is outside the data permission", manifest_id=number)
            wworld.query_refused(who, "Manifest:Trace", "is outside the data permission", manifest_id=number)
        assert wworld.query(REGULATOR["TJ"], "Manifest:List") == []
        assert [m["id"] for m in wworld.query(REGULATOR["HB"], "Manifest:List")] == [number]
        assert wworld.query(REGULATOR["TJ"], "Manifest:Balance") == []
        assert all(not page["items"] for page in
                   wworld.ledger.result(wworld.ledger.evaluate(REGULATOR["TJ"], "Manifest:Alerts"))["alerts"].values())

    def test_a_linked_manifest_seen_by_tianjin_shows_its_origin_as_hidden(self, wworld):
        number = wworld.shipment("received")["id"]
        linked = wworld.ok(FACILITY[FACILITY_HB], "Manifest:Reject", manifest_id=number, quantity=12_000,
                           to=FACILITY_TJ, reason="incinerator down")["linked"]["id"]
        trace = wworld.query(REGULATOR["TJ"], "Manifest:Trace", manifest_id=linked)
        assert trace["root"] == {"id": number, "visible": False, "links": [trace["root"]["links"][0]]}
        assert trace["root"]["links"][0]["visible"] is True


class TestLists:
    def test_lists_by_party_region_and_status(self, wworld):
        a = wworld.shipment("created")["id"]
        b = wworld.shipment("picked_up")["id"]
        c = wworld.create(facility=FACILITY_BJ, transporters=[TRUCK_HB])["id"]
        ids = lambda rows: [row["id"] for row in rows]  # noqa: E731
        assert ids(wworld.query(GENERATOR, "Manifest:List")) == [a, b, c]
        assert ids(wworld.query(TRANSPORTER[TRUCK_HB], "Manifest:List")) == [c]
        assert ids(wworld.query(FACILITY[FACILITY_HB], "Manifest:List")) == [a, b]
        assert ids(wworld.query(REGULATOR["BJ"], "Manifest:List", status="in_transit")) == [b]
        assert ids(wworld.query(COORDINATOR, "Manifest:List", status="scheduled")) == [c]
        assert ids(wworld.query(COORDINATOR, "Manifest:List", region="HB")) == [a, b]
        assert ids(wworld.query(COORDINATOR, "Manifest:List", entity=TRUCK_HB)) == [c]
        page = wworld.page(COORDINATOR, "Manifest:List", limit=2)
        assert len(page["items"]) == 2 and page["more"] is True
        rest = wworld.page(COORDINATOR, "Manifest:List", limit=2, bookmark=page["bookmark"])
        assert ids(page["items"] + rest["items"]) == [a, b, c]

    @pytest.mark.parametrize("who, args, message", [
        ("generator", {"entity": HB_CEMENT}, f"lists its own manifests only, not those of {HB_CEMENT}"),
        ("bj", {"region": "HB"}, "the regulator of region BJ lists manifests of region BJ only"),
        ("bj", {"status": "lost"}, "status must be one of pending"),
    ])
    def test_list_refusals(self, wworld, who, args, message):
        caller = GENERATOR if who == "generator" else REGULATOR["BJ"]
        wworld.query_refused(caller, "Manifest:List", message, **args)


class TestAlerts:
    def alerts(self, world, who=COORDINATOR, **args):
        result = world.ledger.result(world.ledger.evaluate(who, "Manifest:Alerts", **args))
        result = result if "kind" in args else result["alerts"]
        return {kind: [item.get("manifest") or item.get("approval") for item in page["items"]]
                for kind, page in (result.items() if "kind" not in args else [(args["kind"], result)])}

    def test_gaps_show_by_themselves_as_time_passes(self, wworld):
        moving = wworld.shipment("picked_up")["id"]
        arrived = wworld.shipment("received")["id"]
        short = wworld.shipment("received", received=9_000)["id"]
        assert self.alerts(wworld) == {"in_transit": [], "no_receipt": [], "unconfirmed": [], "discrepancy": [],
                                       "approval_expiring": []}
        wworld.advance(5.5)
        assert self.alerts(wworld)["in_transit"] == [moving]
        wworld.advance(10)
        assert self.alerts(wworld, kind="discrepancy") == {"discrepancy": [short]}
        wworld.advance(20)  # 35.5 days
        got = wworld.ledger.result(wworld.ledger.evaluate(COORDINATOR, "Manifest:Alerts", kind="no_receipt"))
        [item] = got["items"]
        assert item["manifest"] == moving and item["level"] == "contact" and item["days"] == 35
        assert self.alerts(wworld)["unconfirmed"] == [arrived, short]
        wworld.advance(10)
        got = wworld.ledger.result(wworld.ledger.evaluate(COORDINATOR, "Manifest:Alerts", kind="no_receipt"))
        assert got["items"][0]["level"] == "exception"
        assert self.alerts(wworld, who=REGULATOR["TJ"])["in_transit"] == []
        assert self.alerts(wworld, who=TRANSPORTER[TRUCK_1])["in_transit"] == [moving]

    def test_approvals_about_to_expire(self, wworld):
        number = wworld.create()["id"]
        approval = wworld.ok(REGULATOR["BJ"], "Manifest:Approve", manifest_id=number, total=50_000,
                             months=2)["approval"]
        assert self.alerts(wworld)["approval_expiring"] == []  # requested, not yet active
        wworld.ok(REGULATOR["HB"], "Manifest:Consent", manifest_id=number)
        assert self.alerts(wworld)["approval_expiring"] == []
        wworld.advance(31)
        assert self.alerts(wworld)["approval_expiring"] == [approval]
        wworld.advance(40)
        assert self.alerts(wworld)["approval_expiring"] == []  # expired: no longer "about to"

    def test_the_periods_are_parameters(self, wworld):
        moving = wworld.shipment("picked_up")["id"]
        wworld.set_parameter("waste_transit_max_days", 1)
        wworld.advance(1.5)
        assert self.alerts(wworld)["in_transit"] == [moving]

    def test_a_bookmark_needs_a_kind(self, wworld):
        wworld.query_refused(COORDINATOR, "Manifest:Alerts", "give kind as well", bookmark="00")
        wworld.query_refused(COORDINATOR, "Manifest:Alerts", "kind must be one of in_transit", kind="late")


class TestBalance:
    def test_the_mass_balance_adds_up_over_a_year_of_shipments(self, wworld):
        wworld.shipment("disposed")
        wworld.shipment("picked_up")
        rejected = wworld.shipment("received")["id"]
        wworld.ok(FACILITY[FACILITY_HB], "Manifest:Reject", manifest_id=rejected, quantity=3_000, to="generator",
                  reason="mixed waste")
        wworld.shipment("created")
        [row] = wworld.query(GENERATOR, "Manifest:Balance")
        assert {k: row[k] for k in ("manifests", "created", "shipped", "in_transit", "received", "rejected",
                                    "disposed", "difference", "adds_up", "flag")} == {
            "manifests": 4, "created": 48_000, "shipped": 36_000, "in_transit": 12_000, "received": 24_000,
            "rejected": 3_000, "disposed": 12_000, "difference": 0, "adds_up": True, "flag": None}
        [intake] = wworld.query(FACILITY[FACILITY_HB], "Manifest:Balance", of="facilities")
        assert {k: intake[k] for k in ("committed", "received", "disposed", "capacity", "adds_up")} == {
            "committed": 45_000, "received": 21_000, "disposed": 12_000, "capacity": 500_000, "adds_up": True}

    def test_an_open_discrepancy_does_not_add_up_until_resolved(self, wworld):
        number = wworld.shipment("received", received=10_560)["id"]
        [row] = wworld.query(COORDINATOR, "Manifest:Balance", entity=BJ_STEEL)
        assert row["difference"] == 1_440 and row["adds_up"] is False
        assert row["flag"] == "1440 kg picked up are neither in transit nor received (open discrepancies)"
        wworld.ok(REGULATOR["HB"], "Manifest:Resolve", manifest_id=number, reason="loss confirmed")
        [row] = wworld.query(COORDINATOR, "Manifest:Balance", entity=BJ_STEEL)
        assert row["adds_up"] is True and row["explained"] == 1_440

    def test_balances_by_code_and_visibility(self, wworld):
        wworld.shipment("created")
        wworld.shipment("created", code=PACKAGING, quantity=1_000)
        assert [row["code"] for row in wworld.query(REGULATOR["BJ"], "Manifest:Balance")] == [OIL, PACKAGING]
        assert wworld.query(REGULATOR["HB"], "Manifest:Balance") == []
        assert len(wworld.query(REGULATOR["HB"], "Manifest:Balance", of="facilities")) == 1
        wworld.query_refused(GENERATOR, "Manifest:Balance", "reads its own balance only", entity=HB_CEMENT)
        wworld.query_refused(REGULATOR["HB"], "Manifest:Balance", "belongs to region BJ; it is outside region HB",
                             entity=BJ_STEEL)


class TestFacilities:
    def test_a_regulator_licenses_facilities_of_its_region(self, wworld):
        licence = wworld.ok(REGULATOR["HB"], "Facility:Licence", entity=FACILITY_HB, codes=[OIL], capacity=1_000,
                            until="2030-06-30")
        assert licence["version"] == 2 and licence["codes"] == [OIL] and licence["region"] == "HB"
        shown = wworld.query(REGULATOR["TJ"], "Facility:Show", entity=FACILITY_HB)
        assert shown["capacity_kg"] == 1_000 and shown["intake"]["committed"] == 0
        assert [row["entity"] for row in wworld.query(COORDINATOR, "Facility:List", region="HB")] == [FACILITY_HB]

    @pytest.mark.parametrize("who, args, message", [
        ("BJ", {}, f"facility {FACILITY_HB} is licensed in region HB; the regulator of region BJ cannot change"),
        ("HB", {"codes": []}, "codes must be a non-empty list of waste codes"),
        ("HB", {"codes": ["HW08 900-249-08", "HW08 900-249-08"]}, "codes must not repeat"),
        ("HB", {"codes": ["HW99 900-249-99"]}, "codes[0] category HW99 is not one of HW01 to HW50"),
        ("HB", {"capacity": 0}, "capacity must be positive"),
        ("HB", {"until": "2025-12-31"}, "until 2025-12-31 is in the past"),
        ("HB", {"until": "31/12/2027"}, "until must be a date like 2027-12-31"),
        ("HB", {"entity": "x"}, "is not a valid unified social credit code"),
    ])
    def test_licence_refusals(self, wworld, who, args, message):
        base = {"entity": FACILITY_HB, "codes": [OIL], "capacity": 1_000, "until": "2027-12-31"}
        wworld.refused(REGULATOR[who], "Facility:Licence", message, **{**base, **args})


# -- role matrix: each transaction refuses the roles that may not call it, naming the rule ----------


ARGS = {
    "Manifest:Create": {"code": OIL, "quantity": 1_000, "form": "bulk", "facility": FACILITY_HB,
                        "transporters": [TRUCK_1], "hazards": ["T"]},
    "Manifest:Approve": {}, "Manifest:Consent": {}, "Manifest:Refuse": {"reason": "no"},
    "Manifest:Pickup": {"quantity": 1_000}, "Manifest:Handoff": {"to": TRUCK_2},
    "Manifest:Receive": {"quantity": 1_000}, "Manifest:Reject": {"quantity": 1, "to": "generator", "reason": "x"},
    "Manifest:Resolve": {"reason": "x"}, "Manifest:Dispose": {"method": "R9"},
    "Manifest:Answer": {"accept": True},
}
WRONG = {
    "Manifest:Create": [(REGULATOR["BJ"], "role 'enterprise' is required for Manifest:Create"),
                        (TRANSPORTER[TRUCK_1], "role 'enterprise' is required"),
                        (FACILITY[FACILITY_HB], "role 'enterprise' is required"),
                        (COORDINATOR, "role 'enterprise' is required"),
                        (NO_ROLE, "role 'enterprise' is required"),
                        (OUTSIDER, "organization SHMSP is not a registered consortium member")],
    "Manifest:Approve": [(GENERATOR, "role 'regulator' is required for Manifest:Approve"),
                         (TRANSPORTER[TRUCK_1], "role 'regulator' is required"),
                         (FACILITY[FACILITY_HB], "role 'regulator' is required")],
    "Manifest:Consent": [(GENERATOR, "role 'regulator' is required for Manifest:Consent"),
                         (COORDINATOR, "role 'regulator' is required")],
    "Manifest:Refuse": [(GENERATOR, "role 'regulator' is required for Manifest:Refuse"),
                        (FACILITY[FACILITY_HB], "role 'regulator' is required")],
    "Manifest:Pickup": [(GENERATOR, "role 'transporter' is required for Manifest:Pickup"),
                        (REGULATOR["BJ"], "role 'transporter' is required"),
                        (FACILITY[FACILITY_HB], "role 'transporter' is required"),
                        (TRUCK_WITHOUT_ENTITY, "carries entity '(none)', which is not a valid")],
    "Manifest:Handoff": [(GENERATOR, "role 'transporter' is required for Manifest:Handoff"),
                         (REGULATOR["HB"], "role 'transporter' is required")],
    "Manifest:Receive": [(GENERATOR, "role 'facility' is required for Manifest:Receive"),
                         (TRANSPORTER[TRUCK_2], "role 'facility' is required"),
                         (FACILITY[UNLICENSED], f"facility {UNLICENSED} has no licence"),
                         (FACILITY_IN_WRONG_ORG, "it acts through that region's organization, not BJMSP")],
    "Manifest:Reject": [(GENERATOR, "role 'facility' is required for Manifest:Reject"),
                        (REGULATOR["HB"], "role 'facility' is required")],
    "Manifest:Resolve": [(FACILITY[FACILITY_HB], "role 'regulator' is required for Manifest:Resolve"),
                         (GENERATOR, "role 'regulator' is required")],
    "Manifest:Dispose": [(GENERATOR, "role 'facility' is required for Manifest:Dispose"),
                         (TRANSPORTER[TRUCK_2], "role 'facility' is required")],
    "Manifest:Answer": [(REGULATOR["BJ"], "has no open correction")],
}


@pytest.mark.parametrize("function, who, message",
                         [(function, who, message) for function, rows in WRONG.items() for who, message in rows])
def test_role_matrix(wworld, function, who, message):
    number = wworld.shipment("created")["id"]
    args = dict(ARGS[function])
    if function != "Manifest:Create":
        args["manifest_id"] = number
    wworld.refused(who, function, message, **args)


@pytest.mark.parametrize("who", [GENERATOR, TRANSPORTER[TRUCK_1], FACILITY[FACILITY_HB], COORDINATOR])
def test_only_regulators_license_facilities(wworld, who):
    wworld.refused(who, "Facility:Licence", "role 'regulator' is required for Facility:Licence", entity=FACILITY_HB,
                   codes=[OIL], capacity=1, until="2027-12-31")


def test_unknown_manifests_and_numbers(wworld):
    wworld.query_refused(COORDINATOR, "Manifest:Show", "manifest 20261100000999 does not exist",
                         manifest_id="20261100000999")
    wworld.query_refused(COORDINATOR, "Manifest:Show", "manifest must be 14 digits", manifest_id="M-1")
    wworld.query_refused(NO_ROLE, "Manifest:Show", "role 'regulator', 'enterprise', 'transporter' or 'facility'",
                         manifest_id="20261100000001")


@pytest.mark.parametrize("function, args", [
    ("Manifest:Show", {}), ("Manifest:History", {}), ("Manifest:Trace", {}), ("Manifest:List", None),
    ("Manifest:Alerts", None), ("Manifest:Balance", None),
])
@pytest.mark.parametrize("who, message", [
    ("station", "role 'regulator', 'enterprise', 'transporter' or 'facility'"),
    ("no-role", "role 'regulator', 'enterprise', 'transporter' or 'facility'"),
    ("outsider", "organization SHMSP is not a registered consortium member"),
])
def test_reads_refuse_roles_without_data_permission(wworld, function, args, who, message):
    from monitoring_world import STATION

    caller = {"station": STATION["BJ"], "no-role": NO_ROLE, "outsider": OUTSIDER}[who]
    number = wworld.shipment("created")["id"]
    wworld.query_refused(caller, function, message, **({} if args is None else {"manifest_id": number}))


@pytest.mark.parametrize("who, message", [
    (NO_ROLE, "role 'regulator', 'enterprise', 'transporter' or 'facility' (or an identity of the coordinator "
              "organization) is required for Manifest:Correct; bj-clerk@BJMSP has no role"),
    (OUTSIDER, "organization SHMSP is not a registered consortium member"),
])
def test_corrections_refuse_callers_without_a_role(wworld, who, message):
    number = wworld.shipment("created")["id"]
    wworld.refused(who, "Manifest:Correct", message, manifest_id=number, field="hazards", value=["T"], reason="r")
