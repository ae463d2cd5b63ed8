"""Year-end compliance: reported emissions against surrendered allowances, shortfalls, penalties, debts."""

from __future__ import annotations

import pytest

from chaincode.monitoring.compliance import kilograms_of, penalty_fen, shortfall
from monitoring_world import (  # noqa: F401  (mworld is a fixture)
    MN_STATION_STEEL, MN_STEEL_AIR, MN_STEEL_WATER, STATION, TRANSPORTER, clean_day, details, entry, mworld,
)
from test_permit_world import (
    BJ_POWER, BJ_STEEL, COORDINATOR, COORDINATOR_OFFICIAL, ENTERPRISE, HB_CEMENT, REGULATOR, UNREGISTERED,
)

JAN_2027 = 1_798_761_600.0  # 2027-01-01T00:00:00Z


def test_the_arithmetic_rounds_in_favour_of_the_environment():
    assert [kilograms_of(g) for g in (0, 1, 999, 1_000, 1_001)] == [0, 1, 1, 1, 2]
    assert penalty_fen(501, 1_000_000) == 501_000 and penalty_fen(1, 1_500) == 2 and penalty_fen(0, 10) == 0
    assert shortfall(2_501, 0, 2_000) == 501 and shortfall(1_000, 501, 2_000) == 0


@pytest.fixture
def reported(mworld):
    """Beijing Steel reported 2,500,001 g of SO2 (DA001) and 30 kg of COD (DW001) for 2025; a station 9 t more."""
    mworld.submit(ENTERPRISE[BJ_STEEL], MN_STEEL_AIR, "2025-05-01", clean_day("2025-05-01", so2_g=1_500_000))
    mworld.submit(ENTERPRISE[BJ_STEEL], MN_STEEL_AIR, "2025-05-02", clean_day("2025-05-02", so2_g=1_000_001))
    mworld.submit(STATION["BJ"], MN_STATION_STEEL, "2025-05-03", clean_day("2025-05-03", so2_g=9_000_000))
    mworld.submit(ENTERPRISE[BJ_STEEL], MN_STEEL_WATER, "2025-05", details(entry("w01018", 30_000, [])))
    mworld.issue(BJ_STEEL, 3_000, vintage=2025)
    mworld.ok(ENTERPRISE[BJ_STEEL], "Permit:Surrender", pollutant="SO2", year=2025, quantity=2_000)
    mworld.ledger.events.clear()
    return mworld


class TestVerify:
    def test_a_shortfall_is_a_violation_with_its_penalty_and_stays_owed_into_the_next_year(self, reported):
        record = reported.ok(REGULATOR["BJ"], "Compliance:Verify", entity=BJ_STEEL, year=2025, pollutant="SO2")
        assert {k: v for k, v in record.items() if k not in ("violation", "verified")} == {
            "entity": BJ_STEEL, "region": "BJ", "year": 2025, "pollutant": "SO2", "reported_g": 2_500_001,
            "verified_kg": 2_501, "basis": "reports", "owed_kg": 0, "required_kg": 2_501, "surrendered_kg": 2_000,
            "shortfall_kg": 501, "penalty_fen_per_tonne": 1_000_000, "penalty_fen": 501_000}
        assert reported.event_names() == ["ComplianceVerified", "ViolationRecorded"]
        violation = reported.query(ENTERPRISE[BJ_STEEL], "Violation:Show", violation_id=record["violation"])
        assert (violation["kind"], violation["severity"], violation["year"]) == ("allowance_shortfall", "serious",
                                                                                2025)
        assert violation["evidence"]["shortfall_kg"] == 501 and violation["evidence"]["penalty_fen"] == 501_000
        reported.refused(REGULATOR["BJ"], "Compliance:Verify", f"the 2025 emissions of SO2 of enterprise {BJ_STEEL} "
                         f"were verified already", entity=BJ_STEEL, year=2025, pollutant="SO2")

        reported.ledger.clock = JAN_2027
        reported.submit(ENTERPRISE[BJ_STEEL], MN_STEEL_AIR, "2026-03-01", clean_day("2026-03-01", so2_g=1_000_000))
        reported.issue(BJ_STEEL, 600, vintage=2026)
        reported.ok(ENTERPRISE[BJ_STEEL], "Permit:Surrender", pollutant="SO2", year=2026, quantity=1_501)
        settled = reported.ok(REGULATOR["BJ"], "Compliance:Verify", entity=BJ_STEEL, year=2026, pollutant="SO2")
        assert (settled["verified_kg"], settled["owed_kg"], settled["required_kg"], settled["surrendered_kg"],
                settled["shortfall_kg"], settled["penalty_fen"], settled["violation"]) == (
            1_000, 501, 1_501, 1_501, 0, 0, None)
        assert reported.event_names()[-1] == "ComplianceVerified"

    def test_the_regulator_may_verify_a_quantity_of_its_own_and_the_penalty_is_a_parameter(self, reported):
        reported.set_parameter("shortfall_penalty_fen_per_tonne", 1_500)
        record = reported.ok(REGULATOR["BJ"], "Compliance:Verify", entity=BJ_STEEL, year=2025, pollutant="COD",
                             quantity=31)
        assert (record["reported_g"], record["verified_kg"], record["basis"], record["shortfall_kg"],
                record["penalty_fen"]) == (30_000, 31, "regulator", 31, 47)
        nothing = reported.ok(REGULATOR["HB"], "Compliance:Verify", entity=HB_CEMENT, year=2025, pollutant="NOx")
        assert (nothing["verified_kg"], nothing["shortfall_kg"], nothing["violation"]) == (0, 0, None)

    @pytest.mark.parametrize("who, changes, message", [
        (ENTERPRISE[BJ_STEEL], {}, "role 'regulator' is required for Compliance:Verify"),
        (STATION["BJ"], {}, "role 'regulator' is required for Compliance:Verify"),
        (COORDINATOR_OFFICIAL, {}, "reads but does not regulate"),
        (REGULATOR["HB"], {}, f"enterprise {BJ_STEEL} is not registered in region HB"),
        (REGULATOR["BJ"], {"entity": UNREGISTERED}, f"enterprise {UNREGISTERED} is not registered"),
        (REGULATOR["BJ"], {"year": 2026}, "emission year 2026 has not ended (ledger date 2026-01-01); its emissions "
                                          "are verified from 2027-01-01 on"),
        (REGULATOR["BJ"], {"year": "2025"}, "year must be a year between"),
        (REGULATOR["BJ"], {"pollutant": "CO2"}, "pollutant 'CO2' is not one of SO2, NOx, COD, NH3-N, VOCs, PM"),
        (REGULATOR["BJ"], {"quantity": -1}, "quantity must be a whole number of kilograms from 0"),
        (REGULATOR["BJ"], {"quantity": 2.5}, "quantity must be a whole number of kilograms"),
    ])
    def test_refusals(self, reported, who, changes, message):
        reported.refused(who, "Compliance:Verify", message,
                         **{"entity": BJ_STEEL, "year": 2025, "pollutant": "SO2", **changes})


class TestShow:
    def test_the_year_per_pollutant_with_reported_loads_and_verifications(self, reported):
        verified = reported.ok(REGULATOR["BJ"], "Compliance:Verify", entity=BJ_STEEL, year=2025, pollutant="SO2")
        for who in (ENTERPRISE[BJ_STEEL], REGULATOR["BJ"], STATION["BJ"], COORDINATOR):
            year = reported.query(who, "Compliance:Show", entity=BJ_STEEL, year=2025)
            assert [row["pollutant"] for row in year["pollutants"]] == ["COD", "SO2"]
            cod, so2 = year["pollutants"]
            assert (cod["reported_g"], cod["reported_kg"], cod["verification"]) == (30_000, 30, None)
            assert (so2["reported_g"], so2["reported_kg"], so2["verification"]) == (2_500_001, 2_501, verified)
            assert so2["outlets"] == [{"outlet": "DA001", "factor": "a21026", "load_g": 2_500_001, "reports": 2,
                                       "violation": None}]
        assert reported.query(COORDINATOR, "Compliance:Show", entity=BJ_STEEL, year=2024)["pollutants"] == []

    @pytest.mark.parametrize("who, message", [
        (ENTERPRISE[BJ_POWER], f"the monitoring data of enterprise {BJ_STEEL} is outside the data permission"),
        (REGULATOR["HB"], "is outside the data permission of hb-regulator@HBMSP"),
        (TRANSPORTER, "is required for Compliance:Show"),
    ])
    def test_show_refusals(self, reported, who, message):
        reported.query_refused(who, "Compliance:Show", message, entity=BJ_STEEL, year=2025)
