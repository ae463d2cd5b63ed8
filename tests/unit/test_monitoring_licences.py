"""Licences and devices on the in-memory ledger: versions, readers, bindings, and every refusal."""

from __future__ import annotations

import pytest

from monitoring_world import (  # noqa: F401  (mworld is a fixture)
    CO_MONITOR, MN_CEMENT_AIR, MN_STEEL_AIR, NAMELESS_STATION, STATION, TRANSPORTER, WRONG_REGION_STATION,
    cement_licence, mworld, steel_licence,
)
from test_permit_world import (
    BJ_POWER, BJ_STEEL, COORDINATOR, COORDINATOR_OFFICIAL, ENTERPRISE, HB_CEMENT, IMPOSTOR, NO_ROLE, OUTSIDER,
    REGULATOR, TJ_CHEMICAL, UNREGISTERED,
)


class TestLicenceSet:
    def test_the_regulator_records_a_licence_and_every_version_is_kept(self, world):
        first = world.ok(REGULATOR["BJ"], "Licence:Set", entity=BJ_STEEL, licence=steel_licence())
        assert (first["id"], first["entity"], first["region"], first["version"]) == (
            f"{BJ_STEEL}.v1", BJ_STEEL, "BJ", 1)
        assert first["outlets"] == steel_licence()["outlets"] and first["valid_to"] == "2027-12-31"
        assert first["set"]["by"] == {"msp_id": "BJMSP", "name": "bj-regulator", "role": "regulator"}
        assert world.ledger.events[-1] == ("LicenceSet", {
            "entity": BJ_STEEL, "region": "BJ", "version": 1, "number": "91110000MA01BJ001-001P",
            "valid_from": "2025-01-01", "valid_to": "2027-12-31", "outlets": ["DA001", "DA002", "DW001"],
            "tx_id": first["set"]["tx_id"]})
        second = world.ok(REGULATOR["BJ"], "Licence:Set", entity=BJ_STEEL,
                          licence=steel_licence(number="91110000MA01BJ001-002P", so2_annual_kg=8_000))
        assert second["version"] == 2
        shown = world.query(ENTERPRISE[BJ_STEEL], "Licence:Show", entity=BJ_STEEL)
        assert shown == second and shown["outlets"][0]["limits"][0]["annual_kg"] == 8_000
        history = world.query(COORDINATOR, "Licence:History", entity=BJ_STEEL)
        assert [version["version"] for version in history] == [2, 1]
        assert history[1] == first

    def test_history_pages_newest_first(self, world):
        for number in range(1, 5):
            world.ok(REGULATOR["HB"], "Licence:Set", entity=HB_CEMENT, licence={**cement_licence(),
                                                                                "number": f"P-{number}"})
        first = world.page(REGULATOR["HB"], "Licence:History", entity=HB_CEMENT, limit=3)
        assert [v["number"] for v in first["items"]] == ["P-4", "P-3", "P-2"] and first["more"] is True
        second = world.page(REGULATOR["HB"], "Licence:History", entity=HB_CEMENT, limit=3,
                            bookmark=first["bookmark"])
        assert [v["number"] for v in second["items"]] == ["P-1"] and second["more"] is False
        world.query_refused(REGULATOR["HB"], "Licence:History", "limit must be a whole number from 1 to 500",
                            entity=HB_CEMENT, limit=501)

    @pytest.mark.parametrize("who, entity, message", [
        (ENTERPRISE[BJ_STEEL], BJ_STEEL, "role 'regulator' is required for Licence:Set; bj-steel@BJMSP has role "
                                         "'enterprise'"),
        (STATION["BJ"], BJ_STEEL, "role 'regulator' is required for Licence:Set"),
        (NO_ROLE, BJ_STEEL, "bj-clerk@BJMSP has no role"),
        (REGULATOR["HB"], BJ_STEEL, f"enterprise {BJ_STEEL} is not registered in region HB (it is registered in "
                                    f"region BJ)"),
        (COORDINATOR_OFFICIAL, BJ_STEEL, "COMSP is the coordinator organization, which reads but does not "
                                         "regulate"),
        (OUTSIDER, BJ_STEEL, "organization SHMSP is not a registered consortium member"),
        (REGULATOR["BJ"], UNREGISTERED, f"enterprise {UNREGISTERED} is not registered"),
        (REGULATOR["BJ"], "91110000MA01BJ001X", "is not a valid unified social credit code"),
    ])
    def test_only_the_regulator_of_the_enterprises_region_sets_its_licence(self, world, who, entity, message):
        world.refused(who, "Licence:Set", message, entity=entity, licence=steel_licence())

    def test_a_bad_licence_is_refused_naming_the_field_and_nothing_is_written(self, world):
        licence = steel_licence()
        licence["outlets"][1]["limits"][0]["limit_ug"] = 0
        world.refused(REGULATOR["BJ"], "Licence:Set", "licence.outlets[1].limits[0].limit_ug must be a whole number",
                      entity=BJ_STEEL, licence=licence)
        world.refused(REGULATOR["BJ"], "Licence:Set", "licence must be an object", entity=BJ_STEEL, licence="P-1")
        world.refused(REGULATOR["BJ"], "Licence:Set", "Licence:Set: missing field(s) licence", entity=BJ_STEEL)


class TestLicenceReaders:
    @pytest.mark.parametrize("who", [ENTERPRISE[BJ_STEEL], REGULATOR["BJ"], COORDINATOR, COORDINATOR_OFFICIAL,
                                     STATION["BJ"], NAMELESS_STATION])
    def test_the_enterprise_its_regulator_its_regions_stations_and_the_coordinator_read_it(self, mworld, who):
        assert mworld.query(who, "Licence:Show", entity=BJ_STEEL)["version"] == 1
        assert len(mworld.query(who, "Licence:History", entity=BJ_STEEL)) == 1

    @pytest.mark.parametrize("who, message", [
        (ENTERPRISE[BJ_POWER], f"the monitoring data of enterprise {BJ_STEEL} is outside the data permission "
                               f"of bj-power@BJMSP"),
        (REGULATOR["TJ"], "outside the data permission of tj-regulator@TJMSP"),
        (STATION["HB"], "outside the data permission of hb-station@HBMSP"),
        (WRONG_REGION_STATION, "monitor bj-wrong-station@BJMSP has region attribute 'TJ', but BJMSP runs region BJ"),
        (TRANSPORTER, "role 'regulator', 'enterprise' or 'monitor' (or an identity of the coordinator "
                      "organization) is required for Licence:"),
        (IMPOSTOR, f"enterprise {BJ_STEEL} is not registered in region HB"),
        (OUTSIDER, "organization SHMSP is not a registered consortium member"),
    ])
    def test_everyone_else_is_refused(self, mworld, who, message):
        mworld.query_refused(who, "Licence:Show", message, entity=BJ_STEEL)
        mworld.query_refused(who, "Licence:History", message, entity=BJ_STEEL)

    def test_an_enterprise_without_a_licence_is_a_clear_not_found(self, mworld):
        mworld.query_refused(REGULATOR["BJ"], "Licence:Show", f"enterprise {BJ_POWER} has no licence; the regulator "
                             f"of its region records one with Licence:Set", entity=BJ_POWER)
        assert mworld.query(REGULATOR["BJ"], "Licence:History", entity=BJ_POWER) == []
        mworld.query_refused(REGULATOR["BJ"], "Licence:Show", f"enterprise {UNREGISTERED} is not registered",
                             entity=UNREGISTERED)


class TestDevices:
    def test_regulator_and_enterprise_bind_a_device_once_and_anyone_in_the_consortium_reads_it(self, mworld):
        device = mworld.ok(ENTERPRISE[BJ_STEEL], "Monitor:RegisterDevice", entity=BJ_STEEL, outlet="DW001",
                           mn="010000A8900016F000169DC0")
        assert {k: device[k] for k in ("mn", "entity", "outlet", "region", "medium", "kind")} == {
            "mn": "010000A8900016F000169DC0", "entity": BJ_STEEL, "outlet": "DW001", "region": "BJ",
            "medium": "water", "kind": "main"}
        assert mworld.ledger.events[-1] == ("DeviceRegistered", {
            "mn": "010000A8900016F000169DC0", "entity": BJ_STEEL, "outlet": "DW001", "region": "BJ",
            "medium": "water", "tx_id": device["registered"]["tx_id"]})
        for who in (TRANSPORTER, REGULATOR["TJ"], ENTERPRISE[TJ_CHEMICAL], NO_ROLE, COORDINATOR):
            assert mworld.query(who, "Monitor:Device", mn="010000A8900016F000169DC0") == device
        outlets = [(d["outlet"], d["mn"]) for d in mworld.query(NO_ROLE, "Monitor:Devices", entity=BJ_STEEL)]
        assert outlets == [("DA001", "BJSTATION0001"), ("DA001", "STEEL0DA001"), ("DA002", "STEEL0DA002"),
                           ("DW001", "010000A8900016F000169DC0"), ("DW001", "STEEL0DW001")]

    @pytest.mark.parametrize("who, entity, outlet, mn, message", [
        (REGULATOR["BJ"], BJ_STEEL, "DW001", MN_STEEL_AIR,
         f"device {MN_STEEL_AIR} is already registered to outlet DA001 of enterprise {BJ_STEEL}; a device measures "
         f"one outlet and is never rebound"),
        (REGULATOR["BJ"], BJ_STEEL, "DA001", MN_STEEL_AIR, "is already registered to outlet DA001"),
        (REGULATOR["HB"], HB_CEMENT, "DA001", MN_STEEL_AIR, "is already registered"),
        (REGULATOR["BJ"], BJ_STEEL, "DA009", "NEW1",
         f"outlet DA009 is not in the current licence of enterprise {BJ_STEEL} (version 1: DA001, DA002, DW001)"),
        (REGULATOR["BJ"], BJ_POWER, "DA001", "NEW1", f"enterprise {BJ_POWER} has no licence"),
        (REGULATOR["BJ"], HB_CEMENT, "DA001", "NEW1", f"enterprise {HB_CEMENT} is not registered in region BJ"),
        (REGULATOR["TJ"], BJ_STEEL, "DA001", "NEW1", f"enterprise {BJ_STEEL} is not registered in region TJ"),
        (ENTERPRISE[BJ_POWER], BJ_STEEL, "DA001", "NEW1",
         f"enterprise {BJ_POWER} registers devices for its own outlets only, not for enterprise {BJ_STEEL}"),
        (IMPOSTOR, BJ_STEEL, "DA001", "NEW1", f"enterprise {BJ_STEEL} is not registered in region HB"),
        (STATION["BJ"], BJ_STEEL, "DA001", "NEW1",
         "role 'regulator' (of the enterprise's region) or 'enterprise' (for its own outlets) is required for "
         "Monitor:RegisterDevice; bj-station@BJMSP has role 'monitor'"),
        (COORDINATOR, BJ_STEEL, "DA001", "NEW1", "has role 'auditor'"),
        (COORDINATOR_OFFICIAL, BJ_STEEL, "DA001", "NEW1", "reads but does not regulate"),
        (REGULATOR["BJ"], BJ_STEEL, "DA001", "A" * 25, "mn must be an HJ 212 device id of 1 to 24 letters and digits"),
        (REGULATOR["BJ"], BJ_STEEL, "DA001", "MN-1", "mn must be an HJ 212 device id"),
        (REGULATOR["BJ"], BJ_STEEL, "da001", "NEW1", "outlet must be an outlet id of 1 to 16 capital letters"),
        (REGULATOR["BJ"], "not-a-code", "DA001", "NEW1", "is not a valid unified social credit code"),
    ])
    def test_refusals_name_the_reason_and_write_nothing(self, mworld, who, entity, outlet, mn, message):
        mworld.refused(who, "Monitor:RegisterDevice", message, entity=entity, outlet=outlet, mn=mn)

    def test_unknown_devices_and_outsiders(self, mworld):
        mworld.query_refused(NO_ROLE, "Monitor:Device", "device NOPE is not registered; the regulator (or the "
                             "enterprise) binds it to an outlet with Monitor:RegisterDevice", mn="NOPE")
        mworld.query_refused(OUTSIDER, "Monitor:Device", "organization SHMSP is not a registered consortium member",
                             mn=MN_CEMENT_AIR)
        mworld.query_refused(NO_ROLE, "Monitor:Device", "mn must be an HJ 212 device id", mn="")
        mworld.query_refused(CO_MONITOR, "Monitor:Devices", "is not a valid unified social credit code", entity="x")
